"""`portal-kpi airflow` (`make airflow`) runs the whole product: API server on the port asked
for (the execution API following it), scheduler, DAG processor, triggerer, the simulator;
each of the three DAGs, triggered once, succeeds under the real scheduler (LocalExecutor)."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest

from devtools.stack_support import (
    dags_parsed,
    end_unfinished_runs,
    stack_diagnostics,
    start_airflow,
    wait_health,
    wait_runs,
)

DAG_IDS = ("portal_daily", "iso9001_register", "dvcqg_monthly")


@pytest.mark.e2e
def test_make_airflow_runs_all_three_dags(engine: Any, airflow_db: None) -> None:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    from portal_kpi.devtools.airflow_env import free_port, logs_dir
    from portal_kpi.devtools.backfill import set_paused

    end_unfinished_runs(DAG_IDS)
    port = free_port()
    # Only the triggered runs: the scheduler's own runs of the latest intervals would depend
    # on the hour the test runs at (which day is "yesterday", whose deadline has passed);
    # test_backfill follows a scheduled run after unpausing.
    env = os.environ.copy() | {"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}
    proc = start_airflow(port, "--per-day", "200", env=env)
    run_ids: dict[str, str] = {}
    try:
        wait_health(port, proc, 240)
        dags_parsed(DAG_IDS, 180)
        now = datetime.now(UTC)
        for dag_id in DAG_IDS:
            set_paused(dag_id, False)
            run = trigger_dag(
                dag_id,
                triggered_by=DagRunTriggeredByType.TEST,
                run_after=now,
                logical_date=now,
                run_id=f"stack_test__{dag_id}__{now:%Y%m%dT%H%M%S}",
            )
            assert run is not None
            run_ids[dag_id] = run.run_id
        states = wait_runs(list(run_ids.values()), 600, proc)
        assert states == dict.fromkeys(DAG_IDS, "success"), (
            f"{states}\n{stack_diagnostics(proc, logs_dir())}"
        )
    finally:
        for dag_id in DAG_IDS:
            set_paused(dag_id, True)
        # A failed run left queued would otherwise run under the next test's scheduler.
        end_unfinished_runs(DAG_IDS)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
