"""Allow-list scrubbing: what of a portal record may be stored at all.

Only the contract's fields of a source are kept, and inside supplement and apology items
only their known keys; everything else is dropped and counted. Personal fields are
hashed (``portal_kpi.pii``), NUL characters are removed (rule ``text_nul_removed``,
counted), a text value over ``MAX_TEXT_CHARS`` is not stored and its record is
quarantined (rule ``text_size``), and a record or item that is not a JSON object is
kept without its content (rules ``record_object`` / ``item_object``). The notes travel
with the record in :data:`NOTES` (the staging column ``scrub_notes``).

One pass per record over the contract's fields only, so the cost stays flat whatever a
portal adds. The plan of a source (which fields are kept, hashed, lists) is worked out
once: a record whose fields are all present, whose values are plain text or null (no NUL,
none over the size limit) takes a fast path of C-level map/set operations; any other
record goes through the field-by-field walk, which gives exactly the same result. Hashes
are remembered within a batch (bounded), since versions of one dossier repeat the owner.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Set
from dataclasses import dataclass, field
from operator import itemgetter
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
# The hash memo of a batch: at most this many values, each at most this long.
MEMO_SIZE = 65_536
MEMO_MAX_CHARS = 256
_PLAIN = frozenset({str, type(None)})
_MISSING = object()


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
        # the plan: every field's value at once, then the positions of text fields, of
        # hashed fields and of list fields (itemgetter of two or more gives a tuple)
        if len(self.fields) < 2 or len(self.fields) - len(JSON_FIELDS & self._known) < 2:
            raise ValueError(f"{source}: a scrub plan needs two text fields or more")
        self._values = itemgetter(*self.fields)
        self._text_at = tuple(i for i, f in enumerate(self.fields) if f not in JSON_FIELDS)
        self._texts = itemgetter(*self._text_at)
        self._hash_at = tuple(i for i, f in enumerate(self.fields) if f in self._hashed)
        self._list_at = tuple(i for i, f in enumerate(self.fields) if f in JSON_FIELDS)
        self._memo: dict[str, str | None] = {}

    def __call__(self, record: Any) -> dict[str, Any]:
        if isinstance(record, dict):
            fast = self._fast(record)
            if fast is not None:
                return fast
        return self._walk(record)

    def _fast(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The scrub of a plain record (see the module's notes), or None for the walk."""
        values = self._plain_values(record)
        if values is None:
            return None
        fields = self.fields
        notes: list[str] = []
        for i in self._list_at:
            value = values[i]
            if value or (value is not None and not isinstance(value, list)):
                values[i] = self._list(fields[i], value, notes)  # items, or not a list
            elif value is not None:
                values[i] = []
        memo = self._memo
        for i in self._hash_at:
            value = values[i]
            if value is not None:
                hashed = memo.get(value, _MISSING)
                values[i] = self._hash(value) if hashed is _MISSING else hashed
        if len(record) > len(fields):
            self._count_dropped(record, record.keys() - self._known)
        out = dict(zip(fields, values, strict=True))
        if notes:
            out[NOTES] = ",".join(notes)
        return out

    def _plain_values(self, record: dict[str, Any]) -> list[Any] | None:
        """The record's values in field order when every field is there and every text
        field is plain text or null, without NUL and within the size limit; else None."""
        try:
            values = list(self._values(record))
        except KeyError:
            return None  # a field missing
        texts = self._texts(values)
        if not _PLAIN.issuperset(map(type, texts)):
            return None  # a number, object or list where text belongs
        joined = "".join(filter(None, texts))
        if NUL in joined:
            return None
        if len(joined) > MAX_TEXT_CHARS and max(map(len, filter(None, texts))) > MAX_TEXT_CHARS:
            return None  # one text over the limit
        return values

    def _hash(self, value: str) -> str | None:
        hashed = self._hasher.hash(value) if self._hasher is not None else value
        if len(value) <= MEMO_MAX_CHARS:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[value] = hashed
        return hashed

    def _count_dropped(self, record: dict[str, Any], extra: Set[str]) -> None:
        if len(extra) == 1:
            for name in extra:
                self.stats.dropped[str(name)] += 1
            return
        for name in record:  # in the record's order
            if name in extra:
                self.stats.dropped[str(name)] += 1

    def _walk(self, record: Any) -> dict[str, Any]:
        """Field by field: any record, whatever its shape."""
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
            return self._hash(text)
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
        known = item.keys() <= keys
        kept = dict(item) if known else {k: v for k, v in item.items() if k in keys}
        values = kept.values()
        if _PLAIN.issuperset(map(type, values)):  # plain text: kept as it is when clean
            joined = "".join(filter(None, values))
            if NUL not in joined and (
                len(joined) <= MAX_TEXT_CHARS
                or max(map(len, filter(None, values))) <= MAX_TEXT_CHARS
            ):
                if not known:
                    for key in item:
                        if key not in keys:
                            self.stats.dropped[f"{name}.{key}"] += 1
                return kept
        kept = {}
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
