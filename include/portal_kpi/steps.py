"""Runtime entry points of the DAG tasks: each builds its engine and clients from the
Airflow connections, calls one function of :mod:`portal_kpi.pipeline`, and returns
small JSON for XCom. DAG files call these from thin ``@task`` wrappers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
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


def _batches(batches: JsonBatches) -> list[Any]:
    from portal_kpi.extract import Batch

    return [Batch.from_json(b) for b in batches]


def migrate() -> list[str]:
    from portal_kpi.db import migrate as run_migrations

    with warehouse() as engine:
        applied = run_migrations(engine)
    log.info("migrations applied now: %s", applied or "none (schema up to date)")
    return applied


def extract_catalogues(interval_start: datetime) -> JsonBatches:
    from portal_kpi.pipeline import pull_catalogues
    from portal_kpi.sources.portal import PortalClient

    with warehouse() as engine:
        batches = pull_catalogues(
            engine, PortalClient.from_connection(), business_day(interval_start)
        )
    return [b.to_json() for b in batches]


def extract_dossiers(interval_start: datetime) -> JsonBatches:
    from portal_kpi.pii import hasher_from_connection
    from portal_kpi.pipeline import pull_dossiers
    from portal_kpi.sources.portal import PortalClient

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
    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.pipeline import VolumeAnomalyError, check
    from portal_kpi.validate import Settings, ValidationFailedError

    with warehouse() as engine:
        try:
            outcomes, _ = check(
                engine, _batches(batches), business_day(interval_start), Settings.from_env()
            )
        except (ValidationFailedError, VolumeAnomalyError) as exc:
            raise AirflowFailException(str(exc)) from exc
    for outcome in outcomes:
        if outcome.data_docs:
            log.info("GX Data Docs for %s: %s", outcome.batch_id, outcome.data_docs)
    return batches


def publish(batches: JsonBatches, interval_start: datetime, *, record: bool = False) -> JsonBatches:
    from portal_kpi.pipeline import publish as publish_all

    day = business_day(interval_start) if record else None
    with warehouse() as engine:
        publish_all(engine, _batches(batches), day)
    return batches


def compute_kpis(batches: JsonBatches) -> dict[str, Any]:
    """Form 06 statistics and KPI values for what the published batches changed."""
    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.kpi import IdentityError, compute

    with warehouse() as engine:
        try:
            result = compute(engine, [b["batch_id"] for b in batches])
        except IdentityError as exc:
            raise AirflowFailException(str(exc)) from exc
    log.info("KPIs: %s", result)
    return asdict(result)
