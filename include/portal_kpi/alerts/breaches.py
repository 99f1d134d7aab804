"""KPI breaches as state (``kpi.alert``): judge values against targets, open, extend or
close breaches, queue one message per opening and recovery, and a daily digest of what
stays open."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.alerts.chart import chart_or_none
from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.labels import SEVERITY_VI, fmt_value, kpi_label, period_label, severity
from portal_kpi.alerts.outbox import _enqueue
from portal_kpi.config import PROVINCE_CODE, ConfigError
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


# What is judged: "<scope>:<grain>[:<kpi>|<kpi>...]" items, comma separated. Scope is
# ``province``, ``agency`` (every agency but the province) or one agency code.
JUDGE_ENV = "PORTAL_KPI_ALERT_JUDGE"


DEFAULT_JUDGE = "province:day,agency:month"


DIGEST_MAX_LINES = 60


@dataclass(frozen=True)
class JudgeRule:
    """One line of what is judged: a scope, a grain, optionally some KPIs (None = all
    KPIs that have a target)."""

    scope: str
    grain: str
    kpis: tuple[str, ...] | None = None

    def period(self, day: date) -> date:
        return day if self.grain == "day" else day.replace(day=1)


def parse_rules(text: str) -> list[JudgeRule]:
    """Parse ``"province:day,agency:month:late_count|on_time_rate"``; raises ConfigError."""
    rules = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) not in (2, 3) or parts[1] not in ("day", "month") or not parts[0]:
            raise ConfigError(
                f"{JUDGE_ENV}: {item!r} is not <province|agency|CODE>:<day|month>[:kpi|kpi]"
            )
        kpis = tuple(k for k in parts[2].split("|") if k) if len(parts) == 3 else None
        rules.append(JudgeRule(parts[0], parts[1], kpis or None))
    return rules


def judged_rules() -> list[JudgeRule]:
    return parse_rules(os.environ.get(JUDGE_ENV, DEFAULT_JUDGE))


@dataclass
class JudgeResult:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    extended: int = 0
    queued: int = 0


def _breach_message(
    row: Any, kind: str, alert_id: int, sev: str, opened: Any = None
) -> dict[str, Any]:
    vi_kpi, en_kpi = kpi_label(row.kpi)
    vi_period, en_period = period_label(row.period_grain, row.period_start, row.as_of)
    value, target = fmt_value(row.kpi, row.value), fmt_value(row.kpi, row.target)
    agency = row.agency_code
    if kind == AlertKind.BREACH_OPEN:
        subject = (
            f"[Cảnh báo KPI – {SEVERITY_VI[sev]}] {vi_kpi} – {agency} – {vi_period}: {value} "
            f"/ KPI breach ({sev}): {en_kpi}"
        )
        body = (
            f"{vi_kpi} của {agency}, {vi_period}: {value}, chưa đạt chỉ tiêu "
            f"({row.comparator} {target}). Mức độ: {SEVERITY_VI[sev]}. "
            "Cảnh báo sẽ được nhắc trong bản tin hằng ngày cho đến khi chỉ số đạt lại.\n"
            f"English: {en_kpi} of {agency} for {en_period} is {value}, missing its target "
            f"({row.comparator} {target}); severity {sev}. It stays in the daily digest "
            "until a later period meets the target."
        )
    else:
        opened_period, opened_value = opened
        vi_open, en_open = period_label(row.period_grain, opened_period)
        before = fmt_value(row.kpi, opened_value)
        subject = (
            f"[Đã đạt lại KPI] {vi_kpi} – {agency} – {vi_period}: {value} / KPI recovered: {en_kpi}"
        )
        body = (
            f"{vi_kpi} của {agency} đã đạt chỉ tiêu ({row.comparator} {target}) trở lại: "
            f"{vi_period} là {value}. Cảnh báo mở từ {vi_open} (khi đó {before}) đã đóng.\n"
            f"English: {en_kpi} of {agency} meets its target ({row.comparator} {target}) "
            f"again: {value} for {en_period}. The breach open since {en_open} (then "
            f"{before}) is closed."
        )
    return {
        "subject": subject,
        "body": body,
        "detail": {
            "alert_id": alert_id,
            "kpi": row.kpi,
            "agency_code": agency,
            "period_grain": row.period_grain,
            "period_start": row.period_start,
            "as_of": row.as_of,
            "value": row.value,
            "target": row.target,
            "comparator": row.comparator,
            "severity": sev,
        },
    }


def _queue_breach(
    conn: Connection, row: Any, kind: str, alert_id: int, sev: str, day: date, opened: Any = None
) -> int:
    message = _breach_message(row, kind, alert_id, sev, opened)
    suffix = "open" if kind == AlertKind.BREACH_OPEN else "close"
    chart = chart_or_none(conn, row.kpi, row.agency_code, day)
    return _enqueue(
        conn,
        kind=kind,
        dedupe_key=f"{row.kpi}/{row.agency_code}/{row.period_grain}/{alert_id}/{suffix}",
        subject=message["subject"],
        body=message["body"],
        detail=message["detail"],
        agency_code=row.agency_code,
        kpi=row.kpi,
        chart_png=chart,
    )


def judge(
    engine: Engine,
    day: date,
    rules: Sequence[JudgeRule] | None = None,
    province: str = PROVINCE_CODE,
) -> JudgeResult:
    """Open, extend or close breaches for the run of local ``day`` and queue a message for
    every opening and closing, in one transaction (a retry queues nothing twice).

    A NULL value or a KPI without a target is not judged. A rerun of the same day, or of
    an older day, opens and closes nothing new.
    """
    result = JudgeResult()
    seen: set[tuple[str, str, str, date]] = set()
    with engine.begin() as conn:
        for rule in rules if rules is not None else judged_rules():
            rows = run_sql(
                conn,
                "alerts/judge_candidates.sql",
                grain=rule.grain,
                period=rule.period(day),
                scope=rule.scope,
                province=province,
                kpis=list(rule.kpis) if rule.kpis else None,
            ).all()
            # Per key, the open breach as the walk goes (alert id, opened period, value).
            state: dict[tuple[str, str], tuple[int, date, Any] | None] = {}
            for row in rows:
                mark = (row.kpi, row.agency_code, row.period_grain, row.period_start)
                if mark in seen:  # two rules naming the same key
                    continue
                seen.add(mark)
                key = (row.kpi, row.agency_code)
                if key not in state:
                    state[key] = (
                        (row.alert_id, row.alert_opened_period, row.alert_opened_value)
                        if row.alert_status == "open"
                        else None
                    )
                if row.meets_target is None:
                    continue
                current = state[key]
                sev = severity(row.kpi, row.value, row.target, row.comparator)
                if not row.meets_target:
                    if current is not None:
                        run_sql(
                            conn,
                            "alerts/extend_breach.sql",
                            alert_id=current[0],
                            period=row.period_start,
                            value=row.value,
                            severity=sev,
                        )
                        result.extended += 1
                        continue
                    alert_id = run_sql(
                        conn,
                        "alerts/open_breach.sql",
                        kpi=row.kpi,
                        agency_code=row.agency_code,
                        grain=row.period_grain,
                        severity=sev,
                        period=row.period_start,
                        value=row.value,
                        target=row.target,
                        comparator=row.comparator,
                        day=day,
                    ).scalar_one()
                    state[key] = (alert_id, row.period_start, row.value)
                    result.opened.append(alert_id)
                    result.queued += _queue_breach(
                        conn, row, AlertKind.BREACH_OPEN, alert_id, sev, day
                    )
                elif current is not None:
                    run_sql(
                        conn,
                        "alerts/close_breach.sql",
                        alert_id=current[0],
                        period=row.period_start,
                        value=row.value,
                        day=day,
                    )
                    state[key] = None
                    result.closed.append(current[0])
                    result.queued += _queue_breach(
                        conn, row, AlertKind.BREACH_CLOSE, current[0], sev, day, opened=current[1:]
                    )
    log.info(
        "breaches on %s: %d opened, %d closed, %d still open and judged again",
        day,
        len(result.opened),
        len(result.closed),
        result.extended,
    )
    return result


def _digest_lines(alerts: Iterable[Any]) -> tuple[list[str], list[str]]:
    vi_lines, en_lines = [], []
    for a in alerts:
        vi_kpi, en_kpi = kpi_label(a.kpi)
        vi_since, en_since = period_label(a.period_grain, a.opened_period)
        vi_last, en_last = period_label(a.period_grain, a.last_period)
        value, target = fmt_value(a.kpi, a.last_value), fmt_value(a.kpi, a.target)
        vi_lines.append(
            f"- [{SEVERITY_VI[a.severity]}] {a.agency_code} – {vi_kpi}: {value} "
            f"({vi_last}; chỉ tiêu {a.comparator} {target}), mở từ {vi_since}"
        )
        en_lines.append(
            f"- [{a.severity}] {a.agency_code} – {en_kpi}: {value} ({en_last}; target "
            f"{a.comparator} {target}), open since {en_since}"
        )
    return vi_lines, en_lines


def queue_digest(engine: Engine, day: date) -> int:
    """One digest per recipient for run day ``day`` listing the breaches still open that
    earlier runs opened (within the recipient's agency and KPI filters); nothing when
    none. Deduplicated by day."""
    queued = 0
    with engine.begin() as conn:
        alerts = run_sql(conn, "alerts/open_on_day.sql", day=day).all()
        if not alerts:
            return 0
        recipients = run_sql(conn, "alerts/digest_recipients.sql", kind=AlertKind.DIGEST).all()
        for r in recipients:
            mine = [
                a
                for a in alerts
                if (r.agency_code is None or r.agency_code == a.agency_code)
                and (r.kpi is None or r.kpi == a.kpi)
            ]
            if not mine:
                continue
            shown = mine[:DIGEST_MAX_LINES]
            vi_lines, en_lines = _digest_lines(shown)
            more = len(mine) - len(shown)
            if more:
                vi_lines.append(f"- … và {more} cảnh báo khác")
                en_lines.append(f"- … and {more} more")
            critical = sum(1 for a in mine if a.severity == "critical")
            subject = (
                f"[Bản tin KPI {day:%d/%m/%Y}] {len(mine)} cảnh báo đang mở ({critical} nghiêm "
                f"trọng) / KPI digest {day.isoformat()}: {len(mine)} open"
            )
            body = (
                f"Các chỉ số chưa đạt chỉ tiêu, vẫn đang mở ngày {day:%d/%m/%Y}:\n"
                + "\n".join(vi_lines)
                + f"\n\nEnglish: KPI breaches still open on {day.isoformat()}:\n"
                + "\n".join(en_lines)
            )
            result = run_sql(
                conn,
                "alerts/enqueue_recipient.sql",
                kind=AlertKind.DIGEST,
                dedupe_key=f"digest/{day.isoformat()}",
                recipient_id=r.recipient_id,
                subject=subject,
                body=body,
                detail=json.dumps(
                    {"day": day.isoformat(), "alert_ids": [a.alert_id for a in mine]},
                    ensure_ascii=False,
                ),
                chart_png=None,
            )
            queued += result.rowcount or 0
    log.info("digest for %s: %d open breach(es), %d message(s) queued", day, len(alerts), queued)
    return queued
