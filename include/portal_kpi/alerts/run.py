"""The alert step of a daily run: judge breaches, check freshness, compose one message
per recipient, then send what is pending (only when the run may send)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from portal_kpi.alerts.breaches import judge
from portal_kpi.alerts.compose import queue_run
from portal_kpi.alerts.freshness import check_freshness
from portal_kpi.alerts.outbox import send_pending
from portal_kpi.alerts.sections import EarlyWarning, Finding, PointsAtStake

if TYPE_CHECKING:
    from sqlalchemy import Engine


def run_alerts(
    engine: Engine,
    day: date,
    *,
    send: bool,
    warnings: Sequence[EarlyWarning] = (),
    points: Sequence[PointsAtStake] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the alert task does for local ``day``. ``send`` is the caller's
    decision (False for a rerun or backfill of a past day): with it off, the messages
    are recorded as ``suppressed_backfill`` and nothing is delivered, not even older
    pending ones. Returns counts."""
    judged = judge(engine, day)
    found = check_freshness(engine, day, now or datetime.now(UTC)) if send else []
    findings = [Finding(str(f["kind"]), f) for f in found]
    composed = queue_run(
        engine, day, send=send, warnings=warnings, findings=findings, points=points
    )
    result: dict[str, Any] = {
        "day": day.isoformat(),
        "send": send,
        "opened": len(judged.opened),
        "closed": len(judged.closed),
        "still_open_judged": judged.extended,
        "freshness": [f.kind for f in findings],
        "composed": composed.composed,
        "queued": composed.queued,
        "suppressed_backfill": composed.suppressed,
    }
    if send:
        report = send_pending(engine)
        result.update(
            sent=report.sent,
            failed=report.failed,
            waiting=report.waiting,
            channels_off=report.channels_off,
        )
    return result
