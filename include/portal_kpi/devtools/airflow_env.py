"""Airflow settings of the local runtime, as environment variables.

Imports nothing from Airflow: Airflow reads ``AIRFLOW_HOME`` and its metadata DB URL when it
is first imported, so these must be set before (see :mod:`portal_kpi.devtools.entry`).
Settings already in the environment always win.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

EXECUTOR_VAR = "PORTAL_KPI_EXECUTOR"
API_PORT_VAR = "PORTAL_KPI_AIRFLOW_PORT"
DEFAULT_EXECUTOR = "LocalExecutor"
CELERY = "CeleryExecutor"


def executor_name(value: str | None) -> str:
    """Airflow's executor name for what a user typed: ``celery`` (any case) means
    ``CeleryExecutor``; empty means LocalExecutor; anything else is passed on."""
    if not value:
        return DEFAULT_EXECUTOR
    return CELERY if value.lower().split(".")[-1] in ("celery", "celeryexecutor") else value


def project_root() -> Path:
    env = os.environ.get("PORTAL_KPI_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[3]


def local_dir() -> Path:
    path = project_root() / ".local"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    path = local_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _secret(path: Path) -> str:
    """A random secret kept in ``path`` (created 0600 on first use, never committed)."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def configure_airflow(airflow_home: Path | None = None) -> None:
    """Defaults for Airflow on this machine: metadata DB (SQLite) and logs in
    ``.local/airflow``, this project's ``dags/``, local time, the executor from
    ``PORTAL_KPI_EXECUTOR`` (LocalExecutor) and one JWT secret shared by the API server and
    the workers."""
    home = airflow_home or local_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    root = project_root()
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__EXECUTOR": executor_name(os.environ.get(EXECUTOR_VAR)),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW__API_AUTH__JWT_SECRET": _secret(home / "jwt_secret"),
        "AIRFLOW__API__SECRET_KEY": _secret(home / "api_secret"),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "GX_ANALYTICS_ENABLED": "False",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    include = str(root / "include")
    if include not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (include, os.environ.get("PYTHONPATH", "")) if p
        )


def configure_api(port: int | None = None) -> int:
    """Point the API server and the execution API URL at one port (``PORTAL_KPI_AIRFLOW_PORT``,
    else a free one) on 127.0.0.1; returns the port."""
    chosen = port or int(os.environ.get(API_PORT_VAR) or 0) or free_port()
    base = f"http://127.0.0.1:{chosen}"
    os.environ["AIRFLOW__API__HOST"] = "127.0.0.1"
    os.environ["AIRFLOW__API__PORT"] = str(chosen)
    os.environ["AIRFLOW__API__BASE_URL"] = base
    os.environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"{base}/execution/"
    return chosen


@contextmanager
def logs_to_file(name: str) -> Iterator[tuple[Path, TextIO]]:
    """Send what Airflow and the embedded server log (to the process's stdout and stderr) to
    ``.local/logs/<name>.log`` for the duration; yields that path and a stream on the
    terminal for progress, reports and ``env``'s export lines."""
    path = logs_dir() / f"{name}.log"
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (1, 2)}
    terminal = os.fdopen(os.dup(saved[1]), "w", encoding="utf-8", buffering=1)
    with path.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    try:
        yield path, terminal
    finally:
        terminal.close()
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in saved.items():
            os.dup2(copy, fd)
            os.close(copy)
