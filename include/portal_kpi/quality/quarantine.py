"""The one quarantine writer, shared by dossiers, catalogues and the ISO register.

A rejected row keeps every rule it broke, a readable reason per rule and its (already
hashed) record, so nothing is lost and a person can see why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.db import run_sql

JSON_TEXT_FIELDS = ("DanhSachHoSoBoSung", "DanhSachXinLoi", "CoQuanThucHien")


@dataclass(frozen=True)
class Rejected:
    """One row that failed validation."""

    seq: int
    key: str | None  # the record's code (MaHoSo, MaDonVi, MaTTHC)
    version: str | None  # its version stamp (NgayCapNhat, HieuLucTu, register day)
    rules: tuple[str, ...]
    record: dict[str, Any]
    catalogue_only: bool = False  # checked again on the next run (the catalogue may change)


def record_json(row: dict[str, Any]) -> dict[str, Any]:
    """A staged record as JSON, with list fields staged as JSON text parsed back."""
    out = {}
    for key, value in row.items():
        if key in ("seq", "scrub_notes"):  # where it sat in its batch, not the record
            continue
        if isinstance(value, str) and key in JSON_TEXT_FIELDS:
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


def clear(conn: Connection, batch_id: str) -> set[tuple[str | None, str | None]]:
    """Validating a batch again replaces its open quarantined rows (closed ones stay);
    returns the (key, version) pairs they were for, which are not new when found again."""
    before = {(r[0], r[1]) for r in run_sql(conn, "quality/open_versions.sql", b=batch_id)}
    run_sql(conn, "quality/clear_quarantine.sql", b=batch_id)
    return before


def write(
    conn: Connection,
    batch_id: str,
    entity: str,
    rows: Iterable[Rejected],
    reason: Callable[[str], str],
) -> int:
    """Insert the rejected rows of a batch into ``quality.quarantine``; returns how many
    are new (a version another batch already quarantined stays that one row)."""
    params = [
        {
            "seq": r.seq,
            "k": r.key,
            "v": r.version,
            "rules": sorted(r.rules),
            "reasons": {x: reason(x) for x in sorted(r.rules)},
            "record": record_json(r.record),
            "cat": r.catalogue_only,
        }
        for r in rows
    ]
    if not params:
        return 0
    inserted = run_sql(
        conn,
        "quality/insert_quarantine.sql",
        b=batch_id,
        e=entity,
        rows=json.dumps(params, ensure_ascii=False, default=str),
    )
    return len(inserted.all())


def resolve(engine: Engine, batch_id: str) -> int:
    """Quarantined dossiers of which a valid version as new or newer is now published."""
    with engine.begin() as conn:
        result = run_sql(conn, "quality/resolve_quarantine.sql", b=batch_id)
    return result.rowcount or 0


def recheck(conn: Connection) -> None:
    """Open catalogue-only rows were checked again (they stay one open row each)."""
    run_sql(conn, "quality/recheck_quarantine.sql")


def listing(engine: Engine, *, everything: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Quarantined rows for people: the open ones, or with ``everything`` all of them."""
    with engine.connect() as conn:
        rows = run_sql(conn, "quality/list_quarantine.sql", all=everything, n=limit)
        return [dict(r) for r in rows.mappings()]


def show(engine: Engine, row_id: int) -> dict[str, Any] | None:
    """One quarantined row with its rules, reasons and (hashed) record."""
    with engine.connect() as conn:
        row = run_sql(conn, "quality/show_quarantine.sql", id=row_id).mappings().first()
    return dict(row) if row else None


def resolve_by_person(engine: Engine, row_id: int, reason_text: str, who: str) -> bool:
    """Close an open row with a reason; it stays in the table as history. False when the
    row does not exist or is not open."""
    if not reason_text.strip():
        raise ValueError("a resolution needs a reason")
    with engine.begin() as conn:
        done = run_sql(
            conn, "quality/resolve_by_person.sql", id=row_id, reason=reason_text, who=who
        ).first()
    return done is not None
