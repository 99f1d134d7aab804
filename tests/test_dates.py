"""The one date helper: local business days and manual-run intervals."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from portal_kpi.dates import (
    TZ,
    business_day,
    feed_window,
    local_midnight_aware,
    manual_run_end,
)


def test_business_day_is_the_local_day_of_the_interval_start() -> None:
    utc_start = datetime.fromisoformat("2026-11-18T17:00:00+00:00")  # 19 Nov 00:00 local
    assert business_day(utc_start) == date(2026, 11, 19)
    with pytest.raises(ValueError, match="aware"):
        business_day(datetime(2026, 11, 19))


def test_feed_window_reads_the_day_and_the_day_before() -> None:
    assert feed_window(date(2026, 11, 19)) == (datetime(2026, 11, 18), datetime(2026, 11, 20))


@pytest.mark.parametrize(
    ("cron", "day", "end"),
    [
        ("0 0 * * *", date(2026, 11, 26), datetime(2026, 11, 27, 0, 0, tzinfo=TZ)),
        ("0 1 * * *", date(2026, 11, 26), datetime(2026, 11, 27, 1, 0, tzinfo=TZ)),
        ("0 6 1 * *", date(2026, 10, 1), datetime(2026, 11, 1, 6, 0, tzinfo=TZ)),
    ],
)
def test_manual_run_end_covers_the_interval_starting_that_day(
    cron: str, day: date, end: datetime
) -> None:
    got = manual_run_end(cron, day)
    assert got == end
    assert got > local_midnight_aware(day)
