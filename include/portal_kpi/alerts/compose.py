"""One message per recipient per run: the run's facts (breach state, early warnings,
data-quality findings) cut to each recipient's agencies and kinds, rendered through the
templates, and queued once per (recipient, business day).

Groups, in order: new breaches, recoveries, breaches still open (counts, worst first),
early warnings for the recipient's agencies, data-quality findings. Nothing is queued
for a recipient with nothing to say, nor on a day that is not a working day unless a
breach opened. ``send=False`` (a rerun or backfill of a past day) records the messages
with status ``suppressed_backfill``: what would have gone, never sent."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.alerts.chart import chart_or_none
from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.labels import SEVERITY_VI, fmt_day, fmt_number
from portal_kpi.alerts.outbox import SUPPRESSED
from portal_kpi.alerts.render import render, render_subject
from portal_kpi.alerts.routing import Recipient, active_recipients
from portal_kpi.alerts.sections import Breach, EarlyWarning, Finding, PointsAtStake
from portal_kpi.alerts.views import finding_view, warning_view
from portal_kpi.db import run_sql
from portal_kpi.links import dashboard_url

log = logging.getLogger(__name__)

MAX_BREACHES = 20  # new or recovered breaches listed; the rest are counted
MAX_OPEN = 10  # still-open breaches listed, worst first
MAX_AGENCIES = 30  # agencies in a catch-all recipient's early-warning table
MAX_LINES = 20  # dossiers listed per agency section
CHAT_MAX = 5  # items per group in a chat message (webhook, Telegram): one short post
CHART_CID = "kpi-chart"
MAX_POINTS_AGENCIES = 5  # the data team sees the five agencies losing most 766 points


@dataclass
class RunFacts:
    day: date
    working_day: bool
    breaches: list[Breach] = field(default_factory=list)
    warnings: list[EarlyWarning] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    levels: dict[str, str | None] = field(default_factory=dict)
    points: list[PointsAtStake] = field(default_factory=list)


@dataclass
class Message:
    recipient: Recipient
    subject: str
    body: str
    html: str | None
    detail: dict[str, Any]
    chart: Breach | None = None


@dataclass
class ComposeResult:
    queued: int = 0
    suppressed: int = 0
    composed: int = 0
    skipped: list[str] = field(default_factory=list)


def gather(
    conn: Connection,
    day: date,
    warnings: Sequence[EarlyWarning] = (),
    findings: Sequence[Finding] = (),
    points: Sequence[PointsAtStake] = (),
) -> RunFacts:
    """The run's facts: breach state from ``kpi.alert``, the agency catalogue's names and
    levels, the day's ``quality.dq_event`` rows, plus what the caller passes."""
    agencies = {
        r.code: (r.name, r.level) for r in run_sql(conn, "alerts/agencies_on_day.sql", day=day)
    }
    facts = run_sql(conn, "alerts/day_facts.sql", day=day).one()
    breaches = [
        Breach(
            section=r.section,
            alert_id=r.alert_id,
            kpi=r.kpi,
            agency_code=r.agency_code,
            agency_name=agencies.get(r.agency_code, (r.agency_code, None))[0],
            agency_level=agencies.get(r.agency_code, (None, None))[1],
            grain=r.period_grain,
            period=r.period,
            opened_period=r.opened_period,
            value=r.value,
            numerator=r.numerator,
            denominator=r.denominator,
            target=r.target,
            comparator=r.comparator,
            severity=r.severity,
        )
        for r in run_sql(conn, "alerts/run_breaches.sql", day=day)
    ]
    breaches.sort(key=lambda b: b.rank)
    dq = [Finding(r.kind, dict(r.detail)) for r in run_sql(conn, "alerts/dq_events.sql", day=day)]
    kinds = {f.kind for f in findings}
    dq = [f for f in dq if f.kind not in kinds]  # the freshness check reports it already
    for w in warnings:
        if w.agency_code in agencies and not w.agency_name:
            w.agency_name = agencies[w.agency_code][0]
    return RunFacts(
        day=day,
        working_day=bool(facts.is_working_day),
        breaches=breaches,
        warnings=sorted(warnings, key=lambda w: w.urgency),
        findings=[*findings, *dq],
        levels={code: level for code, (_, level) in agencies.items()},
        # Agencies with causes to act on first, then by points lost.
        points=sorted(points, key=lambda p: (not p.causes, -p.points_lost, p.agency_code)),
    )


def _listed(items: list[Breach], cap: int) -> dict[str, Any]:
    return {
        "items": [b.view() for b in items[:cap]],
        "total": len(items),
        "more": max(0, len(items) - cap),
    }


def _context(r: Recipient, facts: RunFacts) -> dict[str, Any] | None:
    """What the templates show to ``r``; None when there is nothing for ``r``."""
    mine = [b for b in facts.breaches if r.covers(b.agency_code, b.agency_level)]
    new = [b for b in mine if b.section == "new"] if r.takes(AlertKind.BREACH_OPEN) else []
    recovered = (
        [b for b in mine if b.section == "recovered"] if r.takes(AlertKind.BREACH_CLOSE) else []
    )
    still = [b for b in mine if b.section == "open"] if r.takes(AlertKind.DIGEST) else []
    if not facts.working_day and not new:
        return None
    warnings = [
        w for w in facts.warnings if r.covers(w.agency_code, facts.levels.get(w.agency_code))
    ] if r.takes(AlertKind.DUE_SOON) else []  # fmt: skip
    findings = [
        f for f in facts.findings
        if r.catch_all and r.takes(AlertKind.FRESHNESS if f.kind == "stale_load" or
                                   f.kind.startswith("no_changes") else AlertKind.DATA_QUALITY)
    ]  # fmt: skip
    points = [
        p for p in facts.points
        if p.points_lost > 0 and r.covers(p.agency_code, facts.levels.get(p.agency_code))
    ][: MAX_POINTS_AGENCIES if r.catch_all else None]  # fmt: skip
    if not (new or recovered or still or warnings or findings or points):
        return None
    severities = Counter(b.severity for b in still)
    detailed = not r.catch_all  # an agency's people get the dossiers; the data team a table
    totals = Counter[str]()
    for w in warnings:
        totals.update(w.counts)
    # The chart: the worst breach with a daily series (30 points), else the worst one.
    candidates = [*new, *still]
    daily = [b for b in candidates if b.grain == "day"]
    chart = next(iter(daily or candidates), None) if r.channel == "email" else None
    return {
        "day": fmt_day(facts.day),
        "day_iso": facts.day.isoformat(),
        "recipient": r.name,
        "catch_all": r.catch_all,
        "new": _listed(new, MAX_BREACHES),
        "recovered": _listed(recovered, MAX_BREACHES),
        "open": {
            **_listed(still, MAX_OPEN),
            "by_severity": [
                {"severity": f"{SEVERITY_VI[s]} / {s}", "count": fmt_number(severities[s])}
                for s in ("critical", "high", "medium", "low") if severities[s]
            ],
        },
        "warnings": {
            "detailed": detailed,
            "sections": [
                warning_view(w, MAX_LINES if detailed else 0)
                for w in warnings[: None if detailed else MAX_AGENCIES]
            ],
            "agencies": len(warnings),
            "more": 0 if detailed else max(0, len(warnings) - MAX_AGENCIES),
            "totals": {k: fmt_number(v) for k, v in totals.items()},
        },
        "findings": [finding_view(f) for f in findings],
        "points": [p.view() for p in points],
        "chart": None if chart is None else {"cid": CHART_CID, **chart.view()},
        "chart_breach": chart,
        "dashboard": dashboard_url(None, None),
        "chat_max": CHAT_MAX,
        "counts": {"new": len(new), "recovered": len(recovered), "open": len(still),
                   "warnings": len(warnings), "findings": len(findings),
                   "points": len(points)},
    }  # fmt: skip


def compose(r: Recipient, facts: RunFacts) -> Message | None:
    """The run's message for one recipient (None when there is nothing for it)."""
    ctx = _context(r, facts)
    if ctx is None:
        return None
    subject = render_subject("run_subject.txt", **ctx)
    if r.channel == "email":
        body, html = render("run.txt", **ctx), render("run.html", **ctx)
    else:  # a chat post: the counts and the worst few of each group
        body, html = render("run_chat.txt", **ctx), None
    detail = {
        "day": facts.day.isoformat(),
        "counts": ctx["counts"],
        "alert_ids": {
            s: [b["agency_code"] + "/" + b["kpi_en"] for b in ctx[s]["items"]]
            for s in ("new", "recovered", "open")
        },
        "agencies": [s["agency_code"] for s in ctx["warnings"]["sections"]],
        "findings": [f["kind"] for f in ctx["findings"]],
    }
    return Message(r, subject, body, html, detail, ctx["chart_breach"])


def queue_run(
    engine: Engine,
    day: date,
    *,
    send: bool,
    warnings: Sequence[EarlyWarning] = (),
    findings: Sequence[Finding] = (),
    points: Sequence[PointsAtStake] = (),
) -> ComposeResult:
    """Compose and queue the run's messages for local ``day`` in one transaction;
    ``send=False`` records them as ``suppressed_backfill``."""
    result = ComposeResult()
    charts: dict[tuple[str, str], bytes | None] = {}
    with engine.begin() as conn:
        facts = gather(conn, day, warnings, findings, points)
        for r in active_recipients(conn):
            message = compose(r, facts)
            if message is None:
                result.skipped.append(r.name)
                continue
            result.composed += 1
            png = None
            if message.chart is not None:
                b = message.chart
                key = (b.kpi, b.agency_code)
                if key not in charts:
                    charts[key] = chart_or_none(
                        conn, b.kpi, b.agency_code, day, b.agency_name, b.target
                    )
                png = charts[key]
            added = (
                run_sql(
                    conn,
                    "alerts/enqueue_summary.sql",
                    kind=AlertKind.RUN_SUMMARY,
                    dedupe_key=day.isoformat(),
                    recipient_id=r.recipient_id,
                    subject=message.subject,
                    body=message.body,
                    html_body=message.html,
                    detail=json.dumps(message.detail, ensure_ascii=False, default=str),
                    chart_png=png,
                    status="pending" if send else SUPPRESSED,
                    day=day,
                ).rowcount
                or 0
            )
            if send:
                result.queued += added
            else:
                result.suppressed += added
    log.info(
        "run messages for %s: %d composed, %d queued, %d recorded as backfill (not sent)",
        day, result.composed, result.queued, result.suppressed,
    )  # fmt: skip
    return result
