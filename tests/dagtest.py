"""Run a DAG for local days in this process through ``dag.test()`` — the quick harness the
pipeline tests use. ``portal-kpi backfill`` does NOT use it: it creates Airflow backfills run
by a scheduler (see tests/devtools/test_backfill.py)."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag

from portal_kpi.dates import days, manual_run_end

DAGS = Path(__file__).resolve().parents[1] / "dags"


def run_days(dag_id: str, start: date, end: date) -> list[tuple[date, str, float]]:
    """Run ``dag_id`` for each local day in [start, end] in order; SystemExit on a failure."""
    # dag.test() in Airflow 3.3 cannot finish a run of a DAG that has a deadline.
    os.environ["PORTAL_KPI_DEADLINE_ALERT"] = "off"
    bag = DagBag(dag_folder=str(DAGS))
    assert not bag.import_errors, bag.import_errors
    dag = bag.get_dag(dag_id)
    assert dag is not None, dag_id
    results = []
    for day in days(start, end):
        began = time.monotonic()
        # A manual run's data interval is the one that ends at its logical date.
        logical = manual_run_end(dag.timetable.expression, day)
        run = dag.test(logical_date=logical, run_after=logical)
        state = str(getattr(run, "state", "unknown"))
        results.append((day, state, time.monotonic() - began))
        if state != "success":
            raise SystemExit(f"{dag_id} failed for {day}")
    return results
