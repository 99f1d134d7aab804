"""Freshness: no dossier change on a working day, and a warehouse load older than 26 hours
(findings; the run's message reports them in its data-quality group)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from portal_kpi.dates import day_start
from portal_kpi.db import run_sql

if TYPE_CHECKING:
    from sqlalchemy import Engine


STALE_AFTER = timedelta(hours=26)


def check_freshness(engine: Engine, day: date, now: datetime) -> list[dict[str, Any]]:
    """Findings for ``day``: the portal reported no change on a working day (the
    data-quality event, or a loaded working day with no dossier version updated that
    day), and the last successful load older than 26 hours at ``now`` (aware)."""

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with engine.connect() as conn:
        facts = run_sql(
            conn,
            "alerts/freshness.sql",
            day=day,
            day_start=day_start(day),
            next_day_start=day_start(day + timedelta(days=1)),
        ).one()
    findings: list[dict[str, Any]] = []
    silent = facts.loaded and facts.is_working_day and facts.versions == 0
    if facts.dq_no_changes or silent:
        findings.append(
            {"kind": "no_changes_on_working_day", "day": day.isoformat(), "versions": 0}
        )
    last = facts.last_loaded_at
    if last is None or now - last > STALE_AFTER:
        hours = None if last is None else round((now - last).total_seconds() / 3600, 1)
        findings.append(
            {
                "kind": "stale_load",
                "day": day.isoformat(),
                "last_loaded_at": None if last is None else last.isoformat(),
                "watermark": None if facts.watermark is None else facts.watermark.isoformat(),
                "hours_since": hours,
            }
        )
    return findings
