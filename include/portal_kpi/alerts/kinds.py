"""Alert kinds (``ops.outbox.kind``, ``ops.recipient.kinds``): one owner module each."""

from __future__ import annotations

from enum import StrEnum


class AlertKind(StrEnum):
    """What a message is about. The value is what the outbox and recipients store."""

    BREACH_OPEN = "kpi_breach_open"  # alerts.breaches
    BREACH_CLOSE = "kpi_breach_close"  # alerts.breaches
    DIGEST = "kpi_digest"  # alerts.breaches
    FRESHNESS = "freshness"  # alerts.freshness (also "no changes on a working day")
    DATA_QUALITY = "data_quality"  # daily.pipeline (volume anomalies)
    DUE_SOON = "due_soon"  # daily.due_soon
    ISO9001_EXPIRY = "iso9001_expiry"  # iso9001.compliance
    OFFICIAL_DIFF = "official_diff"  # official.reconcile
    TASK_FAILURE = "task_failure"  # tasks.callbacks
    DEADLINE = "dag_deadline"  # tasks.callbacks
