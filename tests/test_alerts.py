"""KPI breaches as state, the digest, and delivery over real sockets (a local SMTP server
and a local webhook receiver)."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from portal_kpi.alerts.breaches import JUDGE_ENV, JudgeRule, judge, parse_rules, queue_digest
from portal_kpi.alerts.channels import DeliveryError, webhook_url
from portal_kpi.alerts.labels import severity
from portal_kpi.alerts.outbox import enqueue, send_pending
from portal_kpi.alerts.run import run_alerts
from portal_kpi.config import ConfigError, ConnInfo
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink

D1, D2, D3 = date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def outbox(engine: Any) -> Iterator[Any]:
    """An empty outbox and the seeded recipients; both restored afterwards (the ops
    schema is not emptied by the engine fixture)."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ops.outbox"))
        saved = conn.execute(text("SELECT * FROM ops.recipient ORDER BY 1")).mappings().all()
    yield engine
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE ops.outbox"))
        conn.execute(
            text("DELETE FROM ops.recipient WHERE NOT (recipient_id = ANY(:ids))"),
            {"ids": [r["recipient_id"] for r in saved]},
        )
        for r in saved:
            conn.execute(
                text(
                    "UPDATE ops.recipient SET name = :name, channel = :channel,"
                    " address = :address, agency_code = :agency_code, kpi = :kpi,"
                    " kinds = :kinds, active = :active WHERE recipient_id = :recipient_id"
                ),
                dict(r),
            )


@pytest.fixture
def sinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    for name, value in demo_alert_connections(smtp.port, hook.port).items():
        monkeypatch.setenv(name, value)
    yield {"smtp": smtp, "webhook": hook}
    smtp.stop()
    hook.stop()


def put_values(engine: Any, rows: list[tuple[Any, ...]]) -> None:
    """Crafted kpi.kpi_value rows: (kpi, grain, period, agency, value, target, comparator)."""
    with engine.begin() as conn:
        for kpi, grain, period, agency, value, target, comparator in rows:
            meets = None
            if value is not None and target is not None:
                meets = {">=": value >= target, "<=": value <= target, "=": value == target}[
                    comparator
                ]
            conn.execute(
                text(
                    "INSERT INTO kpi.kpi_value (kpi, period_grain, period_start, agency_code,"
                    " as_of, numerator, denominator, value, target, comparator, meets_target)"
                    " VALUES (:k, :g, :p, :a, :p, NULL, NULL, :v, :t, :c, :m)"
                    " ON CONFLICT (kpi, period_grain, period_start, agency_code) DO UPDATE"
                    " SET value = EXCLUDED.value, meets_target = EXCLUDED.meets_target"
                ),
                {"k": kpi, "g": grain, "p": period, "a": agency, "v": value, "t": target,
                 "c": comparator, "m": meets},
            )  # fmt: skip


def loaded(engine: Any, *days: date) -> None:
    """Mark days loaded just now (keeps the staleness check quiet)."""
    with engine.begin() as conn:
        for d in days:
            conn.execute(
                text(
                    "INSERT INTO core.load_day (business_day, batches, versions_seen)"
                    " VALUES (:d, '{}', 1) ON CONFLICT (business_day) DO NOTHING"
                ),
                {"d": d},
            )


def messages(engine: Any, kind: str | None = None) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT * FROM ops.outbox WHERE (CAST(:k AS text) IS NULL OR kind = :k)"
                " ORDER BY message_id"
            ),
            {"k": kind},
        ).all()


def breaches(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM kpi.alert ORDER BY alert_id")).all()


def read_mail(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def read_hooks(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def history(kpi: str = "online_share", agency: str = "H48") -> list[tuple[Any, ...]]:
    """Three weeks before D1 that meet target (for the chart)."""
    return [
        (kpi, "day", D1 - timedelta(days=i), agency, 0.65 + i / 200, 0.60, ">=")
        for i in range(1, 22)
    ]


def test_miss_miss_meet_gives_one_opening_one_digest_entry_one_recovery(
    outbox: Any, sinks: dict[str, Any]
) -> None:
    engine = outbox
    put_values(
        engine,
        [
            *history(),
            ("online_share", "day", D1, "H48", 0.45, 0.60, ">="),
            ("online_share", "day", D2, "H48", 0.50, 0.60, ">="),
            ("online_share", "day", D3, "H48", 0.70, 0.60, ">="),
        ],
    )
    loaded(engine, D1, D2, D3)
    now = datetime.now(UTC)

    first = run_alerts(engine, D1, now)
    assert (first["opened"], first["closed"], first["digest_messages"]) == (1, 0, 0)
    assert first["failed"] == 0 and first["sent"] == 2  # one e-mail, one webhook post
    second = run_alerts(engine, D2, now)
    assert (second["opened"], second["closed"], second["digest_messages"]) == (0, 0, 2)
    third = run_alerts(engine, D3, now)
    assert (third["opened"], third["closed"], third["digest_messages"]) == (0, 1, 0)

    # Rerunning any of the days opens, closes and queues nothing new.
    before = len(messages(engine))
    for d in (D3, D2, D1):
        again = run_alerts(engine, d, now)
        assert (again["opened"], again["closed"], again["sent"]) == (0, 0, 0)
    assert len(messages(engine)) == before

    (alert,) = breaches(engine)
    assert alert.status == "closed" and alert.severity == "high"  # 0.10 under at D2
    assert (alert.opened_period, alert.last_period, alert.closed_period) == (D1, D2, D3)
    assert (float(alert.opened_value), float(alert.last_value)) == (0.45, 0.50)
    assert float(alert.closed_value) == 0.70 and alert.closed_at >= alert.opened_at
    assert (alert.opened_day, alert.closed_day) == (D1, D3)

    kinds = [m.kind for m in messages(engine)]
    assert kinds.count("kpi_breach_open") == 2 and kinds.count("kpi_breach_close") == 2
    assert kinds.count("kpi_digest") == 2  # one per recipient, for D2 only
    assert all(m.sent_at is not None and m.attempts == 1 for m in messages(engine))
    for digest in messages(engine, "kpi_digest"):
        assert digest.dedupe_key == f"digest/{D2.isoformat()}"
        vietnamese, english = digest.body.split("English:")
        assert vietnamese.count("\n- ") == 1 and english.count("\n- ") == 1
        assert "H48" in vietnamese and "open since" in english

    # The e-mails as received by the SMTP server: subject, text, PNG chart.
    mail = read_mail(sinks["smtp"].folder)
    assert len(mail) == 3
    opening, digest, recovery = mail
    assert "Cảnh báo KPI" in opening["subject"] and "KPI breach" in opening["subject"]
    assert opening["to"] == "data-team@localhost"
    html_part = opening.get_body(preferencelist=("html",))
    assert html_part is not None
    content = html_part.get_content()
    assert "chưa đạt chỉ tiêu" in content and "English:" in content and "45.00 %" in content
    (chart,) = [p for p in opening.iter_attachments() if p.get_filename() == "chart.png"]
    assert chart.get_content().startswith(PNG_MAGIC)
    assert "Bản tin KPI" in digest["subject"]
    assert "Đã đạt lại KPI" in recovery["subject"] and "recovered" in recovery["subject"]
    (chart,) = list(recovery.iter_attachments())
    assert chart.get_content().startswith(PNG_MAGIC)

    # The webhook posts: Slack-compatible JSON.
    posts = read_hooks(sinks["webhook"].folder)
    assert len(posts) == 3
    assert all(set(p["payload"]) == {"text"} for p in posts)
    assert posts[0]["path"] == "/hooks/portal-kpi"
    assert "Cảnh báo KPI" in posts[0]["payload"]["text"]
    assert "English:" in posts[2]["payload"]["text"]


def test_null_value_neither_opens_nor_closes(outbox: Any) -> None:
    engine = outbox
    put_values(
        engine,
        [
            ("on_time_rate", "day", D1, "H48", None, 1, ">="),
            ("on_time_rate", "day", D2, "H48", 0.7, 1, ">="),
            ("on_time_rate", "day", D3, "H48", None, 1, ">="),
        ],
    )
    assert judge(engine, D1).opened == []
    assert len(judge(engine, D2).opened) == 1
    result = judge(engine, D3)
    assert (result.opened, result.closed) == ([], [])
    (alert,) = breaches(engine)
    assert alert.status == "open" and alert.severity == "critical"  # 30 points under


def test_restated_period_is_judged_again(outbox: Any) -> None:
    """An open breach whose latest period is restated to meet target closes at it."""
    engine = outbox
    put_values(engine, [("late_count", "day", D1, "H48", 4, 0, "=")])
    assert len(judge(engine, D1).opened) == 1
    assert breaches(engine)[0].severity == "medium"
    put_values(engine, [("late_count", "day", D1, "H48", 0, 0, "=")])  # restated
    assert len(judge(engine, D1).closed) == 1
    assert judge(engine, D1).closed == []  # and only once
    (alert,) = breaches(engine)
    assert (alert.status, alert.opened_period, alert.closed_period) == ("closed", D1, D1)


def test_default_grains_and_configured_rules(outbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = outbox
    put_values(
        engine,
        [
            ("late_count", "day", D2, "H48.07", 30, 0, "="),  # agency day: not judged
            ("late_count", "month", D2.replace(day=1), "H48.07", 12, 0, "="),  # judged
            ("late_count", "month", D2.replace(day=1), "H48", 12, 0, "="),  # province month: no
            ("on_time_rate", "day", D2, "H48", 0.99, 1, ">="),  # province day: judged
        ],
    )
    monkeypatch.delenv(JUDGE_ENV, raising=False)
    judge(engine, D2)
    got = {(a.kpi, a.agency_code, a.period_grain, a.severity) for a in breaches(engine)}
    assert got == {
        ("late_count", "H48.07", "month", "high"),
        ("on_time_rate", "H48", "day", "low"),
    }
    opening = messages(engine, "kpi_breach_open")
    assert {m.detail["agency_code"] for m in opening} == {"H48.07", "H48"}
    month_subject = next(m.subject for m in opening if m.detail["agency_code"] == "H48.07")
    assert "tháng 11/2026" in month_subject

    monkeypatch.setenv(JUDGE_ENV, "H48.07:day:late_count|on_time_rate")
    assert len(judge(engine, D2).opened) == 1
    assert parse_rules("province:day, agency:month:a|b") == [
        JudgeRule("province", "day"),
        JudgeRule("agency", "month", ("a", "b")),
    ]
    with pytest.raises(ConfigError):
        parse_rules("province:week")


def test_digest_follows_recipient_filters(outbox: Any) -> None:
    engine = outbox
    with engine.begin() as conn:
        conn.execute(text("UPDATE ops.recipient SET active = false"))
        conn.execute(
            text(
                "INSERT INTO ops.recipient (name, channel, address, agency_code, kinds) VALUES"
                " ('Sở KH&CN', 'email', 'so-khcn@localhost', 'H48.07', NULL),"
                " ('Chỉ bản tin', 'email', 'digest@localhost', NULL, ARRAY['kpi_digest'])"
            )
        )
    put_values(
        engine,
        [
            ("late_count", "month", D1.replace(day=1), "H48.07", 2, 0, "="),
            ("late_count", "month", D1.replace(day=1), "H48.112", 5, 0, "="),
        ],
    )
    judge(engine, D1)
    openings = messages(engine, "kpi_breach_open")
    assert [m.address for m in openings] == ["so-khcn@localhost"]  # digest-only gets none
    assert queue_digest(engine, D1) == 0  # opened today: announced already
    assert queue_digest(engine, D2) == 2
    assert queue_digest(engine, D2) == 0  # once per day
    digests = {m.address: m.body for m in messages(engine, "kpi_digest")}
    assert "H48.07" in digests["so-khcn@localhost"]
    assert "H48.112" not in digests["so-khcn@localhost"]
    assert "H48.112" in digests["digest@localhost"] and "H48.07" in digests["digest@localhost"]


def test_receiver_down_keeps_the_message_and_sends_it_next_run(
    outbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = outbox
    put_values(engine, [("online_share", "day", D1, "H48", 0.3, 0.6, ">=")])
    loaded(engine, D1)
    # Both receivers are down: their ports are closed.
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    smtp.stop()
    hook.stop()
    for name, value in demo_alert_connections(smtp.port, hook.port).items():
        monkeypatch.setenv(name, value)

    result = run_alerts(engine, D1, datetime.now(UTC))
    assert (result["opened"], result["sent"], result["failed"]) == (1, 0, 2)
    pending = messages(engine)
    assert len(pending) == 2
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in pending)

    # Next run, the receivers are up again.
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    try:
        for name, value in demo_alert_connections(smtp.port, hook.port).items():
            monkeypatch.setenv(name, value)
        report = send_pending(engine)
        assert (report.sent, report.failed) == (2, 0)
        assert send_pending(engine).sent == 0
    finally:
        smtp.stop()
        hook.stop()
    assert all(m.sent_at is not None and m.attempts == 2 and m.last_error is None
               for m in messages(engine))  # fmt: skip
    assert len(read_mail(tmp_path / "mail")) == 1 and len(read_hooks(tmp_path / "hook")) == 1


def test_missing_connections_turn_channels_off(
    outbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = outbox
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_SMTP", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_WEBHOOK", raising=False)
    enqueue(engine, kind="freshness", dedupe_key="x", subject="s", body="b")
    report = send_pending(engine)
    assert (report.sent, report.failed, report.waiting) == (0, 0, 2)
    assert sorted(report.channels_off) == ["email", "webhook"]
    assert all(m.attempts == 0 and m.sent_at is None for m in messages(engine))


def test_severity_thresholds() -> None:
    sev = severity
    assert sev("on_time_rate", 0.78, 1, ">=") == "critical"
    assert sev("on_time_rate", 0.85, 1, ">=") == "high"
    assert sev("online_share", 0.54, 0.6, ">=") == "medium"
    assert sev("online_share", 0.58, 0.6, ">=") == "low"
    assert sev("late_count", 25, 0, "=") == "critical"
    assert sev("late_count", 10, 0, "=") == "high"
    assert sev("late_without_apology", 3, 0, "=") == "medium"
    assert sev("multi_supplement_count", 1, 0, "=") == "low"


def test_webhook_urls() -> None:
    def conn(**kw: Any) -> ConnInfo:
        base: dict[str, Any] = {"conn_id": "alerts_webhook", "conn_type": "http", "host": "h",
                                "port": None, "login": "", "password": "", "schema": "",
                                "extra": {}}  # fmt: skip
        return ConnInfo(**{**base, **kw})

    assert webhook_url(conn(conn_type="https", host="hooks.slack.com",
                                   schema="services/T/B/X")) == (
        "https://hooks.slack.com/services/T/B/X"
    )  # fmt: skip
    assert webhook_url(conn(port=8080, schema="http", extra={"path": "/a"})) == ("http://h:8080/a")
    assert webhook_url(conn(host="https://x.example/base"), "/other") == ("https://x.example/other")
    with pytest.raises(DeliveryError):
        webhook_url(conn(), "https://elsewhere.example/")
