"""Allow-list scrubbing: what of a portal record may be stored at all.

Only the contract's fields of a source are kept, and inside supplement and apology items
only their known keys; everything else is dropped and counted. Personal fields are
hashed (``portal_kpi.pii``), NUL characters are removed (rule ``text_nul_removed``,
counted), a text value over ``MAX_TEXT_CHARS`` is not stored and its record is
quarantined (rule ``text_size``), and a record or item that is not a JSON object is
kept without its content (rules ``record_object`` / ``item_object``). The notes travel
with the record in :data:`NOTES` (the staging column ``scrub_notes``).

One pass per record over the contract's fields only, so the cost stays flat whatever a
portal adds.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from portal_kpi.daily.model import JSON_FIELDS, STAGING, Source
from portal_kpi.pii import HASHED_FIELDS, PiiHasher

NOTES = "scrub_notes"
MAX_TEXT_CHARS = int(os.environ.get("PORTAL_KPI_MAX_TEXT_CHARS", "4000"))
# Known keys of list items (free text such as NoiDungBoSung and LyDo is not among them).
ITEM_KEYS: dict[str, frozenset[str]] = {
    "DanhSachHoSoBoSung": frozenset(
        {"NgayBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi"}
    ),
    "DanhSachXinLoi": frozenset({"NgayXinLoi", "NgayHenTraMoi"}),
}
NUL = "\x00"


@dataclass
class ScrubStats:
    """What a batch's scrub dropped or cleaned (``raw.batch.dropped_fields``)."""

    dropped: Counter[str] = field(default_factory=Counter)
    cleaned: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> str:
        return json.dumps(
            {"dropped": dict(sorted(self.dropped.items())),
             "cleaned": dict(sorted(self.cleaned.items()))},
            ensure_ascii=False,
        )  # fmt: skip


class Scrubber:
    """Scrub the records of one source (callable per record); counts go to ``stats``."""

    def __init__(self, source: Source, hasher: PiiHasher | None = None) -> None:
        self.fields = STAGING[source][1]
        self._known = frozenset(self.fields)
        self._hashed = frozenset(HASHED_FIELDS) if hasher is not None else frozenset()
        self._hasher = hasher
        self.stats = ScrubStats()

    def __call__(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            self.stats.dropped["(record not a JSON object)"] += 1
            return {NOTES: "record_object"}
        out: dict[str, Any] = {}
        notes: list[str] = []
        matched = 0
        for name in self.fields:
            if name not in record:
                continue
            matched += 1
            value = record[name]
            if name in JSON_FIELDS:
                out[name] = self._list(name, value, notes)
            else:
                out[name] = self._scalar(name, value, notes)
        if len(record) > matched:
            for name in record:
                if name not in self._known:
                    self.stats.dropped[str(name)] += 1
        if notes:
            out[NOTES] = ",".join(notes)
        return out

    def _text(self, name: str, value: str) -> str:
        if NUL in value:
            self.stats.cleaned[f"text_nul_removed:{name}"] += 1
            return value.replace(NUL, "")
        return value

    def _scalar(self, name: str, value: Any, notes: list[str]) -> Any:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            notes.append(f"value_shape:{name}")
            return None
        text = self._text(name, value) if isinstance(value, str) else json.dumps(value)
        if len(text) > MAX_TEXT_CHARS:
            notes.append(f"text_size:{name}")
            return None
        if name in self._hashed and self._hasher is not None:
            return self._hasher.hash(text)
        return text

    def _list(self, name: str, value: Any, notes: list[str]) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):  # kept as a marker: lists_are_arrays rejects it
            return {"not_a_list": type(value).__name__}
        keys = ITEM_KEYS.get(name)
        items: list[Any] = []
        for item in value:
            if keys is None:  # CoQuanThucHien: a list of codes
                items.append(self._item_text(name, item, notes))
            elif isinstance(item, dict):
                items.append(self._item(name, item, keys, notes))
            else:
                notes.append(f"item_object:{name}")
                items.append(None)
        return items

    def _item(
        self, name: str, item: dict[str, Any], keys: frozenset[str], notes: list[str]
    ) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, value in item.items():
            if key not in keys:
                self.stats.dropped[f"{name}.{key}"] += 1
            else:
                kept[key] = self._item_text(f"{name}.{key}", value, notes)
        return kept

    def _item_text(self, name: str, value: Any, notes: list[str]) -> Any:
        if value is None or isinstance(value, (int, float)):
            return value
        if not isinstance(value, str):
            notes.append(f"item_object:{name.partition('.')[0]}")
            return None
        text = self._text(name, value)
        if len(text) > MAX_TEXT_CHARS:
            notes.append(f"text_size:{name}")
            return None
        return text
