"""Alerts: an outbox of messages addressed by data (``ops.recipient``).

Producers call :func:`enqueue`; the sender delivers pending messages through the
channels that are configured. A message stays in the outbox until a receiver accepts
it, so a receiver that is down gets it on the next run.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import Engine

from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


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
    queued = result.rowcount or 0
    log.info("queued %s %s for %d recipient(s)", kind, dedupe_key, queued)
    return queued
