"""Fourteen simulated days through the real pipeline (portal simulator over HTTP, the
warehouse, early warnings, the alert step) with real receivers: at most one run message
per recipient per day, a rerun of those days sends nothing, and a recipient limited to
one agency hears only about that agency."""

from __future__ import annotations

import email
import os
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from factories import HASHER
from sqlalchemy import text

from portal_kpi.alerts.run import run_alerts
from portal_kpi.daily import due_soon
from portal_kpi.daily.pipeline import run_day
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.quality.gx import Settings

FIRST, DAYS = date(2026, 11, 6), 14  # Fri 6 Nov .. Thu 19 Nov 2026 (two weekends)
EXAMPLE_ENV = "PORTAL_KPI_ALERT_EXAMPLE_DIR"  # set it to save one e-mail and its chart
CODE = re.compile(r"\((H48[.\d]+)\)")


def _mail(folder: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def _pick_agency(engine: Any) -> str:
    """The department with the most dossiers so far (it will have something to say)."""
    with engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT d.agency_code FROM core.dossier AS d JOIN core.agency AS g"
                    " ON g.code = d.agency_code WHERE g.level = 'PROVINCE' AND g.code <> 'H48'"
                    " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                )
            ).scalar_one()
        )


def _add_recipients(engine: Any, agency: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ops.recipient WHERE name LIKE 'days-%'"))
        conn.execute(
            text(
                "INSERT INTO ops.recipient (name, channel, address, agency_codes, agency_level)"
                " VALUES ('days-telegram', 'telegram', 'default', NULL, NULL),"
                " ('days-agency', 'email', 'lanhdao@agency.test', ARRAY[:a], NULL),"
                " ('days-communes', 'email', 'cac-xa@communes.test', NULL, 'COMMUNE')"
            ),
            {"a": agency},
        )


def _per_recipient_day(engine: Any) -> dict[tuple[str, date], Counter[str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.name, o.business_day, o.status, count(*) AS n FROM ops.outbox AS o"
                " JOIN ops.recipient AS r USING (recipient_id) GROUP BY 1, 2, 3"
            )
        ).all()
    found: dict[tuple[str, date], Counter[str]] = {}
    for r in rows:
        found.setdefault((r.name, r.business_day), Counter())[r.status] += r.n
    return found


@pytest.mark.e2e
def test_fourteen_days_one_message_per_recipient_per_day(
    engine: Any, simulator: Any, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp = start_smtp_sink(tmp_path / "mail")
    hook = start_webhook_sink(tmp_path / "hook")
    bot = start_webhook_sink(tmp_path / "telegram")
    for name, value in demo_alert_connections(smtp.port, hook.port, telegram_port=bot.port).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PORTAL_KPI_DASHBOARD_URL", "https://bi.example.test/portal")
    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    agency = ""
    try:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE ops.outbox"))
        for day in days:
            run_day(engine, client, HASHER, day, Settings())
            if not agency:
                agency = _pick_agency(engine)
                _add_recipients(engine, agency)
            due_soon.refresh(engine, day)
            # Each day as the scheduler's run of the current day: it may send.
            now = datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
            run_alerts(engine, day, send=True, warnings=due_soon.warnings(engine, day), now=now)
        live = _per_recipient_day(engine)
        mail_live, hooks_live, bot_live = len(smtp.files()), len(hook.files()), len(bot.files())

        # A rerun of the same days (a backfill): nothing sent, nothing new recorded.
        for day in days:
            result = run_alerts(engine, day, send=False, warnings=due_soon.warnings(engine, day))
            assert "sent" not in result and result["queued"] == 0
        assert _per_recipient_day(engine) == live
        assert (len(smtp.files()), len(hook.files()), len(bot.files())) == (
            mail_live, hooks_live, bot_live
        )  # fmt: skip
    finally:
        smtp.stop()
        hook.stop()
        bot.stop()
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE ops.outbox"))
            conn.execute(text("DELETE FROM ops.recipient WHERE name LIKE 'days-%'"))

    # At most one run message per recipient per day, and every one of them delivered.
    assert live and all(sum(c.values()) == 1 and c["sent"] == 1 for c in live.values()), live
    recipients = {name for name, _ in live}
    assert {"Nhóm dữ liệu (data team)", "days-agency", "days-telegram"} <= recipients
    weekend = {d for d in days if d.isoweekday() >= 6}
    per_day = Counter(d for _, d in live)
    print("\nrun messages per recipient and day:")
    for d in days:
        names = sorted(n for n, dd in live if dd == d)
        print(f"  {d} {d:%a}: {per_day[d]} message(s) -> {', '.join(names) or '—'}")
    print(f"e-mails {mail_live}, webhook posts {hooks_live}, Telegram posts {bot_live}")
    assert all(per_day[d] <= len(recipients) for d in days)
    # A chat message is one post (short enough for Telegram's 4.096 characters).
    assert bot_live == sum(1 for n, _ in live if n == "days-telegram")
    assert hooks_live == sum(1 for n, _ in live if n == "Kênh cảnh báo (alerts channel)")
    # The e-mails as received: one per (address, day); the agency's contact only sees it.
    mails = _mail(tmp_path / "mail")
    assert len(mails) == mail_live == sum(1 for (n, _), c in live.items()
                                          if n in {"Nhóm dữ liệu (data team)", "days-agency",
                                                   "days-communes"})  # fmt: skip
    sent_days = Counter((m["To"], m["Subject"].split("]")[0]) for m in mails)
    assert max(sent_days.values()) == 1
    for m in mails:
        if m["To"] == "lanhdao@agency.test":
            body = m.get_body(preferencelist=("plain",)).get_content()
            assert set(CODE.findall(body)) <= {agency}, (agency, set(CODE.findall(body)))
    assert any(m["To"] == "lanhdao@agency.test" for m in mails)
    with_chart = [m for m in mails if any(p["Content-ID"] for p in m.walk())]
    assert with_chart  # breach e-mails carry the chart inline
    weekend_mail = [m for m in mails if any(f"[KPI {d:%d/%m/%Y}]" in m["Subject"] for d in weekend)]
    assert all("CẢNH BÁO MỚI" in m.get_body(preferencelist=("plain",)).get_content()
               for m in weekend_mail)  # fmt: skip

    folder = os.environ.get(EXAMPLE_ENV)
    if folder:  # keep one rendered e-mail (the data team's of the last day) for the docs
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        richest = [m for m in with_chart if m["To"] == "data-team@localhost"][-1]
        html_part = richest.get_body(preferencelist=("html",))
        image = next(p for p in richest.walk() if p["Content-ID"])
        (out / "run-message.html").write_text(
            html_part.get_content().replace("cid:kpi-chart", "run-message-chart.png"),
            encoding="utf-8",
        )
        (out / "run-message-chart.png").write_bytes(image.get_content())
        (out / "run-message.txt").write_text(
            f"Subject: {richest['Subject']}\n\n"
            + richest.get_body(preferencelist=("plain",)).get_content(),
            encoding="utf-8",
        )
        (out / "run-message.eml").write_bytes(richest.as_bytes())
