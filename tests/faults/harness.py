"""The fault suite's harness: run a day through the real pipeline against the simulator
and take a snapshot of the warehouse's published tables, to compare with a clean run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from factories import HASHER
from sqlalchemy import Engine, text

from portal_kpi.daily import due_soon
from portal_kpi.daily.pipeline import run_day
from portal_kpi.dates import feed_window
from portal_kpi.devtools.simulator import Faults
from portal_kpi.quality.gx import Settings
from portal_kpi.sources.portal import PortalClient, RetryPolicy

DAY = date(2026, 11, 19)  # the simulator's history ends on 2026-11-20
# What a run publishes: the comparison covers every row of these.
PUBLISHED = (
    "core.agency",
    "core.procedure",
    "core.dossier",
    "core.dossier_version",
    "core.load_day",
    "kpi.dossier_stats",
    "kpi.kpi_value",
    "kpi.due_soon",
    "kpi.apology_watch",
)
# Load bookkeeping that differs between two runs of the same data (versions_seen counts
# records as received, repeats included).
IGNORED_COLUMNS = {
    "batch_id", "batches", "loaded_at", "computed_at", "created_at", "refreshed_at",
    "versions_seen",
}  # fmt: skip

Snapshot = dict[str, list[tuple[Any, ...]]]
_CLEAN: dict[tuple[date, ...] | tuple[Any, ...], Snapshot] = {}


def make_client(simulator: Any, **kwargs: Any) -> PortalClient:
    options: dict[str, Any] = {
        "retry": RetryPolicy(attempts=4, backoff_seconds=0.01, max_backoff_seconds=0.05,
                             max_retry_after_seconds=0.2),
        "page_limit": 40,
    }  # fmt: skip
    options.update(kwargs)
    return PortalClient(simulator.url, simulator.client_id, simulator.client_secret, **options)


def run(engine: Engine, client: PortalClient, *days: date) -> None:
    """What ``portal_daily`` does for each day, in order (alerts aside)."""
    for day in days or (DAY,):
        run_day(engine, client, HASHER, day, Settings())
        due_soon.refresh(engine, day)


def _columns(engine: Engine, table: str) -> list[str]:
    schema, name = table.split(".")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, column_default FROM information_schema.columns"
                " WHERE table_schema = :s AND table_name = :t ORDER BY ordinal_position"
            ),
            {"s": schema, "t": name},
        ).all()
    return [
        r.column_name
        for r in rows
        if r.column_name not in IGNORED_COLUMNS and "now()" not in (r.column_default or "")
    ]


def snapshot(engine: Engine) -> Snapshot:
    out: Snapshot = {}
    with engine.connect() as conn:
        for table in PUBLISHED:
            cols = ", ".join(f'"{c}"' for c in _columns(engine, table))
            rows = conn.execute(text(f"SELECT {cols} FROM {table}")).all()
            out[table] = sorted(tuple(map(repr, r)) for r in rows)
    return out


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname = ANY(:s)"
            ),
            {"s": ["raw", "staging", "core", "kpi", "quality", "ops"]},
        ).scalars()
        keep = {"kpi.target", "ops.recipient"}
        conn.execute(text("TRUNCATE " + ", ".join(t for t in tables if t not in keep) + " CASCADE"))


def clean(engine: Engine, simulator: Any, *days: date, drop: str | None = None) -> Snapshot:
    """The warehouse after a run without faults (``drop``: without that record at all),
    computed once per session; the warehouse is emptied again afterwards."""
    key = (*days, drop)
    if key not in _CLEAN:
        empty(engine)
        simulator.faults.drop_key = drop
        run(engine, make_client(simulator), *days)
        _CLEAN[key] = snapshot(engine)
        reset(simulator)
        empty(engine)
    return _CLEAN[key]


def reset(simulator: Any) -> None:
    for name, value in asdict(Faults()).items():
        setattr(simulator.faults, name, value)


def differences(a: Snapshot, b: Snapshot) -> dict[str, tuple[int, int]]:
    """Tables whose rows differ: (rows only in a, rows only in b)."""
    out = {}
    for table in PUBLISHED:
        left, right = set(a[table]), set(b[table])
        if left != right:
            out[table] = (len(left - right), len(right - left))
    return out


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def victim(
    simulator: Any, pick: Callable[[dict[str, Any]], bool] = lambda r: True
) -> dict[str, Any]:
    """A dossier of the day's feed window (the first that ``pick`` accepts)."""

    return next(r for r in simulator.history.feed(*feed_window(DAY)) if pick(r))
