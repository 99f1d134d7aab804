"""Early-warning lists (issue #8) for one province-day: 60,000 open dossiers.

A throw-away database gets 60,000 dossiers in progress (statuses 2, 4, 5, 6, 8 over 125
agencies, due dates from ten days ago to three weeks ahead, some apology letters and
supplements) and 500,000 closed ones (a year of history, a few finished late on the run
day), all written into core.dossier with generate_series. The calendar is refreshed, and
the refresh of kpi.due_soon / kpi.apology_watch for the run day is timed, then the
digests. Target: refresh ≤ 5 s. Figures only; nothing is asserted on time.
"""

from __future__ import annotations

import os
import sys
from datetime import date

sys.path.insert(0, os.path.dirname(__file__))

from common import scratch_database, timer
from sqlalchemy import text

DAY = date(2026, 11, 20)
OPEN = int(os.environ.get("BENCH_DUE_SOON_OPEN", "60000"))
CLOSED = int(os.environ.get("BENCH_DUE_SOON_CLOSED", "500000"))

FILL_OPEN = """
INSERT INTO core.dossier (dossier_code, updated_at, procedure_code, procedure_name, agency_code,
    agency_name, channel, online_level, received_at, due_at, status, supplement_count,
    supplements, apologies, first_apology_at, batch_id)
SELECT 'O-' || g, x.received + interval '2 hours', '1.00' || lpad((g % 300)::text, 4, '0'),
       'Thủ tục ' || (g % 300),
       CASE WHEN g % 5 = 0 THEN 'H48.' || lpad((1 + g % 25)::text, 2, '0')
            ELSE 'H48.' || (100 + g % 100) END,
       'Đơn vị ' || (g % 125),
       CASE WHEN g % 10 < 6 THEN 2 WHEN g % 10 < 9 THEN 1 ELSE 3 END,
       2 + g % 3, x.received, x.due, (ARRAY[2, 4, 4, 4, 4, 5, 6, 8])[1 + g % 8],
       (g % 9 = 0)::int, '[]',
       CASE WHEN g % 31 = 0 THEN jsonb_build_array(jsonb_build_object(
           'NgayXinLoi', to_char(x.due - interval '1 day', 'YYYYMMDDHH24MISS'))) ELSE '[]' END,
       CASE WHEN g % 31 = 0 THEN x.due - interval '1 day' END, 'bench'
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (
    SELECT CAST(:day AS timestamp) - interval '1 day' * (1 + g % 30)
               + interval '1 minute' * (450 + g % 540) AS received,
           CAST(:day AS timestamp) + interval '1 day' * (g % 31 - 10) + interval '17 hours' AS due
) AS x
"""

FILL_CLOSED = """
INSERT INTO core.dossier (dossier_code, updated_at, procedure_code, procedure_name, agency_code,
    agency_name, channel, online_level, received_at, due_at, finished_at, status,
    supplement_count, supplements, apologies, first_apology_at, batch_id)
SELECT 'C-' || g, x.finished + interval '1 hour', '1.00' || lpad((g % 300)::text, 4, '0'),
       'Thủ tục ' || (g % 300),
       CASE WHEN g % 5 = 0 THEN 'H48.' || lpad((1 + g % 25)::text, 2, '0')
            ELSE 'H48.' || (100 + g % 100) END,
       'Đơn vị ' || (g % 125),
       CASE WHEN g % 10 < 6 THEN 2 WHEN g % 10 < 9 THEN 1 ELSE 3 END,
       2 + g % 3, x.received, x.received + interval '1 day' * (3 + g % 12), x.finished,
       CASE WHEN g % 50 = 0 THEN 7 ELSE (ARRAY[9, 10, 10])[1 + g % 3] END,
       (g % 40 = 0)::int, '[]', '[]', NULL, 'bench'
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (
    SELECT CAST(:day AS timestamp) - interval '1 day' * (1 + g % 365)
               + interval '1 minute' * (450 + g % 540) AS received,
           least(CAST(:day AS timestamp) + interval '15 hours',
                 CAST(:day AS timestamp) - interval '1 day' * (1 + g % 365)
                     + interval '1 day' * (g % 17) + interval '10 hours') AS finished
) AS x
"""


def main() -> None:
    from portal_kpi.alerts.compose import queue_run
    from portal_kpi.calendar import ensure_calendar
    from portal_kpi.daily.due_soon import refresh, warnings

    results: dict[str, float] = {}
    print(f"early warning: {OPEN:,} open and {CLOSED:,} closed dossiers, run day {DAY}")
    with scratch_database("bench_due_soon") as engine:
        with timer("fill core.dossier (generate_series)", results), engine.begin() as conn:
            conn.execute(text(FILL_OPEN), {"n": OPEN, "day": DAY})
            conn.execute(text(FILL_CLOSED), {"n": CLOSED, "day": DAY})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE core.dossier"))
        with timer("refresh calendar", results), engine.begin() as conn:
            ensure_calendar(conn, DAY)
        with timer("refresh lists, first run", results):
            counts = refresh(engine, DAY)
        with timer("refresh lists, rerun (replaces the day)", results):
            refresh(engine, DAY)
        with timer("compose the run's messages (early warnings as sections)", results):
            queued = queue_run(engine, DAY, send=True, warnings=warnings(engine, DAY)).queued
        with engine.connect() as conn:
            open_now = conn.execute(
                text("SELECT count(*) FROM core.dossier WHERE status IN (2, 4, 5, 6, 8)")
            ).scalar()
    print(f"  open dossiers: {open_now:,}; lists: {counts}; outbox rows queued: {queued}")
    print(
        f"  refresh for {OPEN:,} open dossiers: {results['refresh lists, first run']:.2f} s "
        f"(rerun {results['refresh lists, rerun (replaces the day)']:.2f} s; target 5 s)"
    )


if __name__ == "__main__":
    main()
