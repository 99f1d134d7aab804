"""Early warning (issue #8): the due-soon and apology lists, their digests, and a week of
simulated history around the 2 September holidays checked against an independent
calculation from the simulator's ground truth."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
import pytest
from factories import dossier, run_batch, seed_catalogues
from sqlalchemy import text

from portal_kpi.alerts.compose import queue_run
from portal_kpi.calendar import refresh_calendar
from portal_kpi.daily import due_soon
from portal_kpi.tasks.portal_daily import early_warning

D = date(2026, 11, 20)  # a Friday; Monday 23 is the 1st working day after, Tuesday 24
# (Vietnamese Culture Day, a public holiday from 2026) is skipped, Wednesday 25 is the 2nd.


def ts(day: str, clock: str = "170000") -> str:
    return f"2026{day}{clock}"


def open_dossier(code: str, due: str, status: str = "4", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "TrangThaiHoSo": status,
        "NgayNopHoSo": ts("1102", "070000"),
        "NgayTiepNhan": ts("1102", "080000"),
        "NgayHenTra": due,
        "NgayCapNhat": ts("1119", "090000"),
    }
    base.update(kw)
    return dossier(code, **base)


def resolved(code: str, due: str, end: str, status: str = "10", **kw: Any) -> dict[str, Any]:
    return open_dossier(code, due, status=status, NgayKetThucXuLy=end, NgayCapNhat=end, **kw)


def letter(day: str) -> list[dict[str, str]]:
    return [{"NgayXinLoi": day, "NgayHenTraMoi": ts("1127"), "LyDo": "Trễ hẹn"}]


def load(engine: Any, *records: dict[str, Any]) -> None:
    seed_catalogues(engine)
    _, outcome = run_batch(engine, "dossiers", list(records))
    assert outcome.failures == {}, outcome.failures


def rows(engine: Any, table: str, day: date = D) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                f"SELECT * FROM kpi.{table} WHERE as_of = :d"
            ),  # table: a fixed name from this module
            {"d": day},
        ).mappings()
        return {r["dossier_code"]: dict(r) for r in found}


def test_categories_and_working_days(engine: Any) -> None:
    load(
        engine,
        open_dossier("due-today", ts("1120")),
        open_dossier("overdue-2", ts("1118"), status="2"),
        open_dossier("due-mon", ts("1123")),
        open_dossier("due-holiday", ts("1124")),
        open_dossier("due-wed", ts("1125")),
        open_dossier("due-thu", ts("1126")),
        open_dossier("paused-5", ts("1112"), status="5"),
        open_dossier("paused-6", ts("1125"), status="6"),
        open_dossier("paused-late", ts("1130"), status="8"),
        open_dossier("no-due", ""),
        resolved("finished", ts("1119"), ts("1120", "100000")),
    )
    counts = due_soon.refresh(engine, D)
    got = {c: (r["category"], r["working_days_left"]) for c, r in rows(engine, "due_soon").items()}
    assert got == {
        "due-today": ("overdue", 0),
        "overdue-2": ("overdue", -2),
        "due-mon": ("due_soon", 1),
        "due-holiday": ("due_soon", 1),
        "due-wed": ("due_soon", 2),
        "paused-5": ("paused", -6),
        "paused-6": ("paused", 2),
    }
    assert counts == {
        "as_of": "2026-11-20",
        "overdue": 2,
        "due_soon": 3,
        "paused": 2,
        "apology_owed": 3,
        "apology_late": 1,
        "agencies": 1,
    }
    row = rows(engine, "due_soon")["due-mon"]
    assert (row["agency_code"], row["procedure_code"], row["channel"], row["status"]) == (
        "H48.07",
        "1.003560",
        2,
        4,
    )
    assert row["received_at"] == datetime(2026, 11, 2, 8) and row["due_day"] == date(2026, 11, 23)
    with engine.connect() as conn:
        columns = set(
            conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_schema = 'kpi' AND table_name IN ('due_soon', 'apology_watch')"
                )
            ).scalars()
        )
    assert not columns & {"applicant_name_hash", "applicant_id_hash", "phone_hash", "email_hash"}


def test_apology_rules(engine: Any) -> None:
    load(
        engine,
        # in progress: owed when overdue or due on the 1st working day, without a letter
        # dated on or before the due day
        open_dossier("owed-overdue", ts("1119")),
        open_dossier("owed-late-letter", ts("1119"), DanhSachXinLoi=letter(ts("1120", "090000"))),
        open_dossier("ok-letter", ts("1119"), DanhSachXinLoi=letter(ts("1119", "160000"))),
        open_dossier("owed-tomorrow", ts("1123")),
        open_dossier("not-yet", ts("1125")),
        open_dossier("paused-no-letter", ts("1118"), status="5"),
        # resolved on D: late without a timely letter
        resolved("late-never", ts("1119"), ts("1120", "100000")),
        resolved(
            "late-after",
            ts("1118"),
            ts("1120", "110000"),
            status="9",
            DanhSachXinLoi=letter(ts("1119", "090000")),
        ),
        resolved(
            "late-timely",
            ts("1118"),
            ts("1120", "110000"),
            DanhSachXinLoi=letter(ts("1118", "090000")),
        ),
        resolved("late-yesterday", ts("1118"), ts("1119", "110000")),
        resolved("on-time", ts("1120"), ts("1120", "150000")),
    )
    due_soon.refresh(engine, D)
    watch = {
        c: (r["category"], r["working_days_left"]) for c, r in rows(engine, "apology_watch").items()
    }
    assert watch == {
        "owed-overdue": ("apology_owed", -1),
        "owed-late-letter": ("apology_owed", -1),
        "owed-tomorrow": ("apology_owed", 1),
        "late-never": ("apology_late", -1),
        "late-after": ("apology_late", -2),
    }
    flags = {
        c: (r["has_apology"], r["apology_on_time"], r["apology_owed"])
        for c, r in rows(engine, "due_soon").items()
    }
    assert flags == {
        "owed-overdue": (False, False, True),
        "owed-late-letter": (True, False, True),
        "ok-letter": (True, True, False),
        "owed-tomorrow": (False, False, True),
        "not-yet": (False, False, False),
        "paused-no-letter": (False, False, False),
    }
    assert rows(engine, "apology_watch")["late-after"]["finished_at"] == datetime(2026, 11, 20, 11)


def test_calendar_exceptions_are_data(engine: Any) -> None:
    """A make-up working Saturday becomes the 1st working day after Friday D."""
    load(engine, open_dossier("due-sat", ts("1121")), open_dossier("due-mon", ts("1123")))
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO core.calendar_exception VALUES ('2026-11-21', true, 'Làm bù')")
        )
        refresh_calendar(conn, 2025, 2027)
    due_soon.refresh(engine, D)
    got = {c: (r["category"], r["working_days_left"]) for c, r in rows(engine, "due_soon").items()}
    assert got == {"due-sat": ("due_soon", 1), "due-mon": ("due_soon", 2)}
    assert set(rows(engine, "apology_watch")) == {"due-sat"}


def test_rerun_replaces_the_day_and_latest_view(engine: Any) -> None:
    load(engine, open_dossier("A", ts("1120")), open_dossier("B", ts("1123")))
    due_soon.refresh(engine, D - timedelta(days=1))
    due_soon.refresh(engine, D)
    # A finishes late the next day (a Saturday) without a letter; B stays open.
    later = resolved("A", ts("1120"), ts("1121", "090000"))
    _, outcome = run_batch(
        engine, "dossiers", [later], window=(datetime(2026, 11, 20), datetime(2026, 11, 22))
    )
    assert outcome.failures == {}
    again = due_soon.refresh(engine, D)  # a rerun of D sees A closed after D: still in progress
    assert (again["overdue"], again["due_soon"]) == (1, 1)
    assert rows(engine, "due_soon")["A"]["status"] == 10
    after = due_soon.refresh(engine, D + timedelta(days=1))  # Saturday: A is gone
    assert set(rows(engine, "due_soon", D + timedelta(days=1))) == {"B"}
    assert after["apology_late"] == 1  # A finished late on Saturday without a letter
    assert set(rows(engine, "due_soon", D - timedelta(days=1))) == {"A", "B"}
    due_soon.refresh(engine, D)  # rerunning an older day does not move "latest"
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT DISTINCT as_of FROM kpi.due_soon_latest")).scalars()
        assert list(latest) == [D + timedelta(days=1)]
        runs = conn.execute(text("SELECT as_of, overdue FROM kpi.due_soon_run ORDER BY 1")).all()
    assert [r.as_of for r in runs] == [D - timedelta(days=1), D, D + timedelta(days=1)]


def test_received_after_the_day_is_not_listed(engine: Any) -> None:
    load(engine, open_dossier("new", ts("1123"), NgayTiepNhan=ts("1120", "080000")))
    due_soon.refresh(engine, D - timedelta(days=1))
    assert rows(engine, "due_soon", D - timedelta(days=1)) == {}
    due_soon.refresh(engine, D)
    assert set(rows(engine, "due_soon")) == {"new"}


# ------------------------------------------------------------------------ digests


def _outbox(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT o.*, r.name FROM ops.outbox AS o JOIN ops.recipient AS r USING"
                " (recipient_id) WHERE o.kind = 'run_summary' ORDER BY r.name"
            )
        ).all()


@pytest.fixture
def clean_outbox(engine: Any) -> Any:
    def wipe() -> None:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ops.outbox"))
            conn.execute(text("DELETE FROM ops.recipient WHERE name LIKE 'test-due-soon%'"))

    wipe()
    yield engine
    wipe()


def test_early_warning_is_a_section_of_the_agency_recipients_message(clean_outbox: Any) -> None:
    engine = clean_outbox
    commune = {"MaDonVi": "H48.112", "MaTTHC": "2.000001", "DonViXuLy": "Xã Tịnh Khê"}
    records = [open_dossier(f"D-{i:02d}", ts("1119")) for i in range(25)]
    records += [open_dossier("C-paused", ts("1118"), status="5", **commune)]
    load(engine, *records)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ops.recipient (name, channel, address, agency_codes, kinds) VALUES"
                " ('test-due-soon H48.07', 'email', 'so07@localhost', '{H48.07}', '{due_soon}'),"
                " ('test-due-soon H48.112', 'email', 'xa112@localhost', '{H48.112}', NULL)"
            )
        )
    counts = due_soon.refresh(engine, D)
    assert counts["agencies"] == 1  # the commune has only a paused dossier
    found = due_soon.warnings(engine, D)
    assert [w.agency_code for w in found] == ["H48.07"]
    assert found[0].counts["overdue"] == 25 and found[0].counts["apology_owed"] == 25
    result = queue_run(engine, D, send=True, warnings=found)
    sent = {m.address: m for m in _outbox(engine)}
    # one message per recipient: the agency's contact and the catch-all ones; not the commune
    assert result.queued == len(sent) and "xa112@localhost" not in sent
    agency = sent["so07@localhost"]
    assert agency.dedupe_key == D.isoformat() and agency.business_day == D
    body = agency.body
    assert "CẢNH BÁO SỚM HỒ SƠ / EARLY WARNINGS (1 đơn vị / agencies)" in body
    assert body.count("CẦN PHIẾU XIN LỖI") == 20 and "… và 5 hồ sơ khác" in body
    assert "25 quá hạn / overdue" in body and "20/11/2026" in body
    assert "kpi.due_soon" not in body and "SELECT" not in body  # no SQL for officials
    assert "Trần Thị Mai Anh" not in body  # no personal data
    team = sent["data-team@localhost"]
    assert "D-00" not in team.body and "H48.07" in team.body  # the data team: a table
    # idempotent: the same day queues nothing new
    assert queue_run(engine, D, send=True, warnings=found).queued == 0


def test_nothing_due_sends_nothing(clean_outbox: Any) -> None:
    engine = clean_outbox
    load(engine, open_dossier("far", ts("1204")))
    assert due_soon.refresh(engine, D)["agencies"] == 0
    assert due_soon.warnings(engine, D) == []
    assert queue_run(engine, D, send=True).queued == 0
    assert _outbox(engine) == []


def test_refresh_step(clean_outbox: Any) -> None:
    engine = clean_outbox
    load(engine, open_dossier("A", ts("1120")))
    start = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)  # 20 Nov 00:00 local
    result = early_warning(start)
    assert result["as_of"] == "2026-11-20" and result["overdue"] == 1
    assert _outbox(engine) == []  # the alert step sends, not this one


# ------------------------------------------------------- simulated history vs truth

_VN = holidays.country_holidays("VN", years=range(2025, 2028))


def _working(day: date) -> bool:
    return day.weekday() < 5 and day not in _VN


def _nth_working_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= _working(day)
    return day


def _working_days_left(day: date, due: date) -> int:
    if due > day:
        return sum(_working(day + timedelta(days=i)) for i in range(1, (due - day).days + 1))
    return -sum(_working(due + timedelta(days=i)) for i in range(1, (day - due).days + 1))


def _day(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y%m%d%H%M%S").date() if value else None


def truth(
    records: list[dict[str, Any]], day: date
) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """(due-soon rows, apology rows) for run day ``day``, straight from the rules."""
    wd1, wd2 = _nth_working_after(day, 1), _nth_working_after(day, 2)
    listed: set[tuple[Any, ...]] = set()
    watch: set[tuple[Any, ...]] = set()
    for rec in records:
        status = int(rec["TrangThaiHoSo"])
        received, due = _day(rec["NgayTiepNhan"]), _day(rec["NgayHenTra"])
        finished = _day(rec["NgayKetThucXuLy"])
        if status in (1, 3) or received is None or received > day or due is None:
            continue
        letters = [_day(a["NgayXinLoi"]) for a in rec["DanhSachXinLoi"] or []]
        timely = any(a is not None and a <= due for a in letters)
        left = _working_days_left(day, due)
        still_open = status in (2, 4, 5, 6, 8) or (finished is not None and finished > day)
        if still_open and due <= wd2:
            paused = status in (5, 6, 8)
            category = "paused" if paused else ("overdue" if due <= day else "due_soon")
            owed = not paused and due <= wd1 and not timely
            listed.add(
                (rec["MaHoSo"], category, rec["MaDonVi"], rec["MaTTHC"], int(rec["KenhThucHien"]),
                 status, due, left, len(rec["DanhSachHoSoBoSung"] or []), bool(letters), timely,
                 owed)
            )  # fmt: skip
            if owed:
                watch.add((rec["MaHoSo"], "apology_owed", rec["MaDonVi"], due, left))
        if status in (9, 10) and finished == day and finished > due and not timely:
            watch.add((rec["MaHoSo"], "apology_late", rec["MaDonVi"], due, left))
    return listed, watch


def stored(engine: Any, day: date) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    listed = {
        (r["dossier_code"], r["category"], r["agency_code"], r["procedure_code"], r["channel"],
         r["status"], r["due_day"], r["working_days_left"], r["supplement_count"],
         r["has_apology"], r["apology_on_time"], r["apology_owed"])
        for r in rows(engine, "due_soon", day).values()
    }  # fmt: skip
    watch = {
        (r["dossier_code"], r["category"], r["agency_code"], r["due_day"], r["working_days_left"])
        for r in rows(engine, "apology_watch", day).values()
    }
    return listed, watch


@pytest.mark.e2e
def test_simulated_days_match_ground_truth(engine: Any, simulator: Any, client: Any) -> None:
    """Run days 27 Aug – 3 Sep 2026 (a weekend, then 31 Aug – 2 Sep holidays) through the
    real pipeline; each day's lists equal the calculation from the simulator's truth."""
    from factories import HASHER

    from portal_kpi.daily.pipeline import run_day
    from portal_kpi.quality.gx import Settings

    history = simulator.history
    seen: dict[str, int] = {}
    moved = holiday_due = 0
    day = date(2026, 8, 27)
    while day <= date(2026, 9, 3):
        run_day(engine, client, HASHER, day, Settings())
        due_soon.refresh(engine, day)
        records = history.latest_versions(
            datetime.combine(day + timedelta(days=1), datetime.min.time())
        )
        expected = truth(list(records.values()), day)
        got = stored(engine, day)
        assert got[0] == expected[0], (day, got[0] ^ expected[0])
        assert got[1] == expected[1], (day, got[1] ^ expected[1])
        for row in got[0]:
            seen[row[1]] = seen.get(row[1], 0) + 1
        for row in got[1]:
            seen[row[1]] = seen.get(row[1], 0) + 1
        for code in {r[0] for r in got[0]}:
            rec = records[code]
            sup = rec["DanhSachHoSoBoSung"] or []
            moved += any(
                s["NgayHenTraMoi"] and s["NgayHenTraMoi"] != s["NgayHenTraTruoc"] for s in sup
            )
        holiday_due += sum(1 for r in got[0] if r[1] == "due_soon" and (r[6] - day).days > 2)
        # late without a timely apology agrees with form 06 for the day
        with engine.connect() as conn:
            form06 = conn.execute(
                text(
                    "SELECT coalesce(sum(late_without_apology), 0) FROM kpi.dossier_stats"
                    " WHERE period_grain = 'day' AND period_start = :d AND agency_code <> 'H48'"
                ),
                {"d": day},
            ).scalar()
        assert form06 == sum(1 for r in got[1] if r[1] == "apology_late")
        day += timedelta(days=1)
    assert all(seen.get(c, 0) > 0 for c in due_soon.CATEGORIES), seen
    assert moved > 0  # due dates moved by a supplement
    assert holiday_due > 0  # due dates reached across the weekend and the holidays
