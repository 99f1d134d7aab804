"""An independent 766 calculation over plain contract records (the simulator's ground
truth), written from the method text for comparison with the SQL in the warehouse: which
dossiers are late the portal's way, which turn late before the month ends, the local
components' counts and the points lost per agency."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from portal_kpi.scores.components import BY_CODE
from portal_kpi.scores.formulas import points

LOCAL = ("2.1", "3.1", "3.2", "3.3", "3.6", "4.3")
_SUFFIX = re.compile(r"\.H[0-9]+(\.[0-9]+)?$")


def _ts(value: str | None) -> datetime | None:
    return datetime.strptime(value, "%Y%m%d%H%M%S") if value else None


def _day(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y%m%d").date() if value else None


@dataclass
class Truth:
    counts: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    late: set[str] = field(default_factory=set)
    turns_late: set[str] = field(default_factory=set)
    not_paid_online: set[str] = field(default_factory=set)
    no_online_service: set[tuple[str, str]] = field(default_factory=set)
    unused: set[tuple[str, str]] = field(default_factory=set)

    def points_lost(self, agency: str, component: str) -> Decimal:
        n, d = self.counts.get((agency, component), (0, 0))
        rule = BY_CODE[component].rule
        p = points(n, d, rule)
        return Decimal(0) if p is None else rule.max_points - p


def _valid(rec: dict[str, Any], day: date) -> bool:
    start, end = _day(rec.get("HieuLucTu")), _day(rec.get("HieuLucDen"))
    return (start is None or start <= day) and (end is None or end >= day)


def truth(
    records: list[dict[str, Any]],
    procedures: list[dict[str, Any]],
    agencies: list[dict[str, Any]],
    day: date,
    province: str,
) -> Truth:
    """Month to date at the end of ``day``."""
    first = day.replace(day=1)
    month_end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    end_of_day = datetime.combine(day, datetime.min.time()) + timedelta(days=1, seconds=-1)
    end_of_month = datetime.combine(month_end, datetime.min.time()) + timedelta(days=1, seconds=-1)
    catalogue = {p["MaTTHC"]: p for p in procedures if _valid(p, day)}
    out = Truth()
    n: dict[tuple[str, str], int] = defaultdict(int)
    d: dict[tuple[str, str], int] = defaultdict(int)

    def add(agency: str, component: str, success: bool) -> None:
        for who in (agency, province):
            d[(who, component)] += 1
            n[(who, component)] += success

    online_used: set[tuple[str, str]] = set()
    for rec in records:
        status = int(rec["TrangThaiHoSo"])
        received = _ts(rec["NgayTiepNhan"])
        if status in (1, 3) or received is None or received.date() > day:
            continue
        agency = rec["MaDonVi"]
        ended = None
        if status in (7, 9, 10):
            ended = _ts(rec["NgayKetThucXuLy"])
        elif status == 8:
            ended = _ts(rec["NgayKetThucXuLy"]) or _ts(rec["NgayCapNhat"])
        # 2.1
        if ended is None or ended.date() >= first:
            open_at_day = ended is None or ended > end_of_day
            judged = end_of_day if open_at_day else ended
            assert judged is not None
            requests, waited, pending = 0, timedelta(0), None
            for s in rec["DanhSachHoSoBoSung"] or []:
                asked, back = _ts(s["NgayBoSung"]), _ts(s["NgayTiepNhanBoSung"])
                if asked is None or asked >= judged:
                    continue
                requests += 1
                if back is None or back >= judged:
                    pending = asked if pending is None else min(pending, asked)
                else:
                    waited += back - asked
            due = _ts(rec["NgayHenTra"])
            end = (pending or judged) - waited
            late = requests > 1 or (due is not None and end.date() > due.date())
            add(agency, "2.1", not late)
            if late:
                out.late.add(rec["MaHoSo"])
            elif (
                open_at_day
                and pending is None
                and due is not None
                and (end_of_month - waited).date() > due.date()
            ):
                out.turns_late.add(rec["MaHoSo"])
        # received this month: 3.3, 3.6, 4.3
        if received.date() >= first:
            proc = catalogue.get(_SUFFIX.sub("", rec["MaTTHC"]))
            online = rec["KenhThucHien"] == "2"
            add(agency, "3.3", online)
            add(agency, "4.3", rec["HoSoCoThanhPhanSoHoa"] == "1")
            paid = rec["DuocThanhToanTrucTuyen"]
            if proc is not None and proc["CoPhiLePhi"] == "1" and paid != "0":
                add(agency, "3.6", paid in ("1", "2"))
                if paid not in ("1", "2"):
                    out.not_paid_online.add(rec["MaHoSo"])
            if proc is not None and online:
                online_used.add((agency, proc["MaTTHC"]))
    for proc in catalogue.values():
        for agency in proc["CoQuanThucHien"]:
            capable = proc["MucDo"] in ("3", "4")
            add(agency, "3.1", capable)
            if not capable:
                out.no_online_service.add((agency, proc["MaTTHC"]))
                continue
            used = (agency, proc["MaTTHC"]) in online_used
            add(agency, "3.2", used)
            if not used:
                out.unused.add((agency, proc["MaTTHC"]))
    out.counts = {k: (n[k], d[k]) for k in d}
    del agencies  # every agency's rows exist in SQL; only those with counts are compared
    return out


def needed_online(n: int, d: int, elapsed: int, remaining: int) -> int:
    """3.3: online receipts still needed to reach 50 % at the current daily volume."""
    return max(0, math.ceil(0.5 * (d + d * remaining / max(elapsed, 1))) - n)
