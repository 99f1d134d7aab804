"""Run monitoring: one message per final task failure (a real dag.test with a retry),
the deadline alert and its callback, the freshness check, and the local sinks."""

from __future__ import annotations

import asyncio
import email
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from portal_kpi.alerts.compose import queue_run
from portal_kpi.alerts.freshness import check_freshness
from portal_kpi.alerts.sections import Finding
from portal_kpi.dates import local_midnight_aware, today_local
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.tasks.callbacks import (
    DEADLINE_ENV,
    deadline_alert,
    on_deadline_missed,
    on_task_failure,
)
from portal_kpi.tasks.portal_daily import alerts as alert_step

D = date(2026, 11, 20)  # a Friday


@pytest.fixture
def outbox(engine: Any) -> Iterator[Any]:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ops.outbox"))
    yield engine
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ops.outbox"))


@pytest.fixture
def sinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    for name, value in demo_alert_connections(smtp.port, hook.port).items():
        monkeypatch.setenv(name, value)
    yield {"smtp": smtp, "webhook": hook}
    smtp.stop()
    hook.stop()


def rows(engine: Any, kind: str) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT * FROM ops.outbox WHERE kind = :k ORDER BY message_id"), {"k": kind}
        ).all()


class FakeTaskInstance:
    dag_id = "portal_daily"
    task_id = "extract_dossiers"
    run_id = "scheduled__2026-11-20T17:00:00+00:00"
    try_number = 3
    map_index = -1
    log_url = (
        "http://localhost:8080/dags/portal_daily/runs/scheduled__2026-11-20T17%3A00%3A00%2B00"
        "%3A00/tasks/extract_dossiers?try_number=3"
    )


def test_on_task_failure_sends_one_message(outbox: Any, sinks: dict[str, Any]) -> None:
    context = {
        "task_instance": FakeTaskInstance(),
        "ti": FakeTaskInstance(),
        "run_id": FakeTaskInstance.run_id,
        "logical_date": local_midnight_aware(D),
        "exception": ConnectionError("portal refused the connection\nTraceback detail"),
    }
    on_task_failure(context)
    on_task_failure(context)  # called twice: still one message per recipient
    sent = rows(outbox, "task_failure")
    assert len(sent) == 2 and {m.channel for m in sent} == {"email", "webhook"}
    assert all(m.sent_at is not None for m in sent)
    body = sent[0].body
    assert "extract_dossiers" in body and "portal_daily" in body and "lần thử thứ 3" in body
    assert "ConnectionError: portal refused the connection" in body
    assert "Traceback detail" not in body and FakeTaskInstance.log_url in body

    (mail,) = sinks["smtp"].files()
    message = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
    assert "thất bại" in message["subject"] and "task failed" in message["subject"]
    (post,) = sinks["webhook"].files()
    assert "try 3" in json.loads(post.read_text(encoding="utf-8"))["payload"]["text"]


def test_on_task_failure_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://nobody@127.0.0.1:9/none")
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    on_task_failure({})  # nothing usable at all
    on_task_failure({"ti": FakeTaskInstance(), "exception": RuntimeError("x")})


PROBE_DAG = """
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, task

from portal_kpi.tasks.callbacks import on_task_failure

with DAG(
    "alerts_failing_probe",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={
        "retries": 1,
        "retry_delay": timedelta(seconds=1),
        "on_failure_callback": on_task_failure,
    },
):

    @task
    def always_fails() -> None:
        raise RuntimeError("kho dữ liệu không phản hồi / warehouse did not answer")

    always_fails()
"""


@pytest.mark.e2e
def test_failing_task_after_retries_gives_exactly_one_message(
    outbox: Any, airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real dag.test of a one-task DAG (in its own bundle) failing twice."""
    from airflow.dag_processing.dagbag import DagBag

    folder = tmp_path / "probe_dags"
    folder.mkdir()
    (folder / "alerts_failing_probe.py").write_text(PROBE_DAG, encoding="utf-8")
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    monkeypatch.setenv(
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST",
        json.dumps(
            [
                {"name": "dags-folder", "classpath": local, "kwargs": {}},
                {"name": "alerts-probe", "classpath": local, "kwargs": {"path": str(folder)}},
            ]
        ),
    )
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_SMTP", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    bag = DagBag(dag_folder=str(folder))
    assert bag.import_errors == {}
    dag = bag.get_dag("alerts_failing_probe")
    assert dag is not None

    run = dag.test(logical_date=datetime(2026, 11, 20, 17, tzinfo=UTC))
    assert str(getattr(run, "state", "")) == "failed"
    failures = rows(outbox, "task_failure")
    with outbox.connect() as conn:
        recipients = conn.execute(text("SELECT count(*) FROM ops.recipient WHERE active")).scalar()
    assert len(failures) == recipients  # one message, to each recipient
    assert len({m.dedupe_key for m in failures}) == 1
    detail = failures[0].detail
    assert detail["dag_id"] == "alerts_failing_probe" and detail["task_id"] == "always_fails"
    assert detail["try_number"] == 2
    assert detail["error"].startswith("RuntimeError: kho dữ liệu không phản hồi")
    assert "/dags/alerts_failing_probe/runs/" in detail["log_url"]
    # The channels are off (no connections): kept for the next run, not failed.
    assert all(m.sent_at is None and m.attempts == 0 for m in failures)


def test_deadline_alert_is_seven_in_the_morning_after_the_day(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

    monkeypatch.setenv(DEADLINE_ENV, "off")
    assert deadline_alert() is None
    monkeypatch.delenv(DEADLINE_ENV)
    alert = deadline_alert()
    assert isinstance(alert, DeadlineAlert)
    assert alert.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
    assert isinstance(alert.callback, AsyncCallback)
    assert alert.callback.path == "portal_kpi.tasks.callbacks.on_deadline_missed"
    # A scheduled run's logical date is its data interval start: D 00:00 local.
    deadline = local_midnight_aware(D) + alert.interval
    assert (deadline.date(), deadline.hour, deadline.minute) == (D + timedelta(days=1), 7, 0)

    # It serializes with a DAG, as the scheduler stores it.
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    with DAG("deadline_probe", schedule=None, deadline=alert) as dag:
        pass
    serialized = json.dumps(DagSerialization.serialize_dag(dag), default=str)
    assert "portal_kpi.tasks.callbacks.on_deadline_missed" in serialized


class Run:
    """What the task reads of Airflow's DagRun: its run type."""

    def __init__(self, run_type: str) -> None:
        self.run_type = run_type


def test_alert_step_entry_point(outbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_SMTP", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    yesterday = today_local() - timedelta(days=1)
    result = alert_step(local_midnight_aware(yesterday), Run("scheduled"))
    assert result["day"] == yesterday.isoformat() and result["opened"] == 0
    assert result["send"] is True
    assert result["freshness"] == ["stale_load"]  # nothing was ever loaded
    assert result["sent"] == 0 and result["waiting"] == 2  # one message per recipient
    assert sorted(result["channels_off"]) == ["email", "telegram", "webhook"]
    # The same day run as a backfill, or a manual rerun of an old day: records only.
    for run, day in ((Run("backfill"), yesterday), (Run("manual"), D)):
        again = alert_step(local_midnight_aware(day), run)
        assert again["send"] is False and "sent" not in again, again
    assert len(rows(outbox, "run_summary")) == 2


def test_deadline_callback_queues_and_sends(outbox: Any, sinks: dict[str, Any]) -> None:
    yesterday = today_local() - timedelta(days=1)
    start = local_midnight_aware(yesterday).astimezone(UTC).isoformat()

    def context(run_type: str, data_interval_start: str = start) -> dict[str, Any]:
        return {
            "dag_run": {
                "dag_run_id": f"{run_type}__{data_interval_start}",
                "dag_id": "portal_daily",
                "data_interval_start": data_interval_start,
                "run_type": run_type,
                "state": "running",
            },
            "deadline": {"id": "0199", "deadline_time": "2026-11-21T00:00:00Z"},
        }

    # A manual rerun or a backfill, or the scheduler's run of an older day: not judged.
    for run_type, when in (("manual", start), ("backfill", start),
                           ("scheduled", "2026-11-19T17:00:00Z")):  # fmt: skip
        result = asyncio.run(on_deadline_missed(context=context(run_type, when)))
        assert result.startswith("not judged"), result
    assert rows(outbox, "dag_deadline") == []
    context = context("scheduled")
    result = asyncio.run(on_deadline_missed(context=context, dag_id="portal_daily"))
    assert result.startswith("queued 2, sent 2")
    asyncio.run(on_deadline_missed(context=context, dag_id="portal_daily"))
    (mail_row, _hook_row) = sorted(rows(outbox, "dag_deadline"), key=lambda r: r.channel)
    assert "07:00" in mail_row.subject and "running" in mail_row.body
    assert len(sinks["smtp"].files()) == 1 and len(sinks["webhook"].files()) == 1


def _facts(engine: Any, loaded_hours_ago: float | None, versions: int, working: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.calendar_day (day, is_working_day, holiday_name, source)"
                " VALUES (:d, :w, NULL, 'weekday')"
            ),
            {"d": D, "w": working},
        )
        if loaded_hours_ago is not None:
            conn.execute(
                text(
                    "INSERT INTO core.load_day (business_day, batches, versions_seen, loaded_at)"
                    " VALUES (:d, '{}', :n, now() - make_interval(secs => :h * 3600))"
                ),
                {"d": D, "n": versions, "h": loaded_hours_ago},
            )


def test_freshness_no_changes_on_a_working_day(outbox: Any) -> None:
    _facts(outbox, 1, 0, working=True)
    found = check_freshness(outbox, D, datetime.now(UTC))
    assert [f["kind"] for f in found] == ["no_changes_on_working_day"]
    findings = [Finding(f["kind"], f) for f in found]
    assert queue_run(outbox, D, send=True, findings=findings).queued == 2  # both catch-alls
    assert queue_run(outbox, D, send=True, findings=findings).queued == 0  # once a day
    (mail_row, hook_row) = sorted(rows(outbox, "run_summary"), key=lambda r: r.channel)
    assert "cổng không báo thay đổi hồ sơ nào" in mail_row.body
    assert "20/11/2026" in mail_row.body and "data quality" in hook_row.body


def test_freshness_quiet_day_off_and_stale_load(outbox: Any) -> None:
    _facts(outbox, 30, 0, working=False)
    found = check_freshness(outbox, D, datetime.now(UTC))
    assert [f["kind"] for f in found] == ["stale_load"]
    assert found[0]["hours_since"] >= 29.9 and found[0]["watermark"] == D.isoformat()
    fresh = check_freshness(outbox, D, datetime.now(UTC) - timedelta(hours=10))
    assert fresh == []


def test_freshness_data_quality_event_and_no_load_at_all(outbox: Any) -> None:
    with outbox.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO quality.dq_event (business_day, kind, detail)"
                " VALUES (:d, 'no_changes_on_working_day', '{}')"
            ),
            {"d": D},
        )
    found = check_freshness(outbox, D, datetime.now(UTC))
    assert [f["kind"] for f in found] == ["no_changes_on_working_day", "stale_load"]
    assert found[1]["last_loaded_at"] is None


def test_demo_connections_point_at_the_sinks(sinks: dict[str, Any]) -> None:
    from portal_kpi.alerts.channels import webhook_url
    from portal_kpi.config import get_connection

    env = demo_alert_connections(sinks["smtp"].port, sinks["webhook"].port)
    assert set(env) == {"AIRFLOW_CONN_ALERTS_SMTP", "AIRFLOW_CONN_ALERTS_WEBHOOK"}
    smtp = get_connection("alerts_smtp")
    assert (smtp.host, smtp.port) == ("127.0.0.1", sinks["smtp"].port)
    url = webhook_url(get_connection("alerts_webhook"))
    assert url == f"http://127.0.0.1:{sinks['webhook'].port}/hooks/portal-kpi"
