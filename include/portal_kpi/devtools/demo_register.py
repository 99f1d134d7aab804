"""A realistic demo ISO 9001 register (xlsx or csv) for the demo and the tests."""

from __future__ import annotations

import csv
import logging
import random
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Font

from portal_kpi.iso9001.register import DATE_COLUMNS, REGISTER_COLUMNS

if TYPE_CHECKING:
    from portal_kpi.devtools.simulator.model import PortalHistory

log = logging.getLogger(__name__)


def register_agencies(history: PortalHistory, day: date) -> list[tuple[str, str]]:
    """(code, name) of the simulated agencies in force on ``day``, the province itself
    excepted: the agencies a DOST register of that day lists."""
    stamp = day.strftime("%Y%m%d")
    return sorted(
        {
            (a["MaDonVi"], a["TenDonVi"])
            for a in history.agencies()
            if a["MaDonVi"] != history.config.province
            and a["HieuLucTu"] <= stamp
            and (a["HieuLucDen"] is None or a["HieuLucDen"] >= stamp)
        }
    )


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(f"cannot shift {day} by {months} months")  # pragma: no cover


def _initials(name: str) -> str:
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = [w for w in plain.split() if w.lower() not in ("va", "tinh")]
    return "".join(w[0].upper() for w in words if w[0].isalpha()) or "UBND"


def register_rows(
    agencies: list[tuple[str, str]], today: date, seed: int = 48
) -> list[dict[str, Any]]:
    """Deterministic, realistic register rows: most agencies compliant; a couple missing,
    one on the 2008 standard, one whose audit lapses within the month, some with lapsed
    audits or reviews, a few with a failed inspection. Dates are ``date`` objects."""
    rng = random.Random(seed)
    order = list(range(len(agencies)))
    rng.shuffle(order)
    n = len(agencies)
    plan: dict[int, str] = {}
    quotas = [
        ("missing", 2),
        ("standard_2008", 1),
        ("near_expiry", 1),
        ("inspection_failed", 3),
        ("audit_lapsed", max(2, round(n * 0.05))),
        ("review_lapsed", 1),
    ]
    position = 0
    for kind, count in quotas:
        for i in order[position : position + count]:
            plan[i] = kind
        position += count

    def before(days_lo: int, days_hi: int) -> date:
        return today - timedelta(days=rng.randint(days_lo, days_hi))

    rows: list[dict[str, Any]] = []
    for i, (code, name) in enumerate(agencies):
        kind = plan.get(i, "compliant")
        if kind == "missing":
            continue
        is_commune = code.count(".") == 1 and len(code.split(".")[1]) >= 3
        total = rng.randint(90, 130) if is_commune else rng.randint(32, 80)
        declared = date(rng.randint(2019, 2024), rng.randint(1, 12), rng.randint(1, 28))
        audit = before(30, 300)
        review = audit + timedelta(days=rng.randint(5, 40))
        if review > today:
            review = today - timedelta(days=1)
        inspected: date | None = None
        result: str | None = None
        if rng.random() < 0.6:
            inspected = before(20, 330)
            result = "Đạt"
        standard = "TCVN ISO 9001:2015"
        if kind == "standard_2008":
            standard = "TCVN ISO 9001:2008"
            declared = date(rng.randint(2014, 2017), rng.randint(1, 12), rng.randint(1, 28))
        elif kind == "near_expiry":
            audit = _shift_months(today, -12) + timedelta(days=rng.randint(8, 20))
            review = audit + timedelta(days=rng.randint(30, 60))
        elif kind == "inspection_failed":
            inspected, result = before(10, 200), "Không đạt"
        elif kind == "audit_lapsed":
            audit = _shift_months(today, -12) - timedelta(days=rng.randint(10, 120))
            review = audit + timedelta(days=rng.randint(5, 40))
        elif kind == "review_lapsed":
            review = _shift_months(today, -12) - timedelta(days=rng.randint(5, 60))
        prefix = "QĐ-UBND" if is_commune else f"QĐ-{_initials(name)}"
        rows.append(
            {
                "MaDonVi": code,
                "TenDonVi": name,
                "SoQuyetDinhCongBo": f"{rng.randint(12, 480)}/{prefix}",
                "NgayCongBo": declared,
                "TieuChuan": standard,
                "SoTTHCApDung": total,
                "TongSoTTHC": total,
                "NgayDanhGiaNoiBo": audit,
                "NgayXemXetLanhDao": review,
                "NgayCapNhatHeThong": today - timedelta(days=rng.randint(1, 12)),
                "NgayKiemTra": inspected,
                "KetQuaKiemTra": result,
            }
        )
    return rows


def write_register(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write register rows as ``.csv`` (UTF-8, dates dd/mm/yyyy) when the path ends in
    ``.csv``, else as ``.xlsx`` (dates as date cells shown dd/mm/yyyy)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(REGISTER_COLUMNS)
            for row in rows:
                writer.writerow(
                    [
                        v.strftime("%d/%m/%Y") if isinstance(v, date) else ("" if v is None else v)
                        for v in (row.get(c) for c in REGISTER_COLUMNS)
                    ]
                )
        return path

    book = Workbook()
    sheet = book.active
    if sheet is None:  # pragma: no cover - a new workbook always has one sheet
        sheet = book.create_sheet()
    sheet.title = "SoTheoDoiISO9001"
    sheet.append(list(REGISTER_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(c) for c in REGISTER_COLUMNS])
    for col_index, name in enumerate(REGISTER_COLUMNS, start=1):
        letter = sheet.cell(row=1, column=col_index).column_letter
        sheet.column_dimensions[letter].width = 34 if name == "TenDonVi" else 20
        if name in DATE_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=col_index, max_col=col_index):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def generate_register(
    path: Path, agencies: list[tuple[str, str]], today: date, seed: int = 48
) -> Path:
    """A realistic demo register for ``agencies`` ((MaDonVi, TenDonVi) pairs) as of
    ``today``, written to ``path`` (``.xlsx``, or ``.csv`` by its suffix)."""
    rows = register_rows(agencies, today, seed)
    write_register(path, rows)
    log.info("demo ISO 9001 register: %d of %d agencies -> %s", len(rows), len(agencies), path)
    return path
