"""Simulated national-portal reporting API (DVCQG, Decision 766 index), offline.

:func:`dvcqg_response` is a pure handler (path, JSON body) → (HTTP status, body bytes) for
``POST /api/v1/reporting/evaluation/{group}`` and ``POST /api/v1/reporting/formalities``;
:func:`start_dvcqg_background` serves it on its own small HTTP server (tests, demo).

Two provinces:

* **Phú Thọ (H44)**, ``rootDepartmentId`` :data:`PHU_THO_ROOT`: the real captures in
  ``tests/fixtures/dvcqg`` (August 2026 and the 2026 year where captured) are replayed byte
  for byte. Anything not captured answers 404 ``NOT_CAPTURED``. The catalogue pages
  captured (``pageSize`` 10, pages 1 and 575, no ``q``) are replayed too.
* **The simulated province** (H48 unless the history says otherwise),
  ``rootDepartmentId`` :func:`root_department_id` (:data:`SIM_ROOT_DEPARTMENT_ID` for H48):
  every group and period generated in the documented shapes from the simulator's own
  dossiers (:class:`~portal_kpi.simulator.PortalHistory`; a light default history when none
  is given), evaluated with the form 06 date rules on the latest known state, with these
  **known differences** from the local truth (:func:`form06`):

  - ``<province>.16`` (:data:`NOT_SYNCED`): every dossier whose MaHoSo hashes to 0 mod 10
    never reached the national portal: fewer dossiers nationally;
  - ``<province>.20`` (:data:`PAUSED_AS_FINISHED`): dossiers currently paused (status 5, 6,
    8) are synced as finished on the period's last day: completed nationally, and late when
    their due day is before that day (locally, paused counts within deadline);
  - ``<province>.03``, ``.06``, ``.08`` (:data:`FLAGGED`): the transparency ``DOSSIER_SYNC``
    metric is flagged ``TEMP_NATIONAL_REPORT_DENOMINATOR`` and the national received count
    is the stand-in ⌈1.1 × received⌉, the extra dossiers counted on time;
  - agencies with nothing received in a period show ``ratio 0, score 0`` (not null), and a
    ``DOSSIER_SYNC`` of 0/0 flagged ``NO_NATIONAL_REPORT_DATA``, as the real portal does.

  Counters the real responses do not explain (authorityCount, onlineServiceTotal, petitions,
  most digitisation metrics, …) are deterministic stand-ins.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import random
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from portal_kpi.dates import today_local
from portal_kpi.devtools.runtime import project_root
from portal_kpi.devtools.simulator.model import PortalHistory, SimConfig

log = logging.getLogger(__name__)

PREFIX = "/api/v1/reporting/"
EVALUATION_PREFIX = PREFIX + "evaluation/"
FORMALITIES_PATH = PREFIX + "formalities"
GROUPS = (
    "transparency",
    "handling-satisfaction",
    "dossier-digitized",
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
)
FIXTURES_ENV = "PORTAL_KPI_DVCQG_FIXTURES"
PHU_THO_ROOT = "019d2be3-6a88-732b-8b17-b68020c8553a"
_UUID_NAMESPACE = uuid.UUID("6f1c8a52-3d0e-4b8e-9a57-48c0dd1e0766")

NOT_SYNCED = ".16"
PAUSED_AS_FINISHED = ".20"
FLAGGED = (".03", ".06", ".08")
FLAG_TEMP = "TEMP_NATIONAL_REPORT_DENOMINATOR"
FLAG_TEMP_MESSAGE = "Mẫu số báo cáo quốc gia đang dùng số tạm (mô phỏng)."
FLAG_NO_DATA = "NO_NATIONAL_REPORT_DATA"
FLAG_NO_DATA_MESSAGE = "Không có dữ liệu báo cáo tổng hợp."

_OPEN = frozenset({"2", "4", "5", "6", "8"})
_PAUSED = frozenset({"5", "6", "8"})
_CLOSED = frozenset({"7", "9", "10"})
_TWO = Decimal("0.01")

_CAPTURES: dict[tuple[str, str, int, int], str] = {
    ("transparency", "month", 2026, 8): "transparency/month-all.json",
    ("handling-satisfaction", "month", 2026, 8): (
        "handling-satisfaction/month-all-recaptured-20260928.json"
    ),
    ("dvc-progress-tree", "month", 2026, 8): "dvc-progress-tree/month-all.json",
    ("dvc-progress-tree", "year", 2026, 0): "dvc-progress-tree/year-all.json",
    ("provide-online-tree", "month", 2026, 8): "provide-online-tree/month-all.json",
    ("provide-online-tree", "year", 2026, 0): "provide-online-tree/year-all.json",
    ("formality-online-payment-tree", "month", 2026, 8): (
        "formality-online-payment-tree/month-all.json"
    ),
}
_CATALOGUE_CAPTURES = {1: "formalities/page-1.json", 575: "formalities/page-last.json"}


def fixture_dir() -> Path:
    """Folder of the saved Phú Thọ responses: setting ``PORTAL_KPI_DVCQG_FIXTURES``, by default
    ``tests/fixtures/dvcqg`` under the project root."""
    override = os.environ.get(FIXTURES_ENV)
    if override:
        return Path(override)
    return project_root() / "tests" / "fixtures" / "dvcqg"


def department_uuid(code: str) -> str:
    """The simulated national id of an agency (stable: derived from its code)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, code))


def root_department_id(province: str = "H48") -> str:
    return department_uuid(province)


SIM_ROOT_DEPARTMENT_ID = root_department_id("H48")


class _RequestError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _envelope(data: Any) -> bytes:
    return json.dumps(
        {"code": "OK", "data": data, "message": "OK"}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    body = {"code": code, "data": None, "message": message}
    return status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _num(value: Decimal | int) -> int | float:
    """A JSON number in the portal's style: integral values without a fraction."""
    if isinstance(value, int):
        return value
    q = value.quantize(_TWO, rounding=ROUND_HALF_UP)
    return int(q) if q == q.to_integral_value() else float(q)


def _round2(value: Decimal) -> Decimal:
    return value.quantize(_TWO, rounding=ROUND_HALF_UP)


def _rate(part: int, whole: int, scale: int = 100) -> Decimal:
    """round(scale·part/whole, 2), half-up; 0 when whole is 0 (as the portal shows)."""
    if whole <= 0:
        return Decimal(0)
    return _round2(Decimal(scale) * part / whole)


# ----------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class _Period:
    kind: str  # month | quarter | year | range
    year: int
    number: int  # month, quarter, 0 for year/range
    first: date
    last: date


def _month_last(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def _int(body: dict[str, Any], key: str, lo: int, hi: int) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _RequestError(400, "BAD_REQUEST", f"{key} must be an integer in {lo}..{hi}")
    return value


def _period(group: str, body: dict[str, Any]) -> _Period:
    if group == "handling-satisfaction":
        try:
            first = date.fromisoformat(str(body["fromDate"]))
            last = date.fromisoformat(str(body["toDate"]))
        except (KeyError, ValueError) as exc:
            raise _RequestError(
                400, "BAD_REQUEST", "fromDate and toDate (yyyy-MM-dd) required"
            ) from exc
        if last < first:
            raise _RequestError(400, "BAD_REQUEST", "toDate is before fromDate")
        if first.day == 1 and last == _month_last(first.year, first.month):
            return _Period("month", first.year, first.month, first, last)
        return _Period("range", first.year, 0, first, last)
    kind = body.get("timeType")
    year = _int(body, "year", 2000, 2100)
    if kind == "month":
        month = _int(body, "month", 1, 12)
        return _Period("month", year, month, date(year, month, 1), _month_last(year, month))
    if kind == "quarter":
        quarter = _int(body, "quarter", 1, 4)
        first = date(year, 3 * quarter - 2, 1)
        return _Period("quarter", year, quarter, first, _month_last(year, 3 * quarter))
    if kind == "year":
        return _Period("year", year, 0, date(year, 1, 1), date(year, 12, 31))
    raise _RequestError(400, "BAD_REQUEST", "timeType must be month, quarter or year")


def _paging(body: dict[str, Any]) -> tuple[int, int]:
    page = body.get("currentPage", 1)
    size = body.get("pageSize", 10)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise _RequestError(400, "BAD_REQUEST", "currentPage must be a positive integer")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        raise _RequestError(400, "BAD_REQUEST", "pageSize must be an integer in 1..1000")
    return page, size


# ----------------------------------------------------------------------------- truth
@dataclass
class Form06:
    """Form 06 columns of one agency and period (the local truth, no national quirks)."""

    received_online: int = 0  # col 4
    received_offline: int = 0  # col 5
    carried_over: int = 0  # col 6
    resolved_early: int = 0  # col 8
    resolved_on_time: int = 0  # col 9
    resolved_late: int = 0  # col 10
    in_progress_within_deadline: int = 0  # col 12
    in_progress_overdue: int = 0  # col 13

    @property
    def received_total(self) -> int:
        return self.received_online + self.received_offline + self.carried_over

    @property
    def resolved_total(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress_total(self) -> int:
        return self.in_progress_within_deadline + self.in_progress_overdue

    def add(self, other: Form06) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class _Dossier:
    """What the national figures need of one dossier's latest state."""

    code: str
    agency: str
    channel: str
    status: str
    received: datetime
    due: date | None
    finished: datetime | None
    procedure: str
    level: str
    payment: str
    digitised: bool
    not_synced_bucket: bool


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(str(value), "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _bucket(code: str, mod: int) -> int:
    return int.from_bytes(hashlib.sha256(code.encode()).digest()[:4], "big") % mod


def _snapshot_of(records: Iterable[dict[str, Any]]) -> list[_Dossier]:
    out = []
    for rec in records:
        status = str(rec.get("TrangThaiHoSo") or "")
        received = _ts(rec.get("NgayTiepNhan"))
        if status in ("1", "3") or received is None:
            continue
        due = _ts(rec.get("NgayHenTra"))
        code = str(rec.get("MaHoSo"))
        out.append(
            _Dossier(
                code=code,
                agency=str(rec.get("MaDonVi")),
                channel=str(rec.get("KenhThucHien") or ""),
                status=status,
                received=received,
                due=due.date() if due else None,
                finished=_ts(rec.get("NgayKetThucXuLy")),
                procedure=str(rec.get("MaTTHC") or ""),
                level=str(rec.get("MucDo") or ""),
                payment=str(rec.get("DuocThanhToanTrucTuyen") or ""),
                digitised=str(rec.get("HoSoCoThanhPhanSoHoa") or "") == "1",
                not_synced_bucket=_bucket(code, 10) == 0,
            )
        )
    return out


def _outcome(d: _Dossier, first: date, last: date) -> str | None:
    """Form 06 place of a dossier in [first, last]: early, on_time, late, within, overdue, or
    None when it is not counted in the period."""
    recv = d.received.date()
    if recv > last:
        return None
    closed = d.status in _CLOSED
    fin = d.finished.date() if d.finished else None
    if closed and fin is None:
        return None  # invalid record: the pipeline would quarantine it
    if recv < first and closed and fin is not None and fin < first:
        return None
    if closed and fin is not None and fin <= last:
        if d.status == "7" or d.due is None or fin == d.due:
            return "on_time"
        return "early" if fin < d.due else "late"
    if d.status in _PAUSED or d.due is None or d.due >= last:
        return "within"
    return "overdue"


_OUTCOME_FIELD = {
    "early": "resolved_early",
    "on_time": "resolved_on_time",
    "late": "resolved_late",
    "within": "in_progress_within_deadline",
    "overdue": "in_progress_overdue",
}


@dataclass
class _Official:
    """National figures of one agency and period (after the known differences)."""

    received: int = 0
    on_time: int = 0
    overdue: int = 0
    completed: int = 0
    days_sum: float = 0.0
    days_n: int = 0
    online: int = 0
    direct: int = 0
    postal: int = 0
    online_on_time: int = 0
    online_overdue: int = 0
    in_period: int = 0
    synced_in_period: int = 0
    unsynced_in_period: int = 0
    digitised_in_period: int = 0
    resolved_digitised: int = 0
    paid_online: int = 0
    fee_liable: int = 0
    paid_procs: set[str] = field(default_factory=set)
    fee_procs: set[str] = field(default_factory=set)
    partial_procs: set[str] = field(default_factory=set)
    full_procs: set[str] = field(default_factory=set)
    online_procs: set[str] = field(default_factory=set)
    flagged: bool = False

    def add(self, o: _Official) -> None:
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), getattr(o, name)
            if isinstance(mine, set):
                mine |= theirs
            elif isinstance(mine, bool):
                setattr(self, name, mine or theirs)
            else:
                setattr(self, name, mine + theirs)


def _local(snapshot: list[_Dossier], first: date, last: date) -> dict[str, Form06]:
    out: dict[str, Form06] = {}
    for d in snapshot:
        place = _outcome(d, first, last)
        if place is None:
            continue
        row = out.setdefault(d.agency, Form06())
        if d.received.date() >= first:
            if d.channel == "2":
                row.received_online += 1
            else:
                row.received_offline += 1
        else:
            row.carried_over += 1
        name = _OUTCOME_FIELD[place]
        setattr(row, name, getattr(row, name) + 1)
    return out


def _count_in_period(row: _Official, d: _Dossier, good: bool) -> None:
    """The figures of a dossier received inside the period (channels, levels, fees)."""
    row.in_period += 1
    row.synced_in_period += 1
    row.digitised_in_period += d.digitised
    if d.channel == "2":
        row.online += 1
        row.online_on_time += good
        row.online_overdue += not good
        if d.level in ("3", "4"):
            row.online_procs.add(d.procedure)
    elif d.channel == "3":
        row.postal += 1
    else:
        row.direct += 1
    if d.level == "3":
        row.partial_procs.add(d.procedure)
    elif d.level == "4":
        row.full_procs.add(d.procedure)
    if d.payment in ("1", "3"):
        row.fee_liable += 1
        row.fee_procs.add(d.procedure)
    if d.payment == "1":
        row.paid_online += 1
        row.paid_procs.add(d.procedure)


def _official(snapshot: list[_Dossier], first: date, last: date) -> dict[str, _Official]:
    out: dict[str, _Official] = {}
    for d in snapshot:
        place = _outcome(d, first, last)
        if place is None:
            continue
        if d.agency.endswith(NOT_SYNCED) and d.not_synced_bucket:
            if d.received.date() >= first:
                out.setdefault(d.agency, _Official()).unsynced_in_period += 1
            continue
        completed = place in ("early", "on_time", "late")
        if d.agency.endswith(PAUSED_AS_FINISHED) and place == "within" and d.status in _PAUSED:
            completed = True
            place = "late" if d.due is not None and d.due < last else "on_time"
        good = place in ("early", "on_time", "within")
        row = out.setdefault(d.agency, _Official())
        row.received += 1
        row.on_time += good
        row.overdue += not good
        if completed:
            row.completed += 1
            if d.finished is not None:
                row.days_sum += max(0.0, (d.finished - d.received).total_seconds() / 86400)
                row.days_n += 1
            row.resolved_digitised += d.digitised
        if d.received.date() >= first:
            _count_in_period(row, d, good)
    for code, row in out.items():
        if code.endswith(FLAGGED):
            stand_in = math.ceil(row.received * 1.1)
            row.on_time += stand_in - row.received
            row.received = stand_in
            row.flagged = True
    return out


@dataclass
class _Province:
    code: str
    name: str
    agencies: list[tuple[str, str, str, date, date | None]]  # code, name, cap, from, to
    procedures: list[dict[str, Any]]
    snapshot: list[_Dossier]
    figures: dict[tuple[date, date], dict[str, _Official]] = field(default_factory=dict)

    def official(self, first: date, last: date) -> dict[str, _Official]:
        """National figures per agency for [first, last] (cached; callers must not mutate)."""
        key = (first, last)
        with _CACHE_LOCK:
            got = self.figures.get(key)
        if got is None:
            got = _official(self.snapshot, first, last)
            with _CACHE_LOCK:
                self.figures[key] = got
        return got


_CACHE_LOCK = threading.Lock()
_PROVINCES: dict[int, _Province] = {}
_DEFAULT_HISTORIES: dict[date, Any] = {}


def _default_history(today: date) -> Any:

    with _CACHE_LOCK:
        got = _DEFAULT_HISTORIES.get(today)
        if got is None:
            got = _DEFAULT_HISTORIES[today] = PortalHistory(
                SimConfig(today=today, dossiers_per_day=150)
            )
        return got


def _province(history: Any) -> _Province:
    key = id(history)
    with _CACHE_LOCK:
        got = _PROVINCES.get(key)
        if got is not None:
            return got
    agencies = []
    name = str(history.config.province)
    for row in history.agencies():
        start = datetime.strptime(row["HieuLucTu"], "%Y%m%d").date()
        end = datetime.strptime(row["HieuLucDen"], "%Y%m%d").date() if row["HieuLucDen"] else None
        if row["MaDonVi"] == history.config.province:
            name = row["TenDonVi"]
            continue
        agencies.append((row["MaDonVi"], row["TenDonVi"], row["Cap"], start, end))
    snapshot = _snapshot_of(history.latest_versions(history.now).values())
    built = _Province(str(history.config.province), name, agencies, history.procedures(), snapshot)
    with _CACHE_LOCK:
        if len(_PROVINCES) > 8:
            _PROVINCES.clear()
        _PROVINCES[key] = built
    return built


def form06(history: Any, first: date, last: date) -> dict[str, Form06]:
    """The local truth: form 06 per agency for [first, last] on the history's latest known
    state, plus the province code for the whole province. What the local KPI SQL should
    give for the same data; the national figures differ from it only as documented."""
    prov = _province(history)
    rows = _local(prov.snapshot, first, last)
    total = Form06()
    for row in rows.values():
        total.add(row)
    rows[prov.code] = total
    return rows


# ----------------------------------------------------------------------------- shapes
def _departments(prov: _Province, period: _Period) -> list[tuple[str, str, str]]:
    """(code, name, level) of every agency valid at some day of the period, by code as text."""
    seen: dict[str, tuple[str, str, str]] = {}
    for code, name, cap, start, end in prov.agencies:
        if start <= period.last and (end is None or end >= period.first):
            seen[code] = (code, name, cap)  # the later version's name wins
    return [seen[c] for c in sorted(seen)]


def _chart_months(period: _Period) -> list[int]:
    if period.kind == "range":
        return []
    last = period.last.month if period.kind != "year" else 12
    return list(range(1, last + 1))


def _progress(prov: _Province, period: _Period, today: date) -> dict[str, Any]:
    figures = prov.official(period.first, period.last)
    total = _Official()
    children = []
    for code, name, cap in _departments(prov, period):
        f = figures.get(code, _Official())
        total.add(f)
        ratio = _rate(f.on_time, f.received)
        children.append(
            {
                "departmentId": department_uuid(code),
                "departmentName": name,
                "departmentCode": code,
                "level": cap,
                "totalReceived": f.received,
                "totalOnTime": f.on_time,
                "totalOverdue": f.overdue,
                "avgProcessingDays": _num(
                    _round2(Decimal(f.days_sum / f.days_n)) if f.days_n else Decimal(0)
                ),
                "ratio": _num(ratio),
                "score": _num(_rate(f.on_time, f.received, 20)),
                "maxScore": 20,
                "scoreDelta": None,
            }
        )
    chart = []
    for m in range(1, 13):
        pct = Decimal(0)
        overdue = Decimal(0)
        if m in _chart_months(period) and date(period.year, m, 1) <= today:
            month_total = _Official()
            for f in prov.official(date(period.year, m, 1), _month_last(period.year, m)).values():
                month_total.add(f)
            if month_total.received:
                pct = _rate(month_total.on_time, month_total.received)
                overdue = Decimal(100) - pct
        chart.append({"month": f"{m:02d}", "onTimePct": _num(pct), "overduePct": _num(overdue)})
    parent = {
        "departmentId": department_uuid(prov.code),
        "departmentName": prov.name,
        "departmentCode": prov.code,
        "totalReceived": total.received,
        "totalOnTime": total.on_time,
        "totalCompleted": total.completed,
        "avgProcessingDays": _num(
            _round2(Decimal(total.days_sum / total.days_n)) if total.days_n else Decimal(0)
        ),
        "ratio": _num(_rate(total.on_time, total.received)),
        "totalScore": _num(_rate(total.on_time, total.received, 20)),
        "totalMaxScore": 20,
    }
    return {"parent": parent, "children": children, "monthlyChart": chart}


def _online_score(f: _Official) -> Decimal:
    return _rate(f.online, f.online + f.direct + f.postal, 12)


def _provide_online(prov: _Province, period: _Period, today: date) -> dict[str, Any]:
    figures = prov.official(period.first, period.last)
    total = _Official()
    children = []
    authorities = 0
    for code, name, cap in _departments(prov, period):
        f = figures.get(code, _Official())
        total.add(f)
        authorities += f.in_period > 0
        score = _online_score(f)
        children.append(
            {
                "departmentId": department_uuid(code),
                "departmentName": name,
                "departmentCode": code,
                "level": cap,
                "totalScore": _num(score),
                "totalMaxScore": 12,
                "ratio": _num(_round2(score * 100 / 12)),
                "scoreDelta": None,
            }
        )
    score = _online_score(total)
    channel_total = total.online + total.direct + total.postal
    parent = {
        "departmentId": department_uuid(prov.code),
        "departmentName": prov.name,
        "departmentCode": prov.code,
        "totalScore": _num(score),
        "totalMaxScore": 12,
        "ratio": _num(_round2(score * 100 / 12)),
        "authorityCount": authorities,
        "partialCount": len(total.partial_procs),
        "fullCount": len(total.full_procs),
        "onlineDossierCount": len(total.online_procs),
        "onlineServiceTotal": len(total.partial_procs | total.full_procs),
        "channelOnlineSum": total.online,
        "channelDirectSum": total.direct,
        "channelPostalSum": total.postal,
        "channelTotalSum": channel_total,
        "onlineOnTimeSum": total.online_on_time,
        "onlineOverdueSum": total.online_overdue,
    }
    chart = []
    for m in range(1, 13):
        pct = Decimal(0)
        if m in _chart_months(period) and date(period.year, m, 1) <= today:
            month_total = _Official()
            for f in prov.official(date(period.year, m, 1), _month_last(period.year, m)).values():
                month_total.add(f)
            pct = _rate(month_total.online, month_total.in_period)
        chart.append({"label": f"{m:02d}", "onlineDossierPct": _num(pct)})
    return {"parent": parent, "children": children, "monthlyChart": chart}


def _payment_fields(f: _Official) -> dict[str, Any]:
    score = _rate(f.paid_online, f.fee_liable, 10)
    return {
        "totalMaxScore": 10,
        "totalScore": _num(score),
        "totalDossierOnlinePaymentSuccess": f.paid_online,
        "totalDossierFinancialObligation": f.fee_liable,
        "totalDossierOnlineFormalityPaymentSuccess": len(f.paid_procs),
        "totalFeeDossierFormalityDistinct": len(f.fee_procs),
        "totalFeeDossierFormality": len(f.fee_procs),
        "totalFeeFormality": len(f.fee_procs),
        "ratio": _num(score * 10),
    }


def _payment(prov: _Province, period: _Period, today: date) -> dict[str, Any]:
    figures = prov.official(period.first, period.last)
    total = _Official()
    children = []
    for code, name, cap in _departments(prov, period):
        f = figures.get(code, _Official())
        total.add(f)
        fields_ = _payment_fields(f)
        children.append(
            {
                "departmentId": department_uuid(code),
                "departmentName": name,
                "departmentCode": code,
                "level": cap,
                "totalMaxScore": 10,
                "ratio": fields_.pop("ratio"),
                **fields_,
                "scoreDelta": None,
            }
        )
    parent = {
        "departmentId": department_uuid(prov.code),
        "departmentName": prov.name,
        "departmentCode": prov.code,
        **_payment_fields(total),
    }
    return {"parent": parent, "children": children}


def _metric(
    code: str,
    name: str,
    numerator: int | None,
    denominator: int | None,
    max_score: int,
    *,
    empty_ratio: Decimal | None = None,
    empty_score: Decimal | None = None,
    scored: bool = True,
) -> dict[str, Any]:
    if numerator is None or denominator is None:
        ratio: Decimal | None = Decimal(100)
        score: Decimal | None = Decimal(max_score)
    elif denominator == 0:
        ratio, score = empty_ratio, empty_score
    else:
        ratio = _rate(numerator, denominator)
        score = _rate(numerator, denominator, max_score)
    return {
        "code": code,
        "name": name,
        "numerator": numerator,
        "denominator": denominator,
        "ratio": None if ratio is None else _num(ratio),
        "score": None if score is None or not scored else _num(score),
        "maxScore": max_score,
    }


def _stand_in(code: str, salt: str, part_of: int, lo: float, hi: float) -> int:
    rng = random.Random(f"dvcqg-sim:{salt}:{code}")
    return math.floor(part_of * rng.uniform(lo, hi))


def _handled_procedures(prov: _Province, code: str, day: date) -> int:
    stamp = day.strftime("%Y%m%d")
    found = {
        p["MaTTHC"]
        for p in prov.procedures
        if code in p["CoQuanThucHien"]
        and p["HieuLucTu"] <= stamp
        and (p["HieuLucDen"] is None or p["HieuLucDen"] >= stamp)
    }
    return len(found)


def _transparency_metrics(
    prov: _Province, code: str, f: _Official, last: date
) -> list[dict[str, Any]]:
    if code == prov.code:
        published = len({p["MaTTHC"] for p in prov.procedures})
    else:
        published = _handled_procedures(prov, code, last)
    complete = published - published // 40
    sync_numerator = f.synced_in_period
    sync_denominator = f.synced_in_period + f.unsynced_in_period
    metrics = [
        _metric("PUBLISH_ON_TIME", "Tỷ lệ TTHC công bố đúng hạn", 0, 0, 6),
        _metric("PUBLIC_UPDATE_ON_TIME", "Tỷ lệ TTHC cập nhật, công khai đúng hạn", 0, 0, 4),
        _metric(
            "PUBLIC_CONTENT_FULL", "Tỷ lệ TTHC công khai đầy đủ nội dung", complete, published, 2
        ),
    ]
    sync = _metric(
        "DOSSIER_SYNC", "Tỷ lệ hồ sơ đồng bộ lên Cổng DVCQG", sync_numerator, sync_denominator, 6
    )
    if sync_denominator == 0:
        sync.update(dataQualityStatus=FLAG_NO_DATA, dataQualityMessage=FLAG_NO_DATA_MESSAGE)
    elif f.flagged:
        sync.update(
            numerator=sync_numerator,
            denominator=sync_numerator,
            ratio=100,
            score=6,
            dataQualityStatus=FLAG_TEMP,
            dataQualityMessage=FLAG_TEMP_MESSAGE,
        )
    metrics.append(sync)
    return metrics


def _satisfaction_metrics(code: str, f: _Official) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rng = random.Random(f"dvcqg-sim:petitions:{code}:{f.in_period}")
    petitions = rng.randint(0, 3) if f.in_period else 0
    on_time = min(petitions, rng.randint(0, petitions))
    satisfied = min(petitions, rng.randint(0, petitions))
    tthc = min(petitions, rng.randint(0, petitions))
    metrics = [
        _metric("PETITION_CLASSIFICATION_TTHC", "Tỷ lệ PAKN về quy định, thủ tục hành chính",
                tthc, petitions, 0, empty_ratio=Decimal(0), scored=False),
        _metric("DOSSIER_RECEIVING_SATISFACTION", "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
                f.on_time, f.received, 6, empty_ratio=Decimal(0), empty_score=Decimal(0)),
        _metric("PETITION_PROCESSING_ON_TIME", "Tỷ lệ PAKN xử lý đúng hạn", on_time, petitions, 6,
                empty_ratio=Decimal(0), empty_score=Decimal(6)),
        _metric("PETITION_HANDLING_SATISFACTION", "Tỷ lệ hài lòng trong xử lý PAKN", satisfied,
                petitions, 6, empty_ratio=Decimal(0), empty_score=Decimal(6)),
        _metric("PETITION_CLASSIFICATION_STAFF",
                "Tỷ lệ PAKN về hành vi cán bộ, công chức, viên chức", petitions - tthc, petitions,
                0, empty_ratio=Decimal(0), scored=False),
    ]  # fmt: skip
    extra = {
        "totalPetitions": petitions,
        "classifiedPetitions": petitions,
        "totalDossiers": f.received,
        "averageScore": None,
    }
    return metrics, extra


def _digitised_metrics(code: str, f: _Official) -> list[dict[str, Any]]:
    n = f.in_period
    return [
        _metric("ORIGINAL_RESULT_AVAILABLE", "Tỷ lệ hồ sơ có kết quả bản gốc điện tử",
                f.resolved_digitised, f.completed, 6),
        _metric("SO_HOA_GIAY_TO_GIAI_QUYET", "Tỷ lệ số hóa hồ sơ, giấy tờ khi giải quyết TTHC",
                f.digitised_in_period, n, 4),
        _metric("REUSED_DIGITIZED_DATA", "Tỷ lệ tái sử dụng dữ liệu đã số hóa",
                _stand_in(code, "reuse", n, 0.1, 0.6), n, 2),
        _metric("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", "Tỷ lệ đồng bộ kho dữ liệu cá nhân",
                _stand_in(code, "storage", n, 0.3, 0.9), n, 4),
        _metric("CITIZEN_DATA_CONNECTED_DOSSIER", "Tỷ lệ hồ sơ khai thác dữ liệu dân cư",
                _stand_in(code, "citizen-dossier", n, 0.2, 0.8), n, 2),
        _metric("CITIZEN_DATA_CONNECTED_FORMALITY", "Tỷ lệ TTHC kết nối dữ liệu dân cư",
                _stand_in(code, "citizen-formality", n, 0.2, 0.8), n, 2),
        _metric("ELECTRONIC_CERTIFIED_COPY", "Chứng thực bản sao điện tử", None, None, 2),
    ]  # fmt: skip


def _shape_a(prov: _Province, group: str, period: _Period, page: int, size: int) -> dict[str, Any]:
    figures = prov.official(period.first, period.last)
    max_total = {"transparency": 18, "handling-satisfaction": 18, "dossier-digitized": 22}[group]

    def row(stt: int, code: str, name: str, cap: str, f: _Official, total: bool) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if group == "transparency":
            metrics = _transparency_metrics(prov, code, f, period.last)
        elif group == "handling-satisfaction":
            metrics, extra = _satisfaction_metrics(code, f)
        else:
            metrics = _digitised_metrics(code, f)
        score = sum(
            (Decimal(str(m["score"])) for m in metrics if m["score"] is not None), Decimal(0)
        )
        if total:
            kind, level, agency_level = "PROVINCE", "PROVINCE", "level_1"
        elif cap == "COMMUNE":
            kind, level, agency_level = "COMMUNE", "COMMUNE", "level_3"
        else:
            kind, level, agency_level = "PROVINCIAL_DEPARTMENT", "PROVINCE", "level_2"
        out: dict[str, Any] = {
            "stt": stt,
            "departmentId": department_uuid(code),
            "departmentName": name,
        }
        if group == "dossier-digitized":
            out["departmentCode"] = code
        out.update(
            departmentType=kind,
            departmentLevel=level,
            agencyLevel=agency_level,
            totalScore=_num(score),
            totalMaxScore=max_total,
            ratio=_num(_round2(score * 100 / max_total)),
        )
        # dossier-digitized puts scoreDelta after the metrics, the other groups before.
        if group != "dossier-digitized":
            out["scoreDelta"] = None
        out["metrics"] = metrics
        if group == "dossier-digitized":
            out["scoreDelta"] = None
        out.update(extra)
        return out

    departments = _departments(prov, period)
    total = _Official()
    rows = []
    for i, (code, name, cap) in enumerate(departments, start=1):
        f = figures.get(code, _Official())
        total.add(f)
        rows.append(row(i, code, name, cap, f, False))
    overview = row(1, prov.code, prov.name, "PROVINCE", total, True)
    if group == "transparency":
        scores = [Decimal(str(r["totalScore"])) for r in rows]
        overview["averageScore"] = (
            _num(_round2(sum(scores, Decimal(0)) / len(scores))) if scores else None
        )
    pages = max(1, math.ceil(len(rows) / size))
    data: dict[str, Any] = {"overview": overview}
    if group == "transparency":
        data["monthlyChart"] = []
    data["evaluation"] = rows[(page - 1) * size : page * size]
    data["pagination"] = {"total": len(rows), "currentPage": page, "pageSize": size,
                          "totalPages": pages}  # fmt: skip
    data["source"] = "portal-kpi simulator (generated from the simulated dossiers)"
    return data


# ----------------------------------------------------------------------------- catalogue
def _catalogue(prov: _Province) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for p in prov.procedures:
        latest[p["MaTTHC"]] = p  # rows are sorted by (code, valid from): the last wins
    items = []
    ministry = department_uuid("national-ministry")
    for code, p in latest.items():
        items.append(
            {
                "id": department_uuid(f"formality:{code}"),
                "code": code,
                "name": p["TenTTHC"],
                "state": "ACTIVE" if p["HieuLucDen"] is None else "UPDATED",
                "departmentId": ministry,
                "publishingDepartmentIds": [ministry],
                "appliedDepartmentIds": [department_uuid(a) for a in p["CoQuanThucHien"][:5]],
            }
        )
    rng = random.Random("dvcqg-sim:national-only")
    for i in range(1, 41):
        code = f"3.{rng.randint(0, 9999):06d}"
        while any(it["code"] == code for it in items):
            code = f"3.{rng.randint(0, 9999):06d}"
        items.append(
            {
                "id": department_uuid(f"formality:{code}"),
                "code": code,
                "name": f"Thủ tục cấp bộ (mô phỏng) số {i}",
                "state": ("ACTIVE", "UPDATED", "INACTIVE")[i % 3],
                "departmentId": ministry,
                "publishingDepartmentIds": [ministry],
                "appliedDepartmentIds": [],
            }
        )
    items.sort(key=lambda it: it["code"])
    return items


def _formalities(body: dict[str, Any], today: date, history: Any | None) -> tuple[int, bytes]:
    page, size = _paging(body)
    q = str(body.get("q") or "").strip()
    if not q and size == 10 and page in _CATALOGUE_CAPTURES:
        path = fixture_dir() / _CATALOGUE_CAPTURES[page]
        if path.is_file():
            return 201, path.read_bytes()
    prov = _province(history if history is not None else _default_history(today))
    items = _catalogue(prov)
    if q:
        needle = q.casefold()
        items = [it for it in items if needle in it["code"] or needle in it["name"].casefold()]
    pages = max(1, math.ceil(len(items) / size))
    data = {
        "items": items[(page - 1) * size : page * size],
        "pagination": {"total": len(items), "currentPage": page, "pageSize": size,
                       "totalPages": pages},
    }  # fmt: skip
    return 201, _envelope(data)


# ----------------------------------------------------------------------------- handler
_BUILDERS: dict[str, Callable[[_Province, _Period, date], dict[str, Any]]] = {
    "dvc-progress-tree": _progress,
    "provide-online-tree": _provide_online,
    "formality-online-payment-tree": _payment,
}


def dvcqg_response(
    path: str, body: dict[str, Any], *, today: date, province_history: Any | None
) -> tuple[int, bytes]:
    """Answer one ``POST /api/v1/reporting/…`` request: (status, exact body bytes)."""
    try:
        if not isinstance(body, dict):
            raise _RequestError(400, "BAD_REQUEST", "body must be a JSON object")
        path = path.split("?", 1)[0].rstrip("/")
        if path == FORMALITIES_PATH:
            return _formalities(body, today, province_history)
        if not path.startswith(EVALUATION_PREFIX):
            raise _RequestError(404, "NOT_FOUND", f"no such endpoint: {path}")
        group = path[len(EVALUATION_PREFIX) :]
        if group not in GROUPS:
            raise _RequestError(404, "NOT_FOUND", f"no such evaluation group: {group}")
        period = _period(group, body)
        page, size = _paging(body)
        root = body.get("rootDepartmentId")
        if root == PHU_THO_ROOT:
            return _captured(group, period, page)
        history = province_history if province_history is not None else _default_history(today)
        if root != root_department_id(str(history.config.province)):
            raise _RequestError(400, "BAD_REQUEST", f"unknown rootDepartmentId {root!r}")
        if period.first > today:
            raise _RequestError(
                400, "BAD_REQUEST", f"period starting {period.first} has no data yet"
            )
        prov = _province(history)
        if group in _BUILDERS:
            data = _BUILDERS[group](prov, period, today)
        else:
            data = _shape_a(prov, group, period, page, size)
        return 201, _envelope(data)
    except _RequestError as err:
        return _error(err.status, err.code, err.message)


def _captured(group: str, period: _Period, page: int) -> tuple[int, bytes]:
    name = _CAPTURES.get((group, period.kind, period.year, period.number))
    if name is None or page != 1:
        raise _RequestError(404, "NOT_CAPTURED", f"no real capture of {group} {period.kind} "
                          f"{period.first}..{period.last} page {page} for Phú Thọ")  # fmt: skip
    path = fixture_dir() / name
    if not path.is_file():
        raise _RequestError(404, "NOT_CAPTURED", f"fixture file missing: {path}")
    return 201, path.read_bytes()


# ----------------------------------------------------------------------------- server
@dataclass
class DvcqgFaults:
    """Switches read on every request: the next N requests answer 403 / 429."""

    forbid_next: int = 0
    rate_limit_next: int = 0
    retry_after: int = 60


class DvcqgSimHandle:
    """A running simulated reporting API (see :func:`start_dvcqg_background`)."""

    def __init__(
        self, server: ThreadingHTTPServer, thread: threading.Thread, state: _ServerState
    ) -> None:
        self._server = server
        self._thread = thread
        self._state = state
        self.host = str(server.server_address[0])
        self.port = int(server.server_address[1])
        self.url = f"http://{self.host}:{self.port}"
        self.faults = state.faults
        self.requests = state.requests
        self.root_department_id = state.root

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        log.info("DVCQG simulator on %s stopped", self.url)


@dataclass
class _ServerState:
    today: date
    history: Any | None
    root: str
    faults: DvcqgFaults = field(default_factory=DvcqgFaults)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DvcqgSim/1.0"
    state: _ServerState

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._reply(*_error(405, "METHOD_NOT_ALLOWED", "use POST"))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        st = self.state
        headers: dict[str, str] = {}
        with st.lock:
            if st.faults.forbid_next > 0:
                st.faults.forbid_next -= 1
                status, out = _error(403, "FORBIDDEN", "Forbidden")
            elif st.faults.rate_limit_next > 0:
                st.faults.rate_limit_next -= 1
                status, out = _error(429, "TOO_MANY_REQUESTS", "Too many requests")
                headers["Retry-After"] = str(st.faults.retry_after)
            else:
                status = 0
        if not status:
            if not self.path.startswith(PREFIX):
                status, out = _error(404, "NOT_FOUND", f"no such endpoint: {self.path}")
            else:
                try:
                    status, out = dvcqg_response(
                        self.path, body, today=st.today, province_history=st.history
                    )
                except Exception:
                    log.exception("DVCQG simulator failed on %s", self.path)
                    status, out = _error(500, "INTERNAL", "internal error")
        with st.lock:
            st.requests.append((self.path, body if isinstance(body, dict) else {}, status))
        self._reply(status, out, headers)


def start_dvcqg_background(
    host: str = "127.0.0.1",
    port: int = 0,
    today: date | None = None,
    *,
    history: Any | None = None,
) -> DvcqgSimHandle:
    """Serve the simulated reporting API from a daemon thread; ``port=0`` picks a free port.
    ``today`` defaults to the history's today (or the real local day)."""
    if today is None:
        today = history.config.today if history is not None else today_local()
    province = str(history.config.province) if history is not None else "H48"
    state = _ServerState(today=today, history=history, root=root_department_id(province))
    handler = type("DvcqgSimHandler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name="dvcqg-simulator", kwargs={"poll_interval": 0.1}
    )
    thread.daemon = True
    thread.start()
    handle = DvcqgSimHandle(server, thread, state)
    log.info("DVCQG simulator serving %s (today %s, root %s)", handle.url, today, state.root)
    return handle
