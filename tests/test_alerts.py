"""KPI breaches as state, one message per recipient per run, routing, formatting, the
inline chart, backfill suppression, and delivery over real sockets (a local SMTP server,
a webhook receiver, and a receiver standing in for Telegram's Bot API)."""

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
from matplotlib import dates as mdates
from openpyxl import Workbook
from sqlalchemy import text

from portal_kpi.alerts.breaches import JUDGE_ENV, JudgeRule, judge, parse_rules
from portal_kpi.alerts.channels import DeliveryError, webhook_url
from portal_kpi.alerts.chart import chart_figure, render_chart
from portal_kpi.alerts.compose import queue_run
from portal_kpi.alerts.labels import (
    fmt_day,
    fmt_gap,
    fmt_number,
    fmt_percent,
    fmt_value,
    severity,
)
from portal_kpi.alerts.outbox import enqueue, send_pending
from portal_kpi.alerts.recipients import RecipientFileError, import_file, read_rows, validate
from portal_kpi.alerts.run import run_alerts
from portal_kpi.alerts.sections import EarlyWarning, Finding
from portal_kpi.config import ConfigError, ConnInfo
from portal_kpi.devtools.cli import main as cli_main
from portal_kpi.devtools.sinks import (
    DEMO_BOT_TOKEN,
    DEMO_CHAT_ID,
    demo_alert_connections,
    start_smtp_sink,
    start_webhook_sink,
)
from portal_kpi.links import DASHBOARD_URL_ENV as DASHBOARD_ENV
from portal_kpi.tasks.delivery import deadline_applies, decide, run_type_of

D1, D2, D3 = date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)  # Wed, Thu, Fri
SAT = date(2026, 11, 21)
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
                    " kinds = :kinds, active = :active, agency_codes = :agency_codes,"
                    " agency_level = :agency_level WHERE recipient_id = :recipient_id"
                ),
                dict(r),
            )


@pytest.fixture
def sinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A local SMTP server, a webhook receiver, and a receiver standing in for
    Telegram's Bot API (the connection's host points Apprise at it)."""
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    bot = start_webhook_sink(tmp_path / "telegram")
    for name, value in demo_alert_connections(smtp.port, hook.port, telegram_port=bot.port).items():
        monkeypatch.setenv(name, value)
    yield {"smtp": smtp, "webhook": hook, "telegram": bot}
    smtp.stop()
    hook.stop()
    bot.stop()


def put_values(engine: Any, rows: list[tuple[Any, ...]]) -> None:
    """Crafted kpi.kpi_value rows: (kpi, grain, period, agency, value, target, comparator)."""
    with engine.begin() as conn:
        for kpi, grain, period, agency, value, target, comparator in rows:
            meets = None
            if value is not None and target is not None:
                meets = {">=": value >= target, "<=": value <= target, "=": value == target}[
                    comparator
                ]
            n, total = (None, None)
            if value is not None:  # n/N: ratios of 1.000 dossiers, counts as themselves
                n, total = (
                    (round(value * 1000), 1000) if value < 1 or target == 1 else (value, None)
                )
            conn.execute(
                text(
                    "INSERT INTO kpi.kpi_value (kpi, period_grain, period_start, agency_code,"
                    " as_of, numerator, denominator, value, target, comparator, meets_target)"
                    " VALUES (:k, :g, :p, :a, :p, :n, :d, :v, :t, :c, :m)"
                    " ON CONFLICT (kpi, period_grain, period_start, agency_code) DO UPDATE"
                    " SET value = EXCLUDED.value, meets_target = EXCLUDED.meets_target"
                ),
                {"k": kpi, "g": grain, "p": period, "a": agency, "v": value, "t": target,
                 "c": comparator, "m": meets, "n": n, "d": total},
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


AGENCIES = [
    ("H48", "Tỉnh Quảng Ngãi", "PROVINCE"),
    ("H48.07", "Sở Khoa học và Công nghệ", "PROVINCE"),
    ("H48.112", "UBND xã Tịnh Khê", "COMMUNE"),
]


def put_agencies(engine: Any) -> None:
    with engine.begin() as conn:
        for code, name, level in AGENCIES:
            conn.execute(
                text(
                    "INSERT INTO core.agency (code, name, level, valid_from, batch_id)"
                    " VALUES (:c, :n, :l, '2025-01-01', 'test') ON CONFLICT DO NOTHING"
                ),
                {"c": code, "n": name, "l": level},
            )


def add_recipients(engine: Any, *rows: tuple[Any, ...]) -> None:
    """(name, channel, address, agency_codes, agency_level, kinds) rows."""
    with engine.begin() as conn:
        for name, channel, address, codes, level, kinds in rows:
            conn.execute(
                text(
                    "INSERT INTO ops.recipient (name, channel, address, agency_codes,"
                    " agency_level, kinds) VALUES (:n, :ch, :a, :codes, :lvl, :k)"
                ),
                {"n": name, "ch": channel, "a": address, "codes": codes, "lvl": level, "k": kinds},
            )


def per_recipient_day(engine: Any) -> dict[tuple[int, date], int]:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT recipient_id, business_day, count(*) AS n FROM ops.outbox"
                " WHERE kind = 'run_summary' GROUP BY 1, 2"
            )
        ).all()
    return {(r.recipient_id, r.business_day): r.n for r in found}


def test_one_message_per_recipient_per_run_readable_and_inline_chart(
    outbox: Any, sinks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = outbox
    monkeypatch.setenv(DASHBOARD_ENV, "https://bi.example.test/portal")
    put_agencies(engine)
    add_recipients(engine, ("Nhóm trực Telegram", "telegram", "default", None, None, None))
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

    first = run_alerts(engine, D1, send=True, now=now)
    assert (first["opened"], first["closed"], first["queued"]) == (1, 0, 3)
    assert first["failed"] == 0 and first["sent"] == 3  # e-mail, webhook, Telegram
    second = run_alerts(engine, D2, send=True, now=now)
    assert (second["opened"], second["closed"], second["sent"]) == (0, 0, 3)
    third = run_alerts(engine, D3, send=True, now=now)
    assert (third["opened"], third["closed"], third["sent"]) == (0, 1, 3)

    # Reruns of those days, as backfills or as live runs: nothing new, nothing sent.
    before = len(messages(engine))
    for d in (D3, D2, D1):
        for send in (False, True):
            again = run_alerts(engine, d, send=send, now=now)
            assert (again["opened"], again["closed"], again.get("sent", 0)) == (0, 0, 0)
    assert len(messages(engine)) == before == 9
    assert set(per_recipient_day(engine).values()) == {1}

    (alert,) = breaches(engine)
    assert alert.status == "closed" and alert.severity == "high"  # 0.10 under at D2
    assert (alert.opened_day, alert.closed_day) == (D1, D3)

    # The e-mails as the SMTP server received them.
    mail = read_mail(sinks["smtp"].folder)
    assert len(mail) == 3
    opening, still, recovery = mail
    assert opening["to"] == "data-team@localhost"
    assert "[KPI 18/11/2026]" in opening["subject"] and "1 cảnh báo mới" in opening["subject"]
    assert "KPI alerts" in opening["subject"]
    text_body = opening.get_body(preferencelist=("plain",)).get_content()
    assert "CẢNH BÁO MỚI / NEW BREACHES (1)" in text_body
    assert "Tỉnh Quảng Ngãi (H48)" in text_body  # the catalogue's name
    assert "45,0 % (450/1.000)" in text_body  # Vietnamese formatting, n/N
    assert "chỉ tiêu / target ≥ 60,0 %" in text_body and "15,0 điểm %" in text_body
    assert "ngày 18/11/2026" in text_body and "2026-11-18" not in text_body
    assert "https://bi.example.test/portal/superset/dashboard/co-quan/" in text_body
    # The chart is inline: multipart/related, Content-ID referenced by the HTML part.
    related = next(p for p in opening.walk() if p.get_content_type() == "multipart/related")
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<kpi-chart>"
    assert image.get_content_disposition() == "inline"
    assert 'src="cid:kpi-chart"' in html_part.get_content()
    assert image.get_content().startswith(PNG_MAGIC)
    assert "45,0 %" in html_part.get_content() and "450/1.000" in html_part.get_content()
    assert not [p for p in opening.iter_attachments()]  # nothing shown as a file
    still_text = still.get_body(preferencelist=("plain",)).get_content()
    assert "VẪN CHƯA ĐẠT / STILL OPEN (1: 1 cao / high)" in still_text
    assert "mở từ / open since 18/11/2026" in still_text
    recovered = recovery.get_body(preferencelist=("plain",)).get_content()
    assert "ĐÃ ĐẠT LẠI CHỈ TIÊU / RECOVERED (1)" in recovered and "70,0 %" in recovered

    # The webhook posts: Slack-compatible JSON, one per day.
    posts = read_hooks(sinks["webhook"].folder)
    assert len(posts) == 3 and all(set(p["payload"]) == {"text"} for p in posts)
    assert posts[0]["path"] == "/hooks/portal-kpi"
    assert posts[0]["payload"]["text"].startswith("*[KPI 18/11/2026]")
    # Telegram, through Apprise, against the local stand-in for the Bot API.
    bot = read_hooks(sinks["telegram"].folder)
    assert len(bot) == 3
    assert bot[0]["path"] == f"/bot{DEMO_BOT_TOKEN}/sendMessage"
    assert str(bot[0]["payload"]["chat_id"]) == DEMO_CHAT_ID
    assert "45,0 % (450/1.000)" in bot[0]["payload"]["text"]


def test_groups_in_order(outbox: Any) -> None:
    """New breaches, recoveries, still open, early warnings, data quality — in that order."""
    engine = outbox
    put_agencies(engine)
    put_values(
        engine,
        [
            ("online_share", "day", D1, "H48", 0.45, 0.60, ">="),
            ("late_count", "day", D1, "H48", 4, 0, "="),
            ("online_share", "day", D2, "H48", 0.50, 0.60, ">="),
            ("late_count", "day", D2, "H48", 0, 0, "="),
            ("on_time_rate", "day", D2, "H48", 0.70, 1, ">="),
        ],
    )
    judge(engine, D1)
    judge(engine, D2)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO quality.dq_event (business_day, kind, detail) VALUES (:d, 'volume',"
                " CAST(:j AS jsonb))"
            ),
            {"d": D2, "j": json.dumps({"day": D2.isoformat(), "versions": 12345,
                                       "median_same_weekday_4w": 2000})},
        )  # fmt: skip
    warning = EarlyWarning(D2, "H48.07", None, {"overdue": 2, "due_soon": 1}, [])
    queue_run(engine, D2, send=True, warnings=[warning])
    (mail,) = [m for m in messages(engine, "run_summary") if m.channel == "email"]
    heads = ["1. CẢNH BÁO MỚI", "2. ĐÃ ĐẠT LẠI", "3. VẪN CHƯA ĐẠT", "4. CẢNH BÁO SỚM",
             "6. CHẤT LƯỢNG DỮ LIỆU"]  # fmt: skip
    where = [mail.body.index(h) for h in heads]
    assert where == sorted(where)
    assert "12.345 thay đổi hồ sơ" in mail.body and "trung vị 2.000" in mail.body
    assert "Sở Khoa học và Công nghệ (H48.07)" in mail.body  # name from core.agency
    assert "70,0 % (700/1.000)" in mail.body and "30,0 điểm %" in mail.body


def test_weekend_sends_nothing_unless_something_new_opened(outbox: Any) -> None:
    engine = outbox
    put_values(engine, [("late_count", "day", D3, "H48", 4, 0, "=")])
    judge(engine, D3)
    assert queue_run(engine, SAT, send=True).queued == 0  # only still open: nothing
    put_values(engine, [("on_time_rate", "day", SAT, "H48", 0.5, 1, ">=")])
    judge(engine, SAT)
    assert queue_run(engine, SAT, send=True).queued == 2  # a new breach opened
    (body,) = {m.body for m in messages(engine, "run_summary") if m.channel == "email"}
    assert "CẢNH BÁO MỚI" in body and "21/11/2026" in body


def test_backfill_records_what_it_would_send_and_sends_nothing(
    outbox: Any, sinks: dict[str, Any]
) -> None:
    engine = outbox
    put_values(engine, [("online_share", "day", D1, "H48", 0.3, 0.6, ">=")])
    loaded(engine, D1)
    result = run_alerts(engine, D1, send=False)
    assert (result["opened"], result["queued"], result["suppressed_backfill"]) == (1, 0, 2)
    assert "sent" not in result
    assert {m.status for m in messages(engine)} == {"suppressed_backfill"}
    assert send_pending(engine).sent == 0  # never picked up later either
    assert sinks["smtp"].files() == [] and sinks["webhook"].files() == []


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
    loaded(engine, D2)
    queue_run(engine, D2, send=True)
    (body,) = {m.body for m in messages(engine, "run_summary") if m.channel == "email"}
    assert "tháng 11/2026" in body and "ngày 19/11/2026" in body

    monkeypatch.setenv(JUDGE_ENV, "H48.07:day:late_count|on_time_rate")
    assert len(judge(engine, D2).opened) == 1
    assert parse_rules("province:day, agency:month:a|b") == [
        JudgeRule("province", "day"),
        JudgeRule("agency", "month", ("a", "b")),
    ]
    with pytest.raises(ConfigError):
        parse_rules("province:week")


def test_recipient_limited_to_one_agency_gets_only_its_sections(outbox: Any) -> None:
    engine = outbox
    put_agencies(engine)
    add_recipients(
        engine,
        ("Lãnh đạo Sở KH&CN", "email", "so-khcn@localhost", ["H48.07"], None, None),
        ("Các xã", "email", "cac-xa@localhost", None, "COMMUNE", None),
        ("Chỉ cảnh báo sớm", "email", "som@localhost", ["H48.07"], None, ["due_soon"]),
    )
    month = D1.replace(day=1)
    put_values(
        engine,
        [
            ("late_count", "month", month, "H48.07", 2, 0, "="),
            ("late_count", "month", month, "H48.112", 5, 0, "="),
        ],
    )
    judge(engine, D1)
    warnings = [
        EarlyWarning(D1, "H48.07", "Sở KH&CN", {"overdue": 3}, []),
        EarlyWarning(D1, "H48.112", "Xã Tịnh Khê", {"due_soon": 4}, []),
    ]
    stale = Finding("stale_load", {"day": D1.isoformat(), "last_loaded_at": None})
    queue_run(engine, D1, send=True, warnings=warnings, findings=[stale])
    got = {m.address: m.body for m in messages(engine, "run_summary")}
    assert got["so-khcn@localhost"].count("H48.07") >= 2  # its breach and its early warning
    assert "H48.112" not in got["so-khcn@localhost"]
    assert "CHẤT LƯỢNG DỮ LIỆU" not in got["so-khcn@localhost"]  # the data team's
    assert "H48.112" in got["cac-xa@localhost"] and "H48.07" not in got["cac-xa@localhost"]
    assert "CẢNH BÁO SỚM" in got["som@localhost"] and "CẢNH BÁO MỚI" not in got["som@localhost"]
    team = got["data-team@localhost"]
    assert "H48.07" in team and "H48.112" in team and "CHẤT LƯỢNG DỮ LIỆU" in team
    assert per_recipient_day(engine) and set(per_recipient_day(engine).values()) == {1}


def test_recipients_import_validates_and_upserts(outbox: Any, tmp_path: Path) -> None:
    engine = outbox
    put_agencies(engine)
    good = tmp_path / "nguoi-nhan.csv"
    good.write_text(
        "name,channel,address,agencies,level,kinds,active\n"
        "Lãnh đạo Sở KH&CN,email,lanhdao.skhcn@example.vn,H48.07,,,yes\n"
        "Các xã,telegram,-1001234567890,,COMMUNE,due_soon;kpi_breach_open,\n"
        "Kênh dữ liệu,webhook,/hooks/data,,,,no\n",
        encoding="utf-8",
    )
    assert import_file(engine, good) == (3, 0)
    assert import_file(engine, good) == (0, 3)  # the same list again: updated in place
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM ops.recipient WHERE address = '-1001234567890'")
        ).one()
    assert (row.channel, row.agency_level, row.kinds) == (
        "telegram", "COMMUNE", ["due_soon", "kpi_breach_open"]
    )  # fmt: skip

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Channel", "Address", "Agencies"])
    sheet.append(["Xã Tịnh Khê", "email", "xa.tinhkhe@example.vn", "H48.112"])
    sheet.append(["Sai địa chỉ", "email", "khong-phai-email", "H48.112"])
    sheet.append(["Sai đơn vị", "email", "ok@example.vn", "H99.1"])
    sheet.append(["Sai kênh", "zalo", "0900000000", ""])
    bad = tmp_path / "nguoi-nhan.xlsx"
    book.save(bad)
    with pytest.raises(RecipientFileError) as caught:
        import_file(engine, bad)
    errors = caught.value.errors
    assert [e.split(":")[0] for e in errors] == ["row 3", "row 4", "row 5"]
    assert "khong-phai-email" in errors[0] and "H99.1" in errors[1] and "zalo" in errors[2]
    with engine.connect() as conn:  # nothing of a bad file loads
        assert (
            conn.execute(
                text("SELECT count(*) FROM ops.recipient WHERE address = 'xa.tinhkhe@example.vn'")
            ).scalar()
            == 0
        )


def test_recipients_cli(outbox: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("name,channel,address\nA,email,a@@x\n", encoding="utf-8")
    assert cli_main(["recipients", "import", str(bad)]) == 2
    assert "row 2: bad e-mail address 'a@@x'" in capsys.readouterr().err
    good = tmp_path / "ok.csv"
    good.write_text("name,channel,address\nA,email,a@example.vn\n", encoding="utf-8")
    assert cli_main(["recipients", "import", str(good)]) == 0
    assert "1 added" in capsys.readouterr().out


def test_numbers_and_dates_as_vietnamese_write_them() -> None:
    assert fmt_percent(0.784) == "78,4 %" and fmt_percent(1) == "100,0 %"
    assert fmt_number(1234) == "1.234" and fmt_number(1234567.25, 1) == "1.234.567,3"
    assert fmt_value("late_count", 1234) == "1.234" and fmt_value("on_time_rate", 0.9) == "90,0 %"
    assert fmt_gap("on_time_rate", 0.784, 0.95, ">=") == "16,6 điểm %"
    assert fmt_gap("late_count", 12, 0, "=") == "12 hồ sơ"
    assert fmt_gap("online_share", 0.667, 0.6, ">=") == "đạt / met"  # a recovery
    assert fmt_day(date(2026, 11, 28)) == "28/11/2026"


def test_chart_axis_is_exactly_thirty_days_with_the_target_drawn() -> None:
    day = date(2026, 11, 28)
    fig = chart_figure("late_count", "Sở Tư pháp", [(day, 3, None)], day, target=0)
    ax = fig.axes[0]
    first, last = (mdates.num2date(x).date() for x in ax.get_xlim())
    assert (first, last) == (day - timedelta(days=30), day)  # half a day either side
    ticks = [mdates.num2date(t).date() for t in ax.get_xticks()]
    assert ticks[-1] == day and ticks[0] >= day - timedelta(days=29)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "28/11"
    target = [ln for ln in ax.get_lines() if ln.get_label() == "chỉ tiêu / target"]
    assert target and len(target[0].get_xdata()) == 30  # drawn across, from one point
    assert all(float(t).is_integer() for t in ax.get_yticks())  # counts: integer ticks
    assert "Số hồ sơ trễ hẹn / late dossiers" in ax.get_title()
    assert "30 ngày đến 28/11/2026 / 30 days to 28/11/2026" in ax.get_title()
    ratio = chart_figure("on_time_rate", "X", [], day, target=0.95).axes[0]
    assert [ln.get_label() for ln in ratio.get_lines()] == ["giá trị / value", "chỉ tiêu / target"]
    assert render_chart("on_time_rate", "X", [], day, 0.95).startswith(PNG_MAGIC)


def test_delivery_decision() -> None:
    today = date(2026, 11, 21)
    yesterday = today - timedelta(days=1)
    assert decide("scheduled", yesterday, yesterday, today).send
    assert decide("manual", yesterday, yesterday, today).send  # a manual run of today's day
    assert not decide("backfill", yesterday, yesterday, today).send
    assert not decide("manual", D1, yesterday, today).send  # a rerun of a past day
    assert not decide("scheduled", D2, D3, today).send  # not the latest loaded day
    assert not decide("scheduled", date(2026, 11, 1), None, today).send
    assert deadline_applies("scheduled", yesterday, today)
    assert not deadline_applies("manual", yesterday, today)
    assert not deadline_applies("scheduled", D1, today)
    assert run_type_of({"run_type": "backfill"}) == "backfill" and run_type_of(None) is None


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

    result = run_alerts(engine, D1, send=True, now=datetime.now(UTC))
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
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_TELEGRAM", raising=False)
    enqueue(engine, kind="task_failure", dedupe_key="x", subject="s", body="b")
    report = send_pending(engine)
    assert (report.sent, report.failed, report.waiting) == (0, 0, 2)
    assert sorted(report.channels_off) == ["email", "telegram", "webhook"]
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


def test_example_recipient_list_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "recipients.csv"
    rows = validate(read_rows(example))
    assert [r.channel for r in rows] == ["email", "email", "email", "telegram", "webhook"]
    assert rows[3].agency_level == "COMMUNE" and rows[1].agency_codes == ("H48.07",)
