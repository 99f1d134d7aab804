"""Small builders of contract records for tests (invented people, never real ones)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from portal_kpi.daily.extract import iter_pages, load_batch
from portal_kpi.daily.load import publish_batch
from portal_kpi.daily.model import Batch
from portal_kpi.daily.validate import Outcome, validate_batch
from portal_kpi.pii import PiiHasher
from portal_kpi.quality.gx import Settings

HASHER = PiiHasher("test-secret-not-for-production-0123456789")
DAY = date(2026, 11, 20)
WINDOW = (datetime(2026, 11, 19), datetime(2026, 11, 21))


def agency(
    code: str,
    name: str = "Sở Khoa học và Công nghệ",
    level: str = "PROVINCE",
    valid_from: str = "20250701",
    valid_to: str | None = None,
) -> dict[str, Any]:
    return {
        "MaDonVi": code,
        "TenDonVi": name,
        "Cap": level,
        "MaDonViCha": "H48",
        "HieuLucTu": valid_from,
        "HieuLucDen": valid_to,
    }


def procedure(
    code: str = "1.003560",
    level: str = "4",
    valid_from: str = "20250701",
    valid_to: str | None = None,
    agencies: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "MaTTHC": code,
        "TenTTHC": "Cấp giấy phép tiến hành công việc bức xạ",
        "MaLinhVuc": "AT-BX",
        "TenLinhVuc": "An toàn bức xạ và hạt nhân",
        "MucDo": level,
        "CoQuanThucHien": agencies or ["H48.07"],
        "CoPhiLePhi": "1",
        "CapNhatLuc": "20250701080000",
        "HieuLucTu": valid_from,
        "HieuLucDen": valid_to,
    }


def dossier(code: str = "000.07.48.H48-261120-00001", **overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "MaHoSo": code,
        "MaTTHC": "1.003560",
        "TenTTHC": "Cấp giấy phép tiến hành công việc bức xạ",
        "MaLinhVuc": "AT-BX",
        "TenLinhVuc": "An toàn bức xạ và hạt nhân",
        "MaDonVi": "H48.07",
        "DonViXuLy": "Sở Khoa học và Công nghệ",
        "KenhThucHien": "2",
        "MucDo": "4",
        "LoaiDoiTuong": "1",
        "ChuHoSo": "Trần Thị Mai Anh",
        "SoGiayToChuHoSo": "051190000123",
        "SoDienThoai": "0912000111",
        "Email": "mai.anh@example.vn",
        "TrichYeuHoSo": "Đề nghị cấp giấy phép của bà Trần Thị Mai Anh",
        "NgayNopHoSo": "20261119153000",
        "NgayTiepNhan": "20261120080512",
        "NgayHenTra": "20261204170000",
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "NgayTuChoi": "",
        "TrangThaiHoSo": "4",
        "HinhThuc": "0",
        "DuocThanhToanTrucTuyen": "1",
        "HoSoCoThanhPhanSoHoa": "1",
        "DanhSachHoSoBoSung": [],
        "DanhSachXinLoi": [],
        "NgayCapNhat": "20261120080512",
    }
    record.update(overrides)
    return record


def stage(
    engine: Engine,
    source: str,
    records: list[Any],
    *,
    day: date = DAY,
    window: tuple[datetime | None, datetime] = WINDOW,
    scrub: bool = True,
) -> Batch:
    return load_batch(
        engine,
        source=source,
        business_day=day,
        window_from=window[0],
        window_to=window[1],
        pages=iter_pages(records, 2),
        hasher=HASHER if scrub and source.startswith("dossiers") else None,
    )


def run_batch(
    engine: Engine,
    source: str,
    records: list[Any],
    *,
    day: date = DAY,
    window: tuple[datetime | None, datetime] = WINDOW,
    settings: Settings | None = None,
) -> tuple[Batch, Outcome]:
    """Stage, validate (threshold off unless given) and publish one batch."""
    batch = stage(engine, source, records, day=day, window=window)
    outcome = validate_batch(engine, batch, day, settings or Settings(max_rejected_share=1.0))
    publish_batch(engine, batch)
    return batch, outcome


def seed_catalogues(engine: Engine) -> None:
    stamp = (None, datetime(2026, 11, 20))
    run_batch(
        engine,
        "agencies",
        [
            agency("H48", "UBND tỉnh Quảng Ngãi"),
            agency("H48.07"),
            agency("H48.112", "Xã Tịnh Khê", "COMMUNE"),
        ],
        window=stamp,
    )
    run_batch(
        engine,
        "procedures",
        [procedure(), procedure("2.000001", "3", agencies=["H48.112"])],
        window=stamp,
    )
