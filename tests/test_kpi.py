"""KPI tables: every form 06 boundary, the KPI values and targets, restatement, and a
month of simulated history checked against an independent calculation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from factories import dossier, run_batch, seed_catalogues
from form06_truth import COLUMNS, form06
from sqlalchemy import text

from portal_kpi.daily.kpi import compute
from portal_kpi.daily.pipeline import publish, run_day

D = date(2026, 11, 20)  # the run's day (a Friday); the warehouse starts on 1 November
WINDOW = (datetime(2026, 11, 19), datetime(2026, 11, 21))


def _load(engine: Any, *records: dict[str, Any]) -> None:
    seed_catalogues(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO core.load_day VALUES ('2026-11-01', '{}', 0)"))
    batch, outcome = run_batch(engine, "dossiers", list(records))
    assert outcome.failures == {}, outcome.failures
    publish(engine, [], D)
    compute(engine, [batch.batch_id])


def _row(
    engine: Any, day: date | str, agency: str = "H48.07", grain: str = "day"
) -> dict[str, int]:
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT * FROM kpi.dossier_stats WHERE period_grain = :g AND period_start = :d"
                    " AND agency_code = :a"
                ),
                {"g": grain, "d": day, "a": agency},
            )
            .mappings()
            .first()
        )
    return {c: row[c] for c in COLUMNS} if row else dict.fromkeys(COLUMNS, 0)


def _kpi(engine: Any, kpi: str, day: str, agency: str = "H48.07", grain: str = "day") -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT * FROM kpi.kpi_value WHERE kpi = :k AND period_grain = :g"
                " AND period_start = :d AND agency_code = :a"
            ),
            {"k": kpi, "g": grain, "d": day, "a": agency},
        ).one()


def finished(
    code: str,
    status: str = "10",
    due: str = "20261119170000",
    end: str = "20261119100000",
    **kw: Any,
) -> dict[str, Any]:
    return dossier(
        code,
        TrangThaiHoSo=status,
        NgayTiepNhan="20261110080000",
        NgayNopHoSo="20261110070000",
        NgayHenTra=due,
        NgayKetThucXuLy=end,
        NgayCapNhat="20261119100000",
        **kw,
    )


def test_finished_on_the_due_day_is_on_time(engine: Any) -> None:
    _load(engine, finished("A-1"))
    row = _row(engine, "2026-11-19")
    assert (row["resolved_total"], row["resolved_on_time"], row["resolved_late"]) == (1, 1, 0)


def test_finished_the_day_after_is_late(engine: Any) -> None:
    _load(engine, finished("A-1", due="20261118170000"))
    row = _row(engine, "2026-11-19")
    assert (row["resolved_on_time"], row["resolved_late"], row["late_without_apology"]) == (0, 1, 1)
    on_time = _kpi(engine, "on_time_rate", "2026-11-19")
    assert (on_time.value, on_time.target, on_time.meets_target) == (0, 1, False)
    late = _kpi(engine, "late_count", "2026-11-19")
    assert (late.value, late.denominator, late.meets_target) == (1, 1, False)


def test_finished_before_the_due_day_is_early(engine: Any) -> None:
    _load(engine, finished("A-1", due="20261120170000"))
    assert _row(engine, "2026-11-19")["resolved_early"] == 1


def test_no_due_date_is_on_time_and_within_deadline(engine: Any) -> None:
    open_no_due = dossier(
        "A-2",
        NgayHenTra="",
        NgayCapNhat="20261119090000",
        NgayTiepNhan="20261105080000",
        NgayNopHoSo="20261105070000",
    )
    _load(engine, finished("A-1", due=""), open_no_due)
    row = _row(engine, "2026-11-19")
    assert (row["resolved_on_time"], row["in_progress_within_deadline"]) == (1, 1)
    assert row["in_progress_overdue"] == 0


def test_withdrawn_counts_as_on_time(engine: Any) -> None:
    _load(engine, finished("A-1", status="7", due="20261112170000"))
    row = _row(engine, "2026-11-19")
    assert (row["resolved_total"], row["resolved_on_time"], row["resolved_late"]) == (1, 1, 0)


@pytest.mark.parametrize("status", ["5", "6", "8"])
def test_paused_is_within_deadline_even_past_due(engine: Any, status: str) -> None:
    paused = dossier(
        "A-1",
        TrangThaiHoSo=status,
        NgayTiepNhan="20261105080000",
        NgayNopHoSo="20261105070000",
        NgayHenTra="20261112170000",
        NgayCapNhat="20261119090000",
    )
    _load(engine, paused)
    row = _row(engine, "2026-11-19")
    assert (row["in_progress_total"], row["in_progress_within_deadline"]) == (1, 1)
    assert row["in_progress_overdue"] == 0


def test_open_past_due_is_overdue_from_the_day_after(engine: Any) -> None:
    late = dossier(
        "A-1",
        NgayTiepNhan="20261105080000",
        NgayNopHoSo="20261105070000",
        NgayHenTra="20261112170000",
        NgayCapNhat="20261119090000",
    )
    _load(engine, late)
    assert _row(engine, "2026-11-12")["in_progress_overdue"] == 0
    assert _row(engine, "2026-11-13")["in_progress_overdue"] == 1
    overdue = _kpi(engine, "overdue_in_progress", "2026-11-13")
    assert (overdue.value, overdue.denominator) == (1, 1)


@pytest.mark.parametrize("status", ["1", "3"])
def test_not_received_is_not_counted(engine: Any, status: str) -> None:
    extra = {"NgayTuChoi": "20261119090000"} if status == "3" else {}
    rec = dossier(
        "A-1",
        TrangThaiHoSo=status,
        NgayTiepNhan="",
        NgayHenTra="",
        NgayNopHoSo="20261119080000",
        NgayCapNhat="20261119090000",
        **extra,
    )
    _load(engine, rec)
    assert not any(_row(engine, "2026-11-19").values())
    assert not any(_row(engine, "2026-11-19", "H48").values())


def test_postal_channel_is_offline(engine: Any) -> None:
    rec = dossier(
        "A-1",
        KenhThucHien="3",
        NgayTiepNhan="20261119080000",
        NgayNopHoSo="20261118080000",
        NgayCapNhat="20261119080000",
    )
    _load(engine, rec)
    row = _row(engine, "2026-11-19")
    assert (row["received_online"], row["received_offline"]) == (0, 1)
    assert (row["received_online_capable"], row["received_online_capable_online"]) == (1, 0)
    share = _kpi(engine, "online_share", "2026-11-19")
    assert (share.value, share.meets_target) == (0, False)


def test_supplement_that_moved_the_due_date(engine: Any) -> None:
    supplement = [
        {
            "NgayBoSung": "20261112090000",
            "NgayTiepNhanBoSung": "20261114090000",
            "NgayHenTraTruoc": "20261115170000",
            "NgayHenTraMoi": "20261125170000",
            "NoiDungBoSung": "Bổ sung bản sao giấy phép",
        }
    ]
    _load(engine, finished("A-1", due="20261125170000", DanhSachHoSoBoSung=supplement))
    row = _row(engine, "2026-11-19")
    assert (row["resolved_early"], row["resolved_late"]) == (1, 0)


@pytest.mark.parametrize(("apology_day", "without"), [("20261118100000", 0), ("20261119090000", 1)])
def test_apology_on_or_before_the_due_day(engine: Any, apology_day: str, without: int) -> None:
    letter = [{"NgayXinLoi": apology_day, "NgayHenTraMoi": "20261119170000", "LyDo": "Trễ"}]
    _load(engine, finished("A-1", due="20261118170000", DanhSachXinLoi=letter))
    row = _row(engine, "2026-11-19")
    assert (row["resolved_late"], row["late_without_apology"]) == (1, without)


def test_multi_supplement_and_month_rows(engine: Any) -> None:
    twice = [
        {
            "NgayBoSung": "20261119090000",
            "NgayTiepNhanBoSung": "",
            "NgayHenTraTruoc": "",
            "NgayHenTraMoi": "",
        }
    ] * 2
    rec = dossier(
        "A-1",
        NgayTiepNhan="20261119080000",
        NgayNopHoSo="20261119070000",
        NgayCapNhat="20261119100000",
        TrangThaiHoSo="5",
        DanhSachHoSoBoSung=twice,
    )
    _load(engine, rec, finished("A-2"))
    day = _row(engine, "2026-11-19")
    assert day["multi_supplement"] == 1
    month = _row(engine, "2026-11-01", grain="month")
    assert (month["received_total"], month["resolved_total"], month["in_progress_total"]) == (
        2,
        1,
        1,
    )
    assert month["multi_supplement"] == 1
    kpi = _kpi(engine, "multi_supplement_count", "2026-11-01", grain="month")
    assert (kpi.value, kpi.denominator, kpi.meets_target) == (1, 2, False)
    province = _row(engine, "2026-11-01", "H48", grain="month")
    assert province == month


def test_ratio_with_nothing_to_judge_is_null(engine: Any) -> None:
    _load(engine, finished("A-1"))
    share = _kpi(engine, "online_share", "2026-11-19")
    assert share.value is None and share.meets_target is None and share.denominator == 0
    count = _kpi(engine, "late_count", "2026-11-19")
    assert count.value == 0 and count.meets_target is True


def test_targets_are_data(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.target (kpi, agency_code, comparator, target)"
                " VALUES ('on_time_rate', 'H48.07', '>=', 0.5)"
            )
        )
    try:
        _load(engine, finished("A-1"), finished("A-2", due="20261118170000"))
        rate = _kpi(engine, "on_time_rate", "2026-11-19")
        assert (rate.value, rate.target, rate.meets_target) == (0.5, 0.5, True)
        province = _kpi(engine, "on_time_rate", "2026-11-19", "H48")
        assert (province.target, province.meets_target) == (1, False)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM kpi.target WHERE agency_code = 'H48.07'"))


def test_transfer_restates_the_old_agency(engine: Any) -> None:
    rec = dossier(
        "A-1",
        NgayTiepNhan="20261110080000",
        NgayNopHoSo="20261110070000",
        NgayCapNhat="20261119090000",
    )
    _load(engine, rec)
    assert _row(engine, "2026-11-15")["in_progress_total"] == 1
    moved = {**rec, "MaDonVi": "H48.112", "MaTTHC": "2.000001", "NgayCapNhat": "20261120090000"}
    batch, outcome = run_batch(
        engine, "dossiers", [moved], window=(datetime(2026, 11, 20), datetime(2026, 11, 22))
    )
    assert outcome.failures == {}
    publish(engine, [], D + timedelta(days=1))
    compute(engine, [batch.batch_id])
    assert _row(engine, "2026-11-15")["in_progress_total"] == 0
    assert _row(engine, "2026-11-15", "H48.112")["in_progress_total"] == 1
    assert _row(engine, "2026-11-15", "H48")["in_progress_total"] == 1


@pytest.mark.e2e
def test_month_of_simulated_history_matches_ground_truth(
    engine: Any, simulator: Any, client: Any
) -> None:
    """Oct 1 – Nov 3 run day by day; every row equals the independent calculation."""
    from factories import HASHER

    from portal_kpi.quality.gx import Settings

    history = simulator.history
    first, last = date(2026, 10, 1), date(2026, 11, 3)
    day = first
    while day <= last:
        run_day(engine, client, HASHER, day, Settings())
        day += timedelta(days=1)
    truth_records = list(history.latest_versions(datetime(2026, 11, 4)).values())
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM kpi.dossier_stats")).mappings().all()
    by_key = {(r["period_grain"], r["period_start"], r["agency_code"]): r for r in stored}
    periods = [("day", first + timedelta(days=i), first + timedelta(days=i)) for i in range(34)]
    periods += [
        ("month", date(2026, 10, 1), date(2026, 10, 31)),
        ("month", date(2026, 11, 1), last),
    ]
    checked = 0
    for grain, start, end in periods:
        expected = form06(truth_records, start, end, "H48")
        keys = {k[2] for k in by_key if k[0] == grain and k[1] == start}
        assert keys == set(expected), (grain, start, keys ^ set(expected))
        for agency, counts in expected.items():
            row = by_key[(grain, start, agency)]
            assert row["as_of"] == end
            got = {c: row[c] for c in COLUMNS}
            assert got == {c: counts[c] for c in COLUMNS}, (grain, start, agency)
            checked += 1
    assert checked > 1000
    province_oct = by_key[("month", date(2026, 10, 1), "H48")]
    assert province_oct["received_total"] > 1000 and province_oct["resolved_late"] > 0
