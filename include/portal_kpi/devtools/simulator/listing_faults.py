"""Fault switches of the simulator's listings (the fault suite's misbehaving portal).

* ``listing_fault`` on ``listing_fault_endpoint``: ``cycle`` (the last page names the
  cursor of page 2 again instead of ending), ``endless_empty`` (after the last page, empty
  pages with a new cursor each, forever), ``endless_repeat`` (the last page again and
  again with new cursors).
* ``patch_key`` / ``patch``: records whose MaHoSo, MaTTHC or MaDonVi is ``patch_key`` are
  served with ``patch`` merged in; ``{"__record__": value}`` serves ``value`` instead of
  the record (a record that is not a JSON object), ``{"__items__": {list: {k: v}}}`` adds
  keys to every item of a list field; ``drop_key`` leaves such records out
  (the clean run a quarantined record is compared with).
* ``bad_body_next`` list answers have a broken 200 body: ``bad_body`` is ``truncated``
  (half the JSON), ``html`` (an HTML error page) or ``chunked`` (a chunked transfer cut
  off mid-chunk).
"""

from __future__ import annotations

from typing import Any

ENDLESS = "endless-"
LISTING_FAULTS = ("cycle", "endless_empty", "endless_repeat")
BAD_BODIES = ("truncated", "html", "chunked")
KEY_FIELDS = ("MaHoSo", "MaTTHC", "MaDonVi")


def endless_page(
    cursor: str, mode: str, records: list[dict[str, Any]], limit: int
) -> tuple[list[dict[str, Any]], str]:
    """The page answered for a cursor past the end of an endless listing."""
    step = int(cursor.removeprefix(ENDLESS) or "0")
    page = [] if mode == "endless_empty" else records[-limit:]
    return page, f"{ENDLESS}{step + 1}"


def end_cursor(mode: str, second_page_cursor: str | None) -> str | None:
    """What the last page names as its next cursor under a listing fault."""
    if mode == "cycle":
        return second_page_cursor
    if mode in ("endless_empty", "endless_repeat"):
        return f"{ENDLESS}1"
    return None


def _key_of(record: dict[str, Any]) -> Any:
    for name in KEY_FIELDS:
        if name in record:
            return record[name]
    return None


def patch_records(
    page: list[dict[str, Any]],
    patch_key: str | None,
    patch: dict[str, Any] | None,
    drop_key: str | None,
) -> list[Any]:
    """The page with the patched record changed and the dropped record left out."""
    if patch_key is None and drop_key is None:
        return list(page)
    out: list[Any] = []
    for record in page:
        key = _key_of(record)
        if drop_key is not None and key == drop_key:
            continue
        if patch_key is None or key != patch_key or patch is None:
            out.append(record)
        elif "__record__" in patch:
            out.append(patch["__record__"])
        else:
            out.append(_patched(record, patch))
    return out


def _patched(record: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` merged in; ``{"__items__": {list: {key: value}}}`` adds keys to every
    item of that list field instead."""
    out = {**record, **{k: v for k, v in patch.items() if k != "__items__"}}
    for name, extra in (patch.get("__items__") or {}).items():
        items = out.get(name)
        if isinstance(items, list):
            out[name] = [{**i, **extra} if isinstance(i, dict) else i for i in items]
    return out


def broken_body(kind: str, body: bytes) -> tuple[dict[str, str], bytes, bool]:
    """Headers, bytes and whether to cut the connection, for a broken 200 answer."""
    if kind == "html":
        html = b"<html><body><h1>502 Bad Gateway</h1>upstream busy</body></html>"
        return {"Content-Type": "text/html", "Content-Length": str(len(html))}, html, False
    if kind == "chunked":
        part = body[: max(1, len(body) // 2)]
        chunk = f"{len(body):x}\r\n".encode() + part  # announces more than is sent
        return {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, chunk, True
    half = body[: len(body) // 2]
    return {"Content-Type": "application/json", "Content-Length": str(len(half))}, half, False
