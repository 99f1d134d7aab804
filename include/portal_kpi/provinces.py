"""The provinces this deployment serves: ``include/provinces.yaml`` (a ``provinces.yaml``
at the repository root wins; ``PORTAL_KPI_PROVINCES`` names any other file), and which one
a task works for.

The bottom of the package: it reads one small local file (cached per process) and imports
nothing of ours, so DAG files may call it at parse time to generate one DAG per province.
Without a file, the deployment is the single province of ``PORTAL_KPI_PROVINCE`` (H48).

Every province has its own warehouse database (connection ``warehouse`` for the default
province, ``warehouse_<code>`` for the others unless configured) and its own portal
connection (``dvc_portal``, else ``dvc_portal_<code>``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROVINCES_ENV = "PORTAL_KPI_PROVINCES"
DEFAULT_DAG_ID = "portal_daily"
DEFAULT_PORTAL_CONN = "dvc_portal"
DEFAULT_WAREHOUSE_CONN = "warehouse"
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_ROOT = Path(__file__).resolve().parents[2]


class ProvinceConfigError(ValueError):
    """``provinces.yaml`` is missing a field, repeats a code or holds a bad value."""


@dataclass(frozen=True)
class DayException:
    """A working-day exception of one province: an extra day off or a make-up working day."""

    day: date
    is_working_day: bool
    note: str


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    portal_conn_id: str
    warehouse_conn_id: str
    root_department_id: str | None = None
    day_exceptions: tuple[DayException, ...] = ()
    default: bool = False

    @property
    def dag_id(self) -> str:
        """``portal_daily`` for the default province, ``portal_daily_<code>`` otherwise."""
        return DEFAULT_DAG_ID if self.default else f"{DEFAULT_DAG_ID}_{self.code.lower()}"

    @property
    def suffix(self) -> str:
        """Lower-case code, used in the names of the province's connections and databases."""
        return self.code.lower()


def _env_province() -> Province:
    code = os.environ.get("PORTAL_KPI_PROVINCE", "H48")
    return Province(code, code, DEFAULT_PORTAL_CONN, DEFAULT_WAREHOUSE_CONN, default=True)


def provinces_file() -> Path | None:
    """``PORTAL_KPI_PROVINCES`` when set, else ``provinces.yaml`` at the root or in include/."""
    named = os.environ.get(PROVINCES_ENV)
    if named:
        return Path(named)
    for candidate in (_ROOT / "provinces.yaml", _ROOT / "include" / "provinces.yaml"):
        if candidate.exists():
            return candidate
    return None


def _exceptions(raw: Any, code: str) -> tuple[DayException, ...]:
    out = []
    for item in raw or ():
        try:
            day = item["day"] if isinstance(item["day"], date) else date.fromisoformat(item["day"])
            out.append(DayException(day, bool(item["working"]), str(item.get("note") or "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProvinceConfigError(f"{code}: bad working_day_exceptions item {item!r}") from exc
    return tuple(out)


def _province(raw: dict[str, Any], default: bool) -> Province:
    code = str(raw.get("code") or "")
    if not _CODE.match(code):
        raise ProvinceConfigError(f"province code {code!r}: expected e.g. H48 (A-Z, 0-9)")
    lower = code.lower()
    return Province(
        code=code,
        name=str(raw.get("name") or code),
        portal_conn_id=str(
            raw.get("portal_conn_id") or (DEFAULT_PORTAL_CONN if default else f"dvc_portal_{lower}")
        ),
        warehouse_conn_id=str(
            raw.get("warehouse_conn_id")
            or (DEFAULT_WAREHOUSE_CONN if default else f"warehouse_{lower}")
        ),
        root_department_id=str(raw["root_department_id"])
        if raw.get("root_department_id")
        else None,
        day_exceptions=_exceptions(raw.get("working_day_exceptions"), code),
        default=default,
    )


def parse(text: str) -> tuple[Province, ...]:
    """Provinces of a ``provinces.yaml`` text; the default is the one marked
    ``default: true``, else the first."""
    data = yaml.safe_load(text) or {}
    items = data.get("provinces") if isinstance(data, dict) else None
    if not items:
        raise ProvinceConfigError("provinces.yaml: a non-empty 'provinces:' list is required")
    marked = [i for i, p in enumerate(items) if isinstance(p, dict) and p.get("default")]
    if len(marked) > 1:
        raise ProvinceConfigError("provinces.yaml: only one province may be 'default: true'")
    chosen = marked[0] if marked else 0
    result = tuple(_province(dict(p), i == chosen) for i, p in enumerate(items))
    for attr in ("code", "warehouse_conn_id", "portal_conn_id"):
        values = [getattr(p, attr) for p in result]
        if len(set(values)) != len(values):
            raise ProvinceConfigError(f"provinces.yaml: a {attr} appears twice")
    return result


@cache
def _load(path: str | None) -> tuple[Province, ...]:
    if path is None:
        return (_env_province(),)
    return parse(Path(path).read_text(encoding="utf-8"))


def provinces() -> tuple[Province, ...]:
    """Every configured province, the default one included (read once per process)."""
    path = provinces_file()
    return _load(str(path) if path else None)


def default_province() -> Province:
    return next(p for p in provinces() if p.default)


def by_code(code: str) -> Province:
    for p in provinces():
        if p.code == code:
            return p
    raise ProvinceConfigError(f"province {code!r} is not in {provinces_file() or 'the settings'}")


def by_dag_id(dag_id: str) -> Province | None:
    """The province whose daily DAG is ``dag_id`` (None for the other DAGs)."""
    return next((p for p in provinces() if p.dag_id == dag_id), None)


_ACTIVE: ContextVar[Province | None] = ContextVar("portal_kpi_province", default=None)


def active() -> Province:
    """The province the current task works for (the default one outside any task scope)."""
    return _ACTIVE.get() or default_province()


@contextmanager
def activate(province: Province | str | None) -> Iterator[Province]:
    """Within the block, connections, KPIs and the calendar are those of ``province``."""
    chosen = by_code(province) if isinstance(province, str) else (province or default_province())
    token = _ACTIVE.set(chosen)
    try:
        yield chosen
    finally:
        _ACTIVE.reset(token)
