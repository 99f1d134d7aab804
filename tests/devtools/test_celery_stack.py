"""`portal-kpi airflow --executor celery --workers 2` (`make airflow EXECUTOR=celery
WORKERS=2`): Redis, two Celery workers and the rest of the stack; three provinces, each
with its own simulator (own seed and province code) and its own warehouse database, run
their daily DAGs at once, and the metadata DB shows the task instances went through the
CeleryExecutor and ran on both workers."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select, text

from devtools.stack_support import (
    dags_parsed,
    end_unfinished_runs,
    start_airflow,
    wait_health,
    wait_runs,
)

PROVINCES = textwrap.dedent(
    """
    provinces:
      - {code: H48, name: Tỉnh A, default: true}
      - {code: H01, name: Tỉnh B}
      - {code: H02, name: Tỉnh C}
    """
)
DAG_IDS = ("portal_daily", "portal_daily_h01", "portal_daily_h02")


def _province_rows(warehouse_url: str, suffix: str, code: str) -> tuple[int, int, int, set[str]]:
    """A province's warehouse database: dossiers held, form 06 rows of its own code, rows
    under the default province's code (H48) and the province codes its BI views show."""
    url = make_url(warehouse_url)
    if suffix:
        url = url.set(database=f"{url.database}_{suffix}")
    engine = create_engine(url)
    count = "SELECT count(*) FROM kpi.dossier_stats WHERE agency_code = :c"
    try:
        with engine.connect() as conn:
            dossiers = conn.execute(text("SELECT count(*) FROM core.dossier")).scalar_one()
            own = conn.execute(text(count), {"c": code}).scalar_one()
            default = conn.execute(text(count), {"c": "H48"}).scalar_one()
            shown = set(
                conn.execute(text("SELECT DISTINCT province_code FROM kpi.form06_daily")).scalars()
            )
    finally:
        engine.dispose()
    return int(dossiers), int(own), int(default), shown


def _drop_province_databases(warehouse_url: str) -> None:
    url = make_url(warehouse_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for suffix in ("h01", "h02"):
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{url.database}_{suffix}" WITH (FORCE)')
                )
    finally:
        admin.dispose()


@pytest.mark.e2e
def test_celery_stack_runs_three_provinces_on_two_workers(
    engine: Any, airflow_db: None, warehouse_url: str, tmp_path: Path
) -> None:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.types import DagRunTriggeredByType

    from portal_kpi.devtools.airflow_env import free_port
    from portal_kpi.devtools.backfill import set_paused
    from portal_kpi.devtools.celery_local import home_queue

    config = tmp_path / "provinces.yaml"
    config.write_text(PROVINCES, encoding="utf-8")
    port = free_port()
    # Only the triggered runs: no scheduled run of the three DAGs beside them.
    env = os.environ.copy() | {
        "PORTAL_KPI_PROVINCES": str(config),
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    # Deadline and alert sinks are irrelevant here; a small, short history keeps it quick.
    proc = start_airflow(
        port,
        *("--per-day", "60", "--history-days", "8"),
        *("--executor", "celery", "--workers", "2", "--worker-concurrency", "2"),
        env=env,
    )
    run_ids: dict[str, str] = {}
    try:
        wait_health(port, proc, 240)
        dags_parsed(DAG_IDS, 180)
        end_unfinished_runs(DAG_IDS)
        now = datetime.now(UTC)
        for dag_id in DAG_IDS:  # no scheduled run beside the triggered ones
            set_paused(dag_id, False, hold_schedule=True)
        for dag_id in DAG_IDS:  # all three at once
            run = trigger_dag(
                dag_id,
                triggered_by=DagRunTriggeredByType.TEST,
                run_after=now,
                logical_date=now,
                run_id=f"celery_test__{dag_id}__{now:%Y%m%dT%H%M%S}",
            )
            assert run is not None
            run_ids[dag_id] = run.run_id
        states = wait_runs(list(run_ids.values()), 600)
        assert states == dict.fromkeys(DAG_IDS, "success"), states

        with create_session() as session:
            rows = session.execute(
                select(
                    TaskInstance.dag_id,
                    TaskInstance.hostname,
                    TaskInstance.external_executor_id,
                    TaskInstance.queue,
                ).where(TaskInstance.run_id.in_(list(run_ids.values())))
            ).all()
        assert len(rows) == 3 * 12, rows
        # A Celery task id on every task instance: the CeleryExecutor sent each one.
        assert all(r.external_executor_id for r in rows), rows
        assert {r.queue for r in rows} == {home_queue()}, {r.queue for r in rows}
        workers = {str(r.hostname).split("@")[0] for r in rows}
        assert workers == {"worker-1", "worker-2"}, workers

        # Each province's data went to its own database, under its own code.
        for suffix, code in (("", "H48"), ("h01", "H01"), ("h02", "H02")):
            dossiers, own, default, shown = _province_rows(warehouse_url, suffix, code)
            assert dossiers > 0 and own > 0, (code, dossiers, own)
            assert default == (own if code == "H48" else 0), (code, default)
            assert shown == {code}, (code, shown)
    finally:
        for dag_id in DAG_IDS:
            set_paused(dag_id, True)
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        _drop_province_databases(warehouse_url)
        print(out.decode(errors="replace")[-3000:])
