"""Alert kinds (``ops.outbox.kind``, ``ops.recipient.kinds``): one owner module each."""

from __future__ import annotations

from enum import StrEnum


class AlertKind(StrEnum):
    """What a message is about. The value is what the outbox and recipients store."""

    RUN_SUMMARY = "run_summary"  # alerts.compose: the one message of a daily run
    # Sections of the run summary (what a recipient's ``kinds`` chooses among):
    BREACH_OPEN = "kpi_breach_open"  # new breaches (alerts.breaches keeps the state)
    BREACH_CLOSE = "kpi_breach_close"  # recoveries
    DIGEST = "kpi_digest"  # breaches still open
    DUE_SOON = "due_soon"  # early warnings (daily.due_soon builds the lists)
    DATA_QUALITY = "data_quality"  # quality.dq_event findings (volume anomalies)
    FRESHNESS = "freshness"  # alerts.freshness (also "no changes on a working day")
    # Messages of their own:
    ISO9001_EXPIRY = "iso9001_expiry"  # iso9001.compliance
    OFFICIAL_DIFF = "official_diff"  # official.reconcile
    LEADERSHIP_BRIEF = "leadership_brief"  # tasks.portal_daily (the 766 brief, monthly)
    TASK_FAILURE = "task_failure"  # tasks.callbacks
    DEADLINE = "dag_deadline"  # tasks.callbacks
