"""What the tests of `portal-kpi airflow` share: starting it, waiting for its API server and
for the DAG processor to have parsed the DAGs, and following triggered runs to their end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]


def start_airflow(
    port: int, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`portal-kpi airflow --port PORT --sim-port 0 ARGS…` in a process of its own, its
    output piped (shown by the tests when it ends early)."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "portal_kpi.devtools.entry", "airflow"),
            *("--port", str(port), "--sim-port", "0", *args),
        ],
        cwd=ROOT,
        env=os.environ.copy() if env is None else env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_health(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
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


def dags_parsed(dag_ids: tuple[str, ...], timeout: float) -> None:
    from airflow.models import DagModel
    from airflow.utils.session import create_session

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            found = set(
                session.scalars(
                    select(DagModel.dag_id).where(
                        DagModel.dag_id.in_(dag_ids), DagModel.is_stale.is_(False)
                    )
                )
            )
        if found == set(dag_ids):
            return
        time.sleep(2)
    raise AssertionError(f"the DAG processor did not parse {dag_ids}")


def wait_runs(run_ids: list[str], timeout: float) -> dict[str, str]:
    """dag_id → final state of the runs ``run_ids`` (or their state at the timeout)."""
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        with create_session() as session:
            rows = session.execute(
                select(DagRun.dag_id, DagRun.state).where(DagRun.run_id.in_(run_ids))
            ).all()
        states = {d: str(s) for d, s in rows}
        if len(states) == len(run_ids) and all(
            s in (DagRunState.SUCCESS, DagRunState.FAILED) for s in states.values()
        ):
            break
        time.sleep(3)
    return states


def end_unfinished_runs(dag_ids: tuple[str, ...]) -> int:
    """Mark runs of ``dag_ids`` an interrupted earlier session left unfinished as failed, so
    ``max_active_runs=1`` does not hold the new runs behind them; returns how many."""
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    with create_session() as session:
        runs = session.scalars(
            select(DagRun).where(
                DagRun.dag_id.in_(dag_ids),
                DagRun.state.in_([DagRunState.RUNNING, DagRunState.QUEUED]),
            )
        ).all()
        for run in runs:
            run.state = DagRunState.FAILED
    return len(runs)
