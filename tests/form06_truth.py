"""An independent form 06 calculation (domain §3) over plain contract records, written
straight from the definitions, for comparison with the SQL in the warehouse."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

COLUMNS = (
    "received_total",
    "received_online",
    "received_offline",
    "carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress_total",
    "in_progress_within_deadline",
    "in_progress_overdue",
    "received_online_capable",
    "received_online_capable_online",
    "received_full_online_capable",
    "received_full_online_capable_online",
    "late_without_apology",
    "multi_supplement",
)


def _day(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y%m%d%H%M%S").date() if value else None


def form06(
    records: list[dict[str, Any]], start: date, end: date, province: str
) -> dict[str, Counter[str]]:
    """Counts per agency (and the province) for the period [start, end]."""
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for rec in records:
        status = int(rec["TrangThaiHoSo"])
        received = _day(rec["NgayTiepNhan"])
        if status in (1, 3) or received is None:
            continue
        finished = _day(rec["NgayKetThucXuLy"]) if status in (7, 9, 10) else None
        due = _day(rec["NgayHenTra"])
        c = rows[rec["MaDonVi"]]
        if start <= received <= end:
            online = rec["KenhThucHien"] == "2"
            c["received_online" if online else "received_offline"] += 1
            if rec["MucDo"] in ("3", "4"):
                c["received_online_capable"] += 1
                c["received_online_capable_online"] += online
            if rec["MucDo"] == "4":
                c["received_full_online_capable"] += 1
                c["received_full_online_capable_online"] += online
            if len(rec["DanhSachHoSoBoSung"] or []) > 1:
                c["multi_supplement"] += 1
        if received < start and (finished is None or finished >= start):
            c["carried_over"] += 1
        if finished is not None and start <= finished <= end:
            c["resolved_total"] += 1
            if status == 7 or due is None or finished == due:
                c["resolved_on_time"] += 1
            elif finished < due:
                c["resolved_early"] += 1
            else:
                c["resolved_late"] += 1
                apologies = [_day(a["NgayXinLoi"]) for a in rec["DanhSachXinLoi"] or []]
                if not any(a is not None and a <= due for a in apologies):
                    c["late_without_apology"] += 1
        if received <= end and (finished is None or finished > end):
            c["in_progress_total"] += 1
            if status in (5, 6, 8) or due is None or due >= end:
                c["in_progress_within_deadline"] += 1
            else:
                c["in_progress_overdue"] += 1
    for c in rows.values():
        c["received_total"] = c["received_online"] + c["received_offline"] + c["carried_over"]
    total: Counter[str] = Counter()
    for c in rows.values():
        total.update(c)
    result = {a: c for a, c in rows.items() if any(c.values())}
    result[province] = total
    return result
