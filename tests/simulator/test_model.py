"""The simulated portal history: determinism, window semantics, lifecycle rules, shares."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from portal_kpi.devtools.simulator import PortalHistory, SimConfig
from portal_kpi.devtools.simulator.model import MAX_LIFECYCLE_DAYS, OPEN_STATUSES

TODAY = date(2026, 3, 2)
CONFIG = SimConfig(today=TODAY, dossiers_per_day=200, history_days=60)
SMALL = SimConfig(today=TODAY, dossiers_per_day=60, history_days=40, seed=7)
STAMP = "%Y%m%d%H%M%S"
FIELDS = [
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "MaDonVi", "DonViXuLy",
    "KenhThucHien", "MucDo", "LoaiDoiTuong", "ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai",
    "Email", "TrichYeuHoSo", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy",
    "NgayTra", "NgayTuChoi", "TrangThaiHoSo", "HinhThuc", "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa", "DanhSachHoSoBoSung", "DanhSachXinLoi", "NgayCapNhat",
]  # fmt: skip


@pytest.fixture(scope="module")
def history() -> PortalHistory:
    return PortalHistory(CONFIG)


@pytest.fixture(scope="module")
def latest(history: PortalHistory) -> dict[str, dict[str, Any]]:
    return history.latest_versions(history.now)


@pytest.fixture(scope="module")
def lifecycles(history: PortalHistory) -> list[list[dict[str, Any]]]:
    start = TODAY - timedelta(days=CONFIG.history_days)
    return list(history.iter_dossier_histories(start, TODAY))


def day(value: str | None) -> str:
    return (value or "")[:8]


def test_deterministic_and_day_independent() -> None:
    a, b = PortalHistory(CONFIG), PortalHistory(CONFIG)
    b.feed(datetime(2026, 1, 5), datetime(2026, 1, 7))  # warm other days first
    frm, to = datetime(2026, 2, 10, 6), datetime(2026, 2, 11, 18)
    assert a.feed(frm, to) == b.feed(frm, to)
    assert a.feed(frm, to) == a.feed(frm, to)
    assert a.agencies() == b.agencies() and a.procedures() == b.procedures()
    other = PortalHistory(SimConfig(today=TODAY, dossiers_per_day=200, history_days=60, seed=49))
    assert other.feed(frm, to) != a.feed(frm, to)


def test_feed_window_semantics(history: PortalHistory) -> None:
    frm, mid, to = datetime(2026, 1, 12, 9, 30), datetime(2026, 1, 13), datetime(2026, 1, 14, 7)
    rows = history.feed(frm, to)
    assert rows
    keys = [(r["NgayCapNhat"], r["MaHoSo"]) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    lo, hi = frm.strftime(STAMP), to.strftime(STAMP)
    assert all(lo <= k[0] < hi for k in keys)
    assert all(list(r) == FIELDS for r in rows)
    assert history.feed(frm, mid) + history.feed(mid, to) == rows
    assert history.feed(to, to) == []


def test_feed_stops_at_now(history: PortalHistory) -> None:
    rows = history.feed(datetime(2026, 2, 27), datetime(2026, 3, 9))
    now = history.now.strftime(STAMP)
    assert rows and max(r["NgayCapNhat"] for r in rows) < now
    assert history.now == datetime(2026, 3, 2, 2, 0)


def test_late_visibility() -> None:
    """Versions with a visibility delay are in the full history but not (yet) in the feed."""
    h = PortalHistory(SimConfig(today=date(2026, 2, 25), dossiers_per_day=200, history_days=40,
                                clock_lag_hours=14.0))  # fmt: skip
    assert h.now == datetime(2026, 2, 25, 14)
    frm, to = datetime(2026, 2, 24, 12), datetime(2026, 2, 26)
    served = {(r["MaHoSo"], r["NgayCapNhat"]) for r in h.feed(frm, to)}
    lo, now = frm.strftime(STAMP), h.now.strftime(STAMP)
    every = {
        (v["MaHoSo"], v["NgayCapNhat"])
        for life in h.iter_dossier_histories(date(2026, 1, 1), date(2026, 2, 24))
        for v in life
        if v["NgayCapNhat"] >= lo
    }
    assert all(stamp < now for _, stamp in every)
    assert served < every  # strictly fewer: some become visible only after now
    for mahoso, stamp in every - served:
        visible = h.visible_at(mahoso, stamp)
        assert visible is not None and visible > h.now


def test_ground_truth_consistent_with_feed() -> None:
    h = PortalHistory(SMALL)
    start = datetime.combine(TODAY - timedelta(days=SMALL.history_days), datetime.min.time())
    until = datetime(2026, 2, 20, 12)
    newest: dict[str, dict[str, Any]] = {}
    for r in h.feed(start, until):
        newest[r["MaHoSo"]] = r
    assert newest == h.latest_versions(until)
    as_of = datetime(2026, 2, 3, 10, 15)
    expected = sorted(
        (v for v in h.latest_versions(as_of + timedelta(seconds=1)).values()
         if v["TrangThaiHoSo"] in OPEN_STATUSES),
        key=lambda v: v["MaHoSo"],
    )  # fmt: skip
    opened = h.open_as_of(as_of)
    assert opened == expected and len(opened) > 50
    assert all(v["NgayCapNhat"] <= as_of.strftime(STAMP) for v in opened)


def test_record_formats(latest: dict[str, dict[str, Any]]) -> None:
    nulls: Counter[bool] = Counter()
    for code, v in latest.items():
        assert re.fullmatch(r"000\.\d{2,3}\.48\.H48-\d{6}-\d{5}", code)
        assert re.fullmatch(r"\d\.\d{6}(\.H48\.\d{2,3})?", v["MaTTHC"])
        assert re.fullmatch(r"09\d{8}", v["SoDienThoai"])
        if v["LoaiDoiTuong"] == "1":
            assert re.fullmatch(r"\d{12}", v["SoGiayToChuHoSo"])
            assert v["ChuHoSo"] in v["TrichYeuHoSo"]
        for name in ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayCapNhat"):
            value = v[name]
            if value:
                datetime.strptime(value, STAMP)
            else:
                nulls[value is None] += 1
        assert all(isinstance(v[f], str) for f in FIELDS if not f.startswith("DanhSach") and v[f])
    suffixed = sum(1 for v in latest.values() if v["MaTTHC"].count(".") > 1) / len(latest)
    assert 0.02 < suffixed < 0.08
    assert nulls[True] and nulls[False] > nulls[True]


def test_status_rules(lifecycles: list[list[dict[str, Any]]]) -> None:
    for life in lifecycles:
        stamps = [v["NgayCapNhat"] for v in life]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        submitted = datetime.strptime(life[0]["NgayNopHoSo"], STAMP)
        last = datetime.strptime(stamps[-1], STAMP)
        assert last < datetime.combine(submitted.date(), datetime.min.time()) + timedelta(
            days=MAX_LIFECYCLE_DAYS
        )
        for v in life:
            status = v["TrangThaiHoSo"]
            if status in ("7", "9", "10"):
                assert v["NgayKetThucXuLy"], v
            else:
                assert not v["NgayKetThucXuLy"]
            if status in ("1", "3"):
                assert not v["NgayTiepNhan"] and not v["NgayHenTra"]
            else:
                assert v["NgayTiepNhan"] >= v["NgayNopHoSo"]
            assert bool(v["NgayTuChoi"]) == (status == "3")
            assert bool(v["NgayTra"]) == (status == "10")
            if status == "5":
                assert v["DanhSachHoSoBoSung"][-1]["NgayTiepNhanBoSung"] == ""
        received = [v for v in life if v["NgayTiepNhan"]]
        if received:
            t = received[0]["NgayTiepNhan"]
            assert t == received[0]["NgayCapNhat"] or received[0]["MaDonVi"] != life[0]["MaDonVi"]
            assert "073000" <= t[8:] <= "170000"
            dues = [v["NgayHenTra"] or "" for v in received]
            assert dues == sorted(dues)


def test_supplements_move_due_date(lifecycles: list[list[dict[str, Any]]]) -> None:
    checked = 0
    for life in lifecycles:
        final = life[-1]
        for i, entry in enumerate(final["DanhSachHoSoBoSung"]):
            if entry["NgayHenTraMoi"]:
                assert entry["NgayHenTraMoi"] >= entry["NgayHenTraTruoc"]
                assert entry["NgayBoSung"] < entry["NgayTiepNhanBoSung"]
                if i == len(final["DanhSachHoSoBoSung"]) - 1:
                    assert final["NgayHenTra"] == entry["NgayHenTraMoi"]
                checked += 1
    assert checked > 100


def test_apologies_never_move_due(lifecycles: list[list[dict[str, Any]]]) -> None:
    before = after = 0
    for life in lifecycles:
        for prev, v in pairwise(life):
            if len(v["DanhSachXinLoi"]) > len(prev["DanhSachXinLoi"]):
                assert v["NgayHenTra"] == prev["NgayHenTra"]
                letter = v["DanhSachXinLoi"][-1]
                assert letter["NgayXinLoi"] == v["NgayCapNhat"] and letter["LyDo"]
                if day(letter["NgayXinLoi"]) <= day(v["NgayHenTra"]):
                    before += 1
                else:
                    after += 1
    assert before > after > 0


def test_realistic_shares(latest: dict[str, dict[str, Any]]) -> None:
    received = [v for v in latest.values() if v["TrangThaiHoSo"] not in ("1", "3")]
    level34 = [v for v in received if v["MucDo"] in ("3", "4")]
    online = sum(v["KenhThucHien"] == "2" for v in level34) / len(level34)
    assert 0.5 < online < 0.8
    assert not any(v["KenhThucHien"] == "2" for v in received if v["MucDo"] == "2")
    finished = [v for v in received if v["TrangThaiHoSo"] in ("9", "10") and v["NgayHenTra"]]
    late = [v for v in finished if day(v["NgayKetThucXuLy"]) > day(v["NgayHenTra"])]
    assert 0.03 < len(late) / len(finished) < 0.15
    early = [v for v in finished if day(v["NgayKetThucXuLy"]) < day(v["NgayHenTra"])]
    assert 0.45 < len(early) / len(finished) < 0.75
    supplements = Counter(len(v["DanhSachHoSoBoSung"]) for v in received)
    assert supplements[2] + supplements[3] > 0 and 0.7 < supplements[0] / len(received) < 0.9
    statuses = Counter(v["TrangThaiHoSo"] for v in latest.values())
    assert {"1", "3", "4", "5", "7", "8", "9", "10"} <= set(statuses)
    # Some agencies are clearly weaker online or later than the province.
    by_agency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for v in level34:
        by_agency[v["MaDonVi"]][0] += v["KenhThucHien"] == "2"
        by_agency[v["MaDonVi"]][1] += 1
    for v in finished:
        by_agency[v["MaDonVi"]][2] += day(v["NgayKetThucXuLy"]) > day(v["NgayHenTra"])
        by_agency[v["MaDonVi"]][3] += 1
    weak_online = [a for a, c in by_agency.items() if c[1] >= 40 and c[0] / c[1] < 0.6]
    many_late = [a for a, c in by_agency.items() if c[3] >= 40 and c[2] / c[3] > 0.2]
    assert len(weak_online) >= 3 and len(many_late) >= 3
    # Departments carry more dossiers per agency than communes.
    per_agency = Counter(v["MaDonVi"] for v in latest.values())
    depts = [n for a, n in per_agency.items() if len(a.split(".")[1]) == 2]
    communes = [n for a, n in per_agency.items() if len(a.split(".")[1]) == 3]
    assert sum(depts) / len(depts) > 1.5 * sum(communes) / len(communes)


def test_volume_per_day(history: PortalHistory) -> None:
    counts = Counter(v["NgayNopHoSo"][:8] for v in history.latest_versions(history.now).values())
    assert counts["20260224"] == 200  # a Tuesday
    assert counts["20260131"] == 10  # a Saturday: 5 %
    assert counts["20260217"] == 10  # Lunar New Year


def test_agency_history(history: PortalHistory, lifecycles: list[list[dict[str, Any]]]) -> None:
    rows = history.agencies()
    assert rows == sorted(rows, key=lambda r: (r["MaDonVi"], r["HieuLucTu"]))
    codes = Counter(r["MaDonVi"] for r in rows)
    assert len(codes) == 126
    province = [r for r in rows if r["MaDonVi"] == "H48"]
    assert province == [
        {
            "MaDonVi": "H48",
            "TenDonVi": "UBND tỉnh Quảng Ngãi",
            "Cap": "PROVINCE",
            "MaDonViCha": None,
            "HieuLucTu": "20250701",
            "HieuLucDen": None,
        }
    ]
    caps = {r["MaDonVi"]: r["Cap"] for r in rows}
    assert Counter(caps.values()) == {"PROVINCE": 26, "COMMUNE": 100}
    assert all(r["MaDonViCha"] == "H48" for r in rows if r["MaDonVi"] != "H48")
    renamed = [c for c, n in codes.items() if n == 2]
    assert len(renamed) == 3
    start = (TODAY - timedelta(days=CONFIG.history_days)).strftime("%Y%m%d")
    new_names = {}
    for code in renamed:
        old, new = (r for r in rows if r["MaDonVi"] == code)
        assert old["TenDonVi"] != new["TenDonVi"] and new["HieuLucDen"] is None
        first = datetime.strptime(new["HieuLucTu"], "%Y%m%d")
        assert old["HieuLucDen"] == (first - timedelta(days=1)).strftime("%Y%m%d")
        assert start < new["HieuLucTu"] < TODAY.strftime("%Y%m%d")
        new_names[code] = (new["HieuLucTu"], old["TenDonVi"], new["TenDonVi"])
    ended = {
        r["MaDonVi"]: r["HieuLucDen"] for r in rows if codes[r["MaDonVi"]] == 1 and r["HieuLucDen"]
    }
    assert len(ended) == 2 and all(c.split(".")[1] >= "100" for c in ended)
    moved = transferred = 0
    for life in lifecycles:
        for v in life:
            code = v["MaDonVi"]
            if code in ended:
                assert day(v["NgayCapNhat"]) <= ended[code]
            if code in new_names:
                since, old_name, new_name = new_names[code]
                want = new_name if day(v["NgayCapNhat"]) >= since else old_name
                assert v["DonViXuLy"] == want
        agencies = [v["MaDonVi"] for v in life]
        if len(set(agencies)) > 1:
            moved += 1
            transferred += all(a not in ended for a in agencies)
        if life[0]["MaDonVi"] in ended:
            assert day(life[0]["NgayNopHoSo"]) <= ended[life[0]["MaDonVi"]]
    assert moved > transferred > 0


def test_procedure_history(history: PortalHistory, lifecycles: list[list[dict[str, Any]]]) -> None:
    rows = history.procedures()
    assert rows == sorted(rows, key=lambda r: (r["MaTTHC"], r["HieuLucTu"]))
    codes = Counter(r["MaTTHC"] for r in rows)
    assert 250 <= len(codes) <= 350
    assert all(re.fullmatch(r"\d\.\d{6}", c) for c in codes)
    current = [r for r in rows if r["HieuLucDen"] is None]
    levels = Counter(r["MucDo"] for r in rows if r["HieuLucTu"] == "20250701")
    assert 0.15 < levels["2"] / len(codes) < 0.35 and 0.3 < levels["4"] / len(codes) < 0.5
    agency_codes = {r["MaDonVi"] for r in history.agencies()}
    assert all(set(r["CoQuanThucHien"]) <= agency_codes and r["CoQuanThucHien"] for r in rows)
    assert {r["CoPhiLePhi"] for r in rows} == {"0", "1"}
    assert len(current) == len(codes)
    changed = {c for c, n in codes.items() if n == 2}
    assert len(changed) == 10
    change_day = {}
    for code in changed:
        old, new = (r for r in rows if r["MaTTHC"] == code)
        assert (old["MucDo"], new["MucDo"]) == ("3", "4")
        assert new["CapNhatLuc"] > old["CapNhatLuc"] and new["CapNhatLuc"][:8] < new["HieuLucTu"]
        change_day[code] = new["HieuLucTu"]
    seen: Counter[str] = Counter()
    for life in lifecycles:
        v = life[0]
        national = v["MaTTHC"][:8]
        if national in change_day:
            want = "4" if day(v["NgayNopHoSo"]) >= change_day[national] else "3"
            assert {x["MucDo"] for x in life} == {want}
            seen[want] += 1
    assert seen["3"] and seen["4"]
