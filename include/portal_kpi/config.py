"""Shared settings: Airflow connection ids, defaults, and how to read connections.

Connections are ordinary Airflow connections, so ``AIRFLOW_CONN_<ID>`` environment
variables, a secrets backend or the metadata DB all work, inside and outside tasks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException

from portal_kpi import provinces

# Airflow connection ids (fixed; see shared/architecture.md).
CONN_PORTAL = "dvc_portal"
CONN_DVCQG = "dvcqg_reporting"
CONN_WAREHOUSE = "warehouse"
CONN_SMTP = "alerts_smtp"
CONN_WEBHOOK = "alerts_webhook"
CONN_PII = "pii_hash"

LOCAL_TZ = "Asia/Ho_Chi_Minh"
# The default province's code; a task for another province reads province_code().
PROVINCE_CODE = os.environ.get("PORTAL_KPI_PROVINCE", "H48")

PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = PACKAGE_DIR.parent / "sql"

PAGE_LIMIT = int(os.environ.get("PORTAL_KPI_PAGE_LIMIT", "1000"))
HTTP_ATTEMPTS = int(os.environ.get("PORTAL_KPI_HTTP_ATTEMPTS", "6"))
HTTP_BACKOFF_SECONDS = float(os.environ.get("PORTAL_KPI_HTTP_BACKOFF_SECONDS", "1"))


class ConfigError(RuntimeError):
    """A required setting or connection is missing or unusable."""


@dataclass(frozen=True)
class ConnInfo:
    """The parts of an Airflow connection this package uses."""

    conn_id: str
    conn_type: str
    host: str
    port: int | None
    login: str
    password: str
    schema: str
    extra: dict[str, Any]


def get_connection(conn_id: str) -> ConnInfo:
    """Read an Airflow connection by id (env ``AIRFLOW_CONN_*`` included)."""

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        raise ConfigError(
            f"Airflow connection {conn_id!r} is not defined "
            f"(set AIRFLOW_CONN_{conn_id.upper()} or add it in Airflow)"
        ) from exc
    return ConnInfo(
        conn_id=conn_id,
        conn_type=conn.conn_type or "",
        host=conn.host or "",
        port=conn.port,
        login=conn.login or "",
        password=conn.password or "",
        schema=conn.schema or "",
        extra=dict(conn.extra_dejson or {}),
    )


def http_base_url(conn: ConnInfo) -> str:
    """Base URL of an http connection (schema holds http/https, as in Airflow's HTTP hook)."""
    host = conn.host
    if "://" in host:
        return host.rstrip("/")
    # As Airflow's HTTP hook: the schema field (or an https/http connection type) says
    # which; an "https://" URI gives connection type https.
    if conn.schema in ("http", "https"):
        scheme = conn.schema
    elif conn.extra.get("scheme") in ("http", "https"):
        scheme = str(conn.extra["scheme"])
    else:
        scheme = "http" if conn.conn_type == "http" else "https"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}".rstrip("/")


def sqlalchemy_url(conn: ConnInfo) -> str:
    """SQLAlchemy URL (psycopg 3 driver) for a postgres connection; a host that is a
    directory is a Unix socket (the embedded server)."""
    user = quote(conn.login or "postgres", safe="")
    password = f":{quote(conn.password, safe='')}" if conn.password else ""
    database = conn.schema or "postgres"
    if conn.host.startswith("/"):
        return (
            f"postgresql+psycopg://{user}{password}@/{database}?host={quote(conn.host, safe='/')}"
        )
    port = f":{conn.port}" if conn.port else ""
    return f"postgresql+psycopg://{user}{password}@{conn.host or 'localhost'}{port}/{database}"


def province_code() -> str:
    """Code of the province the current task works for (see :mod:`portal_kpi.provinces`)."""
    return provinces.active().code


def warehouse_conn_id() -> str:
    """The active province's warehouse connection (``warehouse`` for the default one)."""
    return provinces.active().warehouse_conn_id


def portal_conn_id() -> str:
    """The active province's portal connection (``dvc_portal`` for the default one)."""
    return provinces.active().portal_conn_id


def warehouse_url() -> str:
    return sqlalchemy_url(get_connection(warehouse_conn_id()))


def airflow_conn_uri_for_postgres(url: str) -> str:
    """Turn a libpq-style URL (as the embedded server reports) into an Airflow
    connection URI with the socket directory as host."""

    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "localhost"])[0]
    user = parts.username or "postgres"
    database = parts.path.lstrip("/") or "postgres"
    port = f":{parts.port}" if parts.port else ""
    auth = quote(user, safe="")
    if parts.password:
        auth += ":" + quote(parts.password, safe="")
    return f"postgresql://{auth}@{quote(host, safe='')}{port}/{database}"
