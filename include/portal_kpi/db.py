"""Warehouse access: engine, SQL files, bulk COPY, and the migration runner."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from psycopg import sql as pgsql
from sqlalchemy import Connection, Engine, create_engine, text

from portal_kpi import provinces
from portal_kpi.config import SQL_DIR, ConfigError, warehouse_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "migrations"
_MIGRATION_NAME = re.compile(r"^V(\d{3})__([a-z0-9_]+)\.sql$")
_MIGRATION_LOCK = 4848_0001


def make_engine(url: str | None = None) -> Engine:
    return create_engine(url or warehouse_url(), pool_pre_ping=True, future=True)


@cache
def sql(name: str) -> str:
    """Text of ``include/sql/<name>`` (e.g. ``load/publish_dossiers.sql``)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_sql(conn: Connection, name: str, **params: Any) -> Any:
    """Execute ``include/sql/<name>`` with bound parameters."""
    return conn.execute(text(sql(name)), params)


def run_sql_many(conn: Connection, name: str, rows: Sequence[dict[str, Any]]) -> Any:
    """Execute ``include/sql/<name>`` once per parameter set (executemany)."""
    return conn.execute(text(sql(name)), list(rows))


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Bulk-load rows with PostgreSQL ``COPY … FROM STDIN`` (psycopg 3).

    ``table`` and ``columns`` are identifiers chosen by this package, never user input.
    """
    dbapi = conn.connection.driver_connection
    if dbapi is None:  # pragma: no cover - SQLAlchemy always has one here
        raise RuntimeError("no DBAPI connection")

    ident = pgsql.Identifier(*table.split("."))
    cols = pgsql.SQL(", ").join(pgsql.Identifier(c) for c in columns)
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(ident, cols)
    count = 0
    with dbapi.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name not of the form V001__name.sql: {path.name}")
        found.append((int(match.group(1)), match.group(2), path))
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two migrations share a version number")
    return found


def migrate(engine: Engine) -> list[str]:
    """Apply pending versioned migrations in order, each in its own transaction.

    An advisory lock keeps concurrent runs from applying the same migration twice; a
    changed file that was already applied is an error, not a silent re-run.
    """
    applied_now: list[str] = []
    with engine.begin() as conn:
        run_sql(conn, "db/lock.sql", k=_MIGRATION_LOCK)
        try:
            run_sql(conn, "db/migration_table.sql")
            done = {row.version: row.checksum for row in run_sql(conn, "db/applied.sql")}
            for version, name, path in _migrations():
                body = path.read_text(encoding="utf-8")
                checksum = hashlib.sha256(body.encode()).hexdigest()
                if version in done:
                    if done[version] != checksum:
                        raise RuntimeError(
                            f"migration V{version:03d} {name} changed after it was applied; "
                            "add a new migration instead"
                        )
                    continue
                log.info("applying migration V%03d %s", version, name)
                with conn.begin_nested():
                    # Straight to psycopg without parameters, so '%' in comments is text.
                    dbapi = conn.connection.driver_connection
                    if dbapi is None:  # pragma: no cover
                        raise RuntimeError("no DBAPI connection")
                    dbapi.execute(body)
                    run_sql(conn, "db/record_migration.sql", v=version, n=name, c=checksum)
                applied_now.append(f"V{version:03d}__{name}")
            claim_province(conn)
        finally:
            run_sql(conn, "db/unlock.sql", k=_MIGRATION_LOCK)
    return applied_now


def claim_province(conn: Connection) -> None:
    """Record the active province in ``kpi.province`` (the first run claims the database);
    a database already holding another province is a configuration error: two provinces'
    connections would point at one database."""
    province = provinces.active()
    run_sql(conn, "db/claim_province.sql", code=province.code, province_name=province.name)
    held = run_sql(conn, "db/held_province.sql").scalar()
    if held != province.code:
        raise ConfigError(
            f"the warehouse database holds province {held}, not {province.code}: check "
            f"connection {province.warehouse_conn_id!r} (one database per province)"
        )
