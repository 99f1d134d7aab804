"""Deterministic history of a provincial public-service portal (province H48, Quảng Ngãi).

Everything is derived from :class:`SimConfig`: the agency and procedure catalogues from the
seed and the history window, and every dossier of a submission day from ``(seed, day)``
alone, so a day can be generated without any other. Days are generated lazily into a
compact per-dossier plan (integers and short strings); contract dicts are built only for
the records a call returns.

Times are kept as integer seconds since 2000-01-01 00:00 local time (Asia/Ho_Chi_Minh,
naive), days as integer day numbers since the same epoch.
"""

from __future__ import annotations

import gc
import logging
import random
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from math import log as ln
from typing import Any

import holidays

from portal_kpi.devtools.simulator import names

log = logging.getLogger(__name__)

MAX_LIFECYCLE_DAYS = 45
"""Every event of a dossier lies before its submission day + this many days."""

MAX_CACHED_DOSSIERS = 450_000
"""Generated days are kept (least recently used first out) up to about this many dossiers."""

OFF_DAY_SHARE = 0.05
VISIBILITY_DELAY_SHARE = 0.05
OPEN_STATUSES = frozenset({"2", "4", "5", "6", "8"})
_ENDED_STATUSES = frozenset({"7", "9", "10"})
_NOT_RECEIVED = frozenset({"1", "3"})
_MOVED_WHEN_ENDED = frozenset({"1", "2", "4", "5", "6", "8"})
_N_SUPPLEMENT_REASONS = len(names.SUPPLEMENT_REASONS)
_N_APOLOGY_REASONS = len(names.APOLOGY_REASONS)

DAY = 86_400
_EPOCH_DATE = date(2000, 1, 1)
_EPOCH = datetime(2000, 1, 1)
_LOCAL_TZ = timezone(timedelta(hours=7))
_WORK_START = 7 * 3600 + 1800  # 07:30
_WORK_SPAN = 9 * 3600 + 1800  # until 17:00
_DUE_TIME = 17 * 3600
_CATALOGUE_START = date(2025, 7, 1)


def day_number(d: date) -> int:
    """Day number (days since 2000-01-01) of a date."""
    return (d - _EPOCH_DATE).days


def date_of(day: int) -> date:
    return _EPOCH_DATE + timedelta(days=day)


def _naive_local(dt: datetime) -> datetime:
    if dt.tzinfo is not None:
        return dt.astimezone(_LOCAL_TZ).replace(tzinfo=None)
    return dt


def seconds_ceil(dt: datetime) -> int:
    """Smallest whole second >= dt, as seconds since the epoch."""
    delta = _naive_local(dt) - _EPOCH
    return delta.days * DAY + delta.seconds + (1 if delta.microseconds else 0)


def seconds_floor(dt: datetime) -> int:
    delta = _naive_local(dt) - _EPOCH
    return delta.days * DAY + delta.seconds


def datetime_of(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


_DAY_STRINGS: dict[int, str] = {}
_CLOCK: list[str] = []


def fmt_seconds(t: int) -> str:
    """``yyyyMMddHHmmss`` of a time in epoch seconds."""
    d, s = divmod(t, DAY)
    ds = _DAY_STRINGS.get(d)
    if ds is None:
        ds = _DAY_STRINGS[d] = date_of(d).strftime("%Y%m%d")
    if not _CLOCK:
        _CLOCK.extend(
            f"{h:02d}{m:02d}{x:02d}" for h in range(24) for m in range(60) for x in range(60)
        )
    return ds + _CLOCK[s]


def _fmt_day(day: int) -> str:
    return date_of(day).strftime("%Y%m%d")


@dataclass(frozen=True)
class SimConfig:
    today: date  # history runs up to today 00:00 local time (exclusive)
    seed: int = 48
    history_days: int = 120  # first day of history = today - history_days
    dossiers_per_day: int = 3000  # per working day (weekends/holidays: ~5 % of it)
    province: str = "H48"
    clock_lag_hours: float = 2.0  # simulator "now" = today 00:00 + this


class _Calendar:
    """Working days (Mon–Fri minus ``holidays.VN``) over a fixed range of day numbers."""

    def __init__(self, lo: int, hi: int) -> None:
        years = list(range(date_of(lo).year, date_of(hi).year + 1))
        vn = holidays.country_holidays("VN", years=years)
        self.lo = lo
        self.working: list[bool] = []
        self.count_before: list[int] = []  # working days in [lo, day)
        self.days: list[int] = []  # the working days, ascending
        count = 0
        for day in range(lo, hi + 1):
            d = date_of(day)
            w = d.weekday() < 5 and d not in vn
            self.count_before.append(count)
            self.working.append(w)
            if w:
                self.days.append(day)
                count += 1
        self.count_before.append(count)

    def is_working(self, day: int) -> bool:
        return self.working[day - self.lo]

    def next_working(self, day: int) -> int:
        """The first working day >= day."""
        return self.days[self.count_before[day - self.lo]]

    def add(self, day: int, n: int) -> int:
        """The n-th working day after ``day`` (n >= 1); ``day`` itself for n == 0 if working."""
        if n <= 0:
            return self.next_working(day)
        return self.days[self.count_before[day - self.lo + 1] + n - 1]

    def previous_working(self, day: int) -> int:
        """The last working day < day."""
        return self.days[self.count_before[day - self.lo] - 1]

    def count_between(self, a: int, b: int) -> int:
        """Working days in (a, b]."""
        return self.count_before[b - self.lo + 1] - self.count_before[a - self.lo + 1]


class _Agency:
    __slots__ = (
        "code",
        "cum",
        "end_day",
        "f_online",
        "is_commune",
        "name",
        "neighbour",
        "new_name",
        "num",
        "p_late",
        "procs",
        "rename_day",
        "total",
        "weight",
    )

    def __init__(self, code: str, num: str, name: str, is_commune: bool, weight: float) -> None:
        self.code = code
        self.num = num
        self.name = name
        self.is_commune = is_commune
        self.weight = weight
        self.new_name: str | None = None
        self.rename_day: int | None = None
        self.end_day: int | None = None  # last valid day
        self.neighbour = -1
        self.f_online = 1.0
        self.p_late = 0.05
        self.procs: list[int] = []
        self.cum: list[float] = []
        self.total = 0.0

    def name_on(self, day: int) -> str:
        if self.rename_day is not None and day >= self.rename_day and self.new_name:
            return self.new_name
        return self.name


class _Procedure:
    __slots__ = (
        "capnhat",
        "change_day",
        "code",
        "duration",
        "fee",
        "field_code",
        "field_name",
        "handlers",
        "mucdo",
        "name",
        "no_deadline",
        "p_biz",
        "weight",
    )

    def __init__(self, code: str, name: str, field: names.Field) -> None:
        self.code = code
        self.name = name
        self.field_code = field.code
        self.field_name = field.name
        self.mucdo = "3"
        self.change_day: int | None = None  # MucDo 3 -> 4 from this day
        self.fee = False
        self.duration = 5
        self.no_deadline = False
        self.p_biz = 0.05
        self.weight = 1.0
        self.handlers: list[int] = []
        self.capnhat = ""


def _expand(field: names.Field) -> list[str]:
    out: list[str] = []
    for entry in field.entries:
        if entry[:1].isupper():
            out.append(entry)
        else:
            out.extend(template.format(entry) for template in names.PERMIT_TEMPLATES)
    return out


class _Catalogue:
    """Agencies and procedures, with their changes inside the history window."""

    def __init__(self, config: SimConfig, start_day: int, today_day: int) -> None:
        rng = random.Random(f"portal-kpi-sim-catalogue:{config.seed}")
        self.province = config.province
        self.start_day = start_day
        self.first_valid = min(day_number(_CATALOGUE_START), start_day)
        span = max(1, today_day - start_day)
        margin = min(7, span // 4)
        change_lo = start_day + margin
        change_hi = max(change_lo, today_day - 1 - margin)

        def change_day() -> int:
            return rng.randint(change_lo, change_hi)

        prov = config.province
        self.agencies: list[_Agency] = []
        for i, dept in enumerate(names.DEPARTMENTS, start=1):
            w = dept.weight * rng.uniform(0.85, 1.15)
            self.agencies.append(_Agency(f"{prov}.{i:02d}", f"{i:02d}", dept.name, False, w))
        n_depts = len(self.agencies)
        for i, commune in enumerate(names.COMMUNES):
            num = str(100 + i)
            w = (
                1.6 * rng.uniform(0.8, 1.2)
                if commune.startswith("Phường")
                else rng.uniform(0.5, 1.2)
            )
            self.agencies.append(_Agency(f"{prov}.{num}", num, commune, True, w))
        communes = list(range(n_depts, len(self.agencies)))

        # Per-agency quality: a few agencies are clearly weaker online or later.
        for a in self.agencies:
            a.f_online = rng.uniform(0.92, 1.2)
            a.p_late = rng.uniform(0.02, 0.08)
        for i in rng.sample(range(n_depts), 4) + rng.sample(communes, 12):
            self.agencies[i].f_online = rng.uniform(0.5, 0.7)
        for i in rng.sample(range(n_depts), 3) + rng.sample(communes, 8):
            self.agencies[i].p_late = rng.uniform(0.22, 0.35)

        # Renamed departments and ended communes.
        for i in rng.sample(sorted(names.RENAMES), 3):
            self.agencies[i].new_name = names.RENAMES[i]
            self.agencies[i].rename_day = change_day()
        ended = rng.sample(communes[1:-1], 2)
        for i in ended:
            a = self.agencies[i]
            a.end_day = change_day()
            nb = i + 1 if i + 1 not in ended else i - 1
            a.neighbour = nb
        self.ended = ended

        # Procedures.
        self.procs: list[_Procedure] = []
        used: set[str] = {"1.003560"}

        def new_code(prefix: str) -> str:
            while True:
                code = f"{prefix}.{rng.randint(0, 15999):06d}"
                if code not in used:
                    used.add(code)
                    return code

        for ai, dept in enumerate(names.DEPARTMENTS):
            for field in dept.fields:
                for name in _expand(field):
                    code = (
                        "1.003560"
                        if name == "Cấp giấy phép tiến hành công việc bức xạ"
                        else new_code("1")
                    )
                    p = _Procedure(code, name, field)
                    p.handlers = [ai]
                    self.procs.append(p)
        commune_procs: list[int] = []
        for field in names.COMMUNE_FIELDS:
            for k, name in enumerate(_expand(field)):
                p = _Procedure(new_code("2"), name, field)
                p.handlers = communes
                if k == 0 and field.code in ("HTICH", "CTHUC"):
                    p.weight = 5.0
                commune_procs.append(len(self.procs))
                self.procs.append(p)

        durations = [1, 2, 3, 5, 7, 10, 12, 15, 20]
        dur_weights = [8, 9, 14, 18, 14, 15, 7, 9, 6]
        cap_lo = day_number(date(2024, 7, 1))
        cap_hi = self.first_valid - 1
        for p in self.procs:
            u = rng.random()
            p.mucdo = "2" if u < 0.25 else ("3" if u < 0.60 else "4")
            p.fee = rng.random() < 0.45
            p.duration = rng.choices(durations, weights=dur_weights)[0]
            if p.handlers is communes:
                p.duration = min(p.duration, 7)
            p.weight *= rng.lognormvariate(0.0, 0.8)
            p.p_biz = rng.choices([0.02, 0.12, 0.55], weights=[5, 3, 2])[0]
            t = rng.randint(cap_lo, cap_hi) * DAY + rng.randint(_WORK_START, _DUE_TIME)
            p.capnhat = fmt_seconds(t)
        for i in rng.sample(range(len(self.procs)), 3):
            self.procs[i].no_deadline = True
        level3 = [i for i, p in enumerate(self.procs) if p.mucdo == "3"]
        for i in rng.sample(level3, min(10, len(level3))):
            self.procs[i].change_day = change_day()

        for ai, a in enumerate(self.agencies):
            a.procs = (
                commune_procs
                if a.is_commune
                else [i for i, p in enumerate(self.procs) if p.handlers == [ai]]
            )
            total = 0.0
            cum: list[float] = []
            for i in a.procs:
                total += self.procs[i].weight
                cum.append(total)
            a.cum, a.total = cum, total
        self.handling = list(range(len(self.agencies)))
        acc = 0.0
        self.agency_cum: list[float] = []
        for a in self.agencies:
            acc += a.weight
            self.agency_cum.append(acc)
        self.communes = communes

    def transfer_target(self, ag: int, day: int, rng: random.Random) -> int | None:
        """Another agency handling the same procedures (communes only), valid on ``day``."""
        a = self.agencies[ag]
        if not a.is_commune:
            return None
        n = len(self.communes)
        first = self.communes[0]
        for _ in range(4):
            cand = first + (ag - first + rng.randint(1, n - 1)) % n
            c = self.agencies[cand]
            if c.end_day is None or day <= c.end_day:
                return cand
        return None

    def agency_records(self) -> list[dict[str, Any]]:
        since = _fmt_day(self.first_valid)
        rows: list[dict[str, Any]] = [
            {
                "MaDonVi": self.province,
                "TenDonVi": names.PROVINCE_NAME,
                "Cap": "PROVINCE",
                "MaDonViCha": None,
                "HieuLucTu": since,
                "HieuLucDen": None,
            }
        ]
        for a in self.agencies:
            cap = "COMMUNE" if a.is_commune else "PROVINCE"

            def row(name: str, frm: str, to: str | None, a: _Agency = a, cap: str = cap) -> None:
                rows.append(
                    {
                        "MaDonVi": a.code,
                        "TenDonVi": name,
                        "Cap": cap,
                        "MaDonViCha": self.province,
                        "HieuLucTu": frm,
                        "HieuLucDen": to,
                    }
                )

            if a.rename_day is not None and a.new_name:
                row(a.name, since, _fmt_day(a.rename_day - 1))
                row(a.new_name, _fmt_day(a.rename_day), None)
            elif a.end_day is not None:
                row(a.name, since, _fmt_day(a.end_day))
            else:
                row(a.name, since, None)
        rows.sort(key=lambda r: (r["MaDonVi"], r["HieuLucTu"]))
        return rows

    def procedure_records(self) -> list[dict[str, Any]]:
        since = _fmt_day(self.first_valid)
        rows: list[dict[str, Any]] = []
        for p in self.procs:
            handlers = [self.agencies[i].code for i in p.handlers]
            base = {
                "MaTTHC": p.code,
                "TenTTHC": p.name,
                "MaLinhVuc": p.field_code,
                "TenLinhVuc": p.field_name,
                "MucDo": p.mucdo,
                "CoQuanThucHien": handlers,
                "CoPhiLePhi": "1" if p.fee else "0",
                "CapNhatLuc": p.capnhat,
                "HieuLucTu": since,
                "HieuLucDen": None,
            }
            if p.change_day is None:
                rows.append(base)
                continue
            rows.append({**base, "HieuLucDen": _fmt_day(p.change_day - 1)})
            changed = (p.change_day - 1) * DAY + 15 * 3600 + (p.change_day * 7919) % 3600
            rows.append(
                {
                    **base,
                    "MucDo": "4",
                    "CoQuanThucHien": list(handlers),
                    "CapNhatLuc": fmt_seconds(changed),
                    "HieuLucTu": _fmt_day(p.change_day),
                }
            )
        rows.sort(key=lambda r: (r["MaTTHC"], r["HieuLucTu"]))
        return rows


# A dossier plan is a plain tuple (cheap, and untracked by the cyclic GC):
_MAHOSO, _PROC, _AG0, _NOP, _RECV, _KETTHUC, _TRA, _TUCHOI = range(8)
_KENH, _MUCDO, _LOAI, _HINHTHUC, _TT, _SOHOA, _PSEED, _FLAGS = range(8, 16)
_BOSUNG, _XINLOI, _VERSIONS = range(16, 19)
_SUFFIX, _NULLISH = 1, 2

Version = tuple[int, int, str, int, int, int, int]
"""(t, visible_at, status, due, agency, supplements shown * 2 + last pending, apologies shown)"""
Dossier = tuple[Any, ...]


class PortalHistory:
    """The simulated portal's full history and its ground truth."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._today_day = day_number(config.today)
        self._start_day = self._today_day - config.history_days
        self.now: datetime = datetime.combine(config.today, datetime.min.time()) + timedelta(
            hours=config.clock_lag_hours
        )
        self._now_s = seconds_floor(self.now)
        self._cal = _Calendar(self._start_day - 30, self._today_day + MAX_LIFECYCLE_DAYS + 400)
        self._cat = _Catalogue(config, self._start_day, self._today_day)
        self._cache: OrderedDict[int, list[Dossier]] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self._agency_rows = self._cat.agency_records()
        self._procedure_rows = self._cat.procedure_records()

    # ----------------------------------------------------------------- catalogues
    def agencies(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._agency_rows]

    def procedures(self) -> list[dict[str, Any]]:
        return [{**r, "CoQuanThucHien": list(r["CoQuanThucHien"])} for r in self._procedure_rows]

    # ------------------------------------------------------------------- dossiers
    def feed(self, updated_from: datetime, updated_to: datetime) -> list[dict[str, Any]]:
        """Every visible version with updated_from <= NgayCapNhat < updated_to, sorted by
        (NgayCapNhat, MaHoSo)."""
        lo, hi, now = seconds_ceil(updated_from), seconds_ceil(updated_to), self._now_s
        if hi <= lo:
            return []
        first = max(self._start_day, lo // DAY - MAX_LIFECYCLE_DAYS)
        last = min(self._today_day - 1, (hi - 1) // DAY)
        hits: list[tuple[int, str, Dossier, Version]] = []
        for day in range(first, last + 1):
            for dz in self._day(day):
                vs = dz[_VERSIONS]
                if vs[-1][0] < lo or vs[0][0] >= hi:
                    continue
                for v in vs:
                    t = v[0]
                    if lo <= t < hi and v[1] <= now and t < now:
                        hits.append((t, dz[_MAHOSO], dz, v))
        hits.sort(key=lambda h: (h[0], h[1]))
        statics: dict[str, tuple[str, ...]] = {}
        return [self._record(dz, v, statics) for _, _, dz, v in hits]

    def open_as_of(self, as_of: datetime) -> list[dict[str, Any]]:
        """Each dossier open at ``as_of`` (status 2, 4, 5, 6, 8 in its newest visible version
        with NgayCapNhat <= as_of), as that version, sorted by MaHoSo."""
        found = [
            (dz, v) for dz, v in self._newest(seconds_floor(as_of) + 1) if v[2] in OPEN_STATUSES
        ]
        found.sort(key=lambda h: h[0][_MAHOSO])
        statics: dict[str, tuple[str, ...]] = {}
        return [self._record(dz, v, statics) for dz, v in found]

    def latest_versions(self, until: datetime) -> dict[str, dict[str, Any]]:
        """MaHoSo -> newest visible version with NgayCapNhat < until, over the whole history."""
        statics: dict[str, tuple[str, ...]] = {}
        return {
            dz[_MAHOSO]: self._record(dz, v, statics) for dz, v in self._newest(seconds_ceil(until))
        }

    def iter_dossier_histories(
        self, received_from: date, received_to: date
    ) -> Iterator[list[dict[str, Any]]]:
        """Every version (visible or not) before ``now`` of each dossier submitted in
        [received_from, received_to], one list per dossier in time order."""
        first = max(self._start_day, day_number(received_from))
        last = min(self._today_day - 1, day_number(received_to))
        now = self._now_s
        for day in range(first, last + 1):
            statics: dict[str, tuple[str, ...]] = {}
            for dz in self._day(day):
                out = [self._record(dz, v, statics) for v in dz[_VERSIONS] if v[0] < now]
                if out:
                    yield out

    def visible_at(self, mahoso: str, ngay_cap_nhat: str) -> datetime | None:
        """When the version (MaHoSo, NgayCapNhat) becomes visible (None if unknown)."""
        try:
            day = day_number(datetime.strptime(mahoso.rsplit("-", 2)[1], "%y%m%d").date())
        except (IndexError, ValueError):
            return None
        if not self._start_day <= day < self._today_day:
            return None
        for dz in self._day(day):
            if dz[_MAHOSO] == mahoso:
                for v in dz[_VERSIONS]:
                    if fmt_seconds(v[0]) == ngay_cap_nhat:
                        return datetime_of(v[1])
        return None

    # ---------------------------------------------------------------- internals
    def _newest(self, before: int) -> Iterator[tuple[Dossier, Version]]:
        """(dossier, newest visible version with t < before) for every dossier."""
        now = self._now_s
        last = min(self._today_day - 1, (before - 1) // DAY)
        for day in range(self._start_day, last + 1):
            for dz in self._day(day):
                vs = dz[_VERSIONS]
                if vs[0][0] >= before:
                    continue
                for v in reversed(vs):
                    t = v[0]
                    if t < before and v[1] <= now and t < now:
                        yield dz, v
                        break

    def _day(self, day: int) -> list[Dossier]:
        with self._lock:
            got = self._cache.get(day)
            if got is not None:
                self._cache.move_to_end(day)
                return got
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                got = self._generate_day(day)
            finally:
                if gc_was_enabled:
                    gc.enable()
            log.debug("generated %s: %d dossiers", date_of(day), len(got))
            self._cache[day] = got
            self._cached += len(got)
            while self._cached > MAX_CACHED_DOSSIERS and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached -= len(dropped)
            return got

    def _generate_day(self, day: int) -> list[Dossier]:
        """All dossiers submitted on ``day``, from (seed, day) alone, in submission order."""
        cfg, cat = self.config, self._cat
        rng = random.Random(f"portal-kpi-sim:{cfg.seed}:{day}")
        r = rng.random
        working = self._cal.is_working(day)
        n = cfg.dossiers_per_day if working else round(cfg.dossiers_per_day * OFF_DAY_SHARE)
        if n <= 0:
            return []
        agencies, procs = cat.agencies, cat.procs
        base = day * DAY
        drafts: list[tuple[int, int, int, str, str]] = []
        for picked in rng.choices(cat.handling, cum_weights=cat.agency_cum, k=n):
            ag, a = picked, agencies[picked]
            if a.end_day is not None and day > a.end_day:
                ag = a.neighbour
                a = agencies[ag]
            pi = a.procs[bisect_right(a.cum, r() * a.total)]
            p = procs[pi]
            mucdo = "4" if p.change_day is not None and day >= p.change_day else p.mucdo
            if mucdo == "2":
                p_online = 0.0
            elif mucdo == "3":
                p_online = min(0.97, 0.55 * a.f_online)
            else:
                p_online = min(0.97, 0.8 * a.f_online)
            u = r()
            kenh = "2" if u < p_online else ("3" if u < p_online + 0.02 else "1")
            if kenh == "1":
                nop = base + _WORK_START + int(r() * (32_400 if working else 14_400))
            else:
                v = r()
                if v < 0.72:
                    sod = 25_200 + int(r() * 36_000)
                elif v < 0.95:
                    sod = 61_200 + int(r() * 21_600)
                else:
                    sod = int(r() * 25_200)
                nop = base + sod
            drafts.append((nop, ag, pi, mucdo, kenh))
        drafts.sort()

        prov_num = cfg.province[1:]
        yymmdd = date_of(day).strftime("%y%m%d")
        seqs: dict[int, int] = {}
        limit = (day + MAX_LIFECYCLE_DAYS) * DAY
        lifecycle = self._lifecycle
        out: list[Dossier] = []
        for nop, ag, pi, mucdo, kenh in drafts:
            a, p = agencies[ag], procs[pi]
            seq = seqs.get(ag, 0) + 1
            seqs[ag] = seq
            u = r()
            p_biz = p.p_biz
            if u < p_biz:
                loai = "2"
            elif u < p_biz + (1.0 - p_biz) * 0.9:
                loai = "1"
            else:
                loai = "3" if r() < 0.4 else "4"
            online = kenh == "2"
            hinhthuc = "1" if r() < (0.25 if kenh != "1" else 0.06) else "0"
            tt = ("1" if r() < (0.75 if online else 0.15) else "3") if p.fee else "0"
            sohoa = "1" if r() < (0.85 if online else 0.45) else "0"
            flags = (_SUFFIX if r() < 0.05 else 0) | (_NULLISH if r() < 0.2 else 0)
            pseed = rng.getrandbits(128)
            recv, ketthuc, tra, tuchoi, bosung, xinloi, versions = lifecycle(
                ag, a, p, nop, kenh, working, r, rng, limit
            )
            out.append(
                (
                    f"000.{a.num}.{prov_num}.{cfg.province}-{yymmdd}-{seq:05d}",
                    pi,
                    ag,
                    nop,
                    recv,
                    ketthuc,
                    tra,
                    tuchoi,
                    kenh,
                    mucdo,
                    loai,
                    hinhthuc,
                    tt,
                    sohoa,
                    pseed,
                    flags,
                    bosung,
                    xinloi,
                    versions,
                )
            )
        return out

    def _lifecycle(
        self,
        ag: int,
        a: _Agency,
        p: _Procedure,
        nop: int,
        kenh: str,
        working: bool,
        r: Callable[[], float],
        rng: random.Random,
        limit: int,
    ) -> tuple[int, int, int, int, tuple[Any, ...], tuple[Any, ...], tuple[Version, ...]]:
        """Plan one dossier's life: (recv, ketthuc, tra, tuchoi, supplements, apologies,
        versions). Each event is one version, the whole state at that time."""
        cal = self._cal
        nd = nop // DAY
        recv = ketthuc = tra = tuchoi = 0
        bosung: list[tuple[int, int, int, int, int]] = []
        xinloi: tuple[tuple[int, int, int], ...] = ()
        # events, as versions without visibility delay yet
        ev: list[Version] = []
        done = False
        if kenh == "2":
            ev.append((nop, nop, "1", 0, ag, 0, 0))
            u = r()
            if u < 0.02:
                done = True
                if u >= 0.01:  # not accepted
                    rd = nd if working and nop - nd * DAY < 15 * 3600 else cal.add(nd, 1)
                    tuchoi = max(nop + 600, rd * DAY + _WORK_START + int(r() * _WORK_SPAN))
                    ev.append((tuchoi, tuchoi, "3", 0, ag, 0, 0))
        if not done:
            sod = nop - nd * DAY
            if kenh == "1" and working:
                recv = nop + 120 + int(r() * 1080)
            elif working and sod < 15 * 3600 + 1800:
                begin = max(nop, nd * DAY + _WORK_START)
                room = nd * DAY + _DUE_TIME - begin - 600
                recv = begin + 600 + int(r() * max(60, min(3 * 3600, room)))
            else:
                recv = cal.add(nd, 1) * DAY + _WORK_START + int(r() * 14_400)
            if p.no_deadline:
                due_day = due = 0
            else:
                due_day = cal.add(recv // DAY, p.duration)
                due = due_day * DAY + _DUE_TIME
            ev.append((recv, recv, "2", due, ag, 0, 0))
            cur = recv + 1800 + int(r() * 12_600)
            ev.append((cur, cur, "4", due, ag, 0, 0))

            # Supplements requested from the applicant; the due date moves by the pause.
            u = r()
            n_sup = 0 if u < 0.80 else (1 if u < 0.95 else (2 if u < 0.99 else 3))
            for k in range(n_sup):
                cd = cur // DAY
                qd = cd if r() < 0.4 else cal.add(cd, 1 + int(r() * 2))
                t_req = qd * DAY + _WORK_START + int(r() * _WORK_SPAN)
                if t_req <= cur:
                    t_req = cur + 600 + int(r() * 3600)
                ev.append((t_req, t_req, "5", due, ag, 2 * k + 3, 0))
                sd = cal.next_working(t_req // DAY + 1 + int(r() * 5))
                t_sup = sd * DAY + _WORK_START + int(r() * _WORK_SPAN)
                old_due = due
                if due:
                    due_day = cal.add(due_day, cal.count_between(t_req // DAY, sd))
                    due = due_day * DAY + _DUE_TIME
                bosung.append((t_req, t_sup, old_due, due, int(r() * _N_SUPPLEMENT_REASONS)))
                ev.append((t_sup, t_sup, "4", due, ag, 2 * k + 2, 0))
                cur = t_sup
            nbs = 2 * n_sup

            # Fees requested (the due date does not move).
            if p.fee and r() < 0.10:
                t6 = cur + 1800 + int(r() * 43_200)
                ev.append((t6, t6, "6", due, ag, nbs, 0))
                cur = t6 + 7200 + int(r() * 2 * DAY)
                ev.append((cur, cur, "4", due, ag, nbs, 0))

            u = r()
            if u < 0.03:  # withdrawn by the applicant (7) or stopped (8, stays paused)
                t = cur + 3600 + int(r() * 3 * DAY)
                status = "7" if u < 0.02 else "8"
                ev.append((t, t, status, due, ag, nbs, 0))
                if status == "7":
                    ketthuc = t
            else:
                cd = cur // DAY
                late = False
                if not due:
                    fd = cal.add(cd, int(r() * 8))
                else:
                    v = r()
                    p_late = a.p_late
                    if v < p_late:
                        late = True
                        fd = cal.add(due_day, 1 + min(9, int(-ln(1.0 - r()) * 2.2)))
                    elif v < p_late + (1.0 - p_late) * 0.31 or cd >= due_day:
                        fd = due_day
                    else:
                        j = int(r() * cal.count_between(cd, due_day))
                        fd = cal.add(cd, j) if j else cd
                t_fin = fd * DAY + _WORK_START + int(r() * _WORK_SPAN)
                if t_fin <= cur:
                    t_fin = cur + 600 + int(r() * 5400)
                if late and r() < 0.5:  # apology letter with a new promised day
                    t_ap = 0
                    if r() < 0.7 and cur < due - 3600:  # on or before the due day
                        ad = due_day if r() < 0.6 else cal.previous_working(due_day)
                        t_ap = ad * DAY + _WORK_START + int(r() * _WORK_SPAN)
                        if t_ap <= cur:
                            t_ap = cur + 60 + int(r() * (due - cur - 60))
                    else:  # after the due day, before finishing
                        ad = cal.add(due_day, 1 + int(r() * cal.count_between(due_day, fd)))
                        t_ap = ad * DAY + _WORK_START + int(r() * _WORK_SPAN)
                        if t_ap >= t_fin:
                            t_ap = t_fin - 60 - int(r() * 3600)
                        if t_ap <= max(cur, due):
                            t_ap = 0
                    if t_ap:
                        promised = cal.add(fd, int(r() * 2)) * DAY + _DUE_TIME
                        xinloi = ((t_ap, promised, int(r() * _N_APOLOGY_REASONS)),)
                        ev.append((t_ap, t_ap, ev[-1][2], due, ag, nbs, 1))
                nxl = len(xinloi)
                ev.append((t_fin, t_fin, "9", due, ag, nbs, nxl))
                ketthuc = t_fin
                if r() < 0.9:
                    k = int(r() * 4)  # handed over 0-3 working days later
                    tra = (cal.add(fd, k) if k else fd) * DAY + _WORK_START + int(r() * _WORK_SPAN)
                    if tra <= t_fin:
                        tra = t_fin + 300 + int(r() * 3600)
                    ev.append((tra, tra, "10", due, ag, nbs, nxl))

        while len(ev) > 1 and ev[-1][0] >= limit:
            ev.pop()
        cat = self._cat
        # Mid-life transfer to another commune handling the same procedure.
        if a.is_commune and len(ev) > 1 and r() < 0.0075:
            i = 1 + int(r() * (len(ev) - 1))
            prev = ev[i - 1]
            if prev[2] in OPEN_STATUSES and ev[i][0] - prev[0] > 240:
                t = prev[0] + 60 + int(r() * (ev[i][0] - prev[0] - 120))
                target = cat.transfer_target(ag, t // DAY, rng)
                if target is not None:
                    ev.insert(i, (t, t, *prev[2:4], target, *prev[5:]))
                    ev[i + 1 :] = [(*e[:4], target, *e[5:]) for e in ev[i + 1 :]]
        # A commune that ends hands its open and later work to its neighbour.
        ca = cat.agencies[ev[-1][4]]
        if ca.end_day is not None:
            # moved by a migration job just after midnight ending the commune's last day
            t_move = (ca.end_day + 1) * DAY + 60 + int(r() * 1800)
            before = [e for e in ev if e[0] < t_move]
            if (
                before
                and t_move < limit
                and (len(before) < len(ev) or before[-1][2] in _MOVED_WHEN_ENDED)
            ):
                while any(e[0] == t_move for e in ev):
                    t_move += 1
                nb = ca.neighbour
                prev = before[-1]
                ev = [
                    *before,
                    (t_move, t_move, *prev[2:4], nb, *prev[5:]),
                    *[(*e[:4], nb, *e[5:]) for e in ev[len(before) :]],
                ]
        # A few versions become visible hours after their NgayCapNhat.
        for i in range(len(ev)):
            if r() < VISIBILITY_DELAY_SHARE:
                e = ev[i]
                ev[i] = (e[0], e[0] + 3600 + int(r() * 25_200), *e[2:])
        return recv, ketthuc, tra, tuchoi, tuple(bosung), xinloi, tuple(ev)

    # ------------------------------------------------------------ materialising
    def _statics(self, dz: Dossier) -> tuple[str, ...]:
        """Per-dossier strings: MaTTHC, applicant fields (invented), NgayNopHoSo.

        They are drawn from the dossier's 128-bit seed, read as mixed-radix digits."""
        cat = self._cat
        p = cat.procs[dz[_PROC]]
        x = dz[_PSEED]
        loai = dz[_LOAI]
        if loai == "1":
            x, sex = divmod(x, 2)
            male = sex == 0
            x, f = divmod(x, len(names.FAMILY))
            middles = names.MIDDLE_MALE if male else names.MIDDLE_FEMALE
            givens = names.GIVEN_MALE if male else names.GIVEN_FEMALE
            x, mi = divmod(x, len(middles))
            x, gi = divmod(x, len(givens))
            family, given = names.FAMILY[f], givens[gi]
            holder = f"{family} {middles[mi]} {given}"
            x, age = divmod(x, 80)  # birth year 1930..2009
            young = age >= 70
            sex_digit = (2 if young else 0) + (0 if male else 1)
            x, serial = divmod(x, 1_000_000)
            id_no = f"051{sex_digit}{(age + 30) % 100:02d}{serial:06d}"
            summary = f"{p.name} cho {'ông' if male else 'bà'} {holder}"
            slug = names.ascii_slug(given + family)
        else:
            x, pl = divmod(x, len(names.COMMUNES))
            place = names.COMMUNES[pl].split(" ", 1)[1]
            if loai == "2":
                x, b1 = divmod(x, len(names.COMPANY_BRAND_1))
                x, b2 = divmod(x, len(names.COMPANY_BRAND_2))
                x, fo = divmod(x, len(names.COMPANY_FORMS))
                x, se = divmod(x, len(names.COMPANY_SECTORS))
                brand = f"{names.COMPANY_BRAND_1[b1]} {names.COMPANY_BRAND_2[b2]}"
                holder = f"{names.COMPANY_FORMS[fo]} {names.COMPANY_SECTORS[se]} {brand}"
                slug = names.ascii_slug(brand)
            else:
                forms = names.STATE_ORG_FORMS if loai == "3" else names.OTHER_ORG_FORMS
                x, fo = divmod(x, len(forms))
                holder = f"{forms[fo]} {place}"
                slug = names.ascii_slug(place)
            x, tax = divmod(x, 100_000_000)
            id_no = f"43{tax:08d}"
            summary = f"{p.name} cho {holder}"
        x, phone = divmod(x, 100_000_000)
        x, has_mail = divmod(x, 10)
        x, mail_no = divmod(x, 999)
        x, dom = divmod(x, len(names.EMAIL_DOMAINS))
        email = f"{slug}{mail_no + 1}@{names.EMAIL_DOMAINS[dom]}" if has_mail < 7 else ""
        code = f"{p.code}.{cat.agencies[dz[_AG0]].code}" if dz[_FLAGS] & _SUFFIX else p.code
        return (code, holder, id_no, f"09{phone:08d}", email, summary, fmt_seconds(dz[_NOP]))

    def _record(
        self, dz: Dossier, v: Version, statics: dict[str, tuple[str, ...]]
    ) -> dict[str, Any]:
        """The contract dict of one version."""
        mahoso = dz[_MAHOSO]
        s = statics.get(mahoso)
        if s is None:
            s = statics[mahoso] = self._statics(dz)
        t, _vis, status, due, ag, nbs, nxl = v
        cat = self._cat
        p = cat.procs[dz[_PROC]]
        a = cat.agencies[ag]
        empty: str | None = None if dz[_FLAGS] & _NULLISH else ""
        received = status not in _NOT_RECEIVED
        bosung: list[dict[str, Any]] = []
        if nbs:
            shown, pending = divmod(nbs, 2)
            for k, (t_req, t_sup, old_due, new_due, text) in enumerate(dz[_BOSUNG][:shown]):
                waiting = pending and k == shown - 1
                bosung.append(
                    {
                        "NgayBoSung": fmt_seconds(t_req),
                        "NgayTiepNhanBoSung": "" if waiting else fmt_seconds(t_sup),
                        "NgayHenTraTruoc": fmt_seconds(old_due) if old_due else "",
                        "NgayHenTraMoi": "" if waiting or not new_due else fmt_seconds(new_due),
                        "NoiDungBoSung": names.SUPPLEMENT_REASONS[text],
                    }
                )
        xinloi = [
            {
                "NgayXinLoi": fmt_seconds(t_ap),
                "NgayHenTraMoi": fmt_seconds(promised),
                "LyDo": names.APOLOGY_REASONS[reason],
            }
            for t_ap, promised, reason in dz[_XINLOI][:nxl]
        ]
        return {
            "MaHoSo": mahoso,
            "MaTTHC": s[0],
            "TenTTHC": p.name,
            "MaLinhVuc": p.field_code,
            "TenLinhVuc": p.field_name,
            "MaDonVi": a.code,
            "DonViXuLy": a.name_on(t // DAY),
            "KenhThucHien": dz[_KENH],
            "MucDo": dz[_MUCDO],
            "LoaiDoiTuong": dz[_LOAI],
            "ChuHoSo": s[1],
            "SoGiayToChuHoSo": s[2],
            "SoDienThoai": s[3],
            "Email": s[4],
            "TrichYeuHoSo": s[5],
            "NgayNopHoSo": s[6],
            "NgayTiepNhan": fmt_seconds(dz[_RECV]) if received else empty,
            "NgayHenTra": fmt_seconds(due) if received and due else empty,
            "NgayKetThucXuLy": fmt_seconds(dz[_KETTHUC]) if status in _ENDED_STATUSES else empty,
            "NgayTra": fmt_seconds(dz[_TRA]) if status == "10" else empty,
            "NgayTuChoi": fmt_seconds(dz[_TUCHOI]) if status == "3" else empty,
            "TrangThaiHoSo": status,
            "HinhThuc": dz[_HINHTHUC],
            "DuocThanhToanTrucTuyen": dz[_TT],
            "HoSoCoThanhPhanSoHoa": dz[_SOHOA],
            "DanhSachHoSoBoSung": bosung,
            "DanhSachXinLoi": xinloi,
            "NgayCapNhat": fmt_seconds(t),
        }
