"""`portal-kpi airflow` (`make airflow`) runs the whole product: API server on the port asked
for (the execution API following it), scheduler, DAG processor, triggerer, the simulator;
each of the three DAGs, triggered once, succeeds under the real scheduler (LocalExecutor)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
DAG_IDS = ("portal_daily", "iso9001_register", "dvcqg_monthly")


def _wait_health(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "portal-kpi airflow ended early"
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2
            ) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError("the API server did not answer")


def _dags_parsed(timeout: float) -> None:
    from airflow.models import DagModel
    from airflow.utils.session import create_session

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            found = set(
                session.scalars(
                    select(DagModel.dag_id).where(
                        DagModel.dag_id.in_(DAG_IDS), DagModel.is_stale.is_(False)
                    )
                )
            )
        if found == set(DAG_IDS):
            return
        time.sleep(2)
    raise AssertionError(f"the DAG processor did not parse {DAG_IDS}")


@pytest.mark.e2e
def test_make_airflow_runs_all_three_dags(engine: Any, airflow_db: None) -> None:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType

    from portal_kpi.devtools.airflow_env import free_port
    from portal_kpi.devtools.backfill import set_paused

    port = free_port()
    env = os.environ.copy()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "portal_kpi.devtools.entry", "airflow"),
            *("--port", str(port), "--sim-port", "0", "--per-day", "200"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    run_ids: dict[str, str] = {}
    try:
        _wait_health(port, proc, 240)
        _dags_parsed(180)
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
        deadline = time.monotonic() + 600
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            with create_session() as session:
                rows = session.execute(
                    select(DagRun.dag_id, DagRun.state).where(
                        DagRun.run_id.in_(list(run_ids.values()))
                    )
                ).all()
            states = {d: str(s) for d, s in rows}
            if all(s in (DagRunState.SUCCESS, DagRunState.FAILED) for s in states.values()):
                break
            time.sleep(3)
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
