"""Runtime entry points of the DAG tasks: each builds its engine and clients from the
Airflow connections, calls the pure functions of the step modules, and returns small
JSON for XCom. DAG files call these from thin ``@task`` wrappers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from portal_kpi.dates import business_day

log = logging.getLogger(__name__)

JsonBatches = list[dict[str, Any]]


@contextmanager
def warehouse() -> Iterator[Engine]:
    from portal_kpi.db import make_engine

    engine = make_engine()
    try:
        yield engine
    finally:
        engine.dispose()


def migrate() -> list[str]:
    from portal_kpi.db import migrate as run_migrations

    with warehouse() as engine:
        applied = run_migrations(engine)
    log.info("migrations applied now: %s", applied or "none (schema up to date)")
    return applied


def extract_catalogues(interval_start: datetime) -> JsonBatches:
    from portal_kpi.calendar import ensure_calendar
    from portal_kpi.extract import extract_catalogues as pull
    from portal_kpi.sources.portal import PortalClient

    day = business_day(interval_start)
    with warehouse() as engine:
        with engine.begin() as conn:
            ensure_calendar(conn, day)
        batches = pull(engine, PortalClient.from_connection(), day)
    return [b.to_json() for b in batches]


def extract_dossiers(interval_start: datetime) -> JsonBatches:
    from portal_kpi.extract import extract_dossiers as pull
    from portal_kpi.pii import hasher_from_connection
    from portal_kpi.sources.portal import PortalClient

    day = business_day(interval_start)
    hasher = hasher_from_connection()
    with warehouse() as engine:
        batches = pull(engine, PortalClient.from_connection(), hasher, day)
    return [b.to_json() for b in batches]


def validate(batches: JsonBatches, interval_start: datetime) -> JsonBatches:
    """GX contract checks on each staged batch; quarantines failing rows. Fails the task
    (no retry: the data would not change) when a batch's rejected share is over the
    threshold, or on a volume anomaly when configured to stop."""
    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.extract import Batch
    from portal_kpi.validate import (
        Settings,
        ValidationFailedError,
        record_dq_event,
        staged_day_count,
        validate_batch,
        volume_anomaly,
    )

    settings = Settings.from_env()
    day = business_day(interval_start)
    out = []
    with warehouse() as engine:
        for raw in batches:
            batch = Batch.from_json(raw)
            try:
                outcome = validate_batch(engine, batch, day, settings)
            except ValidationFailedError as exc:
                raise AirflowFailException(str(exc)) from exc
            out.append({**raw, "quarantined": outcome.rows_quarantined})
            if outcome.data_docs:
                log.info("GX Data Docs for %s: %s", batch.batch_id, outcome.data_docs)
        feed = [Batch.from_json(b) for b in batches if b["source"] == "dossiers"]
        if feed:
            anomaly = volume_anomaly(
                engine, day, settings.volume_factor, staged_day_count(engine, feed[-1], day)
            )
            if anomaly:
                record_dq_event(engine, day, anomaly)
                log.warning("data-quality alert: %s", anomaly)
                if settings.stop_on_volume_anomaly:
                    raise AirflowFailException(f"volume anomaly, publishing stopped: {anomaly}")
    return out


def publish(batches: JsonBatches, interval_start: datetime, *, record: bool = False) -> JsonBatches:
    from portal_kpi.extract import Batch
    from portal_kpi.load import publish_batch, record_day
    from portal_kpi.validate import resolve_quarantine

    parsed = [Batch.from_json({k: b[k] for k in ("batch_id", "source", "pages", "records")})
              for b in batches]  # fmt: skip
    with warehouse() as engine:
        for batch in parsed:
            publish_batch(engine, batch)
            if batch.source.startswith("dossiers"):
                resolve_quarantine(engine, batch.batch_id)
        if record:
            record_day(engine, business_day(interval_start), parsed)
    return batches


def compute_kpis(batches: JsonBatches) -> dict[str, Any]:
    """Form 06 statistics and KPI values for what the published batches changed."""
    from dataclasses import asdict

    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.kpi import IdentityError, compute

    with warehouse() as engine:
        try:
            result = compute(engine, [b["batch_id"] for b in batches])
        except IdentityError as exc:
            raise AirflowFailException(str(exc)) from exc
    log.info("KPIs: %s", result)
    return asdict(result)
