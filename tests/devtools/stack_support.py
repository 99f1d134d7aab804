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


def wait_runs(
    run_ids: list[str], timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> dict[str, str]:
    """dag_id → final state of the runs ``run_ids`` (or their state at the timeout, or when
    the stack ``proc`` has ended: nothing would move them any more)."""
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
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(3)
    return states


def stack_diagnostics(proc: subprocess.Popen[bytes] | None, log_dir: Path, lines: int = 40) -> str:
    """What a failed stack test shows: whether ``portal-kpi airflow`` is still running, the
    end of its own output when it has ended, and the warnings, errors and held runs at the
    end of the scheduler's and triggerer's logs."""
    parts: list[str] = []
    if proc is not None:
        code = proc.poll()
        parts.append(f"portal-kpi airflow: {'running' if code is None else f'exited {code}'}")
        if code is not None and proc.stdout is not None:
            parts.append(proc.stdout.read().decode(errors="replace")[-4000:])
    keys = ("error", "warning", "exception", "traceback", "cannot be started", "marking run")
    for name in ("scheduler", "triggerer", "dag-processor"):
        path = log_dir / f"{name}.log"
        if not path.exists():
            parts.append(f"{path}: missing")
            continue
        text = path.read_text(errors="replace").splitlines()
        picked = [line[:300] for line in text if any(k in line.lower() for k in keys)]
        parts.append(f"--- {path} ({len(text)} lines), last matching lines:")
        parts.extend(picked[-lines:])
    return "\n".join(parts)


def end_unfinished_runs(dag_ids: tuple[str, ...]) -> int:
    """Mark runs of ``dag_ids`` left unfinished (by an interrupted earlier session, or by a
    test that failed) as failed, so ``max_active_runs=1`` does not hold new runs behind them
    and the next scheduler does not run them into another test's warehouse; returns how
    many."""
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
