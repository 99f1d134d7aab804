"""The daily pipeline with explicit dependencies: the DAG's tasks (through
``portal_kpi.steps``) and the tests and benchmarks call these same functions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from portal_kpi.alerts import enqueue
from portal_kpi.calendar import ensure_calendar
from portal_kpi.extract import Batch, extract_catalogues, extract_dossiers
from portal_kpi.kpi import KpiRun, compute
from portal_kpi.load import prune_staging, publish_batch, record_day
from portal_kpi.pii import PiiHasher
from portal_kpi.sources.portal import PortalClient
from portal_kpi.validate import (
    Outcome,
    Settings,
    record_dq_event,
    resolve_quarantine,
    staged_day_count,
    validate_batch,
    volume_anomaly,
)

log = logging.getLogger(__name__)


class VolumeAnomalyError(RuntimeError):
    """A volume anomaly with publishing configured to stop."""


def pull_catalogues(engine: Engine, client: PortalClient, day: date) -> list[Batch]:
    with engine.begin() as conn:
        ensure_calendar(conn, day)
    return extract_catalogues(engine, client, day)


def pull_dossiers(
    engine: Engine, client: PortalClient, hasher: PiiHasher, day: date
) -> list[Batch]:
    return extract_dossiers(engine, client, hasher, day)


def check(
    engine: Engine, batches: list[Batch], day: date, settings: Settings
) -> tuple[list[Outcome], dict[str, Any] | None]:
    """Validate every batch (raises ValidationFailedError over the threshold), then the
    day's volume; returns the outcomes and the anomaly, if any."""
    outcomes = [validate_batch(engine, b, day, settings) for b in batches]
    anomaly = None
    feed = [b for b in batches if b.source == "dossiers"]
    if feed:
        anomaly = volume_anomaly(
            engine, day, settings.volume_factor, staged_day_count(engine, feed[-1], day)
        )
        if anomaly:
            record_dq_event(engine, day, anomaly)
            log.warning("data-quality alert: %s", anomaly)
            queue_dq_alert(engine, day, anomaly)
            if settings.stop_on_volume_anomaly:
                raise VolumeAnomalyError(f"volume anomaly, publishing stopped: {anomaly}")
    return outcomes, anomaly


def queue_dq_alert(engine: Engine, day: date, anomaly: dict[str, Any]) -> None:
    """A volume anomaly reaches people through the alert channels (once per day and kind)."""
    if anomaly["kind"] == "no_changes_on_working_day":
        subject = f"[portal-kpi] Không có thay đổi hồ sơ ngày {day:%d/%m/%Y}"
        english = f"No dossier changes on working day {day}."
    else:
        subject = f"[portal-kpi] Khối lượng hồ sơ bất thường ngày {day:%d/%m/%Y}"
        english = (
            f"Unusual volume on {day}: {anomaly['versions']:,} changes against a median of "
            f"{anomaly['median_same_weekday_4w']:,} on the same weekday of the last four weeks."
        )
    body = (
        f"Cổng dịch vụ công báo số thay đổi hồ sơ bất thường ngày {day:%d/%m/%Y}: "
        f"{anomaly['versions']:,} phiên bản.\n{english}\nSee quality.dq_event."
    )
    enqueue(
        engine,
        kind="data_quality",
        dedupe_key=f"{day}:{anomaly['kind']}",
        subject=subject,
        body=body,
        detail=anomaly,
    )


def publish(engine: Engine, batches: list[Batch], day: date | None = None) -> None:
    """Publish batches; with ``day``, also mark that day loaded (moves the watermark)."""
    for batch in batches:
        publish_batch(engine, batch)
        if batch.source.startswith("dossiers"):
            resolve_quarantine(engine, batch.batch_id)
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
    result.catalogues = pull_catalogues(engine, client, day)
    if validate:
        result.outcomes += check(engine, result.catalogues, day, settings)[0]
    publish(engine, result.catalogues)
    result.dossiers = pull_dossiers(engine, client, hasher, day)
    if validate:
        outcomes, result.anomaly = check(engine, result.dossiers, day, settings)
        result.outcomes += outcomes
    publish(engine, result.dossiers, day)
    result.kpi = compute(engine, [b.batch_id for b in result.dossiers])
    return result
