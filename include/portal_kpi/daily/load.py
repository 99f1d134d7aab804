"""Load: publish validated staging batches into ``core``."""

from __future__ import annotations

import json
import logging
from datetime import date

from sqlalchemy import Engine

from portal_kpi.daily.model import Batch, Source
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

PUBLISH_SQL = {
    Source.AGENCIES: ("load/publish_agencies.sql", "load/close_agencies.sql"),
    Source.PROCEDURES: ("load/publish_procedures.sql", "load/close_procedures.sql"),
    Source.DOSSIERS: ("load/publish_dossier_versions.sql", "load/upsert_dossier_current.sql"),
    Source.DOSSIERS_OPEN: ("load/publish_dossier_versions.sql", "load/upsert_dossier_current.sql"),
    Source.DOSSIERS_REQUEUE: (
        "load/publish_dossier_versions.sql",
        "load/upsert_dossier_current.sql",
    ),
}


class NotValidatedError(RuntimeError):
    """The staged rows of a batch are not the ones validation judged (another run pulled
    the batch again): nothing is published."""


def publish_batch(engine: Engine, batch: Batch, *, require_validated: bool = True) -> int:
    """Merge the batch's valid staged rows into core; returns rows inserted or changed.

    The batch row is locked first, so another run cannot pull the batch again meanwhile,
    and its staged rows must be the pull that validation judged."""
    changed = 0
    with engine.begin() as conn:
        row = run_sql(conn, "daily/lock_batch.sql", b=batch.batch_id).one_or_none()
        if require_validated and (row is None or row.validated_generation != row.generation):
            raise NotValidatedError(
                f"{batch.batch_id}: the staged rows were pulled again after validation "
                "(another run of the same day?); nothing was published"
            )
        run_sql(conn, "load/publish_lock.sql")
        for name in PUBLISH_SQL[batch.source]:
            changed += run_sql(conn, name, batch_id=batch.batch_id).rowcount or 0
        if batch.source is Source.DOSSIERS_OPEN:
            run_sql(conn, "daily/mark_bootstrapped.sql", v=json.dumps({"batch_id": batch.batch_id}))
        run_sql(conn, "daily/mark_published.sql", b=batch.batch_id)
    log.info("published %s: %d rows changed", batch.batch_id, changed)
    return changed


def record_day(engine: Engine, day: date, batches: list[Batch]) -> None:
    """Mark ``day`` as loaded (its latest day is the warehouse watermark)."""
    with engine.begin() as conn:
        run_sql(conn, "daily/record_day.sql", d=day, b=[b.batch_id for b in batches],
                n=sum(b.records for b in batches))  # fmt: skip


def prune_staging(engine: Engine, day: date, keep_days: int = 7) -> int:
    """Drop staged rows of batches published more than ``keep_days`` before ``day``."""
    with engine.begin() as conn:
        removed = int(
            run_sql(conn, "load/prune_staging.sql", day=day, keep_days=keep_days).scalar() or 0
        )
    if removed:
        log.info("pruned %d staged rows older than %d days", removed, keep_days)
    return removed
