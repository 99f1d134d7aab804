"""What each DAG needs configured, checked before any run starts, and the connections that
point every DAG at a local simulator."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import text

from portal_kpi import provinces
from portal_kpi.config import (
    CONN_DVCQG,
    CONN_PII,
    CONN_PORTAL,
    CONN_WAREHOUSE,
    PROVINCE_CODE,
    ConfigError,
    get_connection,
    http_base_url,
    portal_conn_id,
    warehouse_conn_id,
)
from portal_kpi.db import make_engine
from portal_kpi.devtools.simulator.dvcqg import root_department_id
from portal_kpi.iso9001.register import SOURCE_ENV
from portal_kpi.provinces import DEFAULT_DAG_ID

# How to set each setting: an example value; the variable is AIRFLOW_CONN_<CONN ID> for a
# connection (the province's own id for its warehouse and portal), the name itself else.
HOW_TO = {
    CONN_WAREHOUSE: "postgresql://user:password@host:5432/db "
    "(unset, the CLI uses the embedded PostgreSQL in .local/pg)",
    CONN_PII: '\'{"conn_type": "generic", "password": "<32+ chars>"}\' '
    "(unset, the CLI generates .local/pii_secret)",
    CONN_PORTAL: "http://<client_id>:<client_secret>@host:port "
    "(`portal-kpi simulate` serves a simulator on port 8000)",
    CONN_DVCQG: '\'{"conn_type": "http", "host": "…", "schema": '
    '"https", "extra": {"root_department_id": "…", "province_code": "H48"}}\'',
    SOURCE_ENV: "/path/to/register.xlsx (a file, a folder or an HTTP(S) URL)",
}

NEEDS = {
    "portal_daily": (CONN_WAREHOUSE, CONN_PII, CONN_PORTAL),
    "iso9001_register": (CONN_WAREHOUSE, SOURCE_ENV),
    "dvcqg_monthly": (CONN_WAREHOUSE, CONN_DVCQG),
}


@dataclass(frozen=True)
class Problem:
    name: str
    reason: str
    kind: str = ""  # the generic name (``warehouse``) when ``name`` is a province's own

    def __str__(self) -> str:
        kind = self.kind or self.name
        var = kind if kind == SOURCE_ENV else f"AIRFLOW_CONN_{self.name.upper()}"
        return f"{self.name}: {self.reason}\n    set it with: {var}={HOW_TO.get(kind, '?')}"


def _reachable(url: str, timeout: float = 3.0) -> str | None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{url} does not answer ({exc})"


def _conn_id(name: str) -> str:
    """The connection the active province uses for ``name`` (its own warehouse and portal
    connections; the others are shared)."""
    if name == CONN_WAREHOUSE:
        return warehouse_conn_id()
    if name == CONN_PORTAL:
        return portal_conn_id()
    return name


def _check_one(name: str) -> str | None:
    """Why ``name`` (for the active province) is unusable, or None."""
    if name == SOURCE_ENV:
        value = os.environ.get(SOURCE_ENV, "")
        if not value:
            return "not set"
        if "://" not in value and not Path(value).exists():
            return f"{value} does not exist"
        return None
    try:
        conn = get_connection(_conn_id(name))
    except ConfigError as exc:
        return str(exc)
    if name == CONN_WAREHOUSE:
        engine = make_engine()
        try:
            with engine.connect() as c:
                c.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "cannot use it"
            return f"cannot connect ({type(exc).__name__}: {str(exc).splitlines()[0]})"
        finally:
            engine.dispose()
        return None
    if name == CONN_PII:
        return None if len(conn.password) >= 16 else "password (the secret) shorter than 16"
    if name == CONN_DVCQG and not conn.extra.get("root_department_id"):
        return "extra.root_department_id is missing"
    return _reachable(http_base_url(conn))


def check(dag_id: str) -> list[Problem]:
    """Every connection or setting ``dag_id`` needs that is missing or unusable; a
    province's daily DAG (``portal_daily_<code>``) is checked with that province's
    connections."""
    province = provinces.by_dag_id(dag_id)
    needs = NEEDS[DEFAULT_DAG_ID] if province is not None else NEEDS.get(dag_id, (CONN_WAREHOUSE,))
    problems = []
    with provinces.activate(province):
        for name in needs:
            reason = _check_one(name)
            if reason:
                problems.append(Problem(_conn_id(name), reason, name))
    return problems


def require(dag_id: str) -> None:
    """Exit with every problem listed before any run starts."""
    problems = check(dag_id)
    if problems:
        lines = "\n  ".join(str(p) for p in problems)
        raise SystemExit(f"{dag_id} cannot run; fix its configuration first:\n  {lines}")


def simulator_env(
    host: str, port: int, client_id: str, client_secret: str, register: Path | None
) -> dict[str, str]:
    """Environment pointing all three DAGs at a simulator on ``host:port``: the portal API,
    the national reporting API (same server) and, when given, the ISO 9001 register file."""
    env = {
        f"AIRFLOW_CONN_{CONN_PORTAL.upper()}": f"http://{client_id}:{client_secret}@{host}:{port}",
        f"AIRFLOW_CONN_{CONN_DVCQG.upper()}": json.dumps(
            {
                "conn_type": "http",
                "host": host,
                "port": port,
                "schema": "http",
                "extra": {
                    "root_department_id": root_department_id(PROVINCE_CODE),
                    "province_code": PROVINCE_CODE,
                    "pause_seconds": 0,
                },
            }
        ),
    }
    if register is not None:
        env[SOURCE_ENV] = str(register)
    return env


def province_seed(code: str) -> int:
    """The simulator seed of a province: the number in its code (H48 → 48, the default
    simulator's seed), so every province has its own history."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return int(digits) if digits else sum(map(ord, code))


def portal_env(
    conn_id: str, host: str, port: int, client_id: str, client_secret: str
) -> dict[str, str]:
    """``AIRFLOW_CONN_<conn_id>`` pointing a province's portal connection at a simulator."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": f"http://{client_id}:{client_secret}@{host}:{port}"}
