"""Task entry points of ``portal_daily``: each builds its engine and clients from the
Airflow connections, calls one function of :mod:`portal_kpi.daily.pipeline` (or the
alert and early-warning services), and returns small JSON for XCom."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from portal_kpi.alerts.run import run_alerts
from portal_kpi.config import ConfigError
from portal_kpi.daily import due_soon
from portal_kpi.daily.extract import extract_catalogues as pull_catalogues
from portal_kpi.daily.extract import extract_dossiers as pull_dossiers
from portal_kpi.daily.kpi import IdentityError, compute
from portal_kpi.daily.model import Batch
from portal_kpi.daily.pipeline import VolumeAnomalyError, check
from portal_kpi.daily.pipeline import publish as publish_all
from portal_kpi.dates import business_day, today_local
from portal_kpi.db import run_sql
from portal_kpi.pii import hasher_from_connection
from portal_kpi.quality.gx import Settings, ValidationFailedError
from portal_kpi.scores import daily as scores
from portal_kpi.sources.portal import PortalClient, PortalPermanentError
from portal_kpi.tasks.common import fail_without_retry, warehouse
from portal_kpi.tasks.delivery import decide, run_type_of

log = logging.getLogger(__name__)

JsonBatches = list[dict[str, Any]]


def _batches(batches: JsonBatches) -> list[Batch]:
    return [Batch.from_json(b) for b in batches]


# A retry would meet the same setting or the same answer: fail the task at once.
PERMANENT = (ConfigError, PortalPermanentError)


def extract_catalogues(interval_start: datetime) -> JsonBatches:
    """Pull both catalogues; configuration errors, 401/403 after a fresh token and a
    listing that does not converge fail the task without retries."""
    try:
        client = PortalClient.from_connection()
        with warehouse() as engine:
            batches = pull_catalogues(engine, client, business_day(interval_start))
    except PERMANENT as exc:
        fail_without_retry(exc)
    return [b.to_json() for b in batches]


def extract_dossiers(interval_start: datetime) -> JsonBatches:
    """Pull the change feed (and requeued quarantine); permanent errors as above."""
    try:
        hasher = hasher_from_connection()
        client = PortalClient.from_connection()
        with warehouse() as engine:
            batches = pull_dossiers(engine, client, hasher, business_day(interval_start))
    except PERMANENT as exc:
        fail_without_retry(exc)
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


def score_766(interval_start: datetime) -> dict[str, Any]:
    """The day's provisional 766 points, points at stake, forecast and uptake."""
    with warehouse() as engine, engine.begin() as conn:
        result = scores.refresh(conn, business_day(interval_start))
    return asdict(result) | {"day": result.day.isoformat()}


def early_warning(interval_start: datetime) -> dict[str, Any]:
    """Refresh the due-soon and apology lists of the run's day (the alert step reports
    them, as sections of each recipient's message)."""
    day = business_day(interval_start)
    with warehouse() as engine:
        return due_soon.refresh(engine, day)


def alerts(interval_start: datetime, dag_run: Any = None) -> dict[str, Any]:
    """Judge breaches, compose one message per recipient, send what is pending — only
    when this is the current day's run (see :mod:`portal_kpi.tasks.delivery`); a rerun
    or backfill records its messages as ``suppressed_backfill``."""
    day = business_day(interval_start)
    with warehouse() as engine:
        with engine.connect() as conn:
            latest = run_sql(conn, "alerts/latest_loaded.sql").scalar()
        delivery = decide(run_type_of(dag_run), day, latest, today_local())
        log.info("alerts for %s: %s (%s)", day, "send" if delivery.send else "record only",
                 delivery.reason)  # fmt: skip
        early = due_soon.warnings(engine, day) if delivery.send or latest == day else []
        result = run_alerts(engine, day, send=delivery.send, warnings=early)
    result["reason"] = delivery.reason
    log.info("alerts: %s", result)
    return result
