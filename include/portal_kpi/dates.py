"""The one place that does time-zone arithmetic.

Portal timestamps are ``yyyyMMddHHmmss`` in local time (Asia/Ho_Chi_Minh) with no
zone; the warehouse stores them as naive local ``timestamp``. A run's data interval
(aware datetimes) becomes a local business day here and nowhere else.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from portal_kpi.config import LOCAL_TZ

TZ = ZoneInfo(LOCAL_TZ)
PORTAL_TS = "%Y%m%d%H%M%S"


def business_day(data_interval_start: datetime) -> date:
    """The local calendar day a daily run covers, from its data interval start."""
    if data_interval_start.tzinfo is None:
        raise ValueError("data interval start must be timezone-aware")
    return data_interval_start.astimezone(TZ).date()


def day_start(day: date) -> datetime:
    """Naive local midnight at the start of ``day``."""
    return datetime(day.year, day.month, day.day)


def local_midnight_aware(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def feed_window(day: date, overlap_days: int = 1) -> tuple[datetime, datetime]:
    """Naive local window a daily run reads: the day itself plus ``overlap_days`` before it."""
    return day_start(day - timedelta(days=overlap_days)), day_start(day + timedelta(days=1))


def format_ts(value: datetime) -> str:
    return value.strftime(PORTAL_TS)


def today_local() -> date:
    return datetime.now(TZ).date()


def days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def manual_run_end(cron: str, day: date) -> datetime:
    """For a daily-interval DAG on ``cron`` (local time), the end of the data interval that
    starts on local ``day``: a manual run logged at that moment covers that interval
    (Airflow infers a manual run's interval as the one ending at its logical date)."""

    ticks = croniter(cron, local_midnight_aware(day) - timedelta(seconds=1))
    ticks.get_next(datetime)  # the interval's start, on ``day``
    end: datetime = ticks.get_next(datetime)
    return end
