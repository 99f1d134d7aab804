"""The KPI step for one province-day: 30,000 changed dossiers on a year of history.

A synthetic year (about 3,000 dossiers received per day over 125 agencies, realistic
mix of statuses, channels, due and finish dates) is written straight into core with
SQL, the KPIs are computed once for the year, then one day's changes to 30,000 dossiers
are staged and published and the KPI step is timed. Target: ≤ 20 s.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))

from common import scratch_database, timer
from sqlalchemy import text

FIRST = date(2025, 11, 20)
LAST = date(2026, 11, 19)

FILL = """
INSERT INTO core.dossier (dossier_code, updated_at, procedure_code, agency_code, channel,
    online_level, received_at, due_at, finished_at, status, supplement_count, supplements,
    apologies, first_apology_at, batch_id)
SELECT 'B-' || g, x.received + interval '1 hour' * (x.span * 24 + 1),
       '1.00' || lpad((g % 300)::text, 4, '0'),
       CASE WHEN g % 5 = 0 THEN 'H48.' || lpad((1 + g % 25)::text, 2, '0')
            ELSE 'H48.' || (100 + g % 100) END,
       CASE WHEN g % 10 < 6 THEN 2 WHEN g % 10 < 9 THEN 1 ELSE 3 END,
       2 + g % 3, x.received, x.received + interval '1 day' * (3 + g % 12),
       CASE WHEN x.closed THEN x.received + interval '1 day' * x.span END,
       CASE WHEN NOT x.closed THEN (ARRAY[2, 4, 4, 4, 5, 6, 8])[1 + g % 7]
            WHEN g % 50 = 0 THEN 7 ELSE (ARRAY[9, 10, 10])[1 + g % 3] END,
       (g % 40 = 0)::int + (g % 80 = 0)::int, '[]', '[]',
       CASE WHEN g % 23 = 0 THEN x.received + interval '1 day' * (2 + g % 14) END, 'bench'
FROM generate_series(1, :n) AS g
CROSS JOIN LATERAL (
    SELECT CAST(:first AS timestamp) + interval '1 day' * ((g - 1) / :per_day)
               + interval '1 minute' * (450 + g % 540) AS received,
           (g % 17) AS span,
           CAST(:first AS timestamp) + interval '1 day' * ((g - 1) / :per_day) + interval '1 day' * (g % 17)
               < CAST(:last AS timestamp) AND g % 97 <> 0 AS closed
) AS x
"""

CHANGE = """
INSERT INTO staging.dossier (batch_id, seq, page_no, "MaHoSo", "NgayCapNhat")
SELECT 'bench-change', row_number() OVER (), 1, dossier_code, to_char(CAST(:at AS timestamp), 'YYYYMMDDHH24MISS')
FROM (SELECT dossier_code FROM core.dossier
      WHERE received_at >= CAST(:last AS date) - 45 ORDER BY md5(dossier_code) LIMIT 30000) AS c
"""

VERSIONS = """
INSERT INTO core.dossier_version
SELECT d.dossier_code, CAST(:at AS timestamp), d.procedure_code, d.procedure_name, d.field_code,
       d.field_name, d.agency_code, d.agency_name, d.channel, d.online_level, d.applicant_type,
       d.applicant_name_hash, d.applicant_id_hash, d.phone_hash, d.email_hash, d.submitted_at,
       d.received_at, d.due_at, d.finished_at, d.returned_at, d.refused_at, d.status,
       d.return_method, d.online_payment, d.has_digitised, d.supplements, d.supplement_count,
       d.apologies, d.first_apology_at, 'bench-change'
FROM core.dossier AS d JOIN staging.dossier AS s ON s."MaHoSo" = d.dossier_code
WHERE s.batch_id = 'bench-change'
"""


def main() -> dict[str, float]:
    from portal_kpi.calendar import refresh_calendar
    from portal_kpi.daily.kpi import compute

    per_day = int(os.environ.get("BENCH_PER_DAY", "3000"))
    days = (LAST - FIRST).days + 1
    results: dict[str, float] = {}
    print(f"KPI step ({per_day} dossiers/day over {days} days, 30,000 changed)")
    with scratch_database("bench_kpi") as engine:
        with timer("fill a year of dossiers", results), engine.begin() as conn:
            refresh_calendar(conn, FIRST.year, LAST.year + 1)
            conn.execute(
                text(FILL), {"n": per_day * days, "per_day": per_day, "first": FIRST, "last": LAST}
            )
            conn.execute(
                text(
                    "INSERT INTO core.load_day (business_day, batches, versions_seen)"
                    " SELECT d::date, '{}', 0 FROM generate_series(CAST(:f AS date), CAST(:l AS date),"
                    " interval '1 day') AS d"
                ),
                {"f": FIRST, "l": LAST},
            )
            conn.execute(text("ANALYZE core.dossier"))
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM core.dossier")).scalar()
        print(f"  dossiers in core.dossier                        {total:8,}")
        with timer("first KPI run over the whole year", results):
            compute(engine, [])
        day = LAST + timedelta(days=1)
        at = f"{day} 10:00:00"
        with engine.begin() as conn:
            conn.execute(text(CHANGE), {"at": at, "last": LAST})
            conn.execute(text(VERSIONS), {"at": at})
            conn.execute(
                text(
                    "UPDATE core.dossier AS d SET status = 10, finished_at = CAST(:at AS timestamp),"
                    " updated_at = CAST(:at AS timestamp) FROM staging.dossier AS s"
                    " WHERE s.batch_id = 'bench-change' AND s.\"MaHoSo\" = d.dossier_code"
                    " AND d.status NOT IN (7, 9, 10)"
                ),
                {"at": at},
            )
            conn.execute(text("INSERT INTO core.load_day VALUES (:d, '{}', 30000)"), {"d": day})
        with timer("KPI step for the day (30,000 changed dossiers)", results):
            run = compute(engine, ["bench-change"])
        print(f"  restated: {run.restated}")
    return results


if __name__ == "__main__":
    main()
