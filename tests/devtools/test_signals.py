"""Ctrl-C / SIGTERM stop `portal-kpi backfill` and `portal-kpi demo` within seconds: the
backfill is cancelled, the run in progress failed, every Airflow process it started ends,
and no day is left half-published (a day is loaded only when its run succeeded)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[2]
STOP_WITHIN_SECONDS = 30
PIPELINE_TASKS = ("extract_dossiers", "validate_dossiers", "publish_dossiers", "compute_kpis")


def _airflow_processes() -> list[psutil.Process]:
    """Airflow processes of this test session's AIRFLOW_HOME."""
    home = os.environ["AIRFLOW_HOME"]
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if (
                "airflow" in cmd
                and proc.pid != os.getpid()
                and proc.environ().get("AIRFLOW_HOME") == home
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _wait_for_running_task(timeout: float, proc: subprocess.Popen[bytes]) -> None:
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"the command ended before any task ran:\n{output[-3000:]}")
        with create_session() as session:
            running = session.scalars(
                select(TaskInstance).where(
                    TaskInstance.dag_id == "portal_daily",
                    TaskInstance.run_id.like("backfill__%"),
                    TaskInstance.state == TaskInstanceState.RUNNING,
                    TaskInstance.task_id.in_(PIPELINE_TASKS),
                )
            ).first()
        if running is not None:
            return
        time.sleep(0.3)
    raise AssertionError("no task started running")


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals) -> float:
    began = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=STOP_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return time.monotonic() - began


def _assert_nothing_left(engine: Any) -> None:
    from airflow.models import DagRun
    from airflow.models.backfill import Backfill
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    deadline = time.monotonic() + 10
    while _airflow_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _airflow_processes() == []
    with create_session() as session:
        assert session.scalars(select(Backfill).where(Backfill.completed_at.is_(None))).all() == []
        runs = session.scalars(
            select(DagRun).where(DagRun.dag_id == "portal_daily", DagRun.run_id.like("backfill__%"))
        ).all()
        assert all(r.state in (DagRunState.SUCCESS, DagRunState.FAILED) for r in runs)
        succeeded = {r.data_interval_start for r in runs if r.state == DagRunState.SUCCESS}
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT business_day FROM core.load_day")).scalars().all()
    from portal_kpi.dates import business_day

    assert set(loaded) <= {business_day(s) for s in succeeded}


def _command(args: list[str], simulator: Any | None) -> subprocess.Popen[bytes]:
    env = os.environ.copy()
    if simulator is not None:
        env["AIRFLOW_CONN_DVC_PORTAL"] = (
            f"http://{simulator.client_id}:{simulator.client_secret}"
            f"@{simulator.host}:{simulator.port}"
        )
    return subprocess.Popen(
        [sys.executable, "-m", "portal_kpi.devtools.entry", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.e2e
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_backfill_stops_promptly(
    engine: Any, simulator: Any, airflow_db: None, sig: signal.Signals
) -> None:
    proc = _command(["backfill", "--start", "2026-11-08", "--end", "2026-11-10"], simulator)
    try:
        _wait_for_running_task(420, proc)
        took = _stop(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode != 0, output
    assert took < STOP_WITHIN_SECONDS, output
    assert "stopped by signal" in output, output
    _assert_nothing_left(engine)


@pytest.mark.e2e
def test_demo_stops_promptly_on_ctrl_c(engine: Any, airflow_db: None) -> None:
    proc = _command(["demo", "--days", "2", "--per-day", "100", "--today", "2026-11-08"], None)
    try:
        _wait_for_running_task(420, proc)
        took = _stop(proc, signal.SIGINT)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode != 0 and took < STOP_WITHIN_SECONDS, output
    _assert_nothing_left(engine)
