"""Task entry points of ``iso9001_register``: ingest the register, compliance, warnings."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from portal_kpi.dates import TZ, business_day, today_local
from portal_kpi.iso9001.compliance import compute_compliance, ingest, iso9001_summary, warn_expiring
from portal_kpi.iso9001.register import RegisterFormatError, read_source, source_from_env
from portal_kpi.tasks.common import fail_fast, fail_without_retry, warehouse

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


def run_days(interval_start: datetime, today: date | None = None) -> tuple[date, date]:
    """Days a run recomputes: its business day D and D+1 (the day the register was read in
    a scheduled run), never past today."""
    day = business_day(interval_start)
    last = min(day + timedelta(days=1), today or today_local())
    return min(day, last), last


@fail_fast
def ingest_from_source() -> dict[str, Any]:
    """Task: read the configured register and load it when it changed."""
    with warehouse() as engine:
        try:
            result = ingest(engine, read_source(source_from_env()), datetime.now(TZ))
        except RegisterFormatError as exc:
            fail_without_retry(exc)
    return result.to_json()


def compliance_for_run(interval_start: datetime) -> dict[str, Any]:
    """Task: compliance and the KPI for the run's days."""
    first, last = run_days(interval_start)
    with warehouse() as engine:
        rows = compute_compliance(engine, first, last)
        log.info("%s", iso9001_summary(engine, last))
    return {"first": first.isoformat(), "last": last.isoformat(), "agency_days": rows}


def warnings_for_run(interval_start: datetime) -> dict[str, Any]:
    """Task: expiry warnings as of the run's last day."""
    _, last = run_days(interval_start)
    with warehouse() as engine:
        queued = warn_expiring(engine, last)
    return {"day": last.isoformat(), "queued": queued}
