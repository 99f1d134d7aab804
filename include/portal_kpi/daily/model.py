"""What the daily job's steps hand each other: sources, field lists and batches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from portal_kpi.dates import format_ts


class Source(StrEnum):
    """A pull from the provincial portal (``raw.batch.source``)."""

    AGENCIES = "agencies"
    PROCEDURES = "procedures"
    DOSSIERS = "dossiers"  # the change feed of a window
    DOSSIERS_OPEN = "dossiers_open"  # the one-time bootstrap of open dossiers
    DOSSIERS_REQUEUE = "dossiers_requeue"  # quarantined versions checked again

    @property
    def is_dossiers(self) -> bool:
        return self in (Source.DOSSIERS, Source.DOSSIERS_OPEN, Source.DOSSIERS_REQUEUE)

    @property
    def entity(self) -> str:
        """``quality.quarantine.entity`` of its rows."""
        if self is Source.AGENCIES:
            return "agency"
        if self is Source.PROCEDURES:
            return "procedure"
        return "dossier"


DOSSIER_FIELDS = (
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "MaDonVi", "DonViXuLy",
    "KenhThucHien", "MucDo", "LoaiDoiTuong", "ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai",
    "Email", "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra",
    "NgayTuChoi", "TrangThaiHoSo", "HinhThuc", "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa", "DanhSachHoSoBoSung", "DanhSachXinLoi", "NgayCapNhat",
)  # fmt: skip
AGENCY_FIELDS = ("MaDonVi", "TenDonVi", "Cap", "MaDonViCha", "HieuLucTu", "HieuLucDen")
PROCEDURE_FIELDS = (
    "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "MucDo", "CoQuanThucHien",
    "CoPhiLePhi", "CapNhatLuc", "HieuLucTu", "HieuLucDen",
)  # fmt: skip
JSON_FIELDS = frozenset({"DanhSachHoSoBoSung", "DanhSachXinLoi", "CoQuanThucHien"})

# Staging table and its record fields, per source.
STAGING: dict[Source, tuple[str, tuple[str, ...]]] = {
    Source.AGENCIES: ("staging.agency", AGENCY_FIELDS),
    Source.PROCEDURES: ("staging.procedure", PROCEDURE_FIELDS),
    Source.DOSSIERS: ("staging.dossier", DOSSIER_FIELDS),
    Source.DOSSIERS_OPEN: ("staging.dossier", DOSSIER_FIELDS),
    Source.DOSSIERS_REQUEUE: ("staging.dossier", DOSSIER_FIELDS),
}


class BatchChangedError(RuntimeError):
    """Another run pulled the batch again while this one loaded or judged it: run again."""


@dataclass(frozen=True)
class Batch:
    """One pull (source and window), as a task hands it to the next (small JSON)."""

    batch_id: str
    source: Source
    pages: int
    records: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", Source(self.source))  # a plain string is welcome

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["source"] = str(self.source)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        return cls(data["batch_id"], Source(data["source"]), data["pages"], data["records"])


def batch_id_for(source: Source, window_from: datetime | None, window_to: datetime | None) -> str:
    if window_from is None or window_to is None:
        return f"{source}/{format_ts(window_to or window_from or datetime.min)}"
    return f"{source}/{format_ts(window_from)}-{format_ts(window_to)}"
