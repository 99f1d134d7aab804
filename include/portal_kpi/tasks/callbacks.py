"""Airflow callbacks: one message on a task's final failure, and the Deadline Alert of
``portal_daily``. Light at import, so DAG files may import it at the top."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk.definitions.callback import AsyncCallback
from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

from portal_kpi import provinces
from portal_kpi.alerts.channels import connection_or_none, post_webhook
from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.alerts.outbox import SUPPRESSED, enqueue, send_pending
from portal_kpi.config import CONN_WEBHOOK
from portal_kpi.dates import business_day, today_local
from portal_kpi.db import make_engine
from portal_kpi.tasks.delivery import deadline_applies, run_type_of

if TYPE_CHECKING:
    from airflow.sdk.definitions.deadline import DeadlineAlert
    from sqlalchemy import Engine

log = logging.getLogger(__name__)


DEADLINE_HOUR = 7  # local time, the morning after the day a run covers


# "off" leaves the deadline out of the DAG: Airflow 3.3.2's in-process ``dag.test()``
# (the CLI backfill and the tests) fails on a successful run of a DAG with a deadline.
DEADLINE_ENV = "PORTAL_KPI_DEADLINE_ALERT"


@dataclass
class FailureInfo:
    dag_id: str
    task_id: str
    run_id: str
    try_number: int | None
    map_index: int | None
    log_url: str
    error: str
    logical_date: str | None = None

    def dedupe_key(self) -> str:
        index = "" if self.map_index in (None, -1) else f"[{self.map_index}]"
        return f"{self.dag_id}/{self.run_id}/{self.task_id}{index}/try{self.try_number}"


def first_line(exc: BaseException | str | None) -> str:
    if exc is None:
        return "không rõ lỗi / unknown error"
    if isinstance(exc, BaseException):
        text = str(exc).strip()
        lines = text.splitlines()
        name = type(exc).__name__
        return f"{name}: {lines[0]}" if lines else name
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "không rõ lỗi / unknown error"


def failure_info(context: Mapping[str, Any]) -> FailureInfo:
    """The facts of a failure from an Airflow task context (tolerant of missing keys)."""
    ti = context.get("task_instance") or context.get("ti")
    dag = context.get("dag")
    dag_id = str(getattr(ti, "dag_id", None) or getattr(dag, "dag_id", None) or "?")
    task_id = str(getattr(ti, "task_id", None) or getattr(context.get("task"), "task_id", "?"))
    run_id = str(context.get("run_id") or getattr(ti, "run_id", None) or "?")
    try:
        log_url = str(getattr(ti, "log_url", "") or "")
    except Exception:  # a property that needs config it cannot read
        log_url = ""
    logical = context.get("logical_date")
    return FailureInfo(
        dag_id=dag_id,
        task_id=task_id,
        run_id=run_id,
        try_number=getattr(ti, "try_number", None),
        map_index=getattr(ti, "map_index", None),
        log_url=log_url,
        error=first_line(context.get("exception")),
        logical_date=logical.isoformat() if isinstance(logical, datetime) else None,
    )


def _failure_text(info: FailureInfo) -> tuple[str, str]:
    subject = (
        f"[Lỗi chạy] {info.dag_id}.{info.task_id} thất bại (lần {info.try_number}) / task failed"
    )
    body = (
        f"Tác vụ {info.task_id} của DAG {info.dag_id} (lượt chạy {info.run_id}) thất bại "
        f"sau lần thử thứ {info.try_number}, không còn thử lại.\n"
        f"Lỗi: {info.error}\nNhật ký: {info.log_url or '—'}\n"
        f"English: task {info.task_id} of DAG {info.dag_id} (run {info.run_id}) failed on "
        f"try {info.try_number} with no retry left. Error: {info.error}. "
        f"Log: {info.log_url or '—'}"
    )
    return subject, body


def queue_task_failure(engine: Engine, info: FailureInfo, *, send: bool = True) -> int:
    """Queue the failure message; ``send=False`` (a backfill run) records it only."""
    subject, body = _failure_text(info)
    return enqueue(
        engine,
        kind=AlertKind.TASK_FAILURE,
        dedupe_key=info.dedupe_key(),
        subject=subject,
        body=body,
        detail=asdict(info),
        status="pending" if send else SUPPRESSED,
    )


def _post_direct(subject: str, body: str) -> None:
    """Last resort when the warehouse cannot take the message: the webhook's default URL."""

    conn = connection_or_none(CONN_WEBHOOK)
    if conn is not None:
        post_webhook(conn, "default", subject, body)


def on_task_failure(context: Mapping[str, Any]) -> None:
    """``on_failure_callback``: Airflow 3 calls it once, on a task's final failure (retries
    go to ``on_retry_callback``). Queues one ``task_failure`` message and tries to send it
    at once. Never raises."""
    try:
        info = failure_info(context)
    except Exception:
        log.exception("could not read the failure context")
        return
    backfill = run_type_of(context.get("dag_run")) == "backfill"
    try:
        with provinces.activate(provinces.by_dag_id(info.dag_id)):  # its province's warehouse
            engine = make_engine()
        try:
            queue_task_failure(engine, info, send=not backfill)
            if backfill:  # whoever runs the backfill sees the failure; nobody is paged
                log.info("backfill run: failure of %s recorded, not sent", info.task_id)
                return
            send_pending(engine, kinds=[AlertKind.TASK_FAILURE])
        finally:
            engine.dispose()
    except Exception:
        log.exception("could not queue the failure of %s; trying the webhook directly", info)
        try:
            _post_direct(*_failure_text(info))
        except Exception:
            log.exception("the failure message could not be delivered either")


def deadline_alert(dag_id: str = "portal_daily", hour: int = DEADLINE_HOUR) -> DeadlineAlert | None:
    """Deadline Alert: the run of local day D must finish by ``hour``:00 local on D+1.

    The reference is the run's logical date, which for the daily data-interval timetable
    is D 00:00 local (the interval start), so the interval is one day plus ``hour``
    hours. The callback runs in the triggerer (an ``AsyncCallback``). None when
    ``PORTAL_KPI_DEADLINE_ALERT=off`` (set by in-process ``dag.test()`` runs)."""
    if os.environ.get(DEADLINE_ENV, "on").strip().lower() in ("off", "0", "false", "no"):
        log.info("%s=off: %s has no deadline alert", DEADLINE_ENV, dag_id)
        return None

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(days=1, hours=hour),
        callback=AsyncCallback(on_deadline_missed, kwargs={"dag_id": dag_id, "hour": hour}),
        name=f"{dag_id} done by {hour:02d}:00",
    )


def queue_deadline_missed(
    engine: Engine, dag_id: str, hour: int, context: Mapping[str, Any] | None
) -> int:

    dag_run = dict((context or {}).get("dag_run") or {})
    deadline = dict((context or {}).get("deadline") or {})
    run_id = str(dag_run.get("dag_run_id") or dag_run.get("run_id") or "?")
    start = dag_run.get("data_interval_start") or dag_run.get("logical_date") or "?"
    state = dag_run.get("state") or "?"
    subject = f"[Trễ hạn] {dag_id} chưa xong lúc {hour:02d}:00 / not finished by {hour:02d}:00"
    body = (
        f"Lượt chạy {run_id} của {dag_id} (dữ liệu từ {start}) chưa hoàn thành trước "
        f"{hour:02d}:00 giờ Việt Nam; trạng thái: {state}. Số liệu KPI sáng nay có thể "
        "chưa cập nhật.\n"
        f"English: run {run_id} of {dag_id} (data from {start}) has not finished by "
        f"{hour:02d}:00 local time; state {state}. This morning's KPIs may be stale."
    )
    return enqueue(
        engine,
        kind=AlertKind.DEADLINE,
        dedupe_key=f"{dag_id}/{run_id}",
        subject=subject,
        body=body,
        detail={"dag_id": dag_id, "run_id": run_id, "state": state, "deadline": deadline},
    )


def _run_day(dag_run: Mapping[str, Any]) -> date | None:
    """Local business day of the run a deadline callback is about."""
    start = dag_run.get("data_interval_start") or dag_run.get("logical_date")
    if isinstance(start, str):
        start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return business_day(start) if isinstance(start, datetime) else None


def _deadline_missed_sync(dag_id: str, hour: int, context: Mapping[str, Any] | None) -> str:
    dag_run = dict((context or {}).get("dag_run") or {})
    run_type, day = run_type_of(dag_run), _run_day(dag_run)
    if not deadline_applies(run_type, day, today_local()):
        log.info("deadline of %s: not judged for a %s run of %s", dag_id, run_type, day)
        return f"not judged: {run_type} run of {day}"
    with provinces.activate(provinces.by_dag_id(dag_id)):  # its province's warehouse
        engine = make_engine()
    try:
        queued = queue_deadline_missed(engine, dag_id, hour, context)
        report = send_pending(engine, kinds=[AlertKind.DEADLINE])
    finally:
        engine.dispose()
    return f"queued {queued}, sent {report.sent}, failed {report.failed}"


async def on_deadline_missed(
    dag_id: str = "portal_daily",
    hour: int = DEADLINE_HOUR,
    context: dict[str, Any] | None = None,
    **_: Any,
) -> str:
    """Deadline callback (runs in the triggerer): queue and send a ``dag_deadline``
    message. The database work runs in a thread, off the triggerer's event loop."""
    try:
        return await asyncio.to_thread(_deadline_missed_sync, dag_id, hour, context)
    except Exception as exc:
        log.exception("deadline message for %s could not be queued", dag_id)
        return f"failed: {first_line(exc)}"
