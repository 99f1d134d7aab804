"""One bad record: it is quarantined with its rule (or cleaned) and everything else is
published exactly as in a clean run; nothing of it is stored in clear."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from faults.harness import DAY, clean, differences, make_client, run, scalar, snapshot, victim
from portal_kpi.dates import feed_window

BIG = "x" * 10_000_000  # a 10 MB text value


def _received(record: dict[str, Any]) -> bool:
    return bool(record["NgayTiepNhan"]) and not record["DanhSachXinLoi"]


# fault -> (patch of the victim's records, the rule it is quarantined with)
QUARANTINED: dict[str, tuple[dict[str, Any], str]] = {
    "smallint overflow in DuocThanhToanTrucTuyen": (
        {"DuocThanhToanTrucTuyen": "99999"},
        "code_set:DuocThanhToanTrucTuyen",
    ),
    "apology date 2026-13-45": (
        {"DanhSachXinLoi": [{"NgayXinLoi": "2026-13-45", "NgayHenTraMoi": ""}]},
        "item_date_valid:DanhSachXinLoi.NgayXinLoi",
    ),
    "supplement date off the calendar": (
        {"DanhSachHoSoBoSung": [{"NgayBoSung": "20261345170000"}]},
        "item_date_valid:DanhSachHoSoBoSung.NgayBoSung",
    ),
    "supplement item that is not an object": (
        {"DanhSachHoSoBoSung": ["Nguyễn Văn A, 0912345678"]},
        "item_object:DanhSachHoSoBoSung",
    ),
    "list field that is not a list": ({"DanhSachHoSoBoSung": "none"}, "lists_are_arrays"),
    "object in a text field": ({"MaLinhVuc": {"code": "X"}}, "value_shape:MaLinhVuc"),
    "10 MB text field": ({"DonViXuLy": BIG}, "text_size:DonViXuLy"),
    "due date 9999-12-31": ({"NgayHenTra": "99991231000000"}, "due_date_plausible"),
    "due date 2100-01-01": ({"NgayHenTra": "21000101000000"}, "due_date_plausible"),
    "malformed receipt date": ({"NgayTiepNhan": "2026-11-19 08:00"}, "date_format:NgayTiepNhan"),
    "record that is not a JSON object": (
        {"__record__": "Nguyễn Văn A 0912345678"},
        "record_object",
    ),
}


@pytest.mark.parametrize("fault", sorted(QUARANTINED))
def test_bad_record_is_quarantined_and_the_rest_is_the_clean_run(
    engine: Any, simulator: Any, fault: str
) -> None:
    bad = victim(simulator, _received)
    expected = clean(engine, simulator, drop=bad["MaHoSo"])
    patch, rule = QUARANTINED[fault]
    simulator.faults.patch_key, simulator.faults.patch = bad["MaHoSo"], patch
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT record_key, rules, record::text AS record FROM quality.quarantine")
        ).all()
        pages = conn.execute(text("SELECT string_agg(records::text, '') FROM raw.page")).scalar()
    assert rows and all(rule in r.rules for r in rows), rows
    if "__record__" in patch:  # kept without its content
        assert {r.record_key for r in rows} == {None}
        assert "0912345678" not in pages and all("0912345678" not in r.record for r in rows)
    else:
        assert {r.record_key for r in rows} == {bad["MaHoSo"]}
    assert BIG not in pages and "0912345678" not in pages
    # exactly one open row per quarantined version
    assert scalar(engine, "SELECT count(*) FROM quality.quarantine WHERE status = 'open'") == len(
        {(r.record_key, r.record) for r in rows}
    )


def test_nul_characters_are_cleaned_and_counted(engine: Any, simulator: Any) -> None:
    bad = victim(simulator, _received)
    expected = clean(engine, simulator)
    simulator.faults.patch_key = bad["MaHoSo"]
    simulator.faults.patch = {"DonViXuLy": bad["DonViXuLy"][:3] + "\x00" + bad["DonViXuLy"][3:]}
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
    cleaned = scalar(
        engine,
        "SELECT sum((dropped_fields #>> '{cleaned,text_nul_removed:DonViXuLy}')::int)"
        " FROM raw.batch",
    )
    assert cleaned >= 1
    assert scalar(engine, "SELECT count(*) FROM quality.quarantine") == 0


def test_unknown_fields_and_item_keys_are_dropped_and_counted(engine: Any, simulator: Any) -> None:
    bad = victim(simulator, lambda r: bool(r["DanhSachXinLoi"]))
    expected = clean(engine, simulator)
    simulator.faults.patch_key = bad["MaHoSo"]
    simulator.faults.patch = {
        "DiaChiChuHoSo": "Số 12 phố Hàng Bông",
        "SoDienThoaiPhu": "0987654321",
        "__items__": {"DanhSachXinLoi": {"NguoiKy": "Trần Thị B"}},
    }
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
    with engine.connect() as conn:
        pages = conn.execute(text("SELECT string_agg(records::text, '') FROM raw.page")).scalar()
        core = conn.execute(
            text("SELECT string_agg(apologies::text, '') FROM core.dossier_version")
        ).scalar()
        dropped = conn.execute(
            text("SELECT dropped_fields -> 'dropped' FROM raw.batch WHERE source = 'dossiers'")
        ).scalar()
    for secret in ("Hàng Bông", "0987654321", "Trần Thị B", "NguoiKy"):
        assert secret not in pages and secret not in (core or "")
    assert dropped["DiaChiChuHoSo"] >= 1 and dropped["SoDienThoaiPhu"] >= 1
    assert dropped["DanhSachXinLoi.NguoiKy"] >= 1
    assert dropped["TrichYeuHoSo"] >= 1  # free text of the contract is not kept either


def test_bad_catalogue_value_quarantines_that_procedure_only(engine: Any, simulator: Any) -> None:
    window = feed_window(DAY)
    listed = [*simulator.history.feed(*window), *simulator.history.open_as_of(window[0])]
    used = {r["MaTTHC"] for r in listed}
    procedure = next(p for p in simulator.history.procedures() if p["MaTTHC"] not in used)
    expected = clean(engine, simulator, drop=procedure["MaTTHC"])
    simulator.faults.patch_key = procedure["MaTTHC"]
    simulator.faults.patch = {"CapNhatLuc": "hôm qua"}
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
    rules = scalar(engine, "SELECT array_agg(DISTINCT r) FROM quality.quarantine, unnest(rules) r")
    assert rules == ["date_format:CapNhatLuc"]
