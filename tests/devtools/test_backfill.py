"""`portal-kpi backfill` is an Airflow backfill: run records with the DAG's own intervals,
run by a real scheduler; afterwards the scheduler's own next run is created as usual."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from devtools.stack_support import end_unfinished_runs

DAYS = (date(2026, 11, 12), date(2026, 11, 13))  # days no other test runs


@pytest.fixture
def portal(simulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DVC_PORTAL",
        f"http://{simulator.client_id}:{simulator.client_secret}@{simulator.host}:{simulator.port}",
    )
    return simulator


@pytest.fixture
def paused_again() -> Iterator[None]:
    from portal_kpi.devtools.backfill import set_paused

    yield
    set_paused("portal_daily", True)


def _runs(run_ids: list[str]) -> list[Any]:
    from airflow.models import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.run_id.in_(run_ids))).all()
        session.expunge_all()
        return sorted(runs, key=lambda r: r.logical_date)


@pytest.mark.e2e
def test_backfill_makes_airflow_backfill_runs_and_the_schedule_goes_on(
    engine: Any, portal: Any, airflow_db: None, tmp_path: Path, paused_again: None
) -> None:
    from airflow.models import DagModel, DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType
    from rich.console import Console

    from portal_kpi.dates import local_midnight_aware, today_local
    from portal_kpi.devtools.backfill import (
        release_scheduler_jobs,
        scheduler_running,
        set_paused,
        start_scheduler,
    )
    from portal_kpi.devtools.backfill_cli import run_backfill
    from portal_kpi.devtools.stack import Stack

    _forget_scheduled_runs()
    end_unfinished_runs(("portal_daily",))  # nothing another test left queued runs here
    out = tmp_path / "progress.txt"
    with out.open("w") as stream:
        results = run_backfill("portal_daily", *DAYS, Console(file=stream, width=120))
    assert [(r.day, r.state) for r in results] == [(d, "success") for d in DAYS]
    progress = out.read_text()
    for day in DAYS:  # the per-day line: day, state, seconds, rows loaded and quarantined
        assert f"{day}  success" in progress
    assert "dossier versions loaded" in progress and "rows quarantined" in progress

    runs = _runs([r.run_id for r in results])
    assert len(runs) == 2
    for run, day in zip(runs, DAYS, strict=True):
        assert run.run_type == DagRunType.BACKFILL_JOB
        assert run.backfill_id is not None
        # The DAG's own interval: logical date = start of the local day, one day long.
        assert run.logical_date == run.data_interval_start == local_midnight_aware(day)
        assert run.data_interval_end - run.data_interval_start == timedelta(days=1)
        assert run.start_date and run.end_date and run.end_date > run.start_date
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT business_day FROM core.load_day ORDER BY 1")).scalars()
        assert list(loaded) == list(DAYS), "only the backfilled days ran"
    with create_session() as session:
        assert not session.scalars(
            select(DagRun).where(DagRun.run_type == DagRunType.SCHEDULED)
        ).all(), "no scheduled run while the paused DAG was unpaused for the backfill"
    with create_session() as session:
        model = session.scalars(select(DagModel).where(DagModel.dag_id == "portal_daily")).one()
        assert model.is_paused, "the backfill restores the paused flag"
    assert not scheduler_running(), "the scheduler the command started is gone"

    # Start a scheduler, unpause: it creates its own next run (catchup off: the latest
    # complete day, yesterday), not blocked by the backfilled runs.
    stack = Stack(tmp_path)
    stack_started = datetime.now(UTC)
    try:
        start_scheduler(stack)
        set_paused("portal_daily", False)
        yesterday = local_midnight_aware(today_local() - timedelta(days=1))
        deadline = time.monotonic() + 120
        scheduled = None
        while scheduled is None and time.monotonic() < deadline:
            with create_session() as session:
                scheduled = session.scalars(
                    select(DagRun).where(
                        DagRun.dag_id == "portal_daily",
                        DagRun.run_type == DagRunType.SCHEDULED,
                        DagRun.logical_date == yesterday,
                    )
                ).first()
            time.sleep(1)
        assert scheduled is not None, f"no scheduled run; see {tmp_path}/scheduler.log"
        set_paused("portal_daily", True)
    finally:
        stack.stop()
        release_scheduler_jobs(stack_started)
    _forget_scheduled_runs()


def _forget_scheduled_runs() -> None:
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunType
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(DagRun).where(DagRun.run_type == DagRunType.SCHEDULED))


def test_a_killed_scheduler_is_not_taken_for_a_live_one(airflow_db: None) -> None:
    """A scheduler this command started and killed leaves its job row 'running' with a fresh
    heartbeat; once released, the next command starts a scheduler of its own instead of
    waiting for a dead one. A scheduler started before the command is left alone."""

    from airflow.jobs.job import Job
    from airflow.utils.net import get_hostname
    from airflow.utils.session import create_session
    from airflow.utils.state import JobState

    from portal_kpi.devtools.backfill import release_scheduler_jobs, scheduler_running

    def job_row(started: datetime) -> int:
        with create_session() as session:
            job = Job(job_type="SchedulerJob")
            job.state = JobState.RUNNING
            job.start_date = started
            job.latest_heartbeat = datetime.now(UTC)
            session.add(job)
            session.flush()
            return int(job.id)

    began = datetime.now(UTC)
    earlier = job_row(began - timedelta(hours=1))
    ours = job_row(began + timedelta(seconds=1))
    try:
        assert scheduler_running()
        assert release_scheduler_jobs(began) == 1
        with create_session() as session:
            assert session.get(Job, ours).state == JobState.FAILED
            assert session.get(Job, earlier).state == JobState.RUNNING
            assert session.get(Job, earlier).hostname == get_hostname()
    finally:
        with create_session() as session:
            for job_id in (earlier, ours):
                session.delete(session.get(Job, job_id))
    assert not scheduler_running()


@pytest.mark.e2e
def test_after_a_bulk_backfill_the_scheduled_run_goes_on_from_the_watermark(
    engine: Any, portal: Any, client: Any, airflow_db: None, tmp_path: Path, paused_again: None
) -> None:
    """The bulk path runs in-process and creates no Airflow runs; the scheduler's own next
    run of portal_daily is created as usual and continues from the warehouse's watermark."""
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunType
    from rich.console import Console

    from portal_kpi.dates import local_midnight_aware, today_local
    from portal_kpi.devtools.backfill import (
        release_scheduler_jobs,
        serialize_dags,
        set_paused,
        start_scheduler,
    )
    from portal_kpi.devtools.bulk_backfill import bulk_backfill
    from portal_kpi.devtools.stack import Stack
    from portal_kpi.pii import hasher_from_connection

    _forget_scheduled_runs()
    start, end = date(2026, 11, 9), date(2026, 11, 11)

    def runs_of_the_days() -> set[str]:
        with create_session() as session:
            return set(
                session.scalars(
                    select(DagRun.run_id).where(
                        DagRun.dag_id == "portal_daily",
                        DagRun.logical_date >= local_midnight_aware(start),
                        DagRun.logical_date <= local_midnight_aware(end),
                    )
                )
            )

    before = runs_of_the_days()  # other tests' backfills may have runs of these days
    with (tmp_path / "progress.txt").open("w") as stream:
        bulk_backfill(engine, client, hasher_from_connection(), start, end, window_days=2,
                      console=Console(file=stream, width=120))  # fmt: skip
    assert runs_of_the_days() == before, "the bulk path creates no Airflow runs for its days"
    serialize_dags()
    stack = Stack(tmp_path)
    stack_started = datetime.now(UTC)
    yesterday = today_local() - timedelta(days=1)
    try:
        start_scheduler(stack)
        set_paused("portal_daily", False)
        deadline = time.monotonic() + 420
        state = None
        while state not in (DagRunState.SUCCESS, DagRunState.FAILED):
            assert time.monotonic() < deadline, f"no finished run; see {tmp_path}/scheduler.log"
            with create_session() as session:
                state = session.scalar(
                    select(DagRun.state).where(
                        DagRun.dag_id == "portal_daily",
                        DagRun.run_type == DagRunType.SCHEDULED,
                        DagRun.logical_date == local_midnight_aware(yesterday),
                    )
                )
            time.sleep(2)
        set_paused("portal_daily", True)
    finally:
        stack.stop()
        release_scheduler_jobs(stack_started)
    assert state == DagRunState.SUCCESS, f"the scheduled run failed; logs under {tmp_path}"
    with engine.connect() as conn:
        loaded = list(
            conn.execute(text("SELECT business_day FROM core.load_day ORDER BY 1")).scalars()
        )
        computed = conn.execute(
            text("SELECT value->>'day' FROM core.load_state WHERE key = 'kpi_computed_through'")
        ).scalar()
    assert loaded == [date(2026, 11, 9), date(2026, 11, 10), date(2026, 11, 11), yesterday]
    assert computed == yesterday.isoformat(), "the scheduled run's KPIs go on from the bulk ones"
    _forget_scheduled_runs()
