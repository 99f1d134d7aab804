"""The daily 766 refresh: provisional score, points at stake, forecast, uptake for day D.

:func:`refresh` is what the daily run calls (inside its transaction); :func:`agency_summaries`
is what an alert message renders: per agency the points lost this month, the top three
causes and the forecast range.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from portal_kpi.config import province_code
from portal_kpi.db import run_sql
from portal_kpi.scores.periods import ScorePeriod, periods_to_date

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refreshed:
    day: date
    score_rows: int
    causes: int
    at_stake_rows: int
    forecast_rows: int
    uptake_rows: int


def _period_tables(conn: Connection, day: date, period: ScorePeriod) -> dict[str, object]:
    params: dict[str, object] = {
        "day": day,
        "ps": period.start,
        "pe": period.end,
        "ptype": period.kind,
    }
    run_sql(conn, "scores/drop_temp.sql")
    run_sql(conn, "scores/judged_2_1.sql", **params)
    run_sql(conn, "scores/received.sql", **params)
    run_sql(conn, "scores/services.sql", **params)
    return params


def refresh(conn: Connection, day: date, province: str | None = None) -> Refreshed:
    """Compute every 766 table for day D (replacing D's rows). Idempotent."""
    province = province or province_code()
    month = periods_to_date(day)[-1]
    run_sql(conn, "scores/delete_day.sql", day=day, month_start=month.start)
    score_rows = 0
    params: dict[str, object] = {}
    for period in periods_to_date(day):  # year, quarter, month: the month's tables stay
        params = {**_period_tables(conn, day, period), "province": province}
        score_rows += run_sql(conn, "scores/insert_local.sql", **params).rowcount
        score_rows += run_sql(conn, "scores/insert_official.sql", **params).rowcount
        score_rows += run_sql(conn, "scores/insert_groups.sql", **params).rowcount
    causes = run_sql(conn, "scores/insert_causes.sql", **params).rowcount
    at_stake = run_sql(conn, "scores/insert_at_stake.sql", **params).rowcount
    forecast = run_sql(conn, "scores/insert_forecast.sql", **params).rowcount
    uptake = run_sql(conn, "scores/insert_uptake.sql", **params).rowcount
    run_sql(conn, "scores/drop_temp.sql")
    result = Refreshed(day, score_rows, causes, at_stake, forecast, uptake)
    log.info("766 points for %s: %s", day, result)
    return result


@dataclass(frozen=True)
class Cause:
    component_code: str
    cause: str
    count: int
    points_worth: Decimal
    example: str | None


@dataclass(frozen=True)
class AgencySummary:
    agency_code: str
    agency_name: str | None
    as_of: date
    points: Decimal
    max_points: Decimal
    points_lost: Decimal
    expected: Decimal
    best: Decimal
    worst: Decimal
    causes: list[Cause] = field(default_factory=list)


def agency_summaries(
    conn: Connection, day: date, agencies: list[str] | None = None, top: int = 3
) -> list[AgencySummary]:
    """Per agency (local components, month to date at D): points lost, the ``top`` causes by
    points worth, and the month-end range; most points lost first."""
    heads = run_sql(conn, "scores/summary_agencies.sql", day=day, agencies=agencies).all()
    causes: dict[str, list[Cause]] = defaultdict(list)
    for row in run_sql(conn, "scores/summary_causes.sql", day=day, agencies=agencies, top=top):
        causes[row.agency_code].append(
            Cause(row.component_code, row.cause, row.count, row.points_worth, row.example)
        )
    return [
        AgencySummary(
            agency_code=h.agency_code,
            agency_name=h.agency_name,
            as_of=day,
            points=h.points,
            max_points=h.max_points,
            points_lost=h.points_lost,
            expected=h.expected,
            best=h.best,
            worst=h.worst,
            causes=causes.get(h.agency_code, []),
        )
        for h in heads
    ]


def describe(summary: AgencySummary) -> list[str]:
    """Plain lines (Vietnamese) for a message section "Điểm 766 / 766 points"."""
    lines = [
        f"{summary.agency_code} {summary.agency_name or ''}".rstrip()
        + f": mất {summary.points_lost} điểm tháng này (tạm tính {summary.points}"
        f"/{summary.max_points}); dự báo cuối tháng {summary.worst}–{summary.best}"
        f" (nếu không đổi {summary.expected})"
    ]
    for cause in summary.causes:
        lines.append(
            f"  {cause.component_code} {CAUSE_LABELS.get(cause.cause, cause.cause)}: "
            f"{cause.count}, {cause.points_worth} điểm"
            + (f" (ví dụ {cause.example})" if cause.example else "")
        )
    return lines


CAUSE_LABELS = {
    "late": "hồ sơ trễ hạn",
    "turns_late": "hồ sơ sẽ trễ hạn trước cuối tháng nếu chưa xử lý xong",
    "online_needed": "hồ sơ trực tuyến còn cần để đạt 50 %",
    "no_online_service": "thủ tục chưa có dịch vụ công trực tuyến",
    "online_service_unused": "dịch vụ công trực tuyến chưa phát sinh hồ sơ",
    "not_paid_online": "hồ sơ có phí chưa thanh toán trực tuyến",
}
