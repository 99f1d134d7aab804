"""Working-day calendar: Monday–Friday minus Vietnam's public holidays (the maintained
``holidays`` package), with the province's ``working_day_exceptions`` (``provinces.yaml``)
and ``core.calendar_exception`` rows (extra days off, make-up working Saturdays) applied on
top; a row of the table wins over the file for the same day."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import holidays
from sqlalchemy import Connection

from portal_kpi import provinces
from portal_kpi.db import copy_rows, run_sql

log = logging.getLogger(__name__)


def calendar_rows(
    first: date, last: date, exceptions: dict[date, tuple[bool, str]]
) -> list[tuple[date, bool, str | None, str]]:
    """(day, is_working_day, holiday_name, source) for every day in [first, last]."""
    vn = holidays.country_holidays("VN", years=range(first.year, last.year + 1))
    rows = []
    day = first
    while day <= last:
        if day in exceptions:
            working, note = exceptions[day]
            rows.append((day, working, None if working else note, "exception"))
        elif day in vn:
            rows.append((day, False, str(vn.get(day)), "holiday"))
        elif day.weekday() >= 5:
            rows.append((day, False, None, "weekend"))
        else:
            rows.append((day, True, None, "weekday"))
        day += timedelta(days=1)
    return rows


def refresh_calendar(conn: Connection, first_year: int, last_year: int) -> int:
    """Rebuild ``core.calendar_day`` for whole years (idempotent, and safe when two runs
    do it at once: a transaction-level advisory lock puts the second after the first)."""
    first, last = date(first_year, 1, 1), date(last_year, 12, 31)
    run_sql(conn, "calendar/lock.sql")
    exceptions = {
        e.day: (e.is_working_day, e.note)
        for e in provinces.active().day_exceptions
        if first <= e.day <= last
    }
    exceptions |= {
        row.day: (row.is_working_day, row.note)
        for row in run_sql(conn, "calendar/exceptions.sql", f=first, l=last)
    }
    rows = calendar_rows(first, last, exceptions)
    run_sql(conn, "calendar/delete_days.sql", f=first, l=last)
    copy_rows(conn, "core.calendar_day", ["day", "is_working_day", "holiday_name", "source"], rows)
    log.info("calendar %d–%d: %d days", first_year, last_year, len(rows))
    return len(rows)


def ensure_calendar(conn: Connection, around: date) -> None:
    """Make sure the calendar covers the year before ``around`` to the year after."""
    refresh_calendar(conn, around.year - 1, around.year + 1)
