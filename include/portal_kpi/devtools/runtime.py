"""Local runtime: project paths, Airflow settings for CLI runs, the embedded PostgreSQL.

Used by the CLI, the demo and the tests; never by DAG or task code.
"""

from __future__ import annotations

import json
import logging
import os
import secrets

from airflow.utils.db import upgradedb
from sqlalchemy import create_engine, make_url, text

from portal_kpi.config import (
    CONN_PII,
    CONN_WAREHOUSE,
    airflow_conn_uri_for_postgres,
    get_connection,
    sqlalchemy_url,
)
from portal_kpi.devtools.airflow_env import configure_airflow, local_dir, project_root
from portal_kpi.devtools.embedded_pg import (
    PG_PORT_VAR,
    EmbeddedPostgres,
    start_embedded_postgres,
    stop_embedded_postgres,
)
from portal_kpi.provinces import Province, provinces

__all__ = [
    "PG_PORT_VAR",
    "EmbeddedPostgres",
    "configure_airflow",
    "ensure_pii_secret",
    "ensure_province_warehouses",
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


def province_database(base_url: str, province: Province) -> str:
    """SQLAlchemy URL of ``province``'s warehouse beside the default one: same server,
    database ``<default database>_<code>``."""
    url = make_url(base_url)
    return url.set(database=f"{url.database}_{province.suffix}").render_as_string(
        hide_password=False
    )


def ensure_province_warehouses(chosen: tuple[Province, ...] | None = None) -> list[str]:
    """Local runs only: every non-default province without a configured warehouse
    connection gets a database of its own on the default warehouse's server (created when
    missing) and ``AIRFLOW_CONN_<ID>`` pointing at it. Returns the databases created."""
    base = sqlalchemy_url(get_connection(CONN_WAREHOUSE))
    created: list[str] = []
    todo = []
    for p in chosen if chosen is not None else provinces():
        var = f"AIRFLOW_CONN_{p.warehouse_conn_id.upper()}"
        if p.default or os.environ.get(var):
            continue
        todo.append((p, var))
    if not todo:
        return created
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for p, var in todo:
                url = province_database(base, p)
                name = make_url(url).database
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).scalar()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                    created.append(str(name))
                libpq = url.replace("postgresql+psycopg://", "postgresql://")
                os.environ[var] = airflow_conn_uri_for_postgres(libpq)
    finally:
        admin.dispose()
    return created
