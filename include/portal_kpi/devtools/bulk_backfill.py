"""The bulk backfill of ``portal_daily``: a long range in wide windows, in this process.

``portal-kpi backfill --bulk`` (or any range longer than ``BULK_THRESHOLD_DAYS`` days)
loads local days [start, end - 1] window by window (:mod:`portal_kpi.daily.bulk`: one
pull, one validation and one publish per window, every day recorded as loaded), then runs
the last day ``end`` as ``portal_daily`` runs a day (:func:`run_day_steps`): its catalogues
and two-day feed, validation, publish, the KPI step — which restates every day loaded since
the last KPI run, so the whole range is restated once, at the end — the 766 points, the
due-soon lists and the alert step, which records its messages as ``suppressed_backfill``
and sends nothing (as any backfill run).

What it leaves is what a day-by-day backfill of the same range leaves in ``core``,
``kpi.dossier_stats``, ``kpi.kpi_value`` and ``quality``, and the same per-day snapshots
(766 points, due-soon lists) of the last day; a day-by-day backfill also keeps one snapshot
per earlier day and judges breaches day by day, which the bulk path does not (docs/
reliability.md, "Backfill"). Nothing is written to Airflow's metadata: the days are loaded
in the warehouse (``core.load_day``), which is what the DAG's next scheduled run continues
from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from portal_kpi.alerts.run import run_alerts
from portal_kpi.daily import due_soon
from portal_kpi.daily.bulk import (
    DEFAULT_WINDOW_DAYS,
    PullAhead,
    load_window,
    windows,
)
from portal_kpi.daily.extract import extract_catalogues, extract_dossiers
from portal_kpi.daily.kpi import compute
from portal_kpi.daily.model import Source
from portal_kpi.daily.pipeline import check, publish
from portal_kpi.db import make_engine, migrate, run_sql
from portal_kpi.pii import PiiHasher, hasher_from_connection
from portal_kpi.quality.gx import Settings
from portal_kpi.scores import daily as scores
from portal_kpi.sources.portal import PortalClient
from portal_kpi.tasks.portal_daily import _points

log = logging.getLogger(__name__)

# Longer ranges take the bulk path unless --native is asked for (a day-by-day Airflow run
# costs 15–60 s a day; a month of them is where the bulk path starts to pay).
BULK_THRESHOLD_DAYS = 31


@dataclass(frozen=True)
class BulkResult:
    start: date
    end: date
    windows: int
    versions: int
    quarantined: int
    seconds: float
    steps: dict[str, float]  # seconds by step over every window, and the last day

    def summary(self) -> dict[str, Any]:
        days = (self.end - self.start).days + 1
        return {
            "days": days,
            "windows": self.windows,
            "versions": self.versions,
            "quarantined": self.quarantined,
            "seconds": round(self.seconds, 1),
        }


def run_day_steps(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    day: date,
    settings: Settings | None = None,
    earlier_batches: Sequence[str] = (),
) -> dict[str, Any]:
    """What a ``portal_daily`` backfill run does for ``day``, in its order, in this process:
    pull → validate → publish → KPIs → 766 points → due-soon lists → alerts (recorded as
    a backfill: nothing sent). The leadership brief of a month's last day is not written.

    ``earlier_batches``: dossier batches published before it (the bulk windows) whose
    changes the KPI step restates too, as their own daily runs would have — on a warehouse
    whose KPIs were already computed past them, the day's own batches would not cover them."""
    settings = settings or Settings.from_env()
    catalogues = extract_catalogues(engine, client, day)
    outcomes = check(engine, catalogues, day, settings)[0]
    publish(engine, catalogues)
    dossiers = extract_dossiers(engine, client, hasher, day)
    outcomes += check(engine, dossiers, day, settings)[0]
    publish(engine, dossiers, day)
    compute(engine, [*earlier_batches, *(b.batch_id for b in dossiers)])
    with engine.begin() as conn:
        scores.refresh(conn, day)
    due_soon.refresh(engine, day)
    with engine.connect() as conn:
        latest = run_sql(conn, "alerts/latest_loaded.sql").scalar()
    early = due_soon.warnings(engine, day) if latest == day else []
    with engine.connect() as conn:
        points = [_points(s) for s in scores.agency_summaries(conn, day)]
    alerts = run_alerts(engine, day, send=False, warnings=early, points=points)
    versions = sum(b.records for b in dossiers)
    requeued = {b.batch_id for b in dossiers if b.source is Source.DOSSIERS_REQUEUE}
    quarantined = sum(o.rows_quarantined for o in outcomes if o.batch_id not in requeued)
    return {"day": day, "versions": versions, "quarantined": quarantined, "alerts": alerts}


def bulk_backfill(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    start: date,
    end: date,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    console: Console | None = None,
    settings: Settings | None = None,
) -> BulkResult:
    """Load [start, end - 1] in windows of ``window_days``, then run ``end`` as a day; a
    progress bar (days done of all, elapsed, ETA) and one line per window on ``console``."""
    if end < start:
        raise SystemExit("--end is before --start")
    console = console or Console()
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    migrate(engine)
    total = (end - start).days + 1
    spans = list(windows(start, end - timedelta(days=1), window_days)) if end > start else []
    versions = quarantined = 0
    steps: dict[str, float] = {}
    published: list[str] = []  # the windows' dossier batches, for the KPI step
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("bulk", total=total)
        ahead: list[PullAhead] = []

        def fetch_next(index: int) -> Callable[[], None]:
            def start() -> None:
                if index + 1 < len(spans):
                    ahead.append(PullAhead(engine, client, hasher, *spans[index + 1]))

            return start

        try:
            for index, (first, last) in enumerate(spans):
                progress.update(task, description=f"bulk {first}..{last}")
                t0 = time.perf_counter()
                window = load_window(
                    engine, client, hasher, first, last, settings,
                    catalogues=index == 0, ahead=ahead.pop() if ahead else None,
                    pulled=fetch_next(index),
                )  # fmt: skip
                versions += window.versions
                published += [b.batch_id for b in window.batches if b.source.is_dossiers]
                for step, seconds in window.seconds.items():
                    steps[step] = steps.get(step, 0.0) + seconds
                quarantined += window.quarantined
                unit = "day " if window.days == 1 else "days"
                console.print(
                    f"  {first} .. {last}  {window.days:>2} {unit}  "
                    f"{time.perf_counter() - t0:6.1f} s  {window.versions:>9,} versions  "
                    f"{window.quarantined:>5,} quarantined",
                    highlight=False,
                )
                progress.advance(task, window.days)
        finally:
            for pending in ahead:
                pending.close()
        progress.update(task, description=f"last day {end}, KPIs for {start}..{end}")
        t0 = time.perf_counter()
        day = run_day_steps(engine, client, hasher, end, settings, published)
        steps["last day (KPIs, 766, due-soon, alerts)"] = time.perf_counter() - t0
        versions += day["versions"]
        quarantined += day["quarantined"]
        console.print(
            f"  {end} (the day, KPIs restated for the range)  {time.perf_counter() - t0:6.1f} s"
            f"  {day['versions']:>9,} versions  {day['quarantined']:>5,} quarantined",
            highlight=False,
        )
        progress.advance(task, 1)
    return BulkResult(
        start, end, len(spans) + 1, versions, quarantined, time.perf_counter() - started, steps
    )


def run_from_connections(
    start: date, end: date, *, window_days: int, console: Console
) -> BulkResult:
    """The bulk backfill against the configured ``warehouse``, ``dvc_portal``, ``pii_hash``."""
    engine = make_engine()
    try:
        client = PortalClient.from_connection(page_limit=1000)
        return bulk_backfill(
            engine,
            client,
            hasher_from_connection(),
            start,
            end,
            window_days=window_days,
            console=console,
        )
    finally:
        engine.dispose()
