"""The report people read after a demo: loaded days filled in, only real agencies ranked,
a unit on every figure."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlalchemy import text


def _kpi(conn: Any, agency: str, value: str, num: int, den: int) -> None:
    conn.execute(
        text(
            "INSERT INTO kpi.kpi_value (kpi, period_grain, period_start, agency_code, as_of,"
            " numerator, denominator, value, target, comparator, meets_target)"
            " VALUES ('on_time_rate', 'month', '2026-11-01', :a, '2026-11-19', :n, :d, :v,"
            " 1, '>=', CAST(:v AS numeric) >= 1)"
        ),
        {"a": agency, "n": num, "d": den, "v": value},
    )


def test_report_ranks_real_agencies_and_lists_loaded_days(engine: Any) -> None:
    from factories import seed_catalogues

    from portal_kpi.devtools.report import day_figures, print_report

    seed_catalogues(engine)
    with engine.begin() as conn:
        _kpi(conn, "H48", "0.9", 90, 100)
        _kpi(conn, "H48.07", "0.8", 40, 50)
        _kpi(conn, "H48:COMMUNE", "0.5", 50, 100)  # a per-level rollup, not an agency
        _kpi(conn, "H48:PROVINCE", "0.6", 60, 100)
        conn.execute(
            text(
                "INSERT INTO core.load_day (business_day, batches, versions_seen)"
                " VALUES ('2026-11-18', ARRAY['b1'], 1234), ('2026-11-19', ARRAY['b2'], 56)"
            )
        )
    out = io.StringIO()
    print_report(out, days=14)
    report = out.getvalue()
    ranked = report.split("furthest below target")[1]
    assert "H48.07" in ranked
    assert "H48:COMMUNE" not in ranked and "H48:PROVINCE" not in ranked
    assert "80.0 % (target 100.0 %, 40 of 50 dossiers)" in ranked
    days = report.split("Local days loaded")[1].split("Watermark")[0]
    assert "2026-11-18   1,234 versions" in days and "2026-11-19" in days
    assert days.index("2026-11-18") < days.index("2026-11-19")
    assert "(90 of 100 dossiers)" in report
    for line in report.split("Rows per table")[1].split("Local days")[0].strip().splitlines():
        assert line.endswith(" rows"), line
    assert day_figures(date(2026, 11, 18)).split() == [
        "1,234",
        "dossier",
        "versions",
        "loaded",
        "0",
        "rows",
        "quarantined",
    ]
    assert day_figures(date(2026, 11, 1)) == "not loaded"
