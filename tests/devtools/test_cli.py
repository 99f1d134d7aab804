"""The command line's help, `portal-kpi env`, configuration checks before any run, and
configuration errors failing tasks at once."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_every_option_of_every_subcommand_has_help_with_its_default() -> None:
    from portal_kpi.devtools.cli import build_parser

    parser = build_parser()
    subs = _subparsers(parser)
    assert {"simulate", "backfill", "migrate", "report", "env", "demo", "airflow"} <= set(subs)
    for name, sub in subs.items():
        text = sub.format_help()
        assert sub.description or "usage" in text, name
        for action in sub._actions:
            if action.dest == "help":
                continue
            assert action.help, f"{name} {action.option_strings} has no help"
            if action.default is not None and action.option_strings:
                assert "(default:" in text, f"{name} help does not show defaults"
                assert str(action.default) in text, (name, action.dest)
    top = parser.format_help()
    for name in subs:
        assert name in top


def test_backfill_help_from_the_installed_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portal_kpi.devtools.entry", "backfill", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "--start START" in result.stdout and "(default: portal_daily)" in result.stdout
    assert "run type backfill" in result.stdout


def test_env_prints_exports_that_reach_the_warehouse(warehouse_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portal_kpi.devtools.entry", "env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=os.environ.copy(),
    )
    lines = result.stdout.strip().splitlines()
    exports = [ln for ln in lines if not ln.startswith("#")]
    assert exports and all(ln.startswith("export ") for ln in exports), result.stdout
    # The shell evaluates them: run `eval` in a real shell, then connect with libpq's vars.
    shell = subprocess.run(
        ["/bin/sh", "-c", result.stdout + '\necho "$PGHOST $PGPORT $PGDATABASE $PGUSER"'],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )
    host, port, database, user = shell.stdout.split()
    assert host == "127.0.0.1"
    with psycopg.connect(host=host, port=int(port), dbname=database, user=user) as conn:
        assert conn.execute("SELECT count(*) FROM kpi.target").fetchone() is not None


def test_checks_name_each_missing_connection_and_how_to_set_it(
    warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal_kpi.devtools import wiring

    monkeypatch.delenv("AIRFLOW_CONN_DVC_PORTAL", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_PII_HASH", json.dumps({"conn_type": "generic", "password": "x"})
    )
    problems = wiring.check("portal_daily")
    assert [p.name for p in problems] == ["pii_hash", "dvc_portal"]
    with pytest.raises(SystemExit) as stopped:
        wiring.require("portal_daily")
    message = str(stopped.value)
    assert "dvc_portal" in message and "AIRFLOW_CONN_DVC_PORTAL=" in message
    assert "pii_hash" in message and "shorter than 16" in message

    monkeypatch.setenv("AIRFLOW_CONN_DVC_PORTAL", "http://a:b@127.0.0.1:9")  # nobody listens
    assert "does not answer" in str(wiring.check("portal_daily")[-1])
    monkeypatch.delenv("PORTAL_KPI_ISO9001_SOURCE", raising=False)
    assert [p.name for p in wiring.check("iso9001_register")] == ["PORTAL_KPI_ISO9001_SOURCE"]


def test_warehouse_check_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_kpi.devtools import wiring

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://nobody@127.0.0.1:9/none")
    (problem,) = wiring.check("dvcqg_monthly")[:1]
    assert problem.name == "warehouse" and "cannot connect" in problem.reason


def test_missing_configuration_fails_the_task_without_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from portal_kpi.tasks import common
    from portal_kpi.tasks.portal_daily import extract_catalogues

    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE", raising=False)
    with pytest.raises(AirflowFailException, match=r"warehouse.*AIRFLOW_CONN_WAREHOUSE"):
        common.migrate()
    from datetime import datetime

    from portal_kpi.dates import TZ

    monkeypatch.setenv("AIRFLOW_CONN_DVC_PORTAL", "http://portal-kpi:x@127.0.0.1:9")
    with pytest.raises(AirflowFailException, match="AIRFLOW_CONN_WAREHOUSE"):
        extract_catalogues(datetime(2026, 11, 19, tzinfo=TZ))


def test_simulator_env_points_every_dag_at_one_server(tmp_path: Path) -> None:
    from portal_kpi.devtools.wiring import simulator_env

    env = simulator_env("127.0.0.1", 8123, "id", "secret", tmp_path / "r.xlsx")
    assert env["AIRFLOW_CONN_DVC_PORTAL"] == "http://id:secret@127.0.0.1:8123"
    dvcqg: dict[str, Any] = json.loads(env["AIRFLOW_CONN_DVCQG_REPORTING"])
    assert (dvcqg["host"], dvcqg["port"]) == ("127.0.0.1", 8123)
    assert dvcqg["extra"]["root_department_id"]
    assert env["PORTAL_KPI_ISO9001_SOURCE"] == str(tmp_path / "r.xlsx")


def test_api_port_and_execution_api_url_follow_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    from portal_kpi.devtools.airflow_env import configure_api

    for key in (
        "AIRFLOW__API__PORT",
        "AIRFLOW__API__BASE_URL",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    assert configure_api(18080) == 18080
    assert os.environ["AIRFLOW__API__PORT"] == "18080"
    assert os.environ["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:18080"
    assert (
        os.environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    )
    monkeypatch.setenv("PORTAL_KPI_AIRFLOW_PORT", "18181")
    assert configure_api() == 18181


def test_simulate_serves_the_portal_from_the_command_line() -> None:
    import socket
    import time
    import urllib.error
    import urllib.request

    from portal_kpi.devtools.airflow_env import free_port

    port = free_port()
    command = ["simulate", "--port", str(port), "--per-day", "20", "--history-days", "5"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal_kpi.devtools.entry", *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/agencies", timeout=10)
        except urllib.error.HTTPError as exc:  # no token: the API answers, and says so
            assert exc.code == 401, exc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
