"""ISO 9001 compliance of state agencies, from the DOST register (contract §3, domain §6).

The register is one sheet (``.xlsx``, or the same columns as UTF-8 ``.csv``) read from
``PORTAL_KPI_ISO9001_SOURCE`` (a file, a folder holding it, or an HTTP(S) URL). Every
version received is kept in ``raw.iso9001_file`` keyed by the sha256 of its bytes; a
source that still holds the last version is a cheap no-op. A new version is validated row
by row with GX Core (a bad row goes to ``quality.quarantine`` with every rule it broke,
the others load) and merged into ``core.iso9001_register`` with validity dates.
Compliance per agency and day, and ``iso9001_compliant_share`` in ``kpi.kpi_value``, are
computed in SQL (``include/sql/iso9001``); audits and reviews about to lapse are warned
about through the alert outbox.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import random
import unicodedata
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from portal_kpi.config import PROVINCE_CODE, ConfigError
from portal_kpi.dates import TZ, business_day, today_local
from portal_kpi.db import copy_rows, run_sql

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SOURCE_ENV = "PORTAL_KPI_ISO9001_SOURCE"
KPI = "iso9001_compliant_share"
ALERT_KIND = "iso9001_expiry"
SUITE = "iso9001_register_contract"
EXPIRY_HORIZON_DAYS = 30

REGISTER_COLUMNS = (
    "MaDonVi", "TenDonVi", "SoQuyetDinhCongBo", "NgayCongBo", "TieuChuan", "SoTTHCApDung",
    "TongSoTTHC", "NgayDanhGiaNoiBo", "NgayXemXetLanhDao", "NgayCapNhatHeThong",
    "NgayKiemTra", "KetQuaKiemTra",
)  # fmt: skip
DATE_COLUMNS = (
    "NgayCongBo", "NgayDanhGiaNoiBo", "NgayXemXetLanhDao", "NgayCapNhatHeThong", "NgayKiemTra",
)  # fmt: skip
COUNT_COLUMNS = ("SoTTHCApDung", "TongSoTTHC")
INSPECTION_RESULTS = ("Đạt", "Không đạt")
STANDARD_REGEX = r"^(?:TCVN ?)?ISO ?9001 ?: ?(?:2000|2008|2015)$"
DATE_REGEX = r"^\d{2}/\d{2}/\d{4}$"

RULES = (
    "declared_2015",
    "covers_all_procedures",
    "internal_audit_12m",
    "management_review_12m",
    "docs_updated_after_procedure_change",
    "inspection_not_failed",
)
RULE_TEXT = {
    "internal_audit_12m": ("đánh giá nội bộ", "internal audit"),
    "management_review_12m": ("xem xét của lãnh đạo", "management review"),
}

REASONS = {
    "required": "thiếu giá trị bắt buộc / a required value is empty",
    "unique": "mã đơn vị xuất hiện nhiều lần / the agency appears on more than one row",
    "agency_known": (
        "mã đơn vị không có hiệu lực trong danh mục vào ngày nhận sổ / "
        "agency code not valid in the agency catalogue on the register day"
    ),
    "date_format": "ngày không theo dạng dd/mm/yyyy / date not written dd/mm/yyyy",
    "date_valid": "ngày không có thật / date does not exist on the calendar",
    "date_not_in_future": "ngày sau ngày nhận sổ / date after the day the register was received",
    "count_integer": "số lượng không phải số nguyên không âm / count is not a non-negative integer",
    "standard_recognised": (
        "tiêu chuẩn không nhận diện được (vd. TCVN ISO 9001:2015) / "
        "standard not recognised (e.g. TCVN ISO 9001:2015)"
    ),
    "code_set": "giá trị ngoài danh mục (Đạt, Không đạt) / value outside Đạt, Không đạt",
}


class RegisterFormatError(ValueError):
    """The file is not a readable register (format, encoding or header)."""


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class RegisterFile:
    """One read of the register: where from, its name, and its bytes."""

    source: str
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def file_format(self) -> str:
        """``xlsx`` (a zip container) or ``csv``, told by the bytes, not the name."""
        return "xlsx" if self.content[:4] == b"PK\x03\x04" else "csv"


def source_from_env() -> str:
    source = os.environ.get(SOURCE_ENV, "").strip()
    if not source:
        raise ConfigError(
            f"{SOURCE_ENV} is not set: give the register's file, folder or HTTP(S) URL"
        )
    return source


def _newest_in_folder(folder: Path) -> Path:
    candidates = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith("~$")
    ]
    if not candidates:
        raise FileNotFoundError(f"no .xlsx or .csv register in {folder}")
    return max(candidates, key=lambda p: (p.stat().st_mtime, p.name))


def read_source(source: str, timeout: float = 60.0) -> RegisterFile:
    """Read the register's bytes from a local file, a folder (its newest ``.xlsx``/``.csv``)
    or an HTTP(S) URL."""
    if source.lower().startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": "portal-kpi/iso9001"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
        name = PurePosixPath(urlsplit(source).path).name or "register"
    else:
        path = Path(source).expanduser()
        if path.is_dir():
            path = _newest_in_folder(path)
        content = path.read_bytes()
        name = path.name
    log.info("read ISO 9001 register %s from %s (%d bytes)", name, source, len(content))
    return RegisterFile(source=source, name=name, content=content)


def _cell_text(value: Any) -> str | None:
    """A cell as the text the register means: dates as dd/mm/yyyy, whole numbers without a
    decimal part, strings trimmed and in Unicode NFC; empty gives None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text_ = unicodedata.normalize("NFC", str(value)).strip()
    return text_ or None


def _rows_from_table(table: list[list[Any]]) -> list[dict[str, Any]]:
    if not table:
        raise RegisterFormatError("the register is empty (no header row)")
    header = [_cell_text(h) or "" for h in table[0]]
    missing = [c for c in REGISTER_COLUMNS if c not in header]
    if missing:
        raise RegisterFormatError(f"header row lacks column(s): {', '.join(missing)}")
    where = {c: header.index(c) for c in REGISTER_COLUMNS}
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        cells = [_cell_text(v) for v in raw]
        if not any(cells):
            continue
        rows.append(
            {"seq": number, **{c: cells[i] if i < len(cells) else None for c, i in where.items()}}
        )
    return rows


def parse_register(content: bytes, file_format: str) -> list[dict[str, Any]]:
    """Rows of the register (first sheet, header in row 1) as text, each with ``seq`` = its
    spreadsheet row number; blank rows are skipped and columns not in the contract ignored."""
    if file_format == "xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RegisterFormatError(f"not a readable .xlsx file: {exc}") from exc
        try:
            table = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    elif file_format == "csv":
        try:
            decoded = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RegisterFormatError(f"the .csv register is not UTF-8: {exc}") from exc
        table = [list(r) for r in csv.reader(io.StringIO(decoded, newline=""))]
    else:
        raise RegisterFormatError(f"unknown register format {file_format!r}")
    return _rows_from_table(table)


# --------------------------------------------------------------------------- validation
def register_frame(
    rows: list[dict[str, Any]], known_agencies: set[str], register_day: date
) -> pd.DataFrame:
    """Register rows plus the derived columns the row rules look at."""
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=["seq", *REGISTER_COLUMNS])
    frame = frame.astype({c: object for c in REGISTER_COLUMNS})
    for col in DATE_COLUMNS:
        parsed = pd.to_datetime(frame[col], format="%d/%m/%Y", errors="coerce")
        shaped = frame[col].astype("string").str.fullmatch(DATE_REGEX).fillna(False).astype(bool)
        frame[f"{col}__ts"] = parsed
        frame[f"{col}__real"] = ~(shaped & parsed.isna())
    frame["TieuChuan__norm"] = [
        " ".join(v.upper().split()) if isinstance(v, str) else None for v in frame["TieuChuan"]
    ]
    frame["agency_known"] = [v is None or v in known_agencies for v in frame["MaDonVi"]]
    log.debug("register frame for %s: %d rows", register_day, len(frame))
    return frame


def register_expectations(register_day: date) -> list[Any]:
    """Named GX expectations for register rows; ``meta.rule`` is the rule's name."""
    import great_expectations.expectations as gxe

    rules: list[Any] = []

    def add(rule: str, expectation: Any) -> None:
        expectation.meta = {"rule": rule}
        rules.append(expectation)

    latest = datetime(register_day.year, register_day.month, register_day.day)
    add("required:MaDonVi", gxe.ExpectColumnValuesToNotBeNull(column="MaDonVi"))
    add("unique:MaDonVi", gxe.ExpectColumnValuesToBeUnique(column="MaDonVi"))
    add("agency_known", gxe.ExpectColumnValuesToBeInSet(column="agency_known", value_set=[True]))
    for col in DATE_COLUMNS:
        add(f"date_format:{col}", gxe.ExpectColumnValuesToMatchRegex(column=col, regex=DATE_REGEX))
        add(
            f"date_valid:{col}",
            gxe.ExpectColumnValuesToBeInSet(column=f"{col}__real", value_set=[True]),
        )
        add(
            f"date_not_in_future:{col}",
            gxe.ExpectColumnValuesToBeBetween(column=f"{col}__ts", max_value=latest),
        )
    for col in COUNT_COLUMNS:
        add(
            f"count_integer:{col}",
            gxe.ExpectColumnValuesToMatchRegex(column=col, regex=r"^\d{1,9}$"),
        )
    add(
        "standard_recognised",
        gxe.ExpectColumnValuesToMatchRegex(column="TieuChuan__norm", regex=STANDARD_REGEX),
    )
    add(
        "code_set:KetQuaKiemTra",
        gxe.ExpectColumnValuesToBeInSet(column="KetQuaKiemTra", value_set=list(INSPECTION_RESULTS)),
    )
    return rules


def reason(rule: str) -> str:
    base, _, col = rule.partition(":")
    text_ = REASONS.get(base, base)
    return f"{text_} ({col})" if col else text_


def validate_rows(
    rows: list[dict[str, Any]], known_agencies: set[str], register_day: date
) -> tuple[dict[int, list[str]], dict[str, int], int]:
    """Rules broken per row ``seq``, rows failing per rule, and the number of expectations."""
    from portal_kpi.validate import Settings, run_expectations

    expectations = register_expectations(register_day)
    if not rows:
        return {}, {}, len(expectations)
    frame = register_frame(rows, known_agencies, register_day)
    # One suite name per register day: GX Core 1.24 keeps running the expectations a
    # suite name was first given in this process when only their bounds change.
    suite = f"{SUITE}_{register_day:%Y%m%d}"
    broken, failures, docs = run_expectations(
        frame, expectations, suite, Settings.from_env().data_docs_dir
    )
    if docs:
        log.info("GX Data Docs for the ISO 9001 register: %s", docs)
    return broken, failures, len(expectations)


# --------------------------------------------------------------------------- load
@dataclass(frozen=True)
class IngestResult:
    sha256: str
    changed: bool
    register_day: date
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    failures: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["register_day"] = self.register_day.isoformat()
        return data


def batch_id(sha256: str) -> str:
    return f"iso9001/{sha256}"


def ingest(engine: Engine, file: RegisterFile, received_at: datetime) -> IngestResult:
    """Keep, validate and load one read of the register.

    Unchanged (same sha256 as the last version received): only ``last_checked_at`` moves.
    Otherwise the version is kept in ``raw.iso9001_file``, its rows staged and validated,
    bad rows quarantined, and ``core.iso9001_register`` merged with validity from the
    local day of ``received_at``. A file that is not a register is kept as ``unreadable``
    and :class:`RegisterFormatError` is raised.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    register_day = received_at.astimezone(TZ).date()
    sha = file.sha256
    with engine.begin() as conn:
        latest = run_sql(conn, "iso9001/latest_file.sql").first()
        if latest is not None and latest.sha256 == sha:
            run_sql(conn, "iso9001/touch_file.sql", sha=sha, checked_at=received_at)
    if latest is not None and latest.sha256 == sha:
        if latest.load_status == "unreadable":
            raise RegisterFormatError(
                f"the register is still the unreadable version {sha[:12]}: {latest.load_error}"
            )
        log.info("ISO 9001 register unchanged (%s): nothing to load", sha[:12])
        return IngestResult(
            sha256=sha,
            changed=False,
            register_day=latest.register_day,
            rows_in=latest.rows_in or 0,
            rows_loaded=latest.rows_loaded or 0,
            rows_quarantined=latest.rows_quarantined or 0,
            failures={},
        )
    with engine.connect() as conn:
        newest = run_sql(conn, "iso9001/latest_register_day.sql").scalar()
        known = set(run_sql(conn, "iso9001/agencies_on_day.sql", day=register_day).scalars())
    if newest is not None and newest > register_day:
        raise ValueError(
            f"a register version is already valid from {newest}; cannot load one "
            f"received on {register_day}"
        )
    file_params = {
        "sha": sha,
        "source": file.source,
        "file_name": file.name,
        "file_format": file.file_format,
        "content": file.content,
        "size_bytes": len(file.content),
        "received_at": received_at,
        "register_day": register_day,
    }
    try:
        rows = parse_register(file.content, file.file_format)
    except RegisterFormatError as exc:
        with engine.begin() as conn:
            run_sql(
                conn,
                "iso9001/record_file.sql",
                **file_params,
                load_status="unreadable",
                load_error=str(exc),
            )
        log.error("ISO 9001 register %s (%s) is unreadable: %s", file.name, sha[:12], exc)
        raise
    broken, failures, n_expectations = validate_rows(rows, known, register_day)
    result = IngestResult(
        sha256=sha,
        changed=True,
        register_day=register_day,
        rows_in=len(rows),
        rows_loaded=len(rows) - len(broken),
        rows_quarantined=len(broken),
        failures=failures,
    )
    batch = batch_id(sha)
    with engine.begin() as conn:
        run_sql(
            conn, "iso9001/record_file.sql", **file_params, load_status="loaded", load_error=None
        )
        run_sql(conn, "iso9001/reset_version.sql", sha=sha)
        copy_rows(
            conn,
            "staging.iso9001_register",
            ["sha256", "seq", *REGISTER_COLUMNS, "rejected"],
            ([sha, r["seq"], *(r[c] for c in REGISTER_COLUMNS), r["seq"] in broken] for r in rows),
        )
        run_sql(conn, "iso9001/clear_quarantine.sql", b=batch)
        by_seq = {r["seq"]: r for r in rows}
        for seq, rules in sorted(broken.items()):
            run_sql(
                conn,
                "quality/insert_quarantine.sql",
                b=batch,
                seq=seq,
                e="iso9001",
                k=by_seq[seq]["MaDonVi"],
                v=register_day.isoformat(),
                rules=sorted(rules),
                reasons=json.dumps({r: reason(r) for r in sorted(rules)}, ensure_ascii=False),
                record=json.dumps(by_seq[seq], ensure_ascii=False),
                cat=False,
            )
        run_sql(
            conn,
            "quality/record_validation_run.sql",
            b=batch,
            s=SUITE,
            d=register_day,
            n=n_expectations,
            i=result.rows_in,
            h=0,
            p=result.rows_loaded,
            q=result.rows_quarantined,
            f=json.dumps(failures),
            ok=not broken,
            docs=None,
        )
        closed = run_sql(conn, "iso9001/close_register.sql", sha=sha, day=register_day).rowcount
        opened = run_sql(conn, "iso9001/insert_register.sql", sha=sha, day=register_day).rowcount
        run_sql(
            conn,
            "iso9001/file_counts.sql",
            sha=sha,
            rows_in=result.rows_in,
            rows_loaded=result.rows_loaded,
            rows_quarantined=result.rows_quarantined,
        )
    log.info(
        "ISO 9001 register %s (%s) received %s: %d rows, %d loaded, %d quarantined; "
        "%d register rows closed, %d opened",
        file.name,
        sha[:12],
        register_day,
        result.rows_in,
        result.rows_loaded,
        result.rows_quarantined,
        closed or 0,
        opened or 0,
    )
    return result


# --------------------------------------------------------------------------- compliance
def compute_compliance(
    engine: Engine, first: date, last: date, province: str = PROVINCE_CODE
) -> int:
    """Compliance of every agency in scope for each day of [first, last], and
    ``iso9001_compliant_share`` for the province and each agency level (day and month
    rows); replaces what those days held. Returns the compliance rows written."""
    if last < first:
        raise ValueError(f"last day {last} is before first day {first}")
    with engine.begin() as conn:
        run_sql(conn, "iso9001/delete_compliance.sql", first=first, last=last)
        written = run_sql(
            conn, "iso9001/insert_compliance.sql", first=first, last=last, province=province
        ).rowcount
        run_sql(conn, "iso9001/delete_kpi.sql", first=first, last=last)
        run_sql(conn, "iso9001/insert_kpi.sql", first=first, last=last, province=province)
    log.info("ISO 9001 compliance %s–%s: %d agency-days", first, last, written or 0)
    return written or 0


def warn_expiring(engine: Engine, day: date, horizon_days: int = EXPIRY_HORIZON_DAYS) -> int:
    """Queue a warning for every agency whose internal audit or management review still
    counts on ``day`` but lapses within ``horizon_days``; once per (agency, rule, expiry).
    Reads the compliance rows of ``day``. Returns the messages queued."""
    from portal_kpi.alerts import enqueue

    with engine.connect() as conn:
        due = run_sql(conn, "iso9001/expiring.sql", day=day, horizon=horizon_days).all()
    queued = 0
    for row in due:
        vi, en = RULE_TEXT[row.rule]
        left = (row.expires_on - day).days
        subject = (
            f"[ISO 9001] {row.agency_code}: {vi} hết hạn ngày {row.expires_on:%d/%m/%Y} "
            f"/ {en} lapses on {row.expires_on:%Y-%m-%d}"
        )
        body = (
            f"Đơn vị {row.agency_name} ({row.agency_code}): lần {vi} gần nhất ngày "
            f"{row.last_done_on:%d/%m/%Y}; từ ngày {row.expires_on:%d/%m/%Y} (còn {left} ngày) "
            "đơn vị sẽ không còn đạt yêu cầu ISO 9001 (quá 12 tháng) nếu không thực hiện lại.\n"
            f"English: the last {en} of {row.agency_name} ({row.agency_code}) was on "
            f"{row.last_done_on:%Y-%m-%d}; from {row.expires_on:%Y-%m-%d} ({left} days) the "
            "agency is no longer ISO 9001 compliant unless it is done again."
        )
        queued += enqueue(
            engine,
            kind=ALERT_KIND,
            dedupe_key=f"{row.agency_code}:{row.rule}:{row.expires_on.isoformat()}",
            subject=subject,
            body=body,
            detail={
                "agency_code": row.agency_code,
                "rule": row.rule,
                "last_done_on": row.last_done_on.isoformat(),
                "expires_on": row.expires_on.isoformat(),
                "days_left": left,
                "as_of": day.isoformat(),
            },
            agency_code=row.agency_code,
        )
    log.info("ISO 9001 expiry warnings on %s: %d due, %d messages queued", day, len(due), queued)
    return queued


def iso9001_summary(engine: Engine, day: date) -> str:
    """A short readable text of ``day``: the compliant share (province and per level) and
    every failing agency with its reason."""
    with engine.connect() as conn:
        rows = run_sql(conn, "iso9001/summary.sql", day=day).all()
        kpis = {r.agency_code: r for r in run_sql(conn, "iso9001/summary_kpi.sql", day=day)}
    if not rows:
        return f"ISO 9001 {day:%d/%m/%Y}: chưa tính / not computed for this day"
    total = len(rows)
    ok = sum(1 for r in rows if r.compliant)
    province = kpis.get(PROVINCE_CODE)
    verdict = ""
    if province is not None and province.target is not None:
        met = "đạt / met" if province.meets_target else "chưa đạt / not met"
        verdict = f"; chỉ tiêu / target {province.comparator} {province.target:.0%}: {met}"
    lines = [
        f"ISO 9001 ({day:%d/%m/%Y}): {ok}/{total} cơ quan đạt / agencies compliant "
        f"({ok / total:.1%}){verdict}"
    ]
    for level, label in (("PROVINCE", "Sở, ngành / departments"), ("COMMUNE", "Xã / communes")):
        mine = [r for r in rows if r.agency_level == level]
        if mine:
            good = sum(1 for r in mine if r.compliant)
            lines.append(f"  {label}: {good}/{len(mine)} ({good / len(mine):.1%})")
    failing = [r for r in rows if not r.compliant]
    if failing:
        lines.append(f"  Không đạt / not compliant ({len(failing)}):")
        lines.extend(f"  - {r.agency_code} {r.agency_name}: {r.reason}" for r in failing)
    return "\n".join(lines)


# --------------------------------------------------------------------------- demo register
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
    from openpyxl import Workbook
    from openpyxl.styles import Font

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


# --------------------------------------------------------------------------- task entry points
def run_days(interval_start: datetime, today: date | None = None) -> tuple[date, date]:
    """Days a run recomputes: its business day D and D+1 (the day the register was read in
    a scheduled run), never past today."""
    day = business_day(interval_start)
    last = min(day + timedelta(days=1), today or today_local())
    return min(day, last), last


def ingest_from_source() -> dict[str, Any]:
    """Task: read the configured register and load it when it changed."""
    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.db import make_engine

    engine = make_engine()
    try:
        file = read_source(source_from_env())
        try:
            result = ingest(engine, file, datetime.now(TZ))
        except RegisterFormatError as exc:
            raise AirflowFailException(str(exc)) from exc
    finally:
        engine.dispose()
    return result.to_json()


def compliance_for_run(interval_start: datetime) -> dict[str, Any]:
    """Task: compliance and the KPI for the run's days."""
    from portal_kpi.db import make_engine

    first, last = run_days(interval_start)
    engine = make_engine()
    try:
        rows = compute_compliance(engine, first, last)
        log.info("%s", iso9001_summary(engine, last))
    finally:
        engine.dispose()
    return {"first": first.isoformat(), "last": last.isoformat(), "agency_days": rows}


def warnings_for_run(interval_start: datetime) -> dict[str, Any]:
    """Task: expiry warnings as of the run's last day."""
    from portal_kpi.db import make_engine

    _, last = run_days(interval_start)
    engine = make_engine()
    try:
        queued = warn_expiring(engine, last)
    finally:
        engine.dispose()
    return {"day": last.isoformat(), "queued": queued}


def run_day(interval_start: datetime) -> dict[str, Any]:
    """The whole daily job in one call (CLI, demo): ingest, compliance, warnings."""
    return {
        "register": ingest_from_source(),
        "compliance": compliance_for_run(interval_start),
        "warnings": warnings_for_run(interval_start),
    }
