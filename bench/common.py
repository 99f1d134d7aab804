"""Shared set-up for the benchmarks: a throw-away database on the configured PostgreSQL
(AIRFLOW_CONN_WAREHOUSE) or on the embedded server, migrated."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]


def base_url() -> str:
    from portal_kpi.config import airflow_conn_uri_for_postgres, get_connection, sqlalchemy_url
    from portal_kpi.devtools.runtime import configure_airflow, start_embedded_postgres

    configure_airflow(ROOT / ".local" / "bench" / "airflow")
    if not os.environ.get("AIRFLOW_CONN_WAREHOUSE"):
        server = start_embedded_postgres(ROOT / ".local" / "bench" / "pg", database="bench")
        os.environ["AIRFLOW_CONN_WAREHOUSE"] = airflow_conn_uri_for_postgres(
            server.get_uri("postgres")
        )
    return sqlalchemy_url(get_connection("warehouse"))


@contextmanager
def scratch_database(prefix: str) -> Iterator[Engine]:
    from portal_kpi.db import migrate

    base = base_url()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(base).set(database=name))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def timer(label: str, results: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started
    print(f"  {label:<46} {results[label]:8.2f} s", flush=True)
