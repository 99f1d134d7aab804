"""A month of simulated history through the real pipeline: the provisional score and the
points at stake equal an independent calculation from the simulator's ground truth; the
forecast's best case is never below the worst and the current score lies between."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from portal_kpi.daily.pipeline import run_day
from portal_kpi.scores.brief import load_brief, write_brief
from portal_kpi.scores.daily import agency_summaries, refresh
from scores.score_truth import LOCAL, truth

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 12)


@pytest.fixture
def month_loaded(engine: Any, simulator: Any, client: Any) -> Any:
    from factories import HASHER

    from portal_kpi.quality.gx import Settings

    day = FIRST
    while day <= LAST:
        run_day(engine, client, HASHER, day, Settings())
        day += timedelta(days=1)
    with engine.begin() as conn:
        refresh(conn, LAST, "H48")
    history = simulator.history
    until = datetime.combine(LAST + timedelta(days=1), datetime.min.time())
    records = list(history.latest_versions(until).values())
    return truth(records, history.procedures(), history.agencies(), LAST, "H48")


@pytest.mark.e2e
def test_points_at_stake_equal_the_ground_truth(engine: Any, month_loaded: Any) -> None:
    expected = month_loaded
    with engine.connect() as conn:
        scores = conn.execute(
            text(
                "SELECT agency_code, component_code, numerator, denominator FROM kpi.score_766"
                " WHERE as_of = :d AND period_type = 'month' AND source = 'local'"
                " AND row_kind = 'component'"
            ),
            {"d": LAST},
        ).all()
        stake = conn.execute(
            text("SELECT * FROM kpi.points_at_stake WHERE as_of = :d"), {"d": LAST}
        ).all()
        causes = conn.execute(
            text("SELECT * FROM kpi.points_at_stake_cause WHERE as_of = :d"), {"d": LAST}
        ).all()
    got = {(r.agency_code, r.component_code): (int(r.numerator), int(r.denominator))
           for r in scores if r.denominator}  # fmt: skip
    assert got == expected.counts
    for row in stake:
        assert row.points_lost == expected.points_lost(row.agency_code, row.component_code), (
            row.agency_code,
            row.component_code,
        )
    by_cause: dict[str, set[Any]] = {}
    for c in causes:
        key = c.dossier_code if c.dossier_code else (c.agency_code, c.procedure_code)
        by_cause.setdefault(c.cause, set()).add(key)
    assert by_cause.get("late", set()) == expected.late
    assert by_cause.get("turns_late", set()) == expected.turns_late
    assert by_cause.get("not_paid_online", set()) == expected.not_paid_online
    assert by_cause.get("no_online_service", set()) == expected.no_online_service
    assert by_cause.get("online_service_unused", set()) == expected.unused
    # the month is real: something is late, something will turn late, points are lost
    assert len(expected.late) > 10 and expected.turns_late
    assert sum(r.points_lost for r in stake if r.agency_code == "H48") > 0
    assert {c for _, c in expected.counts} == set(LOCAL)


@pytest.mark.e2e
def test_forecast_ordering_and_summary(engine: Any, month_loaded: Any) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM kpi.score_766_forecast WHERE as_of = :d"), {"d": LAST}
        ).all()
        summaries = agency_summaries(conn, LAST)
    assert rows
    for r in rows:
        if r.current_points is None:
            continue
        assert r.best_points >= r.worst_points, r
        assert r.worst_points <= r.current_points <= r.best_points, r
        assert r.worst_points <= r.expected_points <= r.best_points, r
    province = next(r for r in rows if r.agency_code == "H48" and r.component_code == "2.1")
    assert province.worst_points < province.best_points  # open dossiers can still turn late
    worst_first = summaries[0]
    assert worst_first.points_lost == max(s.points_lost for s in summaries)
    assert all(len(s.causes) <= 3 for s in summaries)
    assert any(s.causes for s in summaries)
    assert all(s.worst <= s.points + Decimal("0.001") for s in summaries)


@pytest.mark.e2e
def test_monthly_brief_from_pipeline_data(engine: Any, month_loaded: Any, tmp_path: Path) -> None:
    with engine.begin() as conn:
        refresh(conn, date(2026, 10, 31), "H48")  # last month, restated from what is loaded
        files = write_brief(conn, date(2026, 11, 1), tmp_path, "H48")
        data = load_brief(conn, date(2026, 11, 1), "H48")
        top = conn.execute(
            text(
                "SELECT agency_code, sum(points_lost) AS lost FROM kpi.points_at_stake"
                " WHERE as_of = :d AND agency_code <> 'H48' GROUP BY agency_code"
                " ORDER BY lost DESC, agency_code LIMIT 5"
            ),
            {"d": LAST},
        ).all()
    html = files.html.read_text(encoding="utf-8")
    assert "Điểm Bộ chỉ số 766 tháng 11/2026 – H48" in html
    assert "Tạm tính đến hết ngày 12/11/2026" in html
    assert "Năm cơ quan mất nhiều điểm nhất" in html and "so với tháng trước" in html
    assert [a.code for a in data.agencies] == [r.agency_code for r in top]
    for agency in data.agencies:
        assert agency.code in html
    assert data.total.points is not None and data.total.previous is not None
    assert f"{data.total.points:.2f}".replace(".", ",") in html
    assert len(data.groups) == 6 and data.recover
    assert html.count("data:image/png;base64,") == 2
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert files.pdf.name == "diem-766-2026-11.pdf"


def test_brief_goes_out_on_the_run_of_the_months_last_day(
    engine: Any, month_loaded: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal_kpi.dates import local_midnight_aware
    from portal_kpi.tasks.portal_daily import monthly_brief

    monkeypatch.setenv("PORTAL_KPI_BRIEF_DIR", str(tmp_path))
    assert monthly_brief(local_midnight_aware(LAST))["brief"] is None  # not a month's end
    backfill = type("Run", (), {"run_type": "backfill"})()
    result = monthly_brief(local_midnight_aware(date(2026, 11, 30)), backfill)
    assert Path(result["pdf"]).read_bytes().startswith(b"%PDF")
    assert result["queued"] > 0 and result["sent"] is False
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT status, html_body FROM ops.outbox WHERE kind = 'leadership_brief'"
                " AND dedupe_key = 'brief/2026-11'"
            )
        ).all()
    assert {r.status for r in rows} == {"suppressed_backfill"}  # a backfill never sends
    assert all("tháng 11/2026" in r.html_body for r in rows)
    again = monthly_brief(local_midnight_aware(date(2026, 11, 30)), backfill)
    assert again["queued"] == 0  # a rerun queues nothing twice
