"""ISO 9001 register: reading (.xlsx, .csv, HTTP), validation and quarantine, versions with
validity dates, compliance per rule, the KPI, expiry warnings, the demo register."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from portal_kpi.dates import TZ
from portal_kpi.devtools.demo_register import generate_register, register_rows, write_register
from portal_kpi.iso9001.compliance import (
    ALERT_KIND,
    RULES,
    IngestResult,
    compute_compliance,
    ingest,
    iso9001_summary,
    warn_expiring,
)
from portal_kpi.iso9001.register import RegisterFormatError, read_source
from portal_kpi.iso9001.rules import SUITE
from portal_kpi.tasks.iso9001_register import run_days

R = date(2026, 11, 20)  # the day the register is received

DEPARTMENTS = [f"H48.0{i}" for i in range(1, 10)]
COMMUNES = ["H48.112", "H48.113"]

# agency -> the rules it fails on day R (empty: compliant)
EXPECTED: dict[str, list[str]] = {
    "H48.01": [],
    "H48.02": ["declared_2015"],
    "H48.03": ["covers_all_procedures"],  # SoTTHCApDung < TongSoTTHC
    "H48.04": ["covers_all_procedures"],  # its dossiers show more procedures than covered
    "H48.05": ["internal_audit_12m"],  # audited exactly 12 months before R
    "H48.06": ["management_review_12m"],
    "H48.07": ["docs_updated_after_procedure_change"],
    "H48.08": ["inspection_not_failed"],
    "H48.09": ["in_register"],  # no register row
    "H48.112": [],
    "H48.113": [],  # audit lapses on 01/12/2026: warned, still compliant
}


def received(day: date = R, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def reg_row(code: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "MaDonVi": code,
        "TenDonVi": f"Đơn vị {code}",
        "SoQuyetDinhCongBo": "125/QĐ-SKHCN",
        "NgayCongBo": "15/03/2021",
        "TieuChuan": "TCVN ISO 9001:2015",
        "SoTTHCApDung": "12",
        "TongSoTTHC": "12",
        "NgayDanhGiaNoiBo": "15/03/2026",
        "NgayXemXetLanhDao": "01/04/2026",
        "NgayCapNhatHeThong": "18/11/2026",
        "NgayKiemTra": "10/09/2026",
        "KetQuaKiemTra": "Đạt",
    }
    row.update(overrides)
    return row


def crafted_rows() -> list[dict[str, Any]]:
    return [
        reg_row("H48"),  # the province code is never in scope
        reg_row("H48.01"),
        reg_row("H48.02", TieuChuan="TCVN ISO 9001:2008"),
        reg_row("H48.03", SoTTHCApDung="10"),
        reg_row("H48.04", SoTTHCApDung="1", TongSoTTHC="1"),
        reg_row("H48.05", NgayDanhGiaNoiBo="20/11/2025"),
        reg_row("H48.06", NgayXemXetLanhDao="19/11/2025"),
        reg_row("H48.07", NgayCapNhatHeThong="10/11/2026"),
        reg_row("H48.08", KetQuaKiemTra="Không đạt"),
        reg_row("H48.112", TieuChuan="ISO 9001:2015", NgayKiemTra="", KetQuaKiemTra=""),
        reg_row("H48.113", NgayDanhGiaNoiBo="01/12/2025"),
    ]


@pytest.fixture
def world(engine: Any) -> Any:
    """Catalogues and two dossiers for the crafted agencies, written straight into core
    (the pipeline that loads them is tested elsewhere; this keeps the tests fast)."""
    agencies = [("H48", "UBND tỉnh Quảng Ngãi", "PROVINCE")]
    agencies += [(code, f"Sở {code}", "PROVINCE") for code in DEPARTMENTS]
    agencies += [(code, f"Xã {code}", "COMMUNE") for code in COMMUNES]
    procedures = [
        ("1.000001", [c for c in DEPARTMENTS if c != "H48.07"], datetime(2025, 7, 1, 8)),
        ("1.000002", ["H48.04"], datetime(2025, 7, 1, 8)),
        # changed after H48.07 last updated its documents (18/11 for the others, 10/11 for it)
        ("1.000007", ["H48.07"], datetime(2026, 11, 15, 10)),
        ("2.000001", COMMUNES, datetime(2025, 7, 1, 8)),
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.agency (code, name, level, valid_from, batch_id)"
                " VALUES (:c, :n, :l, DATE '2025-07-01', 'test')"
            ),
            [{"c": c, "n": n, "l": lvl} for c, n, lvl in agencies],
        )
        conn.execute(
            text(
                "INSERT INTO core.procedure (code, name, online_level, agencies, has_fee,"
                " changed_at, valid_from, batch_id)"
                " VALUES (:c, 'Thủ tục thử', 4, :a, false, :t, DATE '2025-07-01', 'test')"
            ),
            [{"c": c, "a": a, "t": t} for c, a, t in procedures],
        )
        conn.execute(
            text(
                "INSERT INTO core.dossier (dossier_code, updated_at, procedure_code, agency_code,"
                " channel, status, received_at, batch_id)"
                " VALUES (:d, :t, :p, 'H48.04', 2, 4, :t, 'test')"
            ),
            [
                {"d": "000.04.48.H48-261120-00001", "p": "1.000001", "t": datetime(2026, 11, 2)},
                {
                    "d": "000.04.48.H48-261120-00002",
                    "p": "1.000002.H48.04",
                    "t": datetime(2025, 12, 1),
                },
                # not received (status 3): never counts
                {"d": "000.04.48.H48-261120-00003", "p": "1.000009", "t": datetime(2026, 11, 3)},
            ],
        )
        conn.execute(text("UPDATE core.dossier SET status = 3 WHERE dossier_code LIKE '%00003'"))
        conn.execute(text("DELETE FROM ops.outbox WHERE kind = :k"), {"k": ALERT_KIND})
    return engine


def write(tmp_path: Path, rows: list[dict[str, Any]], name: str = "so_iso.xlsx") -> Path:
    return write_register(tmp_path / name, rows)


def load(engine: Any, path: Path | str, day: date = R) -> IngestResult:
    return ingest(engine, read_source(str(path)), received(day))


def compliance(engine: Any, day: date = R) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM kpi.iso9001_compliance WHERE day = :d"), {"d": day}
        ).all()
    return {r.agency_code: r for r in rows}


def register(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT agency_code, valid_from, valid_to, internal_audit_on, sha256"
                " FROM core.iso9001_register ORDER BY agency_code, valid_from"
            )
        ).all()


# --------------------------------------------------------------------------- rules
def test_each_rule_fails_alone_and_missing_agency_is_not_in_register(
    world: Any, tmp_path: Path
) -> None:
    result = load(world, write(tmp_path, crafted_rows()))
    assert (result.changed, result.rows_in, result.rows_quarantined) == (True, 11, 0)
    compute_compliance(world, R, R)
    got = compliance(world)
    assert set(got) == set(EXPECTED)  # in scope: departments and communes, not H48
    for code, rules in EXPECTED.items():
        row = got[code]
        assert row.failed_rules == rules, code
        assert row.compliant is (not rules), code
        for rule in rules:
            assert rule in row.reason, code
        if rules and rules != ["in_register"]:
            assert row.in_register
            assert getattr(row, rules[0]) is False
            others = [r for r in RULES if r not in rules]
            assert all(getattr(row, r) is True for r in others), code
    assert got["H48.01"].reason == "Đạt / compliant"
    assert got["H48.04"].procedures_in_dossiers_12m == 2
    assert got["H48.07"].latest_procedure_change == date(2026, 11, 15)
    assert got["H48.05"].audit_expires_on == R
    assert "Không đạt:" in got["H48.08"].reason and "Not compliant" in got["H48.08"].reason
    missing = got["H48.09"]  # in scope, no register row
    assert missing.in_register is False and missing.compliant is False
    assert missing.declared_2015 is None and missing.inspection_not_failed is None
    assert "not in register" in missing.reason and "không có trong sổ" in missing.reason


def test_kpi_share_for_province_levels_days_and_month(world: Any, tmp_path: Path) -> None:
    load(world, write(tmp_path, crafted_rows()))
    compute_compliance(world, R - timedelta(days=1), R)
    compute_compliance(world, R, R)  # idempotent: recomputing replaces
    with world.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT period_grain, period_start, agency_code, as_of, numerator, denominator,"
                " value, target, comparator, meets_target FROM kpi.kpi_value"
                " WHERE kpi = 'iso9001_compliant_share'"
            )
        ).all()
    by_key = {(r.period_grain, r.period_start, r.agency_code): r for r in rows}
    assert len(rows) == 3 * 3  # two days and one month, for H48, H48:PROVINCE, H48:COMMUNE
    day = by_key[("day", R, "H48")]
    assert (day.numerator, day.denominator) == (3, 11)
    assert (day.target, day.comparator, day.meets_target) == (1, ">=", False)
    assert float(day.value) == pytest.approx(3 / 11, abs=1e-6)
    assert (by_key[("day", R, "H48:PROVINCE")].numerator,
            by_key[("day", R, "H48:PROVINCE")].denominator) == (1, 9)  # fmt: skip
    commune = by_key[("day", R, "H48:COMMUNE")]
    assert (commune.numerator, commune.denominator, commune.meets_target) == (2, 2, True)
    month = by_key[("month", date(2026, 11, 1), "H48")]
    assert month.as_of == R and (month.numerator, month.denominator) == (3, 11)
    # the day before the register was received, nobody was in it
    before = by_key[("day", R - timedelta(days=1), "H48")]
    assert (before.numerator, before.denominator) == (0, 11)


# --------------------------------------------------------------------------- reading
def test_xlsx_and_csv_with_the_same_rows_are_the_same_register(world: Any, tmp_path: Path) -> None:
    xlsx = write(tmp_path, crafted_rows(), "so.xlsx")
    first = load(world, xlsx)
    assert read_source(str(xlsx)).file_format == "xlsx"
    loaded = register(world)
    csv_path = write(tmp_path, crafted_rows(), "so.csv")
    assert read_source(str(csv_path)).file_format == "csv"
    second = load(world, csv_path, R + timedelta(days=1))
    assert second.changed and second.sha256 != first.sha256
    assert second.rows_in == 11 and second.rows_quarantined == 0
    assert register(world) == loaded  # same content: no row closed or opened


def test_folder_source_reads_its_newest_file(world: Any, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    old = write(folder, crafted_rows()[:3], "cu.csv")
    new = write(folder, crafted_rows(), "moi.xlsx")
    stamp = old.stat().st_mtime
    import os

    os.utime(new, (stamp + 60, stamp + 60))
    file = read_source(str(folder))
    assert file.name == "moi.xlsx"
    assert ingest(world, file, received()).rows_in == 11


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = tmp_path / "www"
    folder.mkdir()
    handler = partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_source(world: Any, http_folder: tuple[Path, str]) -> None:
    folder, base = http_folder
    write(folder, crafted_rows(), "so-iso-9001.xlsx")
    result = load(world, f"{base}/so-iso-9001.xlsx")
    assert (result.changed, result.rows_loaded) == (True, 11)
    with world.connect() as conn:
        raw = conn.execute(
            text("SELECT source, file_name, file_format FROM raw.iso9001_file")
        ).one()
    assert raw.source.startswith("http://127.0.0.1:")
    assert (raw.file_name, raw.file_format) == ("so-iso-9001.xlsx", "xlsx")
    assert len(register(world)) == 11


# --------------------------------------------------------------------------- validation
def test_bad_rows_are_quarantined_with_every_rule_and_others_load(
    world: Any, tmp_path: Path
) -> None:
    rows = crafted_rows()
    rows[1]["NgayDanhGiaNoiBo"] = "31/02/2026"  # H48.01: not a calendar date
    rows[2].update(NgayKiemTra="2026-09-10", SoTTHCApDung="-3")  # H48.02: two rules
    rows[3].update(NgayXemXetLanhDao="25/11/2026", TieuChuan="ISO 14001:2015")  # H48.03
    rows.append(reg_row("H48.99"))  # unknown agency
    rows.append(reg_row("H48.112", KetQuaKiemTra="tốt"))  # duplicate code, bad result
    result = load(world, write(tmp_path, rows, "so.csv"))
    assert (result.rows_in, result.rows_quarantined, result.rows_loaded) == (13, 6, 7)
    with world.connect() as conn:
        quarantined = {
            (r.record_key, r.version_at): (r.rules, r.reasons, r.record)
            for r in conn.execute(
                text(
                    "SELECT record_key, version_at, rules, reasons, record FROM quality.quarantine"
                    " WHERE entity = 'iso9001'"
                )
            )
        }
        run = conn.execute(
            text(
                "SELECT rows_in, rows_quarantined, failures FROM quality.validation_run"
                " WHERE suite = :s"
            ),
            {"s": SUITE},
        ).one()
    day = R.isoformat()
    assert quarantined[("H48.01", day)][0] == ["date_valid:NgayDanhGiaNoiBo"]
    assert quarantined[("H48.01", day)][2]["NgayDanhGiaNoiBo"] == "31/02/2026"
    assert "dd/mm/yyyy" not in quarantined[("H48.01", day)][1]["date_valid:NgayDanhGiaNoiBo"]
    assert quarantined[("H48.02", day)][0] == [
        "count_integer:SoTTHCApDung",
        "date_format:NgayKiemTra",
    ]
    assert quarantined[("H48.03", day)][0] == [
        "date_not_in_future:NgayXemXetLanhDao",
        "standard_recognised",
    ]
    assert quarantined[("H48.99", day)][0] == ["agency_known"]
    assert len(quarantined) == 5  # both H48.112 rows share a key
    assert (run.rows_in, run.rows_quarantined) == (13, 6)
    assert run.failures["unique:MaDonVi"] == 2 and run.failures["code_set:KetQuaKiemTra"] == 1
    loaded = {r.agency_code for r in register(world)}
    assert loaded == {"H48", "H48.04", "H48.05", "H48.06", "H48.07", "H48.08", "H48.113"}


def test_unreadable_file_is_kept_and_fails(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "so.csv"
    path.write_text("Ma,Ten\nH48.01,Sở\n", encoding="utf-8")
    with pytest.raises(RegisterFormatError, match="MaDonVi"):
        load(world, path)
    with pytest.raises(RegisterFormatError, match="still the unreadable"):
        load(world, path)
    with world.connect() as conn:
        status = conn.execute(text("SELECT load_status FROM raw.iso9001_file")).scalar_one()
    assert status == "unreadable" and register(world) == []


# --------------------------------------------------------------------------- versions
def test_unchanged_file_is_a_cheap_no_op(world: Any, tmp_path: Path) -> None:
    path = write(tmp_path, crafted_rows())
    first = load(world, path)
    before = register(world)
    again = ingest(world, read_source(str(path)), received(R + timedelta(days=1)))
    assert again.changed is False and again.sha256 == first.sha256
    assert again.register_day == R and again.rows_loaded == 11
    assert register(world) == before
    with world.connect() as conn:
        files = conn.execute(
            text("SELECT received_at, last_checked_at FROM raw.iso9001_file")
        ).one()
        runs = conn.execute(
            text("SELECT count(*) FROM quality.validation_run WHERE suite = :s"),
            {"s": SUITE},
        ).scalar()
    assert files.received_at == received() and files.last_checked_at == received(
        R + timedelta(days=1)
    )
    assert runs == 1


def test_changed_file_is_a_new_version_with_validity_dates(world: Any, tmp_path: Path) -> None:
    load(world, write(tmp_path, crafted_rows(), "v0.csv"))
    same_day = crafted_rows()
    same_day[1]["NgayCapNhatHeThong"] = "19/11/2026"  # H48.01 changed the same day
    v1 = ingest(world, read_source(str(write(tmp_path, same_day, "v1.xlsx"))), received(R, 15))
    h01 = [r for r in register(world) if r.agency_code == "H48.01"]
    assert len(h01) == 1 and h01[0].sha256 == v1.sha256  # replaced, not split
    later = R + timedelta(days=5)
    rows = [r for r in same_day if r["MaDonVi"] != "H48.02"]  # dropped from the register
    for r in rows:
        if r["MaDonVi"] == "H48.05":
            r["NgayDanhGiaNoiBo"] = "24/11/2026"  # audited again
    v2 = load(world, write(tmp_path, rows, "v2.xlsx"), later)
    assert v2.changed and v2.sha256 != v1.sha256 and v2.rows_quarantined == 0
    got = {(r.agency_code, r.valid_from): r for r in register(world)}
    assert got[("H48.05", R)].valid_to == later - timedelta(days=1)
    assert got[("H48.05", later)].valid_to is None
    assert got[("H48.05", later)].internal_audit_on == date(2026, 11, 24)
    assert got[("H48.05", later)].sha256 == v2.sha256
    assert got[("H48.02", R)].valid_to == later - timedelta(days=1)
    assert ("H48.02", later) not in got
    assert got[("H48.01", R)].valid_to is None and got[("H48.01", R)].sha256 == v1.sha256
    with world.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw.iso9001_file")).scalar() == 3
    compute_compliance(world, R, later)
    assert compliance(world, R)["H48.05"].failed_rules == ["internal_audit_12m"]
    assert compliance(world, later)["H48.05"].compliant is True
    assert compliance(world, later - timedelta(days=1))["H48.02"].failed_rules == ["declared_2015"]
    assert compliance(world, later)["H48.02"].failed_rules == ["in_register"]


# --------------------------------------------------------------------------- warnings
def test_audit_expiring_within_30_days_is_warned_once(world: Any, tmp_path: Path) -> None:
    load(world, write(tmp_path, crafted_rows()))
    compute_compliance(world, R, R)
    assert warn_expiring(world, R) == 2  # one message per catch-all recipient
    assert warn_expiring(world, R) == 0  # dedupe: same agency, rule, expiry
    with world.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.dedupe_key, o.subject, o.body, o.detail, o.channel"
                " FROM ops.outbox AS o WHERE o.kind = 'iso9001_expiry' ORDER BY o.channel"
            )
        ).all()
    assert {r.channel for r in rows} == {"email", "webhook"}
    assert {r.dedupe_key for r in rows} == {"H48.113:internal_audit_12m:2026-12-01"}
    assert "01/12/2026" in rows[0].subject and "English:" in rows[0].body
    assert rows[0].detail["days_left"] == 11


# --------------------------------------------------------------------------- demo
def test_generated_register_for_the_simulated_province(engine: Any, tmp_path: Path) -> None:
    today = R
    pairs = [("H48.01", "Văn phòng UBND tỉnh"), ("H48.07", "Sở Khoa học và Công nghệ")]
    pairs += [(f"H48.{i:02d}", f"Sở số {i}") for i in range(2, 26) if i != 7]
    pairs += [(f"H48.{i}", f"Xã số {i}") for i in range(100, 200)]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.agency (code, name, level, valid_from, batch_id)"
                " VALUES (:c, :n, :l, DATE '2025-07-01', 'test')"
            ),
            [{"c": "H48", "n": "UBND tỉnh Quảng Ngãi", "l": "PROVINCE"}]
            + [{"c": c, "n": n, "l": "COMMUNE" if len(c) == 7 else "PROVINCE"} for c, n in pairs],
        )
    path = generate_register(tmp_path / "so_iso_9001.xlsx", pairs, today)
    assert path.exists()
    rows = register_rows(pairs, today)
    assert len(rows) == len(pairs) - 2
    assert sum(r["TieuChuan"] == "TCVN ISO 9001:2008" for r in rows) == 1
    assert sum(r["KetQuaKiemTra"] == "Không đạt" for r in rows) == 3
    result = load(engine, path, today)
    assert result.rows_quarantined == 0 and result.rows_loaded == len(pairs) - 2
    compute_compliance(engine, today, today)
    failing = {c: r.failed_rules for c, r in compliance(engine, today).items() if not r.compliant}
    assert sum(rules == ["in_register"] for rules in failing.values()) == 2
    assert sum("declared_2015" in rules for rules in failing.values()) == 1
    assert sum("inspection_not_failed" in rules for rules in failing.values()) == 3
    assert sum("internal_audit_12m" in rules for rules in failing.values()) >= 2
    assert 100 < len(pairs) - len(failing) < len(pairs)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ops.outbox WHERE kind = :k"), {"k": ALERT_KIND})
    assert warn_expiring(engine, today) >= 2
    summary = iso9001_summary(engine, today)
    assert f"{len(pairs) - len(failing)}/{len(pairs)}" in summary
    assert "not in register" in summary and "H48.1" in summary


def test_run_days_cover_the_business_day_and_the_next() -> None:
    start = datetime(2026, 11, 19, 1, tzinfo=TZ)
    assert run_days(start, today=R) == (date(2026, 11, 19), R)
    assert run_days(start, today=date(2026, 11, 19)) == (date(2026, 11, 19),) * 2
    assert run_days(start - timedelta(days=30), today=R) == (
        date(2026, 10, 20),
        date(2026, 10, 21),
    )


def test_dag_is_thin_and_daily() -> None:
    from airflow.dag_processing.dagbag import DagBag

    path = Path(__file__).resolve().parents[1] / "dags" / "iso9001_register.py"
    bag = DagBag(dag_folder=str(path))
    assert bag.import_errors == {}
    dag = bag.dags.get("iso9001_register")
    assert dag is not None
    assert set(dag.task_ids) == {
        "migrate",
        "ingest_register",
        "compute_compliance",
        "warn_expiring",
    }
    assert "iso9001" in dag.tags and dag.doc_md
    assert dag.default_args["retries"] >= 1
