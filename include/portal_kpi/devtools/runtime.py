"""Local runtime: project paths, Airflow settings for CLI runs, the embedded PostgreSQL.

Used by the CLI, the demo and the tests; never by DAG or task code.
"""

from __future__ import annotations

import json
import logging
import os
import secrets

from airflow.utils.db import upgradedb

from portal_kpi.config import CONN_PII, CONN_WAREHOUSE
from portal_kpi.devtools.airflow_env import configure_airflow, local_dir, project_root
from portal_kpi.devtools.embedded_pg import (
    PG_PORT_VAR,
    EmbeddedPostgres,
    start_embedded_postgres,
    stop_embedded_postgres,
)

__all__ = [
    "PG_PORT_VAR",
    "EmbeddedPostgres",
    "configure_airflow",
    "ensure_pii_secret",
    "ensure_warehouse",
    "local_dir",
    "migrate_airflow_db",
    "project_root",
    "start_embedded_postgres",
    "stop_embedded_postgres",
]

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
