"""Periods to date of a day D: the year, the quarter and the month that contain D."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ScorePeriod:
    kind: str  # month | quarter | year
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def periods_to_date(day: date) -> list[ScorePeriod]:
    """Year, quarter, month containing ``day`` (the month last)."""
    q_first = 3 * ((day.month - 1) // 3) + 1
    return [
        ScorePeriod("year", date(day.year, 1, 1), date(day.year, 12, 31)),
        ScorePeriod("quarter", date(day.year, q_first, 1), _month_end(day.year, q_first + 2)),
        ScorePeriod("month", date(day.year, day.month, 1), _month_end(day.year, day.month)),
    ]
