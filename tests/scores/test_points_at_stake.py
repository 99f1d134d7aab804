"""A month of simulated history through the real pipeline: the provisional score and the
points at stake equal an independent calculation from the simulator's ground truth; the
forecast's best case is never below the worst and the current score lies between."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from portal_kpi.pipeline import run_day
from portal_kpi.scores.daily import agency_summaries, refresh
from scores.score_truth import LOCAL, truth

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 12)


@pytest.fixture
def month_loaded(engine: Any, simulator: Any, client: Any) -> Any:
    from factories import HASHER

    from portal_kpi.validate import Settings

    day = FIRST
    while day <= LAST:
        run_day(engine, client, HASHER, day, Settings())
        day += timedelta(days=1)
    with engine.begin() as conn:
        refresh(conn, LAST, "H48")
    history = simulator.history
    records = list(history.latest_versions(datetime.combine(LAST + timedelta(days=1),
                                                            datetime.min.time())).values())  # fmt: skip
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
