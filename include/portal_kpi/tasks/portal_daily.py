"""Task entry points of ``portal_daily``: each builds its engine and clients from the
Airflow connections, calls one function of :mod:`portal_kpi.daily.pipeline` (or the
alert and early-warning services), and returns small JSON for XCom."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from portal_kpi.alerts.run import run_alerts
from portal_kpi.daily import due_soon
from portal_kpi.daily.extract import extract_catalogues as pull_catalogues
from portal_kpi.daily.extract import extract_dossiers as pull_dossiers
from portal_kpi.daily.kpi import IdentityError, compute
from portal_kpi.daily.model import Batch
from portal_kpi.daily.pipeline import VolumeAnomalyError, check
from portal_kpi.daily.pipeline import publish as publish_all
from portal_kpi.dates import business_day
from portal_kpi.pii import hasher_from_connection
from portal_kpi.quality.gx import Settings, ValidationFailedError
from portal_kpi.sources.portal import PortalClient
from portal_kpi.tasks.common import fail_fast, fail_without_retry, warehouse

log = logging.getLogger(__name__)

JsonBatches = list[dict[str, Any]]


def _batches(batches: JsonBatches) -> list[Batch]:
    return [Batch.from_json(b) for b in batches]


@fail_fast
def extract_catalogues(interval_start: datetime) -> JsonBatches:
    with warehouse() as engine:
        batches = pull_catalogues(
            engine, PortalClient.from_connection(), business_day(interval_start)
        )
    return [b.to_json() for b in batches]


@fail_fast
def extract_dossiers(interval_start: datetime) -> JsonBatches:
    hasher = hasher_from_connection()
    with warehouse() as engine:
        batches = pull_dossiers(
            engine, PortalClient.from_connection(), hasher, business_day(interval_start)
        )
    return [b.to_json() for b in batches]


def validate(batches: JsonBatches, interval_start: datetime) -> JsonBatches:
    """GX contract checks on each staged batch; failing rows are quarantined. Fails the
    task without retry (the data would not change) when a batch's rejected share is
    over the threshold, or on a volume anomaly when configured to stop."""
    with warehouse() as engine:
        try:
            outcomes, _ = check(
                engine, _batches(batches), business_day(interval_start), Settings.from_env()
            )
        except (ValidationFailedError, VolumeAnomalyError) as exc:
            fail_without_retry(exc)
    for outcome in outcomes:
        if outcome.data_docs:
            log.info("GX Data Docs for %s: %s", outcome.batch_id, outcome.data_docs)
    return batches


def publish(batches: JsonBatches, interval_start: datetime, *, record: bool = False) -> JsonBatches:
    day = business_day(interval_start) if record else None
    with warehouse() as engine:
        publish_all(engine, _batches(batches), day)
    return batches


def compute_kpis(batches: JsonBatches) -> dict[str, Any]:
    """Form 06 statistics and KPI values for what the published batches changed."""
    with warehouse() as engine:
        try:
            result = compute(engine, [b["batch_id"] for b in batches])
        except IdentityError as exc:
            fail_without_retry(exc)
    log.info("KPIs: %s", result)
    return asdict(result)


def early_warning(interval_start: datetime) -> dict[str, Any]:
    """Refresh the due-soon and apology lists of the run's day and queue their digests."""
    day = business_day(interval_start)
    with warehouse() as engine:
        result = due_soon.refresh(engine, day)
        result["digests_queued"] = due_soon.queue_digests(engine, day)
    return result


@fail_fast
def alerts(interval_start: datetime) -> dict[str, Any]:
    """Judge breaches, queue digests and freshness findings, send what is pending."""
    with warehouse() as engine:
        result = run_alerts(engine, business_day(interval_start))
    log.info("alerts: %s", result)
    return result
