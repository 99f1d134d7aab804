"""`portal-kpi airflow` (`make airflow`) runs the whole product: API server on the port asked
for (the execution API following it), scheduler, DAG processor, triggerer, the simulator;
each of the three DAGs, triggered once, succeeds under the real scheduler (LocalExecutor)."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest

from devtools.stack_support import dags_parsed, start_airflow, wait_health, wait_runs

DAG_IDS = ("portal_daily", "iso9001_register", "dvcqg_monthly")


@pytest.mark.e2e
def test_make_airflow_runs_all_three_dags(engine: Any, airflow_db: None) -> None:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    from portal_kpi.devtools.airflow_env import free_port
    from portal_kpi.devtools.backfill import set_paused

    port = free_port()
    proc = start_airflow(port, "--per-day", "200")
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
        states = wait_runs(list(run_ids.values()), 600)
        assert states == dict.fromkeys(DAG_IDS, "success"), states
    finally:
        for dag_id in DAG_IDS:
            set_paused(dag_id, True)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
