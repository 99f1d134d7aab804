"""Task entry points of ``dvcqg_monthly``: pull, load, catalogue and reconcile one month."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from portal_kpi.dates import business_day
from portal_kpi.official.reconcile import queue_alerts, reconcile, tolerance_from_env
from portal_kpi.official.store import archive, load_catalogue, load_period, pull_periods
from portal_kpi.sources.dvcqg import (
    DvcqgClient,
    DvcqgStoppedError,
    PeriodNotEndedError,
    periods_for_month,
)
from portal_kpi.tasks.common import fail_fast, fail_without_retry, warehouse

log = logging.getLogger(__name__)


def month_of(interval_start: datetime) -> tuple[int, int]:
    """(year, month) a monthly run covers, from its data interval start."""
    day = business_day(interval_start)
    return day.year, day.month


@fail_fast
def pull_month(interval_start: datetime, client: DvcqgClient | None = None) -> dict[str, Any]:
    """Task: archive the six groups for the month, its quarter (when the month closes
    one) and the year to date."""
    year, month = month_of(interval_start)
    client = client or DvcqgClient.from_connection()
    with warehouse() as engine:
        try:
            pulled = pull_periods(engine, client, periods_for_month(year, month))
        except (DvcqgStoppedError, PeriodNotEndedError) as exc:
            fail_without_retry(exc)
    return {
        "root": client.root_department_id,
        "month": f"{year:04d}-{month:02d}",
        "pulls": [p.to_json() for p in pulled],
        "requests": client.calls,
    }


def load_month(interval_start: datetime, root: str | None = None) -> dict[str, Any]:
    """Task: parse the archived responses of the run's periods into the official tables."""
    year, month = month_of(interval_start)
    root = root or DvcqgClient.from_connection().root_department_id
    with warehouse() as engine:
        loaded = [load_period(engine, root, p) for p in periods_for_month(year, month)]
    return {"root": root, "loaded": loaded}


@fail_fast
def pull_catalogue(client: DvcqgClient | None = None) -> dict[str, Any]:
    """Task: archive and load the national procedure catalogue."""
    client = client or DvcqgClient.from_connection()
    with warehouse() as engine:
        try:
            pages = client.formalities()
        except DvcqgStoppedError as exc:
            fail_without_retry(exc)
        archive(engine, pages)
        items = load_catalogue(engine)
    return {"pages": len(pages), "procedures": items}


def reconcile_month(interval_start: datetime, root: str | None = None) -> dict[str, Any]:
    """Task: official vs local for the run's month, and alerts over the tolerance."""
    year, month = month_of(interval_start)
    first = date(year, month, 1)
    root = root or DvcqgClient.from_connection().root_department_id
    tolerance = tolerance_from_env()
    with warehouse() as engine:
        rows = reconcile(engine, root, first, tolerance)
        queued = queue_alerts(engine, root, first, rows)
    reasons: dict[str, int] = {}
    for r in rows:
        if r.reason_code:
            reasons[r.reason_code] = reasons.get(r.reason_code, 0) + 1
    return {
        "month": first.isoformat(),
        "rows": len(rows),
        "over_tolerance": sum(r.exceeds_tolerance for r in rows),
        "reasons": reasons,
        "alerts_queued": queued,
    }
