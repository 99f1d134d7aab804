"""kpi.score_766 and its companions computed in PostgreSQL from core tables: 2.1 the
portal's way on boundary cases, the other local components, official fill, idempotence."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from factories import dossier, run_batch, seed_catalogues
from sqlalchemy import text

from portal_kpi.daily.pipeline import publish
from portal_kpi.scores.components import COMPONENTS, GROUPS
from portal_kpi.scores.daily import agency_summaries, refresh

MONTH_END = date(2026, 11, 30)
MID_MONTH = date(2026, 11, 20)
WINDOW = (None, datetime(2026, 12, 1))


def sup(requested: str, back: str = "") -> dict[str, str]:
    return {
        "NgayBoSung": requested,
        "NgayTiepNhanBoSung": back,
        "NgayHenTraTruoc": "",
        "NgayHenTraMoi": "",
        "NoiDungBoSung": "Bổ sung bản sao giấy tờ",
    }


def case(code: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "NgayNopHoSo": "20261102070000",
        "NgayTiepNhan": "20261102080000",
        "NgayCapNhat": "20261102080000",
        "KenhThucHien": "1",
    }
    base.update(kw)
    return dossier(code, **base)


BOUNDARY = [
    # two supplement requests: late whatever the dates
    case(
        "B-TWO-SUPPLEMENTS",
        TrangThaiHoSo="10",
        NgayHenTra="20261120170000",
        NgayKetThucXuLy="20261106100000",
        NgayTra="20261106110000",
        NgayCapNhat="20261106110000",
        DanhSachHoSoBoSung=[
            sup("20261103090000", "20261104090000"),
            sup("20261104150000", "20261105090000"),
        ],
    ),
    # a supplement still pending at the period's end: ends at the request, on time
    case(
        "B-PENDING",
        TrangThaiHoSo="5",
        NgayHenTra="20261110170000",
        NgayCapNhat="20261105090000",
        DanhSachHoSoBoSung=[sup("20261105090000")],
    ),
    # open, due on the last day of the month: on time at the month's end
    case("B-DUE-LAST-DAY", TrangThaiHoSo="4", NgayHenTra="20261130170000", KenhThucHien="2"),
    # open, due the day after the month's end: on time
    case("B-DUE-NEXT-DAY", TrangThaiHoSo="4", NgayHenTra="20261201170000", KenhThucHien="2"),
    # open, due on the 25th: on time on the 20th, late at the month's end
    case("B-DUE-25TH", TrangThaiHoSo="4", NgayHenTra="20261125170000"),
    # finished two days after the due day, but three days waited for a supplement: on time
    case(
        "B-WAITED",
        TrangThaiHoSo="10",
        NgayHenTra="20261110170000",
        NgayKetThucXuLy="20261112100000",
        NgayTra="20261112110000",
        NgayCapNhat="20261112110000",
        DanhSachHoSoBoSung=[sup("20261104100000", "20261107100000")],
    ),
]


def _load(engine: Any, records: list[dict[str, Any]]) -> None:
    seed_catalogues(engine)
    _batch, outcome = run_batch(engine, "dossiers", records, day=MONTH_END, window=WINDOW)
    assert outcome.failures == {}, outcome.failures
    publish(engine, [], MONTH_END)


def _refresh(engine: Any, day: date) -> None:
    with engine.begin() as conn:
        refresh(conn, day, "H48")


def _score(engine: Any, day: date, component: str, agency: str = "H48.07") -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT * FROM kpi.score_766 WHERE as_of = :d AND period_type = 'month'"
                " AND agency_code = :a AND component_code = :c"
            ),
            {"d": day, "a": agency, "c": component},
        ).one()


def _causes(engine: Any, day: date, cause: str) -> list[str]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                text(
                    "SELECT dossier_code FROM kpi.points_at_stake_cause"
                    " WHERE as_of = :d AND cause = :c"
                ),
                {"d": day, "c": cause},
            ).scalars()
        )


def test_on_time_the_portals_way_at_the_month_end(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MONTH_END)
    row = _score(engine, MONTH_END, "2.1")
    # late: two supplement requests, and the open dossier due on the 25th
    assert (row.numerator, row.denominator) == (4, 6)
    assert row.ratio == Decimal("66.67") and row.points == Decimal("13.33")
    assert row.max_points == 20 and row.threshold == 100
    assert row.provisional and row.source == "local"
    assert _causes(engine, MONTH_END, "late") == ["B-DUE-25TH", "B-TWO-SUPPLEMENTS"]
    assert _causes(engine, MONTH_END, "turns_late") == []


def test_mid_month_open_dossiers_judged_at_the_day(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MID_MONTH)
    row = _score(engine, MID_MONTH, "2.1")
    assert (row.numerator, row.denominator) == (5, 6)
    # due on the 25th turns late before the month ends unless finished; due on the 30th
    # (the last day) or on 1 December does not, nor does the one waiting for a supplement
    assert _causes(engine, MID_MONTH, "turns_late") == ["B-DUE-25TH"]
    with engine.connect() as conn:
        worth = conn.execute(
            text("SELECT points_worth FROM kpi.points_at_stake_cause WHERE cause = 'turns_late'")
        ).scalar_one()
    assert worth == Decimal("3.3333")  # 20 points / 6 dossiers
    lost = _score(engine, MID_MONTH, "2.1")
    assert lost.points == Decimal("16.67")


def test_other_local_components(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MONTH_END)
    online = _score(engine, MONTH_END, "3.3")
    assert (online.numerator, online.denominator) == (2, 6)
    assert online.points == Decimal("4.00")  # 33.33 % of a 50 % threshold, of 6 points
    paid = _score(engine, MONTH_END, "3.6")  # factory dossiers: fee paid online
    assert (paid.numerator, paid.denominator) == (6, 6) and paid.points == Decimal("6.00")
    provided = _score(engine, MONTH_END, "3.1")  # H48.07 handles one procedure, level 4
    assert (provided.numerator, provided.denominator) == (1, 1)
    used = _score(engine, MONTH_END, "3.2")
    assert (used.numerator, used.denominator) == (1, 1) and used.points == Decimal("4.00")
    province = _score(engine, MONTH_END, "2.1", "H48")
    assert (province.numerator, province.denominator) == (4, 6)
    commune = _score(engine, MONTH_END, "3.2", "H48.112")  # a level 3 service, no dossier
    assert (commune.numerator, commune.denominator) == (0, 1) and commune.points == 0
    with engine.connect() as conn:
        unused = conn.execute(
            text(
                "SELECT agency_code, procedure_code FROM kpi.points_at_stake_cause"
                " WHERE cause = 'online_service_unused'"
            )
        ).all()
        uptake = conn.execute(
            text("SELECT * FROM kpi.procedure_uptake WHERE agency_code = 'H48.112'")
        ).one()
    assert [tuple(r) for r in unused] == [("H48.112", "2.000001")]
    assert uptake.received == 0 and uptake.online_service_unused


def test_groups_and_total_are_complete_and_say_where_numbers_come_from(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MONTH_END)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT row_kind, group_code, component_code, source, points, max_points"
                " FROM kpi.score_766 WHERE as_of = :d AND period_type = 'month'"
                " AND agency_code = 'H48.07'"
            ),
            {"d": MONTH_END},
        ).all()
        periods = conn.execute(
            text("SELECT DISTINCT period_type, period_start FROM kpi.score_766 ORDER BY 1")
        ).all()
    components = {r.component_code: r for r in rows if r.row_kind == "component"}
    assert set(components) == {c.code for c in COMPONENTS}
    assert {c for c, r in components.items() if r.source == "local"} == {
        "2.1", "3.1", "3.2", "3.3", "3.6", "4.3"
    }  # fmt: skip
    # nothing published yet: the others are missing, not zero
    assert all(r.points is None for r in components.values() if r.source == "missing")
    groups = {r.group_code: r for r in rows if r.row_kind == "group"}
    assert set(groups) == {g.code for g in GROUPS}
    assert groups["TDGQ"].source == "local" and groups["CLGQ"].source == "local"
    assert groups["TTTT"].source == "mixed"
    total = next(r for r in rows if r.row_kind == "total")
    assert total.max_points == 100
    assert total.points == sum(g.points or 0 for g in groups.values())
    assert [(p.period_type, p.period_start) for p in periods] == [
        ("month", date(2026, 11, 1)),
        ("quarter", date(2026, 10, 1)),
        ("year", date(2026, 1, 1)),
    ]


def test_official_scores_fill_what_we_cannot_compute(engine: Any) -> None:
    _load(engine, BOUNDARY)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.official_score (root_department_id, period_type, period_start,"
                " period_end, group_code, department_id, department_code, is_total,"
                " metric_code, numerator, denominator, ratio, score, max_score, fetched_on)"
                " VALUES ('root', 'month', '2026-10-01', '2026-10-31', 'transparency', 'dep7',"
                " 'H48.07', false, 'PUBLIC_CONTENT_FULL', 87, 89, 97.75, 1.96, 2, '2026-11-05')"
            )
        )
    _refresh(engine, MONTH_END)
    row = _score(engine, MONTH_END, "1.3")
    assert row.source == "official" and row.points == Decimal("1.96")
    assert row.official_period_start == date(2026, 10, 1)
    assert _score(engine, MONTH_END, "1.1").source == "missing"
    assert _score(engine, MONTH_END, "CKMB").points == Decimal("1.96")


def test_rerun_replaces_the_day(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MONTH_END)
    with engine.connect() as conn:
        first = conn.execute(text("SELECT count(*) FROM kpi.score_766")).scalar_one()
        causes = conn.execute(text("SELECT count(*) FROM kpi.points_at_stake_cause")).scalar()
    _refresh(engine, MONTH_END)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kpi.score_766")).scalar_one() == first
        assert conn.execute(text("SELECT count(*) FROM kpi.points_at_stake_cause")).scalar() == (
            causes
        )


def test_agency_summary_for_the_alert_message(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MID_MONTH)
    with engine.connect() as conn:
        summaries = agency_summaries(conn, MID_MONTH)
    by_code = {s.agency_code: s for s in summaries}
    sko = by_code["H48.07"]
    assert sko.points_lost == sum(
        (Decimal(20) - Decimal("16.67"), Decimal(6) - Decimal("4.00")), Decimal(0)
    ) + (Decimal(2) - _score(engine, MID_MONTH, "4.3").points)
    assert sko.worst <= sko.points <= sko.best
    # the late dossier and the one that turns late are worth 20 / 6 = 3.33 points each
    top_two = {(c.cause, c.example, c.points_worth) for c in sko.causes[:2]}
    assert top_two == {
        ("late", "B-TWO-SUPPLEMENTS", Decimal("3.33")),
        ("turns_late", "B-DUE-25TH", Decimal("3.33")),
    }
    assert len(sko.causes) <= 3


def test_sql_formula_equals_python_formula(engine: Any) -> None:
    from portal_kpi.scores.components import BY_CODE
    from portal_kpi.scores.formulas import points

    cases = [
        (n, d) for d in (0, 1, 3, 7, 377, 1133, 184_503) for n in range(0, d + 1, max(1, d // 9))
    ]
    cases += [(295, 377), (745, 1133), (133_609, 184_503)]
    with engine.connect() as conn:
        for component in COMPONENTS:
            rule = component.rule
            for n, d in cases:
                got = conn.execute(
                    text(
                        "SELECT kpi.points_766(:n, :d, max_points, threshold, empty_rule,"
                        " from_ratio) FROM kpi.score_766_component WHERE component_code = :c"
                    ),
                    {"n": n, "d": d, "c": component.code},
                ).scalar_one()
                assert got == points(n, d, rule), (component.code, n, d)
        table = conn.execute(text("SELECT * FROM kpi.score_766_component")).all()
    assert {r.component_code for r in table} == set(BY_CODE)
    for r in table:
        c = BY_CODE[r.component_code]
        assert (r.group_code, r.portal_code, r.max_points, r.threshold, r.empty_rule,
                r.from_ratio, r.local) == (c.group, c.portal_code, c.rule.max_points,
                c.rule.threshold, c.rule.empty.value, c.rule.from_ratio, c.local)  # fmt: skip


def test_provisional_month_against_the_official_one(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MONTH_END)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.official_score (root_department_id, period_type, period_start,"
                " period_end, group_code, department_id, department_code, is_total,"
                " metric_code, numerator, denominator, ratio, score, max_score, fetched_on)"
                " VALUES ('root', 'month', '2026-11-01', '2026-11-30', 'dvc-progress-tree',"
                " 'dep7', 'H48.07', false, '_TOTAL', 5, 6, 83.33, 16.67, 20, '2026-12-05')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO kpi.official_vs_local (period_start, root_department_id,"
                " agency_code, is_total, no_data, reason_code, tolerance, exceeds_tolerance)"
                " VALUES ('2026-11-01', 'root', 'H48.07', false, false, 'paused_as_finished',"
                " 0.02, true)"
            )
        )
        row = conn.execute(
            text("SELECT * FROM kpi.score_766_vs_official WHERE agency_code = 'H48.07'")
        ).one()
    assert row.component_code == "2.1"
    assert (row.local_points, row.official_points) == (Decimal("13.33"), Decimal("16.67"))
    assert row.diff_points == Decimal("3.34") and row.reason_code == "paused_as_finished"
    assert row.on_time_exceeds_tolerance


def test_early_warning_list_gains_the_points_each_dossier_is_worth(engine: Any) -> None:
    _load(engine, BOUNDARY)
    _refresh(engine, MID_MONTH)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.due_soon (as_of, dossier_code, category, agency_code,"
                " procedure_code, channel, status, received_at, due_at, due_day,"
                " supplement_count, has_apology, apology_on_time, apology_owed)"
                " VALUES (:d, 'B-DUE-25TH', 'due_soon', 'H48.07', '1.003560', 1, 4,"
                " '2026-11-02 08:00', '2026-11-25 17:00', '2026-11-25', 0, false, false, false)"
            ),
            {"d": MID_MONTH},
        )
        row = conn.execute(text("SELECT * FROM kpi.due_soon_points")).one()
    assert row.cause_766 == "turns_late" and row.points_worth == Decimal("3.3333")
