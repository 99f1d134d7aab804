"""Volume checks: changes of a day against the same weekday of the last four weeks."""

from __future__ import annotations

import json
import statistics
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from portal_kpi.db import run_sql


def volume_anomaly(
    engine: Engine, day: date, factor: float, today_count: int
) -> dict[str, Any] | None:
    """``today_count`` versions changed on ``day`` against the median of the same weekday
    over the four weeks before (checked once four loaded weeks exist); no change at all
    on a working day is an anomaly too."""
    earlier = [day - timedelta(days=7 * k) for k in range(1, 5)]
    with engine.connect() as conn:
        rows = run_sql(conn, "quality/versions_per_day.sql", f=earlier[-1], t=day, days=earlier)
        counts: dict[date, int] = {r.day: r.versions for r in rows}
        facts = run_sql(conn, "quality/volume_facts.sql", d=day, days=earlier).one()
    if today_count == 0 and facts.working:
        return {"kind": "no_changes_on_working_day", "day": str(day), "versions": 0}
    if facts.loaded == 4:
        median = statistics.median(counts.get(d, 0) for d in earlier)
        if median > 0 and (today_count > factor * median or today_count * factor < median):
            return {
                "kind": "volume",
                "day": str(day),
                "versions": today_count,
                "median_same_weekday_4w": median,
                "factor": factor,
            }
    return None


def record_dq_event(engine: Engine, day: date, event: dict[str, Any]) -> None:
    """Keep a finding in ``quality.dq_event`` (one per day and kind)."""
    with engine.begin() as conn:
        run_sql(
            conn,
            "quality/record_dq_event.sql",
            d=day,
            k=event["kind"],
            v=json.dumps(event, default=str),
        )
