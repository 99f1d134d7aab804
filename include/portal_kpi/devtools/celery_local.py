"""CeleryExecutor on this machine (``make airflow EXECUTOR=celery WORKERS=2``): a Redis
broker — the machine's on 127.0.0.1:6379 when one answers, else Debian's ``redis-server``
started on a free port with its data in ``.local/redis`` — and N ``airflow celery worker``
processes, each with its own Celery hostname and the name it records in
``task_instance.hostname``.

Every Airflow home gets its own queue (``portal-kpi-<hash of AIRFLOW_HOME>``), so stacks of
different homes (a developer's, the tests', the benchmarks') sharing the machine's Redis
never take each other's tasks, while a restarted stack still serves the tasks its previous
run left queued. Results go to Airflow's metadata DB (the provider's
default, ``db+`` + ``sql_alchemy_conn``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from portal_kpi.devtools.airflow_env import CELERY, free_port, local_dir

log = logging.getLogger(__name__)

WORKER_NAME_VAR = "PORTAL_KPI_WORKER_NAME"
REDIS_URL_VAR = "PORTAL_KPI_REDIS_URL"
QUEUE_VAR = "AIRFLOW__OPERATORS__DEFAULT_QUEUE"
MACHINE_REDIS = ("127.0.0.1", 6379)


def _ping(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Redis:
    """The broker: its URL, and the server process when this command started it."""

    url: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_redis(timeout: float = 20.0, machine: tuple[str, int] | None = MACHINE_REDIS) -> Redis:
    """``PORTAL_KPI_REDIS_URL`` when set, else the machine's Redis (``machine``, 6379) when
    it answers, else ``redis-server`` on a free port (stopped by :meth:`Redis.stop`)."""
    configured = os.environ.get(REDIS_URL_VAR)
    if configured:
        return Redis(configured)
    if machine is not None and _ping(*machine):
        return Redis(f"redis://{machine[0]}:{machine[1]}/0")
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "CeleryExecutor needs Redis: nothing answers on 127.0.0.1:6379 and redis-server is "
            "not installed (apt-get install redis-server, or set PORTAL_KPI_REDIS_URL)"
        )
    port = free_port()
    folder = local_dir() / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    out = (folder / "redis.log").open("ab")
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    out.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _ping("127.0.0.1", port):
            log.info("started redis-server on 127.0.0.1:%d (pid %d)", port, process.pid)
            return Redis(f"redis://127.0.0.1:{port}/0", process)
        if process.poll() is not None:
            break
        time.sleep(0.2)
    Redis("", process).stop()
    raise SystemExit(f"redis-server did not start; see {folder / 'redis.log'}")


def home_queue(home: str | None = None) -> str:
    """The Celery queue of an Airflow home: ``portal-kpi-`` and 8 hex digits of its path."""
    path = str(Path(home or os.environ.get("AIRFLOW_HOME") or local_dir() / "airflow").resolve())
    return f"portal-kpi-{hashlib.sha256(path.encode()).hexdigest()[:8]}"


def celery_env(broker_url: str, queue: str | None = None) -> dict[str, str]:
    """Airflow settings of a Celery stack: executor, broker and its home's own queue."""
    return {
        "AIRFLOW__CORE__EXECUTOR": CELERY,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        QUEUE_VAR: queue or home_queue(),
        # Every worker records its own name in task_instance.hostname (see hostname()).
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "portal_kpi.devtools.celery_local.hostname",
    }


def worker_command(index: int, concurrency: int) -> tuple[str, list[str], dict[str, str]]:
    """Name, ``airflow`` arguments and extra environment of worker ``index`` (1-based).
    Logs are read from the shared local folder, so workers do not serve them (two log
    servers on one machine would fight over port 8793)."""
    name = f"worker-{index}"
    queue = os.environ[QUEUE_VAR]
    args = ["celery", "worker", "--celery-hostname", f"{name}.{queue}@%h", "--queues", queue,
            "--concurrency", str(concurrency), "--skip-serve-logs", "--without-gossip",
            "--without-mingle"]  # fmt: skip
    return name, args, {WORKER_NAME_VAR: name}


def hostname() -> str:
    """``core.hostname_callable`` of the local Celery stack: ``worker-N@<machine>`` in a
    worker's task processes, the machine's name anywhere else."""
    machine = socket.getfqdn()
    name = os.environ.get(WORKER_NAME_VAR)
    return f"{name}@{machine}" if name else machine
