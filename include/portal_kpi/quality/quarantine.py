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

from portal_kpi.db import run_sql, run_sql_many

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
        if isinstance(value, str) and key in JSON_TEXT_FIELDS:
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


def clear(conn: Connection, batch_id: str) -> None:
    """Validating a batch again replaces its quarantined rows."""
    run_sql(conn, "quality/clear_quarantine.sql", b=batch_id)


def write(
    conn: Connection,
    batch_id: str,
    entity: str,
    rows: Iterable[Rejected],
    reason: Callable[[str], str],
) -> int:
    """Insert the rejected rows of a batch into ``quality.quarantine``; returns the count."""
    params = [
        {
            "b": batch_id,
            "seq": r.seq,
            "e": entity,
            "k": r.key,
            "v": r.version,
            "rules": sorted(r.rules),
            "reasons": json.dumps({x: reason(x) for x in sorted(r.rules)}, ensure_ascii=False),
            "record": json.dumps(record_json(r.record), ensure_ascii=False, default=str),
            "cat": r.catalogue_only,
        }
        for r in rows
    ]
    if params:
        run_sql_many(conn, "quality/insert_quarantine.sql", params)
    return len(params)


def resolve(engine: Engine, batch_id: str) -> int:
    """Quarantined dossiers of which a valid version as new or newer is now published."""
    with engine.begin() as conn:
        result = run_sql(conn, "quality/resolve_quarantine.sql", b=batch_id)
    return result.rowcount or 0
