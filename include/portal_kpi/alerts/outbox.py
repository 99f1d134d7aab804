"""The alert outbox: messages addressed by data (``ops.recipient``), delivered through the
channels that are configured.

Producers call :func:`enqueue`; :func:`send_pending` delivers. A message stays in the
outbox until a receiver accepts it, so a receiver that is down gets it on the next run."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.alerts.channels import (
    CONN_TELEGRAM,
    DeliveryError,
    connection_or_none,
    post_webhook,
    send_email,
    send_telegram,
)
from portal_kpi.config import CONN_SMTP, CONN_WEBHOOK
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


SUPPRESSED = "suppressed_backfill"  # recorded for a rerun or backfill; never sent


MAX_ATTEMPTS_ENV = "PORTAL_KPI_ALERT_MAX_ATTEMPTS"


DEFAULT_MAX_ATTEMPTS = 20


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
    status: str = "pending",
    html_body: str | None = None,
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
        status=status,
        html_body=html_body,
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
    status: str = "pending",
    html_body: str | None = None,
) -> int:
    """Queue one message for every recipient whose filters match; returns rows queued.

    ``dedupe_key`` makes queuing idempotent: the same (kind, key) is queued once per
    recipient, however often a run is retried. ``status="suppressed_backfill"`` records
    the message without ever sending it (a rerun or backfill of a past day).
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
            status=status,
            html_body=html_body,
        )
    log.info("queued %s %s for %d recipient(s)", kind, dedupe_key, queued)
    return queued


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # unsent messages of channels that are off in this run
    channels_off: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def max_attempts() -> int:
    return int(os.environ.get(MAX_ATTEMPTS_ENV, str(DEFAULT_MAX_ATTEMPTS)))


def send_pending(engine: Engine, kinds: Sequence[str] | None = None) -> SendReport:
    """Deliver every unsent message (optionally only some kinds) through the channels
    whose connection exists. Each message: ``sent_at`` on success; ``attempts`` + 1 and
    ``last_error`` on failure (sent again next time). Once a channel fails in a run, its
    remaining messages are marked failed without trying (no pile of timeouts). Never
    raises for a receiver that is down."""
    report = SendReport()
    connections = {
        "email": connection_or_none(CONN_SMTP),
        "webhook": connection_or_none(CONN_WEBHOOK),
        "telegram": connection_or_none(CONN_TELEGRAM),
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
                    send_email(
                        conn, row.address, row.subject, row.body, row.chart_png, row.html_body
                    )
                elif row.channel == "telegram":
                    send_telegram(conn, row.address, row.subject, row.body)
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
