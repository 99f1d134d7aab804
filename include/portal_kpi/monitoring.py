"""Run monitoring: the DAG's alert step, task-failure and deadline callbacks, the
freshness check, and local SMTP/webhook sinks for demos and tests.

Light at import (standard library and ``portal_kpi.config`` only), so a DAG file may
import it at the top.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal_kpi.config import CONN_SMTP, CONN_WEBHOOK

if TYPE_CHECKING:
    from airflow.sdk.definitions.deadline import DeadlineAlert
    from sqlalchemy import Engine

log = logging.getLogger(__name__)

KIND_TASK_FAILURE = "task_failure"
KIND_DEADLINE = "dag_deadline"
KIND_FRESHNESS = "freshness"
STALE_AFTER = timedelta(hours=26)
DEADLINE_HOUR = 7  # local time, the morning after the day a run covers
# "off" leaves the deadline out of the DAG: Airflow 3.3.2's in-process ``dag.test()``
# (the CLI backfill and the tests) fails on a successful run of a DAG with a deadline.
DEADLINE_ENV = "PORTAL_KPI_DEADLINE_ALERT"


# --------------------------------------------------------------------------- freshness


def check_freshness(engine: Engine, day: date, now: datetime) -> list[dict[str, Any]]:
    """Findings for ``day``: the portal reported no change on a working day (the
    data-quality event, or a loaded working day with no dossier version updated that
    day), and the last successful load older than 26 hours at ``now`` (aware)."""
    from portal_kpi.dates import day_start
    from portal_kpi.db import run_sql

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with engine.connect() as conn:
        facts = run_sql(
            conn,
            "alerts/freshness.sql",
            day=day,
            day_start=day_start(day),
            next_day_start=day_start(day + timedelta(days=1)),
        ).one()
    findings: list[dict[str, Any]] = []
    silent = facts.loaded and facts.is_working_day and facts.versions == 0
    if facts.dq_no_changes or silent:
        findings.append(
            {"kind": "no_changes_on_working_day", "day": day.isoformat(), "versions": 0}
        )
    last = facts.last_loaded_at
    if last is None or now - last > STALE_AFTER:
        hours = None if last is None else round((now - last).total_seconds() / 3600, 1)
        findings.append(
            {
                "kind": "stale_load",
                "day": day.isoformat(),
                "last_loaded_at": None if last is None else last.isoformat(),
                "watermark": None if facts.watermark is None else facts.watermark.isoformat(),
                "hours_since": hours,
            }
        )
    return findings


def queue_freshness(engine: Engine, findings: list[dict[str, Any]]) -> int:
    """One message per finding; the same finding is queued once."""
    from portal_kpi.alerts import enqueue

    queued = 0
    for f in findings:
        if f["kind"] == "no_changes_on_working_day":
            day = date.fromisoformat(f["day"])
            subject = (
                f"[Dữ liệu] Cổng không ghi nhận thay đổi hồ sơ nào ngày {day:%d/%m/%Y} "
                f"/ no dossier changes on working day {day.isoformat()}"
            )
            body = (
                f"Ngày làm việc {day:%d/%m/%Y} cổng dịch vụ công không báo thay đổi hồ sơ "
                "nào. Kiểm tra đồng bộ của hệ thống một cửa trước khi dùng số liệu ngày này.\n"
                f"English: the portal reported no dossier change on working day "
                f"{day.isoformat()}. Check the one-stop system's sync before trusting the day."
            )
            key = f"no_changes/{day.isoformat()}"
        else:
            last = f["last_loaded_at"] or "chưa có / never"
            subject = "[Vận hành] Kho dữ liệu không được nạp quá 26 giờ / warehouse load is stale"
            body = (
                f"Lần nạp thành công gần nhất: {last} (ngày dữ liệu mới nhất: "
                f"{f['watermark'] or '—'}), đã quá 26 giờ. Kiểm tra DAG portal_daily.\n"
                f"English: the last successful load was at {last} (latest day "
                f"{f['watermark'] or '—'}), more than 26 hours ago. Check portal_daily."
            )
            key = f"stale/{f['last_loaded_at'] or 'never'}"
        queued += enqueue(engine, kind=KIND_FRESHNESS, dedupe_key=key, subject=subject, body=body,
                          detail=f)  # fmt: skip
    return queued


# --------------------------------------------------------------------------- alert step


def run_alerts(engine: Engine, day: date, now: datetime | None = None) -> dict[str, Any]:
    """Everything the alert task does for local ``day``: judge breaches (queuing openings
    and recoveries), queue the day's digest and freshness findings, then send what is
    pending. Returns counts."""
    from portal_kpi.alerts import judge, queue_digest, send_pending

    judged = judge(engine, day)
    digest = queue_digest(engine, day)
    findings = check_freshness(engine, day, now or datetime.now(UTC))
    fresh = queue_freshness(engine, findings)
    report = send_pending(engine)
    return {
        "day": day.isoformat(),
        "opened": len(judged.opened),
        "closed": len(judged.closed),
        "still_open_judged": judged.extended,
        "breach_messages": judged.queued,
        "digest_messages": digest,
        "freshness": [f["kind"] for f in findings],
        "freshness_messages": fresh,
        "sent": report.sent,
        "failed": report.failed,
        "waiting": report.waiting,
        "channels_off": report.channels_off,
    }


def alert_step(interval_start: datetime) -> dict[str, Any]:
    """Task entry point of ``portal_daily`` (after ``compute_kpis``)."""
    from portal_kpi.dates import business_day
    from portal_kpi.steps import warehouse

    with warehouse() as engine:
        result = run_alerts(engine, business_day(interval_start))
    log.info("alerts: %s", result)
    return result


# --------------------------------------------------------------------------- task failure


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


def queue_task_failure(engine: Engine, info: FailureInfo) -> int:
    from portal_kpi.alerts import enqueue

    subject, body = _failure_text(info)
    return enqueue(
        engine,
        kind=KIND_TASK_FAILURE,
        dedupe_key=info.dedupe_key(),
        subject=subject,
        body=body,
        detail=asdict(info),
    )


def _post_direct(subject: str, body: str) -> None:
    """Last resort when the warehouse cannot take the message: the webhook's default URL."""
    from portal_kpi.alerts import _connection_or_none, post_webhook

    conn = _connection_or_none(CONN_WEBHOOK)
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
    try:
        from portal_kpi.alerts import send_pending
        from portal_kpi.db import make_engine

        engine = make_engine()
        try:
            queue_task_failure(engine, info)
            send_pending(engine, kinds=[KIND_TASK_FAILURE])
        finally:
            engine.dispose()
    except Exception:
        log.exception("could not queue the failure of %s; trying the webhook directly", info)
        try:
            _post_direct(*_failure_text(info))
        except Exception:
            log.exception("the failure message could not be delivered either")


# --------------------------------------------------------------------------- deadline


def deadline_alert(dag_id: str = "portal_daily", hour: int = DEADLINE_HOUR) -> DeadlineAlert | None:
    """Deadline Alert: the run of local day D must finish by ``hour``:00 local on D+1.

    The reference is the run's logical date, which for the daily data-interval timetable
    is D 00:00 local (the interval start), so the interval is one day plus ``hour``
    hours. The callback runs in the triggerer (an ``AsyncCallback``). None when
    ``PORTAL_KPI_DEADLINE_ALERT=off`` (set by in-process ``dag.test()`` runs)."""
    if os.environ.get(DEADLINE_ENV, "on").strip().lower() in ("off", "0", "false", "no"):
        log.info("%s=off: %s has no deadline alert", DEADLINE_ENV, dag_id)
        return None
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(days=1, hours=hour),
        callback=AsyncCallback(on_deadline_missed, kwargs={"dag_id": dag_id, "hour": hour}),
        name=f"{dag_id} done by {hour:02d}:00",
    )


def queue_deadline_missed(
    engine: Engine, dag_id: str, hour: int, context: Mapping[str, Any] | None
) -> int:
    from portal_kpi.alerts import enqueue

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
        kind=KIND_DEADLINE,
        dedupe_key=f"{dag_id}/{run_id}",
        subject=subject,
        body=body,
        detail={"dag_id": dag_id, "run_id": run_id, "state": state, "deadline": deadline},
    )


def _deadline_missed_sync(dag_id: str, hour: int, context: Mapping[str, Any] | None) -> str:
    from portal_kpi.alerts import send_pending
    from portal_kpi.db import make_engine

    engine = make_engine()
    try:
        queued = queue_deadline_missed(engine, dag_id, hour, context)
        report = send_pending(engine, kinds=[KIND_DEADLINE])
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


# --------------------------------------------------------------------------- demo sinks


@dataclass
class SinkHandle:
    """A running local receiver: where it listens and where it writes."""

    host: str
    port: int
    folder: Path
    _stop: Any = field(repr=False)

    def stop(self) -> None:
        self._stop()

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file())


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._n = 0

    def next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def start_smtp_sink(folder: Path, host: str = "127.0.0.1", port: int = 0) -> SinkHandle:
    """An SMTP server (aiosmtpd) on a thread writing every message it receives as an
    ``.eml`` file into ``folder``. ``port=0`` picks a free port (``handle.port``)."""
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    counter = _Counter()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

    class _Writer:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            n = counter.next()
            path = folder / f"{_stamp()}-{n:04d}.eml"
            content = envelope.original_content or envelope.content
            data = content if isinstance(content, bytes) else str(content).encode("utf-8")
            path.write_bytes(data)
            log.info("SMTP sink: message to %s written to %s", envelope.rcpt_tos, path)
            return "250 Message accepted for delivery"

    class _Controller(Controller):
        """Learns the real port when bound to port 0, before it checks it is ready."""

        def _create_server(self) -> Any:
            create = super()._create_server()

            async def bind() -> Any:
                server = await create
                if isinstance(server, asyncio.Server):
                    self.port = server.sockets[0].getsockname()[1]
                return server

            return bind()

    controller = _Controller(_Writer(), hostname=host, port=port)
    controller.start()
    log.info("SMTP sink on %s:%s writing to %s", host, controller.port, folder)
    return SinkHandle(host, int(controller.port), folder, controller.stop)


def start_webhook_sink(folder: Path, host: str = "127.0.0.1", port: int = 0) -> SinkHandle:
    """An HTTP server on a thread that answers every POST with 200 and writes its JSON
    body into ``folder`` (one ``.json`` file per request)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    folder.mkdir(parents=True, exist_ok=True)
    counter = _Counter()

    class _Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            log.debug("webhook sink: " + format, *args)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                payload: Any = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                self.send_response(400)
                self.end_headers()
                return
            path = folder / f"{_stamp()}-{counter.next():04d}.json"
            path.write_text(
                json.dumps({"path": self.path, "payload": payload}, ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
            log.info("webhook sink: POST %s written to %s", self.path, path)
            answer = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="webhook-sink", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    bound = int(server.server_address[1])
    log.info("webhook sink on %s:%s writing to %s", host, bound, folder)
    return SinkHandle(host, bound, folder, stop)


def demo_alert_connections(
    smtp_port: int, webhook_port: int, host: str = "127.0.0.1"
) -> dict[str, str]:
    """Environment values of ``AIRFLOW_CONN_ALERTS_SMTP`` and ``AIRFLOW_CONN_ALERTS_WEBHOOK``
    pointing at the local sinks (plain SMTP without TLS, plain HTTP)."""
    smtp = {
        "conn_type": "smtp",
        "host": host,
        "port": smtp_port,
        "extra": {
            "from_email": "portal-kpi@localhost",
            "disable_tls": True,
            "disable_ssl": True,
            "timeout": 10,
            "retry_limit": 0,
        },
    }
    webhook = {
        "conn_type": "http",
        "host": host,
        "port": webhook_port,
        "schema": "http",
        "extra": {"path": "/hooks/portal-kpi", "timeout": 10},
    }
    return {
        f"AIRFLOW_CONN_{CONN_SMTP.upper()}": json.dumps(smtp),
        f"AIRFLOW_CONN_{CONN_WEBHOOK.upper()}": json.dumps(webhook),
    }
