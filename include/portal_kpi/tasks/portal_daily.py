"""Task entry points of ``portal_daily``: each builds its engine and clients from the
Airflow connections, calls one function of :mod:`portal_kpi.daily.pipeline` (or the
alert and early-warning services), and returns small JSON for XCom."""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from portal_kpi import provinces
from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.outbox import SUPPRESSED, enqueue, send_pending
from portal_kpi.alerts.run import run_alerts
from portal_kpi.alerts.sections import PointsAtStake, PointsCause
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
from portal_kpi.scores.brief import write_brief
from portal_kpi.sources.portal import PortalClient, PortalPermanentError
from portal_kpi.tasks.common import fail_fast, fail_without_retry, warehouse
from portal_kpi.tasks.delivery import decide, run_type_of

log = logging.getLogger(__name__)

BRIEF_DIR_ENV = "PORTAL_KPI_BRIEF_DIR"

JsonBatches = list[dict[str, Any]]


def _batches(batches: JsonBatches) -> list[Batch]:
    return [Batch.from_json(b) for b in batches]


# A retry would meet the same setting or the same answer: fail the task at once.
PERMANENT = (ConfigError, PortalPermanentError)


@fail_fast
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


@fail_fast
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


def _points(summary: scores.AgencySummary) -> PointsAtStake:
    """A domain summary of lost 766 points as the alert message's section."""
    return PointsAtStake(
        agency_code=summary.agency_code,
        agency_name=summary.agency_name,
        points=summary.points,
        max_points=summary.max_points,
        points_lost=summary.points_lost,
        expected=summary.expected,
        best=summary.best,
        worst=summary.worst,
        causes=tuple(
            PointsCause(
                c.component_code,
                scores.CAUSE_LABELS.get(c.cause, c.cause),
                c.count,
                c.points_worth,
                c.example,
            )
            for c in summary.causes
        ),
    )


@fail_fast
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
        with engine.connect() as conn:
            points = [_points(s) for s in scores.agency_summaries(conn, day)]
        result = run_alerts(engine, day, send=delivery.send, warnings=early, points=points)
    result["reason"] = delivery.reason
    log.info("alerts: %s", result)
    return result


def monthly_brief(interval_start: datetime, dag_run: Any = None) -> dict[str, Any]:
    """On the run of a month's last day (the morning of the 1st): the leadership's 766
    brief for that month as HTML and PDF in ``PORTAL_KPI_BRIEF_DIR``, e-mailed to the
    recipients that take ``leadership_brief`` (recorded, not sent, for a backfill)."""
    day = business_day(interval_start)
    if (day + timedelta(days=1)).day != 1:
        return {"day": day.isoformat(), "brief": None}
    # Beside Airflow's own files unless configured, never in whatever folder a worker runs in.
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
    folder = Path(os.environ.get(BRIEF_DIR_ENV) or home / "briefs")
    province = provinces.active()
    if not province.default:  # each other province's briefs in a folder of its own
        folder = folder / province.code
    with warehouse() as engine:
        with engine.connect() as conn:
            files = write_brief(conn, day.replace(day=1), folder)
            latest = run_sql(conn, "alerts/latest_loaded.sql").scalar()
        delivery = decide(run_type_of(dag_run), day, latest, today_local())
        queued = enqueue(
            engine,
            kind=AlertKind.LEADERSHIP_BRIEF,
            dedupe_key=f"brief/{day:%Y-%m}",
            subject=f"[Điểm 766] Bản tin tháng {day:%m/%Y} / 766 brief for {day:%Y-%m}",
            body=(
                f"Bản tin điểm 766 tháng {day:%m/%Y} (tạm tính) kèm theo ở dạng HTML; bản "
                f"PDF: {files.pdf}.\nEnglish: the provisional 766 brief for {day:%Y-%m}; "
                f"PDF at {files.pdf}."
            ),
            html_body=files.html.read_text(encoding="utf-8"),
            detail={"month": f"{day:%Y-%m}", "html": str(files.html), "pdf": str(files.pdf)},
            status="pending" if delivery.send else SUPPRESSED,
        )
        if delivery.send:
            send_pending(engine, kinds=[AlertKind.LEADERSHIP_BRIEF])
    return {"day": day.isoformat(), "html": str(files.html), "pdf": str(files.pdf),
            "queued": queued, "sent": delivery.send}  # fmt: skip
