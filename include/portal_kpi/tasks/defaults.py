"""The one defaults module of every DAG: owner, retries and the final-failure alert."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from portal_kpi.tasks.callbacks import on_task_failure

DEFAULT_RETRIES = 2
DEFAULT_RETRY_DELAY_SECONDS = int(os.environ.get("PORTAL_KPI_RETRY_DELAY_SECONDS", "300"))
DEFAULT_OWNER = "data-team"
# No task runs unbounded: a pull that hangs or does not converge is stopped.
TASK_TIMEOUT = timedelta(minutes=int(os.environ.get("PORTAL_KPI_TASK_TIMEOUT_MINUTES", "60")))
# A whole run stops after this long (the morning deadline alert fires earlier).
DAGRUN_TIMEOUT = timedelta(hours=int(os.environ.get("PORTAL_KPI_DAGRUN_TIMEOUT_HOURS", "6")))


def task_defaults() -> dict[str, Any]:
    """``default_args`` of every DAG: owner, retries and their delay, a time limit per
    task, and the alert sent once when a task fails for good."""
    return {
        "owner": DEFAULT_OWNER,
        "execution_timeout": TASK_TIMEOUT,
        "retries": DEFAULT_RETRIES,
        "retry_delay": timedelta(seconds=DEFAULT_RETRY_DELAY_SECONDS),
        "on_failure_callback": on_task_failure,
    }
