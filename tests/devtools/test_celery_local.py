"""The pieces of the local Celery stack: executor names, the queue of an Airflow home, the
worker command lines and names, and the Redis broker (the machine's, or redis-server)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import redis

from portal_kpi.devtools.airflow_env import executor_name
from portal_kpi.devtools.celery_local import (
    MACHINE_REDIS,
    QUEUE_VAR,
    WORKER_NAME_VAR,
    celery_env,
    home_queue,
    hostname,
    start_redis,
    worker_command,
)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("celery", "CeleryExecutor"),
        ("CELERY", "CeleryExecutor"),
        ("CeleryExecutor", "CeleryExecutor"),
        ("airflow.providers.celery.executors.celery_executor.CeleryExecutor", "CeleryExecutor"),
        ("LocalExecutor", "LocalExecutor"),
        ("", "LocalExecutor"),
        (None, "LocalExecutor"),
    ],
)
def test_executor_names(typed: str | None, name: str) -> None:
    assert executor_name(typed) == name


def test_each_airflow_home_has_its_own_stable_queue(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert home_queue(str(a)) == home_queue(str(a))
    assert home_queue(str(a)) != home_queue(str(b))
    assert home_queue(str(a)).startswith("portal-kpi-")
    env = celery_env("redis://127.0.0.1:6379/0", home_queue(str(a)))
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env[QUEUE_VAR] == home_queue(str(a))


def test_workers_have_distinct_names_on_the_stack_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(QUEUE_VAR, "portal-kpi-test")
    one, two = worker_command(1, 2), worker_command(2, 2)
    assert (one[0], two[0]) == ("worker-1", "worker-2")
    assert one[1][:2] == ["celery", "worker"]
    assert one[1][one[1].index("--celery-hostname") + 1] == "worker-1.portal-kpi-test@%h"
    assert one[1][one[1].index("--queues") + 1] == "portal-kpi-test"
    assert "--skip-serve-logs" in one[1]
    assert one[2] == {WORKER_NAME_VAR: "worker-1"}
    monkeypatch.setenv(WORKER_NAME_VAR, "worker-2")
    assert hostname().startswith("worker-2@")
    monkeypatch.delenv(WORKER_NAME_VAR)
    assert "@" not in hostname()


def test_redis_server_is_started_when_the_machine_has_none() -> None:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    broker = start_redis(machine=None)
    try:
        assert broker.process is not None and not broker.url.endswith(f":{MACHINE_REDIS[1]}/0")
        client = redis.Redis.from_url(broker.url)
        assert client.ping() is True
        client.close()
    finally:
        broker.stop()
    assert broker.process.poll() is not None
