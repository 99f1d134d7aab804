"""KPI step: form 06 statistics and KPI values, computed in PostgreSQL.

Every run restates, from the latest known state of each dossier:

* every agency, for the days loaded since the last KPI run (stocks such as "in
  progress" and "overdue" move each day even when no dossier changes), and
* the agencies the run's dossiers named in any version, from the earliest NgayTiepNhan
  any of those versions carried,

up to the warehouse watermark; then the months containing those days (month to date for
the current month), the province rows, and ``kpi.kpi_value``. Every row is a function of
the dossiers' state and the watermark only, so a rerun or a backfill gives the same rows.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.config import province_code
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

FORM06_KPIS = (
    "online_share", "online_share_all", "full_online_share", "on_time_rate", "late_count",
    "overdue_in_progress", "late_without_apology", "multi_supplement_count",
)  # fmt: skip
STATE_KEY = "kpi_computed_through"


class IdentityError(RuntimeError):
    """A form 06 identity does not hold on a computed row."""


@dataclass(frozen=True)
class Restatement:
    from_day: date
    to_day: date
    agencies: list[str] | None  # None: every agency
    first_day: date  # the warehouse's first loaded day: nothing is counted before it

    def params(self, province: str) -> dict[str, Any]:
        return {
            "first_day": self.first_day,
            "from_day": self.from_day,
            "to_day": self.to_day,
            "watermark": self.to_day,
            "agencies": self.agencies,
            "province": province,
        }


@dataclass(frozen=True)
class KpiRun:
    watermark: str | None
    restated: list[dict[str, Any]]
    day_rows: int
    month_rows: int


def _state(conn: Connection) -> tuple[date | None, date | None, date | None]:
    row = run_sql(conn, "kpi/load_state.sql", k=STATE_KEY).one()
    return row.watermark, row.first_day, row.done


def plan(conn: Connection, batch_ids: list[str]) -> tuple[date | None, list[Restatement]]:
    """The restatements a run needs (see the module doc)."""
    watermark, first, done = _state(conn)
    if watermark is None or first is None:
        return None, []
    plans: list[Restatement] = []
    new_from = first if done is None else max(first, done + timedelta(days=1))
    if new_from <= watermark:
        plans.append(Restatement(new_from, watermark, None, first))
    if batch_ids:
        scope = run_sql(conn, "kpi/restatement_scope.sql", batch_ids=batch_ids).one()
        if scope.from_day is not None:
            start = max(first, scope.from_day)
            covered = plans and plans[0].from_day <= start
            if start <= watermark and not covered:
                plans.append(Restatement(start, watermark, sorted(scope.agencies), first))
    return watermark, plans


def restate(conn: Connection, r: Restatement, province: str | None = None) -> None:
    province = province or province_code()
    params = r.params(province)
    run_sql(conn, "kpi/delete_day_stats.sql", **params)
    run_sql(conn, "kpi/insert_day_stats.sql", **params)
    run_sql(conn, "kpi/delete_month_stats.sql", **params)
    run_sql(conn, "kpi/insert_month_stats.sql", **params)
    run_sql(conn, "kpi/delete_province_stats.sql", **params)
    run_sql(conn, "kpi/insert_province_stats.sql", **params)
    run_sql(conn, "kpi/delete_kpi_values.sql", kpis=list(FORM06_KPIS), **params)
    run_sql(conn, "kpi/insert_kpi_values.sql", **params)


def check_identities(conn: Connection, r: Restatement, province: str | None = None) -> None:
    """Form 06 identities on every row of the range; raises naming the rows that fail."""
    province = province or province_code()
    broken = run_sql(conn, "kpi/check_identities.sql", **r.params(province)).all()
    if broken:
        rows = "; ".join(
            f"{b.period_grain} {b.period_start} {b.agency_code}: {', '.join(b.broken)}"
            for b in broken[:10]
        )
        raise IdentityError(f"form 06 identities fail on {len(broken)} row(s): {rows}")


def compute(engine: Engine, batch_ids: list[str], province: str | None = None) -> KpiRun:
    """Restate what the published batches changed, in one transaction."""
    province = province or province_code()
    with engine.begin() as conn:
        watermark, plans = plan(conn, batch_ids)
        for r in plans:
            log.info(
                "restating %s..%s for %s",
                r.from_day,
                r.to_day,
                "every agency" if r.agencies is None else f"{len(r.agencies)} agencies",
            )
            restate(conn, r, province)
        if plans and watermark is not None:
            earliest = min(r.from_day for r in plans)
            check_identities(conn, Restatement(earliest, watermark, None, plans[0].first_day))
        if watermark is not None:
            run_sql(conn, "kpi/mark_computed.sql", k=STATE_KEY, d=watermark)
        counts: dict[str, int] = {
            row.period_grain: row.n for row in run_sql(conn, "kpi/count_rows.sql")
        }
    return KpiRun(
        watermark=str(watermark) if watermark else None,
        restated=[
            {
                **asdict(r),
                "from_day": str(r.from_day),
                "to_day": str(r.to_day),
                "agencies": None if r.agencies is None else len(r.agencies),
            }
            for r in plans
        ],
        day_rows=int(counts.get("day", 0)),
        month_rows=int(counts.get("month", 0)),
    )
