"""May this run send? The decision reads the Airflow run (its ``run_type``) and the
calendar, so it lives here; the alert services get a plain flag.

A run sends only when it is not a backfill, its business day is the latest loaded day,
and that day is yesterday (local) or at most ``LATE_DAYS`` before today, i.e. a run of
the current day, even when it finishes late. Every other run (a rerun of a past day, a
backfill) records what it would have sent, marked backfill, and sends nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

LATE_DAYS = 2  # the run of day D still sends on D+2 (a run that waited for the portal)


@dataclass(frozen=True)
class Delivery:
    send: bool
    reason: str


def run_type_of(dag_run: Any) -> str | None:
    """``run_type`` of an Airflow DagRun, or of the dict a deadline callback receives."""
    if dag_run is None:
        return None
    value = (
        dag_run.get("run_type")
        if isinstance(dag_run, Mapping)
        else getattr(dag_run, "run_type", None)
    )
    if value is None:
        return None
    return str(getattr(value, "value", value)).lower()


def decide(run_type: str | None, day: date, latest_loaded: date | None, today: date) -> Delivery:
    """Whether the run of local ``day`` may send, and why (for the log and XCom)."""
    if run_type == "backfill":
        return Delivery(False, "backfill run")
    if latest_loaded is not None and day < latest_loaded:
        return Delivery(False, f"{day} is not the latest loaded day ({latest_loaded})")
    if day < today - timedelta(days=LATE_DAYS) or day >= today:
        return Delivery(False, f"{day} is not the current run day (today is {today})")
    return Delivery(True, f"{run_type or 'unknown'} run of the current day {day}")


def deadline_applies(run_type: str | None, day: date | None, today: date) -> bool:
    """The Deadline Alert judges only the scheduler's own run of the current day (the
    run of yesterday, local): not a manual rerun, not a backfill, not an old day."""
    return run_type == "scheduled" and day is not None and day == today - timedelta(days=1)
