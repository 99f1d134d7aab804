"""The daily job's steps with explicit dependencies (engine, client, hasher): the task
wrappers in ``portal_kpi.tasks.portal_daily``, the tests and the benchmarks call these."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from portal_kpi.daily.extract import extract_catalogues, extract_dossiers
from portal_kpi.daily.kpi import KpiRun, compute
from portal_kpi.daily.load import prune_staging, publish_batch, record_day
from portal_kpi.daily.model import Batch, Source
from portal_kpi.daily.validate import Outcome, validate_batch
from portal_kpi.db import run_sql
from portal_kpi.pii import PiiHasher
from portal_kpi.quality import quarantine
from portal_kpi.quality.gx import Settings
from portal_kpi.quality.volume import record_dq_event, volume_anomaly
from portal_kpi.sources.portal import PortalClient

log = logging.getLogger(__name__)


class VolumeAnomalyError(RuntimeError):
    """A volume anomaly with publishing configured to stop."""


def check(
    engine: Engine, batches: list[Batch], day: date, settings: Settings
) -> tuple[list[Outcome], dict[str, Any] | None]:
    """Validate every batch (raises ValidationFailedError over the threshold), then the
    day's volume; returns the outcomes and the anomaly, if any."""
    outcomes = [validate_batch(engine, b, day, settings) for b in batches]
    anomaly = None
    feed = [b for b in batches if b.source is Source.DOSSIERS]
    if feed:
        anomaly = volume_anomaly(
            engine, day, settings.volume_factor, _staged_day_count(engine, feed[-1], day)
        )
        if anomaly:
            record_dq_event(engine, day, anomaly)
            # The run's message reports it (alerts.compose reads quality.dq_event).
            log.warning("data-quality alert: %s", anomaly)
            if settings.stop_on_volume_anomaly:
                raise VolumeAnomalyError(f"volume anomaly, publishing stopped: {anomaly}")
    return outcomes, anomaly


def _staged_day_count(engine: Engine, batch: Batch, day: date) -> int:
    """Distinct versions of the staged feed batch whose NgayCapNhat falls on ``day``."""
    with engine.connect() as conn:
        found = run_sql(conn, "daily/staged_day_count.sql", b=batch.batch_id, p=f"{day:%Y%m%d}")
        return int(found.scalar() or 0)


def publish(
    engine: Engine,
    batches: list[Batch],
    day: date | None = None,
    *,
    require_validated: bool = True,
) -> None:
    """Publish batches; with ``day``, also mark that day loaded (moves the watermark)."""
    for batch in batches:
        publish_batch(engine, batch, require_validated=require_validated)
        if batch.source.is_dossiers:
            quarantine.resolve(engine, batch.batch_id)
    if day is not None:
        record_day(engine, day, batches)
        prune_staging(engine, day)


@dataclass
class DayResult:
    day: date
    catalogues: list[Batch] = field(default_factory=list)
    dossiers: list[Batch] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    anomaly: dict[str, Any] | None = None
    kpi: KpiRun | None = None


def run_day(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    day: date,
    settings: Settings | None = None,
    *,
    validate: bool = True,
) -> DayResult:
    """Everything ``portal_daily`` does for one local day, in the same order."""
    settings = settings or Settings.from_env()
    result = DayResult(day)
    result.catalogues = extract_catalogues(engine, client, day)
    if validate:
        result.outcomes += check(engine, result.catalogues, day, settings)[0]
    publish(engine, result.catalogues, require_validated=validate)
    result.dossiers = extract_dossiers(engine, client, hasher, day)
    if validate:
        outcomes, result.anomaly = check(engine, result.dossiers, day, settings)
        result.outcomes += outcomes
    publish(engine, result.dossiers, day, require_validated=validate)
    result.kpi = compute(engine, [b.batch_id for b in result.dossiers])
    return result
