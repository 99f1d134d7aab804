"""Keep and load register versions, compute compliance and ``iso9001_compliant_share``,
and warn before audits and reviews lapse.

Every version received is kept in ``raw.iso9001_file`` keyed by its sha256 (an unchanged
source is a cheap no-op); bad rows are quarantined with every rule they broke; compliance
is computed in SQL (``include/sql/iso9001``)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from portal_kpi.alerts.outbox import enqueue
from portal_kpi.config import province_code
from portal_kpi.dates import TZ
from portal_kpi.db import copy_rows, run_sql
from portal_kpi.iso9001.guard import alert_held, current_agencies, shrink_reason
from portal_kpi.iso9001.register import (
    REGISTER_COLUMNS,
    RegisterFile,
    RegisterFormatError,
    parse_register,
)
from portal_kpi.iso9001.rules import SUITE, reason, validate_rows
from portal_kpi.quality import quarantine
from portal_kpi.quality.quarantine import Rejected

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


KPI = "iso9001_compliant_share"


ALERT_KIND = "iso9001_expiry"


EXPIRY_HORIZON_DAYS = 30


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


@dataclass(frozen=True)
class IngestResult:
    sha256: str
    changed: bool
    register_day: date
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    failures: dict[str, int]
    held: bool = False  # the version would shrink the register: not loaded (iso9001.guard)

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
            held=latest.load_status == "held",
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
    why = shrink_reason(current_agencies(engine), rows)
    if why is not None:
        with engine.begin() as conn:
            run_sql(conn, "iso9001/record_file.sql", **file_params, load_status="held",
                    load_error=why)  # fmt: skip
        log.error("ISO 9001 register %s (%s) held back: %s", file.name, sha[:12], why)
        alert_held(engine, sha, file.name, register_day, why)
        return IngestResult(sha256=sha, changed=False, register_day=register_day,
                            rows_in=len(rows), rows_loaded=0, rows_quarantined=0,
                            failures={}, held=True)  # fmt: skip
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
        quarantine.clear(conn, batch)
        by_seq = {r["seq"]: r for r in rows}
        quarantine.write(
            conn,
            batch,
            "iso9001",
            (
                Rejected(seq, by_seq[seq]["MaDonVi"], register_day.isoformat(), tuple(rules),
                         by_seq[seq])
                for seq, rules in sorted(broken.items())
            ),
            reason,
        )  # fmt: skip
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


def compute_compliance(engine: Engine, first: date, last: date, province: str | None = None) -> int:
    """Compliance of every agency in scope for each day of [first, last], and
    ``iso9001_compliant_share`` for the province and each agency level (day and month
    rows); replaces what those days held. Returns the compliance rows written."""
    province = province or province_code()
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
    province = kpis.get(province_code())
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
