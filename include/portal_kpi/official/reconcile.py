"""Official vs local: ``kpi.official_vs_local`` per month and department, and an
``official_diff`` alert for a ratio difference over the tolerance."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from portal_kpi.alerts.outbox import enqueue
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


DEFAULT_TOLERANCE = Decimal("0.02")


TOLERANCE_ENV = "PORTAL_KPI_OFFICIAL_TOLERANCE"


def tolerance_from_env() -> Decimal:
    raw = os.environ.get(TOLERANCE_ENV, "")
    if not raw:
        return DEFAULT_TOLERANCE
    value = Decimal(raw)
    if value < 0:
        raise ValueError(f"{TOLERANCE_ENV} must not be negative, got {raw}")
    return value


@dataclass(frozen=True)
class Difference:
    agency_code: str
    is_total: bool
    official_received: Decimal | None
    local_received: int | None
    official_ratio: Decimal | None
    local_ratio: Decimal | None
    diff_ratio: Decimal | None
    diff_online_share: Decimal | None
    no_data: bool
    reason_code: str | None
    exceeds_tolerance: bool


def reconcile(
    engine: Engine, root: str, month: date, tolerance: Decimal | None = None
) -> list[Difference]:
    """Rebuild ``kpi.official_vs_local`` for one month; returns its rows."""
    tol = DEFAULT_TOLERANCE if tolerance is None else tolerance
    month = month.replace(day=1)
    with engine.begin() as conn:
        run_sql(conn, "official/reconcile_delete.sql", month=month, root=root)
        run_sql(conn, "official/reconcile_insert.sql", month=month, root=root, tolerance=tol)
        rows = run_sql(conn, "official/reconcile_select.sql", month=month, root=root).all()
    return [
        Difference(
            agency_code=r.agency_code,
            is_total=r.is_total,
            official_received=r.official_received,
            local_received=r.local_received,
            official_ratio=r.official_ratio,
            local_ratio=r.local_ratio,
            diff_ratio=r.diff_ratio,
            diff_online_share=r.diff_online_share,
            no_data=r.no_data,
            reason_code=r.reason_code,
            exceeds_tolerance=r.exceeds_tolerance,
        )
        for r in rows
    ]


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"


def _pp(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}"


def queue_alerts(engine: Engine, root: str, month: date, rows: Iterable[Difference]) -> int:
    """One ``official_diff`` message per department over the tolerance (idempotent)."""

    queued = 0
    label = f"{month.month:02d}/{month.year}"
    for d in rows:
        if not d.exceeds_tolerance:
            continue
        reason = d.reason_code or "chưa rõ / unknown"
        subject = f"[DVCQG] Chênh lệch số liệu chính thức – {d.agency_code} – tháng {label}"
        body = (
            f"Tỷ lệ giải quyết đúng hạn tháng {label} của {d.agency_code}: DVCQG "
            f"{_pct(d.official_ratio)}, số liệu địa phương {_pct(d.local_ratio)} "
            f"(chênh {_pp(d.diff_ratio)} điểm %). Hồ sơ tiếp nhận: DVCQG "
            f"{d.official_received}, địa phương {d.local_received}. Lý do: {reason}.\n"
            f"English: official on-time ratio {_pct(d.official_ratio)} vs local "
            f"{_pct(d.local_ratio)} for {d.agency_code} in {label} "
            f"({_pp(d.diff_ratio)} pp; online share {_pp(d.diff_online_share)} pp); "
            f"reason: {d.reason_code or 'unknown'}. The official score is authoritative: "
            "check the local data, do not overwrite either."
        )
        queued += enqueue(
            engine,
            kind="official_diff",
            dedupe_key=f"{root}/{month.isoformat()}/{d.agency_code}",
            subject=subject,
            body=body,
            detail={
                "month": month.isoformat(),
                "agency_code": d.agency_code,
                "official_ratio": d.official_ratio,
                "local_ratio": d.local_ratio,
                "diff_ratio": d.diff_ratio,
                "diff_online_share": d.diff_online_share,
                "official_received": d.official_received,
                "local_received": d.local_received,
                "reason_code": d.reason_code,
            },
            agency_code=d.agency_code,
        )
    return queued
