"""Every validation rule, the quarantine, the threshold and the volume checks."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from factories import agency, dossier, run_batch, seed_catalogues, stage
from sqlalchemy import text

from portal_kpi.daily.extract import requeue_quarantined
from portal_kpi.daily.load import publish_batch
from portal_kpi.daily.validate import validate_batch
from portal_kpi.quality.gx import Settings, ValidationFailedError
from portal_kpi.quality.quarantine import resolve as resolve_quarantine
from portal_kpi.quality.volume import volume_anomaly

GOOD = "000.07.48.H48-261120-00001"
BAD = "000.07.48.H48-261120-00002"

# rule name -> overrides that break exactly that rule
DOSSIER_CASES: dict[str, dict[str, Any]] = {
    "required:MaTTHC": {"MaTTHC": ""},
    "required:MaDonVi": {"MaDonVi": None},
    "required:KenhThucHien": {"KenhThucHien": ""},
    "required:TrangThaiHoSo": {"TrangThaiHoSo": None},
    "required:NgayCapNhat": {"NgayCapNhat": ""},
    "code_set:KenhThucHien": {"KenhThucHien": "5"},
    "code_set:TrangThaiHoSo": {"TrangThaiHoSo": "11"},
    "code_set:MucDo": {"MucDo": "1"},
    "code_set:LoaiDoiTuong": {"LoaiDoiTuong": "9"},
    "code_set:HinhThuc": {"HinhThuc": "2"},
    "date_format:NgayHenTra": {"NgayHenTra": "2026-12-04"},
    "date_valid:NgayHenTra": {"NgayHenTra": "20261345170000"},
    "date_not_before_2000:NgayNopHoSo": {"NgayNopHoSo": "19991231235959"},
    "date_not_after_window:NgayTra": {"NgayTra": "20261122090000"},
    "updated_in_window": {"NgayCapNhat": "20261118235959"},
    "order:NgayNopHoSo<=NgayTiepNhan": {"NgayNopHoSo": "20261120090000"},
    "order:NgayTiepNhan<=NgayKetThucXuLy": {
        "TrangThaiHoSo": "9",
        "NgayKetThucXuLy": "20261120070000",
        "NgayNopHoSo": "20261119060000",
    },
    "order:NgayTiepNhan<=NgayHenTra": {"NgayHenTra": "20261119170000"},
    "closed_has_NgayKetThucXuLy": {"TrangThaiHoSo": "10", "NgayKetThucXuLy": ""},
    "received_has_NgayTiepNhan": {"NgayTiepNhan": ""},
    "lists_are_arrays": {"DanhSachHoSoBoSung": "không phải danh sách"},
    "agency_in_catalogue": {"MaDonVi": "H48.99"},
    "procedure_in_catalogue": {"MaTTHC": "9.999999"},
}


@pytest.mark.parametrize("rule", sorted(DOSSIER_CASES))
def test_each_dossier_rule_quarantines_only_the_bad_record(engine: Any, rule: str) -> None:
    seed_catalogues(engine)
    batch, outcome = run_batch(
        engine, "dossiers", [dossier(GOOD), dossier(BAD, **DOSSIER_CASES[rule])]
    )
    assert outcome.failures == {rule: 1}
    with engine.connect() as conn:
        q = conn.execute(
            text("SELECT record_key, rules, reasons, record FROM quality.quarantine")
        ).one()
        published = conn.execute(text("SELECT dossier_code FROM core.dossier")).scalars().all()
        run = conn.execute(
            text(
                "SELECT rows_in, rows_published, rows_quarantined, failures"
                " FROM quality.validation_run WHERE batch_id = :b"
            ),
            {"b": batch.batch_id},
        ).one()
    assert q.record_key == BAD
    assert q.rules == [rule]
    assert q.reasons[rule]
    assert "Trần Thị Mai Anh" not in str(q.record)  # personal data stays hashed
    assert published == [GOOD]
    assert (run.rows_in, run.rows_published, run.rows_quarantined) == (2, 1, 1)
    assert run.failures == {rule: 1}


def test_missing_mahoso_is_quarantined_without_a_key(engine: Any) -> None:
    seed_catalogues(engine)
    _, outcome = run_batch(engine, "dossiers", [dossier(GOOD), dossier(None)])
    assert outcome.failures == {"required:MaHoSo": 1}


def test_conflicting_copies_of_one_version_are_quarantined(engine: Any) -> None:
    seed_catalogues(engine)
    records = [dossier(GOOD), dossier(BAD), dossier(BAD, KenhThucHien="1")]
    _, outcome = run_batch(engine, "dossiers", records)
    assert outcome.failures == {"unique_version": 2}


def test_exact_copies_across_pages_are_kept_once(engine: Any) -> None:
    seed_catalogues(engine)
    _, outcome = run_batch(engine, "dossiers", [dossier(GOOD), dossier(GOOD), dossier(BAD)])
    assert outcome.failures == {}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM core.dossier_version")).scalar() == 2


def test_suffixed_procedure_code_uses_its_national_part(engine: Any) -> None:
    seed_catalogues(engine)
    _, outcome = run_batch(engine, "dossiers", [dossier(GOOD, MaTTHC="1.003560.H48.07")])
    assert outcome.failures == {}


def test_agency_must_be_valid_on_the_day_of_the_change(engine: Any) -> None:
    seed_catalogues(engine)
    ended = agency("H48.150", "Xã Cũ", "COMMUNE", valid_from="20250701", valid_to="20261119")
    run_batch(engine, "agencies", [ended], window=(None, datetime(2026, 11, 20)))
    _, outcome = run_batch(engine, "dossiers", [dossier(GOOD, MaDonVi="H48.150")])
    assert outcome.failures == {"agency_in_catalogue": 1}


CATALOGUE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "required:TenDonVi": ("agencies", {"TenDonVi": ""}),
    "code_set:Cap": ("agencies", {"Cap": "DISTRICT"}),
    "code_format:MaDonVi": ("agencies", {"MaDonVi": "h48-07"}),
    "date_valid:HieuLucTu": ("agencies", {"HieuLucTu": "20250231"}),
    "order:HieuLucTu<=HieuLucDen": ("agencies", {"HieuLucDen": "20250630"}),
    "code_set:MucDo": ("procedures", {"MucDo": "1"}),
    "code_format:MaTTHC": ("procedures", {"MaTTHC": "1.0035"}),
    "lists_are_arrays": ("procedures", {"CoQuanThucHien": "H48.07"}),
}


@pytest.mark.parametrize("rule", sorted(CATALOGUE_CASES))
def test_each_catalogue_rule(engine: Any, rule: str) -> None:
    from factories import procedure

    kind, overrides = CATALOGUE_CASES[rule]
    make = agency if kind == "agencies" else procedure
    good = make("H48.07") if kind == "agencies" else make("1.003560")
    bad = {**(make("H48.08") if kind == "agencies" else make("1.000001")), **overrides}
    _, outcome = run_batch(engine, kind, [good, bad], window=(None, datetime(2026, 11, 20)))
    assert outcome.failures == {rule: 1}
    table = "core.agency" if kind == "agencies" else "core.procedure"
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def test_duplicate_catalogue_version_is_rejected(engine: Any) -> None:
    _, outcome = run_batch(
        engine,
        "agencies",
        [agency("H48.07"), agency("H48.07", "Sở KH&CN")],
        window=(None, datetime(2026, 11, 20)),
    )
    assert outcome.failures == {"unique_code_version": 2}


def test_threshold_stops_the_batch_and_names_rules(engine: Any) -> None:
    seed_catalogues(engine)
    records = [dossier(f"000.07.48.H48-261120-{i:05d}") for i in range(1, 50)]
    records.append(dossier("000.07.48.H48-261120-09999", KenhThucHien="7"))
    batch = stage(engine, "dossiers", records)
    with pytest.raises(ValidationFailedError, match=r"code_set:KenhThucHien=1.*2\.00%"):
        validate_batch(engine, batch, date(2026, 11, 20), Settings(max_rejected_share=0.01))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM quality.quarantine")).scalar() == 1
        assert (
            conn.execute(
                text("SELECT success FROM quality.validation_run WHERE suite = 'dossier_contract'")
            ).scalar()
            is False
        )
    # the same share passes a looser threshold
    outcome = validate_batch(engine, batch, date(2026, 11, 20), Settings(max_rejected_share=0.05))
    assert outcome.rows_quarantined == 1


def test_broken_today_fixed_tomorrow_ends_published(engine: Any) -> None:
    seed_catalogues(engine)
    batch, _ = run_batch(engine, "dossiers", [dossier(BAD, KenhThucHien="9")])
    resolve_quarantine(engine, batch.batch_id)
    fixed = dossier(BAD, NgayCapNhat="20261121093000", TrangThaiHoSo="4")
    tomorrow = (datetime(2026, 11, 20), datetime(2026, 11, 22))
    batch2, outcome = run_batch(
        engine, "dossiers", [fixed], day=date(2026, 11, 21), window=tomorrow
    )
    assert outcome.failures == {}
    resolve_quarantine(engine, batch2.batch_id)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT dossier_code FROM core.dossier")).scalars().all() == [BAD]
        status = conn.execute(text("SELECT status, resolved_by FROM quality.quarantine")).one()
    assert status.status == "published_later"
    assert status.resolved_by == batch2.batch_id


def test_catalogue_failure_is_revalidated_after_the_catalogue_changes(engine: Any) -> None:
    seed_catalogues(engine)
    _, outcome = run_batch(engine, "dossiers", [dossier(BAD, MaDonVi="H48.150")])
    assert outcome.failures == {"agency_in_catalogue": 1}
    new_commune = agency("H48.150", "Xã Mới", "COMMUNE")
    run_batch(engine, "agencies", [new_commune], window=(None, datetime(2026, 11, 21)))
    requeued = requeue_quarantined(engine, date(2026, 11, 21))
    assert requeued is not None and requeued.records == 1
    outcome = validate_batch(engine, requeued, date(2026, 11, 21), Settings())
    assert outcome.failures == {}
    publish_batch(engine, requeued)
    resolve_quarantine(engine, requeued.batch_id)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT agency_code FROM core.dossier")).scalar() == "H48.150"
        statuses = conn.execute(text("SELECT status FROM quality.quarantine")).scalars().all()
    assert statuses == ["published_later"]  # the one row, closed once the version passed


def _history(engine: Any, day: date, per_week: list[int]) -> None:
    """Published versions on the same weekday of the four weeks before ``day``."""
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO core.calendar_day VALUES (:d, true, NULL, 'weekday')"), {"d": day}
        )
        for k, count in enumerate(per_week, start=1):
            when = day - timedelta(days=7 * k)
            conn.execute(
                text(
                    "INSERT INTO core.load_day (business_day, batches, versions_seen)"
                    " VALUES (:d, '{}', :n)"
                ),
                {"d": when, "n": count},
            )
            conn.execute(
                text(
                    "INSERT INTO core.dossier_version (dossier_code, updated_at, procedure_code,"
                    " agency_code, channel, status, batch_id)"
                    " SELECT 'X-' || :k || '-' || g, :t, '1.003560', 'H48.07', 1, 4, 'test'"
                    " FROM generate_series(1, :n) AS g"
                ),
                {"k": k, "t": datetime(when.year, when.month, when.day, 9), "n": count},
            )


def test_volume_anomaly_against_same_weekday_median(engine: Any) -> None:
    day = date(2026, 11, 20)
    _history(engine, day, [100, 120, 80, 110])
    assert volume_anomaly(engine, day, 3.0, 300) is None
    high = volume_anomaly(engine, day, 3.0, 400)
    assert high is not None and high["kind"] == "volume" and high["median_same_weekday_4w"] == 105
    low = volume_anomaly(engine, day, 3.0, 30)
    assert low is not None and low["kind"] == "volume"
    assert volume_anomaly(engine, day, 3.0, 0) == {
        "kind": "no_changes_on_working_day",
        "day": "2026-11-20",
        "versions": 0,
    }


def test_volume_check_waits_for_four_weeks(engine: Any) -> None:
    day = date(2026, 11, 20)
    _history(engine, day, [100, 120, 80])
    assert volume_anomaly(engine, day, 3.0, 1000) is None


def test_volume_anomaly_reaches_the_alert_outbox(engine: Any) -> None:
    from portal_kpi.alerts.compose import queue_run
    from portal_kpi.daily.model import Batch
    from portal_kpi.daily.pipeline import check

    seed_catalogues(engine)
    day = date(2026, 11, 20)
    _history(engine, day, [100, 120, 80, 110])
    batch = stage(engine, "dossiers", [dossier(GOOD)])
    _, anomaly = check(engine, [Batch(batch.batch_id, "dossiers", 1, 1)], day, Settings())
    assert anomaly is not None and anomaly["kind"] == "volume"
    check(engine, [Batch(batch.batch_id, "dossiers", 1, 1)], day, Settings())  # rerun
    with engine.connect() as conn:
        event = conn.execute(text("SELECT kind FROM quality.dq_event")).scalar()
    assert event == "volume"
    # The day's run message reports it (alerts.compose reads quality.dq_event), once
    # per catch-all recipient however often the day is checked.
    assert queue_run(engine, day, send=True).queued == 2
    assert queue_run(engine, day, send=True).queued == 0
    with engine.connect() as conn:
        bodies = conn.execute(text("SELECT body FROM ops.outbox")).scalars().all()
    assert all("bất thường" in b or "unusual volume" in b for b in bodies)


def test_data_docs_are_written(engine: Any, tmp_path: Any) -> None:
    seed_catalogues(engine)
    batch = stage(engine, "dossiers", [dossier(GOOD), dossier(BAD, KenhThucHien="7")])
    outcome = validate_batch(
        engine, batch, date(2026, 11, 20), Settings(max_rejected_share=1.0, data_docs_dir=tmp_path)
    )
    assert outcome.data_docs is not None
    index = tmp_path / "index.html"
    assert index.exists()
    pages = list(tmp_path.rglob("*.html"))
    assert any("dossier_contract" in p.read_text(encoding="utf-8") for p in pages)
    with engine.connect() as conn:
        docs = conn.execute(
            text("SELECT data_docs FROM quality.validation_run WHERE suite = 'dossier_contract'")
        ).scalar()
    assert docs == str(index)


@pytest.mark.parametrize("part_rows", [100_000, 4])
def test_a_batch_judged_in_parts_gives_the_same_outcome(
    engine: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture, part_rows: int
) -> None:
    """Validation reads a dossier batch in parts (memory flat in volume); the outcome is the
    batch's whatever the part size, since every version of a dossier is in one part (a
    conflicting copy is still caught, an exact copy still folded)."""
    caplog.set_level("INFO", logger="portal_kpi.daily.validate")
    seed_catalogues(engine)
    codes = [f"000.07.48.H48-261120-{i:05d}" for i in range(10, 40)]
    records = [dossier(c) for c in codes]
    # the same key with other (bad) content: a conflicting copy of each of the first three
    records += [dossier(c, KenhThucHien="5") for c in codes[:3]]
    records += [dossier(codes[5]), dossier(BAD, KenhThucHien="5")]  # an exact copy; a bad one
    batch = stage(engine, "dossiers", records)
    outcome = validate_batch(
        engine,
        batch,
        date(2026, 11, 20),
        Settings(max_rejected_share=1.0, data_docs_dir=tmp_path, part_rows=part_rows),
    )
    publish_batch(engine, batch)
    assert outcome.failures == {"unique_version": 6, "code_set:KenhThucHien": 4}
    # six conflicting rows (three of them also with a bad channel) and the bad one
    assert (outcome.rows_in, outcome.rows_quarantined) == (35, 7)
    with engine.connect() as conn:
        published = conn.execute(text("SELECT count(*) FROM core.dossier_version")).scalar()
    assert published == 27  # 30 codes, less the three with conflicting copies
    found = re.search(
        rf"{re.escape(batch.batch_id)}: 35 versions to judge, in ([0-9]+) part", caplog.text
    )
    assert found is not None, caplog.text
    parts = int(found.group(1))
    assert parts == (1 if part_rows > 35 else 9), parts  # ceil(35 / 4)
    assert outcome.data_docs == str(tmp_path / "index.html")
    assert (tmp_path / "index.html").exists()
