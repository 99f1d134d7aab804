"""Freshness: no dossier change on a working day, and a warehouse load older than 26 hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.outbox import enqueue
from portal_kpi.dates import day_start
from portal_kpi.db import run_sql

if TYPE_CHECKING:
    from sqlalchemy import Engine


STALE_AFTER = timedelta(hours=26)


def check_freshness(engine: Engine, day: date, now: datetime) -> list[dict[str, Any]]:
    """Findings for ``day``: the portal reported no change on a working day (the
    data-quality event, or a loaded working day with no dossier version updated that
    day), and the last successful load older than 26 hours at ``now`` (aware)."""

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with engine.connect() as conn:
        facts = run_sql(
            conn,
            "alerts/freshness.sql",
            day=day,
            day_start=day_start(day),
            next_day_start=day_start(day + timedelta(days=1)),
        ).one()
    findings: list[dict[str, Any]] = []
    silent = facts.loaded and facts.is_working_day and facts.versions == 0
    if facts.dq_no_changes or silent:
        findings.append(
            {"kind": "no_changes_on_working_day", "day": day.isoformat(), "versions": 0}
        )
    last = facts.last_loaded_at
    if last is None or now - last > STALE_AFTER:
        hours = None if last is None else round((now - last).total_seconds() / 3600, 1)
        findings.append(
            {
                "kind": "stale_load",
                "day": day.isoformat(),
                "last_loaded_at": None if last is None else last.isoformat(),
                "watermark": None if facts.watermark is None else facts.watermark.isoformat(),
                "hours_since": hours,
            }
        )
    return findings


def queue_freshness(engine: Engine, findings: list[dict[str, Any]]) -> int:
    """One message per finding; the same finding is queued once."""

    queued = 0
    for f in findings:
        if f["kind"] == "no_changes_on_working_day":
            day = date.fromisoformat(f["day"])
            subject = (
                f"[Dữ liệu] Cổng không ghi nhận thay đổi hồ sơ nào ngày {day:%d/%m/%Y} "
                f"/ no dossier changes on working day {day.isoformat()}"
            )
            body = (
                f"Ngày làm việc {day:%d/%m/%Y} cổng dịch vụ công không báo thay đổi hồ sơ "
                "nào. Kiểm tra đồng bộ của hệ thống một cửa trước khi dùng số liệu ngày này.\n"
                f"English: the portal reported no dossier change on working day "
                f"{day.isoformat()}. Check the one-stop system's sync before trusting the day."
            )
            key = f"no_changes/{day.isoformat()}"
        else:
            last = f["last_loaded_at"] or "chưa có / never"
            subject = "[Vận hành] Kho dữ liệu không được nạp quá 26 giờ / warehouse load is stale"
            body = (
                f"Lần nạp thành công gần nhất: {last} (ngày dữ liệu mới nhất: "
                f"{f['watermark'] or '—'}), đã quá 26 giờ. Kiểm tra DAG portal_daily.\n"
                f"English: the last successful load was at {last} (latest day "
                f"{f['watermark'] or '—'}), more than 26 hours ago. Check portal_daily."
            )
            key = f"stale/{f['last_loaded_at'] or 'never'}"
        queued += enqueue(
            engine, kind=AlertKind.FRESHNESS, dedupe_key=key, subject=subject, body=body, detail=f
        )
    return queued
