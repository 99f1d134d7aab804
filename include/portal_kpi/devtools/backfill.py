"""Backfills as Airflow understands them: one native Airflow backfill (run type ``backfill``,
each run with the DAG's own data interval, logical date = interval start) executed by a
scheduler — the one already running, or one this command starts and stops.

While it runs, a progress bar shows each local day with its state and seconds (and, for
``portal_daily``, rows loaded and quarantined); Airflow's own output goes to files under
``.local/logs/``. SIGINT/SIGTERM cancel the backfill, fail the run in progress and stop the
processes this command started within seconds.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import FrameType
from typing import Any

from airflow.api.common.mark_tasks import set_dag_run_state_to_failed
from airflow.cli.commands.dag_command import dag_reserialize
from airflow.jobs.job import Job, most_recent_job
from airflow.models import DagModel, DagRun
from airflow.models.backfill import Backfill, BackfillDagRun, ReprocessBehavior, _create_backfill
from airflow.models.serialized_dag import SerializedDagModel
from airflow.utils.net import get_hostname
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState, JobState
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select, update

from portal_kpi.dates import business_day, local_midnight_aware
from portal_kpi.devtools.airflow_env import configure_api, logs_dir
from portal_kpi.devtools.stack import Stack, wait_http

log = logging.getLogger(__name__)

FINISHED = {DagRunState.SUCCESS, DagRunState.FAILED}
DayFigures = Callable[[date], str]


class Interrupted(SystemExit):
    """Ctrl-C or SIGTERM during a backfill."""


@dataclass(frozen=True)
class DayResult:
    day: date
    state: str
    seconds: float
    run_id: str


def logical_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The logical dates of the runs covering local days [start, end]: every interval that
    starts on one of those days (portal_daily at 00:00, iso9001_register at 01:00)."""
    return local_midnight_aware(start), local_midnight_aware(end + timedelta(days=1)) - timedelta(
        seconds=1
    )


def serialize_dags() -> None:
    """Write the DAGs of the dags folder to the metadata DB (what the DAG processor does),
    so a backfill can be created before any DAG processor has run."""
    dag_reserialize(argparse.Namespace(bundle_name=None))


def scheduler_running() -> bool:
    with create_session() as session:
        job = most_recent_job("SchedulerJob", session=session)
        return bool(job and job.is_alive())


def release_scheduler_jobs(started_after: datetime) -> int:
    """Close the SchedulerJob rows of schedulers this command started and has stopped.

    A scheduler killed before it could close its job row leaves it ``running`` with a fresh
    heartbeat, so for the next half minute the next command would take it for a live
    scheduler, start none of its own and wait for ever. Returns the number of rows closed."""
    with create_session() as session:
        result = session.execute(
            update(Job)
            .where(
                Job.job_type == "SchedulerJob",
                Job.state == JobState.RUNNING,
                Job.hostname == get_hostname(),
                Job.start_date >= started_after,
            )
            .values(state=JobState.FAILED, end_date=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def set_paused(dag_id: str, paused: bool, *, hold_schedule: bool = False) -> bool:
    """Set the DAG's paused flag; returns the previous value. ``hold_schedule`` keeps the
    scheduler from creating the DAG's own scheduled runs meanwhile (the next ones are
    computed again when the DAG is next serialized)."""
    with create_session() as session:
        model = session.scalars(select(DagModel).where(DagModel.dag_id == dag_id)).one()
        before = bool(model.is_paused)
        model.is_paused = paused
        if hold_schedule:
            model.next_dagrun_create_after = None
    return before


def cancel(backfill_id: int) -> None:
    """As Airflow's cancel: pause the backfill, fail its queued runs, mark it complete; and
    fail the run in progress (its tasks are being stopped)."""
    with create_session() as session:
        backfill = session.get(Backfill, backfill_id)
        if backfill is None or backfill.completed_at is not None:
            return
        backfill.is_paused = True
        session.commit()
        runs = select(BackfillDagRun.dag_run_id).where(BackfillDagRun.backfill_id == backfill_id)
        session.execute(
            update(DagRun)
            .where(DagRun.id.in_(runs), DagRun.state == DagRunState.QUEUED)
            .values(state=DagRunState.FAILED)
            .execution_options(synchronize_session=False)
        )
        running = session.scalars(
            select(DagRun).where(DagRun.id.in_(runs), DagRun.state == DagRunState.RUNNING)
        ).all()
        for run in running:
            serdag = session.scalar(SerializedDagModel.latest_item_select_object(run.dag_id))
            if serdag is not None:
                set_dag_run_state_to_failed(
                    dag=serdag.dag, run_id=run.run_id, commit=True, session=session
                )
        backfill.completed_at = datetime.now(UTC)


def complete_finished(dag_id: str) -> None:
    """Mark the DAG's backfills whose runs have all finished as complete (what a running
    scheduler does every few seconds; a scheduler stopped right after the last run may not
    have), so a new backfill may be created."""
    with create_session() as session:
        open_backfills = session.scalars(
            select(Backfill).where(Backfill.dag_id == dag_id, Backfill.completed_at.is_(None))
        ).all()
        for backfill in open_backfills:
            unfinished = session.scalar(
                select(DagRun.id).where(
                    DagRun.backfill_id == backfill.id,
                    DagRun.state.in_((DagRunState.QUEUED, DagRunState.RUNNING)),
                )
            )
            if unfinished is None:
                backfill.completed_at = datetime.now(UTC)


def cancel_orphans(dag_id: str) -> list[int]:
    """With no scheduler running, an open backfill of the DAG belongs to a command that was
    killed before it could close it: cancel it (as ``airflow backfill cancel``) so a new
    one may be created. Returns the ids cancelled."""
    with create_session() as session:
        ids = list(
            session.scalars(
                select(Backfill.id).where(
                    Backfill.dag_id == dag_id, Backfill.completed_at.is_(None)
                )
            )
        )
    for backfill_id in ids:
        cancel(backfill_id)
    return ids


def _runs(backfill_id: int) -> list[DagRun]:
    with create_session() as session:
        runs = session.scalars(
            select(DagRun)
            .join(BackfillDagRun, BackfillDagRun.dag_run_id == DagRun.id)
            .where(BackfillDagRun.backfill_id == backfill_id)
            .order_by(BackfillDagRun.sort_ordinal)
        ).all()
        session.expunge_all()
        return list(runs)


def _seconds(run: DagRun) -> float:
    if run.start_date is None:
        return 0.0
    end = run.end_date if run.state in FINISHED and run.end_date else datetime.now(UTC)
    return max(0.0, (end - run.start_date).total_seconds())


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM behaves as Ctrl-C for the duration (so ``finally`` blocks run)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        # A second Ctrl-C must not interrupt the clean-up the first one starts.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise Interrupted(f"stopped by signal {signal.Signals(signum).name}")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def start_scheduler(stack: Stack) -> None:
    """Scheduler + the API server its workers report to (execution API)."""
    port = configure_api()
    stack.start("api-server")
    stack.start("scheduler")
    wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=120, stack=stack)


def watch(
    backfill_id: int,
    dag_id: str,
    console: Console,
    stack: Stack | None,
    figures: DayFigures | None,
    poll_seconds: float = 1.0,
) -> list[DayResult]:
    """Show progress until every run of the backfill has finished; stop at the first failure."""
    total = len(_runs(backfill_id))
    results: dict[str, DayResult] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(dag_id, total=total)
        while len(results) < total:
            if stack is not None:
                stack.check()
            current = "waiting for the scheduler"
            for run in _runs(backfill_id):
                if run.data_interval_start is None:
                    continue
                day = business_day(run.data_interval_start)
                if run.run_id in results:
                    continue
                if run.state in FINISHED:
                    result = DayResult(day, str(run.state), _seconds(run), run.run_id)
                    results[run.run_id] = result
                    extra = f"  {figures(day)}" if figures else ""
                    console.print(
                        f"  {day}  {result.state:<8} {result.seconds:6.1f} s{extra}",
                        highlight=False,
                    )
                    progress.advance(task)
                    if run.state == DagRunState.FAILED:
                        cancel(backfill_id)
                        raise SystemExit(
                            f"{dag_id} failed for {day} (run {run.run_id}); task logs under "
                            f"{logs_dir().parent / 'airflow' / 'logs'}"
                        )
                elif run.state == DagRunState.RUNNING:
                    current = f"{day} running {_seconds(run):.0f} s"
            progress.update(task, description=f"{dag_id}  {current}")
            time.sleep(poll_seconds)
    return list(results.values())


def backfill(
    dag_id: str,
    start: date,
    end: date,
    *,
    console: Console | None = None,
    figures: DayFigures | None = None,
) -> list[DayResult]:
    """Backfill ``dag_id`` for local days [start, end] with Airflow's native backfill; start a
    scheduler (and API server) for it unless one is running. Returns one result per day."""
    console = console or Console()
    serialize_dags()
    stack = None if scheduler_running() else Stack(logs_dir())
    stack_started = datetime.now(UTC)
    with stop_on_signals():
        backfill_id: int | None = None
        was_paused: bool | None = None
        try:
            if stack is not None:
                console.print(
                    f"starting an Airflow scheduler for the backfill (logs in {stack.log_dir})"
                )
                start_scheduler(stack)
                for orphan in cancel_orphans(dag_id):
                    console.print(f"cancelled backfill {orphan}, left open by a stopped command")
            first, last = logical_range(start, end)
            complete_finished(dag_id)
            created = _create_backfill(
                dag_id=dag_id,
                from_date=first,
                to_date=last,
                max_active_runs=1,
                reverse=False,
                dag_run_conf=None,
                triggering_user_name="portal-kpi",
                reprocess_behavior=ReprocessBehavior.COMPLETED,
            )
            backfill_id = int(created.id)
            # The scheduler only runs tasks of unpaused DAGs. A paused DAG is unpaused for the
            # backfill only: no scheduled run meanwhile, paused again afterwards.
            with create_session() as session:
                paused = session.scalar(select(DagModel.is_paused).where(DagModel.dag_id == dag_id))
            was_paused = set_paused(dag_id, False, hold_schedule=bool(paused))
            results = watch(backfill_id, dag_id, console, stack, figures)
            complete_finished(dag_id)
            return results
        except BaseException:
            if backfill_id is not None:
                cancel(backfill_id)
            raise
        finally:
            if was_paused:
                set_paused(dag_id, True)
                serialize_dags()  # the next scheduled run, computed again
            if stack is not None:
                stack.stop()
                release_scheduler_jobs(stack_started)


def summary(results: list[DayResult]) -> dict[str, Any]:
    return {
        "days": len(results),
        "succeeded": sum(r.state == DagRunState.SUCCESS for r in results),
        "seconds": round(sum(r.seconds for r in results), 1),
    }
