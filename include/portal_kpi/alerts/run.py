"""The alert step of a daily run: judge, digest, freshness, then send."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from portal_kpi.alerts.breaches import judge, queue_digest
from portal_kpi.alerts.freshness import check_freshness, queue_freshness
from portal_kpi.alerts.outbox import send_pending

if TYPE_CHECKING:
    from sqlalchemy import Engine


def run_alerts(engine: Engine, day: date, now: datetime | None = None) -> dict[str, Any]:
    """Everything the alert task does for local ``day``: judge breaches (queuing openings
    and recoveries), queue the day's digest and freshness findings, then send what is
    pending. Returns counts."""

    judged = judge(engine, day)
    digest = queue_digest(engine, day)
    findings = check_freshness(engine, day, now or datetime.now(UTC))
    fresh = queue_freshness(engine, findings)
    report = send_pending(engine)
    return {
        "day": day.isoformat(),
        "opened": len(judged.opened),
        "closed": len(judged.closed),
        "still_open_judged": judged.extended,
        "breach_messages": judged.queued,
        "digest_messages": digest,
        "freshness": [f["kind"] for f in findings],
        "freshness_messages": fresh,
        "sent": report.sent,
        "failed": report.failed,
        "waiting": report.waiting,
        "channels_off": report.channels_off,
    }
