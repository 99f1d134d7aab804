"""Alerts: an outbox of messages addressed by data (``ops.recipient``).

Producers call :func:`enqueue`; the sender delivers pending messages through the
channels that are configured. A message stays in the outbox until a receiver accepts
it, so a receiver that is down gets it on the next run.

KPI breaches are state (``kpi.alert``): :func:`judge` compares the judged KPI values with
their targets and opens or closes breaches, queuing one message per opening and per
recovery; :func:`queue_digest` lists what stays open once a day per recipient;
:func:`send_pending` delivers through the Airflow connections ``alerts_smtp`` (the SMTP
provider's hook) and ``alerts_webhook`` (a Slack-compatible JSON POST).
"""

from __future__ import annotations

import html
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.config import (
    CONN_SMTP,
    CONN_WEBHOOK,
    PROVINCE_CODE,
    ConfigError,
    ConnInfo,
    get_connection,
)
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

# Message kinds (ops.outbox.kind, ops.recipient.kinds).
KIND_OPEN = "kpi_breach_open"
KIND_CLOSE = "kpi_breach_close"
KIND_DIGEST = "kpi_digest"

# What is judged: "<scope>:<grain>[:<kpi>|<kpi>...]" items, comma separated. Scope is
# ``province``, ``agency`` (every agency but the province) or one agency code.
JUDGE_ENV = "PORTAL_KPI_ALERT_JUDGE"
DEFAULT_JUDGE = "province:day,agency:month"
MAX_ATTEMPTS_ENV = "PORTAL_KPI_ALERT_MAX_ATTEMPTS"
DEFAULT_MAX_ATTEMPTS = 20
CHART_DAYS = 30
DIGEST_MAX_LINES = 60

RATIO_KPIS = frozenset(
    {"online_share", "online_share_all", "full_online_share", "on_time_rate",
     "iso9001_compliant_share"}
)  # fmt: skip
# Severity: how far from target. Ratios by the gap in ratio points (0.20 = 20 points);
# counts by how many over (or under) the target.
RATIO_SEVERITY = (
    (Decimal("0.20"), "critical"),
    (Decimal("0.10"), "high"),
    (Decimal("0.05"), "medium"),
)
COUNT_SEVERITY = ((Decimal(20), "critical"), (Decimal(10), "high"), (Decimal(3), "medium"))
SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "medium": "trung bình", "low": "thấp"}

KPI_LABELS: dict[str, tuple[str, str]] = {
    "online_share": ("Tỷ lệ hồ sơ nộp trực tuyến (TTHC có DVC trực tuyến)",
                     "online share (procedures with an online service)"),
    "online_share_all": ("Tỷ lệ hồ sơ nộp trực tuyến (mọi TTHC)", "online share (all procedures)"),
    "full_online_share": ("Tỷ lệ hồ sơ trực tuyến của TTHC toàn trình", "fully online share"),
    "on_time_rate": ("Tỷ lệ giải quyết đúng và sớm hạn", "on-time rate"),
    "late_count": ("Số hồ sơ trễ hẹn", "late dossiers"),
    "overdue_in_progress": ("Số hồ sơ đang giải quyết quá hạn", "overdue dossiers in progress"),
    "late_without_apology": ("Hồ sơ trễ hẹn không có thư xin lỗi đúng hạn",
                             "late dossiers without a timely apology"),
    "multi_supplement_count": ("Hồ sơ yêu cầu bổ sung quá một lần",
                               "dossiers asked for supplements more than once"),
    "iso9001_compliant_share": ("Tỷ lệ cơ quan đạt ISO 9001", "ISO 9001 compliant share"),
}  # fmt: skip


# --------------------------------------------------------------------------- queueing


def _enqueue(
    conn: Connection,
    *,
    kind: str,
    dedupe_key: str,
    subject: str,
    body: str,
    detail: dict[str, Any] | None = None,
    agency_code: str | None = None,
    kpi: str | None = None,
    chart_png: bytes | None = None,
) -> int:
    result = run_sql(
        conn,
        "alerts/enqueue.sql",
        kind=kind,
        dedupe_key=dedupe_key,
        subject=subject,
        body=body,
        detail=json.dumps(detail or {}, ensure_ascii=False, default=str),
        agency_code=agency_code,
        kpi=kpi,
        chart_png=chart_png,
    )
    return result.rowcount or 0


def enqueue(
    engine: Engine,
    *,
    kind: str,
    dedupe_key: str,
    subject: str,
    body: str,
    detail: dict[str, Any] | None = None,
    agency_code: str | None = None,
    kpi: str | None = None,
    chart_png: bytes | None = None,
) -> int:
    """Queue one message for every recipient whose filters match; returns rows queued.

    ``dedupe_key`` makes queuing idempotent: the same (kind, key) is queued once per
    recipient, however often a run is retried.
    """
    with engine.begin() as conn:
        queued = _enqueue(
            conn,
            kind=kind,
            dedupe_key=dedupe_key,
            subject=subject,
            body=body,
            detail=detail,
            agency_code=agency_code,
            kpi=kpi,
            chart_png=chart_png,
        )
    log.info("queued %s %s for %d recipient(s)", kind, dedupe_key, queued)
    return queued


# --------------------------------------------------------------------------- judging


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


def is_ratio(kpi: str) -> bool:
    return kpi in RATIO_KPIS


def severity(kpi: str, value: Any, target: Any, comparator: str | None) -> str:
    """How far ``value`` is from ``target``: low, medium, high or critical."""
    if value is None or target is None:
        return "low"
    v, t = Decimal(str(value)), Decimal(str(target))
    gap = t - v if comparator == ">=" else v - t if comparator == "<=" else abs(v - t)
    for limit, name in RATIO_SEVERITY if is_ratio(kpi) else COUNT_SEVERITY:
        if gap >= limit:
            return name
    return "low"


def fmt_value(kpi: str, value: Any) -> str:
    if value is None:
        return "—"
    if is_ratio(kpi):
        return f"{Decimal(str(value)) * 100:.2f} %"
    return f"{Decimal(str(value)):.0f}"


def period_label(grain: str, period: date, as_of: date | None = None) -> tuple[str, str]:
    """(Vietnamese, English) label of a period."""
    if grain == "day":
        return f"ngày {period:%d/%m/%Y}", period.isoformat()
    to_date_vi = f" (đến {as_of:%d/%m/%Y})" if as_of else ""
    to_date_en = f" (to {as_of.isoformat()})" if as_of else ""
    return f"tháng {period:%m/%Y}{to_date_vi}", f"{period:%Y-%m}{to_date_en}"


def kpi_label(kpi: str) -> tuple[str, str]:
    return KPI_LABELS.get(kpi, (kpi, kpi))


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
    if kind == KIND_OPEN:
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
    suffix = "open" if kind == KIND_OPEN else "close"
    chart = _chart_or_none(conn, row.kpi, row.agency_code, day)
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
                    result.queued += _queue_breach(conn, row, KIND_OPEN, alert_id, sev, day)
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
                        conn, row, KIND_CLOSE, current[0], sev, day, opened=current[1:]
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
        recipients = run_sql(conn, "alerts/digest_recipients.sql", kind=KIND_DIGEST).all()
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
                kind=KIND_DIGEST,
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


# --------------------------------------------------------------------------- chart


def render_chart(
    kpi: str, agency_code: str, points: Sequence[tuple[date, Any, Any]], day: date
) -> bytes:
    """PNG chart of a KPI's daily values (``(day, value, target)``) against its target."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    ratio = is_ratio(kpi)
    scale = 100.0 if ratio else 1.0
    xs = mdates.date2num([p[0] for p in points])
    ys = [float(p[1]) * scale if p[1] is not None else float("nan") for p in points]
    ts = [float(p[2]) * scale if p[2] is not None else float("nan") for p in points]
    fig = Figure(figsize=(7, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, label="giá trị / value")
    if any(p[2] is not None for p in points):
        ax.step(xs, ts, where="mid", linestyle="--", color="tab:red", label="chỉ tiêu / target")
    en_kpi = kpi_label(kpi)[1]
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    ax.set_title(f"{agency_code} – {en_kpi} – {CHART_DAYS} ngày đến / days to {day:%d/%m/%Y}")
    ax.set_ylabel("%" if ratio else "hồ sơ / dossiers")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def kpi_chart(conn: Connection, kpi: str, agency_code: str, day: date) -> bytes:
    points = [
        (r.period_start, r.value, r.target)
        for r in run_sql(
            conn,
            "alerts/kpi_history.sql",
            kpi=kpi,
            agency_code=agency_code,
            first=day - timedelta(days=CHART_DAYS - 1),
            last=day,
        )
    ]
    return render_chart(kpi, agency_code, points, day)


def _chart_or_none(conn: Connection, kpi: str, agency_code: str, day: date) -> bytes | None:
    try:
        return kpi_chart(conn, kpi, agency_code, day)
    except Exception:  # a chart is a nicety; the message goes without it
        log.exception("chart for %s %s failed; sending without it", kpi, agency_code)
        return None


# --------------------------------------------------------------------------- sending


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # unsent messages of channels that are off in this run
    channels_off: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class DeliveryError(RuntimeError):
    """A receiver did not accept a message."""


def max_attempts() -> int:
    return int(os.environ.get(MAX_ATTEMPTS_ENV, str(DEFAULT_MAX_ATTEMPTS)))


def _connection_or_none(conn_id: str) -> ConnInfo | None:
    try:
        return get_connection(conn_id)
    except ConfigError:
        log.warning("connection %r is not defined: that alert channel is off", conn_id)
        return None


def webhook_url(conn: ConnInfo, address: str = "default") -> str:
    """URL of a webhook recipient: ``default`` is the connection's own URL (host, port,
    scheme, and path from ``extra.path`` or the schema field); an address starting with
    ``/`` is that path on the connection's host."""
    host = conn.host.rstrip("/")
    if "://" in host:
        scheme, _, rest = host.partition("://")
        netloc, _, own_path = rest.partition("/")
        base = f"{scheme}://{netloc}"
        own_path = "/" + own_path if own_path else ""
    else:
        scheme = str(conn.extra.get("scheme") or "")
        if conn.schema in ("http", "https"):
            scheme = conn.schema
        if not scheme:
            scheme = "http" if conn.conn_type == "http" else "https"
        port = f":{conn.port}" if conn.port else ""
        base = f"{scheme}://{host}{port}"
        own = str(conn.extra.get("path") or "")
        if not own and conn.schema not in ("", "http", "https"):
            own = conn.schema
        own_path = ("/" + own.lstrip("/")) if own else ""
    if address == "default":
        return base + own_path
    if address.startswith("/"):
        return base + address
    raise DeliveryError(f"webhook address must be 'default' or a path: {address!r}")


def post_webhook(conn: ConnInfo, address: str, subject: str, body: str) -> None:
    """POST ``{"text": ...}`` (Slack-compatible) with a timeout and TLS verification."""
    import requests

    url = webhook_url(conn, address)
    timeout = float(conn.extra.get("timeout", 10))
    verify: bool | str = True
    if isinstance(conn.extra.get("ca_bundle"), str):  # a CA file; verification stays on
        verify = str(conn.extra["ca_bundle"])
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    payload = {"text": f"*{subject}*\n{body}"}
    response = requests.post(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers=headers,
        timeout=timeout,
        verify=verify,
    )
    if response.status_code >= 300:
        raise DeliveryError(f"webhook answered HTTP {response.status_code}: {response.text[:200]}")


def send_email(
    conn: ConnInfo, address: str, subject: str, body: str, chart_png: bytes | None
) -> None:
    """Send through the SMTP provider's hook (connection ``alerts_smtp``): an HTML copy of
    the plain text and the chart as a PNG attachment shown inline."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    to = [a.strip() for a in address.split(",") if a.strip()]
    sender = str(conn.extra.get("from_email") or conn.login or "portal-kpi@localhost")
    text_html = html.escape(body)
    content = (
        f'<html><body><pre style="font-family: sans-serif; white-space: pre-wrap">{text_html}</pre>'
    )
    with tempfile.TemporaryDirectory(prefix="portal-kpi-mail-") as folder:
        files: list[str] = []
        if chart_png:
            path = Path(folder) / "chart.png"
            path.write_bytes(chart_png)
            files.append(str(path))
            content += '<p><img src="cid:chart.png" alt="chart"></p>'
        content += "</body></html>"
        with SmtpHook(smtp_conn_id=conn.conn_id) as hook:
            hook.send_email_smtp(
                to=to,
                subject=subject,
                html_content=content,
                from_email=sender,
                files=files,
            )


def send_pending(engine: Engine, kinds: Sequence[str] | None = None) -> SendReport:
    """Deliver every unsent message (optionally only some kinds) through the channels
    whose connection exists. Each message: ``sent_at`` on success; ``attempts`` + 1 and
    ``last_error`` on failure (sent again next time). Once a channel fails in a run, its
    remaining messages are marked failed without trying (no pile of timeouts). Never
    raises for a receiver that is down."""
    report = SendReport()
    connections = {
        "email": _connection_or_none(CONN_SMTP),
        "webhook": _connection_or_none(CONN_WEBHOOK),
    }
    enabled = [channel for channel, c in connections.items() if c is not None]
    report.channels_off = [channel for channel, c in connections.items() if c is None]
    limit = max_attempts()
    kind_list = list(kinds) if kinds else None
    down: dict[str, str] = {}
    after = 0
    while enabled:
        with engine.begin() as db:
            row = run_sql(
                db,
                "alerts/claim_pending.sql",
                after=after,
                max_attempts=limit,
                channels=enabled,
                kinds=kind_list,
            ).first()
            if row is None:
                break
            after = row.message_id
            conn = connections[row.channel]
            assert conn is not None
            try:
                if row.channel in down:
                    raise DeliveryError(f"not tried: {row.channel} failed earlier in this run")
                if row.channel == "email":
                    send_email(conn, row.address, row.subject, row.body, row.chart_png)
                else:
                    post_webhook(conn, row.address, row.subject, row.body)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:1000]
                if row.channel not in down:
                    down[row.channel] = error
                    log.warning("alert %s via %s failed: %s", row.message_id, row.channel, error)
                run_sql(db, "alerts/mark_failed.sql", message_id=row.message_id, error=error)
                report.failed += 1
                report.errors.append(error)
            else:
                run_sql(db, "alerts/mark_sent.sql", message_id=row.message_id)
                report.sent += 1
    with engine.connect() as db:
        report.waiting = int(
            run_sql(
                db,
                "alerts/count_waiting.sql",
                max_attempts=limit,
                channels=enabled,
                kinds=kind_list,
            ).scalar_one()
        )
    log.info(
        "alerts sent: %d, failed: %d, waiting for a channel that is off: %d",
        report.sent,
        report.failed,
        report.waiting,
    )
    return report
