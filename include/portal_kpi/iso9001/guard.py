"""A register version that would silently shrink the register is held back.

A new version with no data rows, or one that no longer lists more than
``MAX_DROP_SHARE`` of the agencies of the current register (default 20 %), does not
replace it: the file is kept with ``load_status = 'held'`` and a data-quality alert is
queued, so a header-only or truncated export never drops agencies out of compliance."""

from __future__ import annotations

import logging
import os
from datetime import date
from typing import Any

from sqlalchemy import Engine

from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.outbox import enqueue
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

MAX_DROP_SHARE = float(os.environ.get("PORTAL_KPI_ISO9001_MAX_DROP_SHARE", "0.2"))


def current_agencies(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(run_sql(conn, "iso9001/current_agencies.sql").scalars())


def shrink_reason(
    current: set[str], rows: list[dict[str, Any]], max_share: float = MAX_DROP_SHARE
) -> str | None:
    """Why the new version must be held back, or None when it may replace the current."""
    if not rows:
        return "the new version has no data rows (header only?)"
    if not current:
        return None
    listed = {r.get("MaDonVi") for r in rows}
    dropped = sorted(current - listed)
    share = len(dropped) / len(current)
    if share > max_share:
        shown = ", ".join(dropped[:10]) + (" …" if len(dropped) > 10 else "")
        return (
            f"the new version no longer lists {len(dropped)} of the {len(current)} agencies "
            f"of the current register ({share:.0%}, over the {max_share:.0%} allowed): {shown}"
        )
    return None


def alert_held(engine: Engine, sha256: str, file_name: str, day: date, why: str) -> int:
    """One data-quality message per held version."""
    return enqueue(
        engine,
        kind=AlertKind.DATA_QUALITY,
        dedupe_key=f"iso9001-held:{sha256}",
        subject=f"[portal-kpi] Sổ ISO 9001 mới bị giữ lại ({day:%d/%m/%Y})",
        body=(
            f"Phiên bản mới của sổ ISO 9001 ({file_name}) không được nạp: {why}.\n"
            f"The new ISO 9001 register version {file_name} ({sha256[:12]}) was held back "
            f"and the current register stays in force: {why}. See raw.iso9001_file."
        ),
        detail={"sha256": sha256, "file_name": file_name, "register_day": day.isoformat(),
                "reason": why},
    )  # fmt: skip
