"""Load: publish validated staging batches into ``core``."""

from __future__ import annotations

import json
import logging
from datetime import date

from sqlalchemy import Engine, text

from portal_kpi.db import run_sql
from portal_kpi.extract import Batch

log = logging.getLogger(__name__)

PUBLISH_SQL = {
    "agencies": ("load/publish_agencies.sql", "load/close_agencies.sql"),
    "procedures": ("load/publish_procedures.sql", "load/close_procedures.sql"),
    "dossiers": ("load/publish_dossier_versions.sql", "load/upsert_dossier_current.sql"),
    "dossiers_open": ("load/publish_dossier_versions.sql", "load/upsert_dossier_current.sql"),
    "dossiers_requeue": ("load/publish_dossier_versions.sql", "load/upsert_dossier_current.sql"),
}


def publish_batch(engine: Engine, batch: Batch) -> int:
    """Merge the batch's valid staged rows into core; returns rows inserted or changed."""
    changed = 0
    with engine.begin() as conn:
        for name in PUBLISH_SQL[batch.source]:
            changed += run_sql(conn, name, batch_id=batch.batch_id).rowcount or 0
        if batch.source == "dossiers_open":
            conn.execute(
                text(
                    "INSERT INTO core.load_state (key, value)"
                    " VALUES ('bootstrap', CAST(:v AS jsonb))"
                    " ON CONFLICT (key) DO NOTHING"
                ),
                {"v": json.dumps({"batch_id": batch.batch_id})},
            )
        conn.execute(
            text("UPDATE raw.batch SET published_at = now() WHERE batch_id = :b"),
            {"b": batch.batch_id},
        )
    log.info("published %s: %d rows changed", batch.batch_id, changed)
    return changed


def record_day(engine: Engine, day: date, batches: list[Batch]) -> None:
    """Mark ``day`` as loaded (its latest day is the warehouse watermark)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.load_day (business_day, batches, versions_seen)"
                " VALUES (:d, :b, :n) ON CONFLICT (business_day) DO UPDATE"
                " SET batches = EXCLUDED.batches, versions_seen = EXCLUDED.versions_seen,"
                " loaded_at = now()"
            ),
            {"d": day, "b": [b.batch_id for b in batches], "n": sum(b.records for b in batches)},
        )


def watermark(engine: Engine) -> date | None:
    with engine.connect() as conn:
        value = conn.execute(text("SELECT max(business_day) FROM core.load_day")).scalar()
    return value


def prune_staging(engine: Engine, day: date, keep_days: int = 7) -> int:
    """Drop staged rows of batches published more than ``keep_days`` before ``day``."""
    with engine.begin() as conn:
        removed = int(
            run_sql(conn, "load/prune_staging.sql", day=day, keep_days=keep_days).scalar() or 0
        )
    if removed:
        log.info("pruned %d staged rows older than %d days", removed, keep_days)
    return removed
