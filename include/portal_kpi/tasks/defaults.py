"""The one defaults module of every DAG: owner, retries and the final-failure alert."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from portal_kpi.tasks.callbacks import on_task_failure

DEFAULT_RETRIES = 2
DEFAULT_RETRY_DELAY_SECONDS = int(os.environ.get("PORTAL_KPI_RETRY_DELAY_SECONDS", "300"))
DEFAULT_OWNER = "data-team"


def task_defaults() -> dict[str, Any]:
    """``default_args`` of every DAG: owner, retries and their delay, and the alert sent
    once when a task fails for good."""
    return {
        "owner": DEFAULT_OWNER,
        "retries": DEFAULT_RETRIES,
        "retry_delay": timedelta(seconds=DEFAULT_RETRY_DELAY_SECONDS),
        "on_failure_callback": on_task_failure,
    }
