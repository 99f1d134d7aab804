"""Delivery channels: e-mail through the SMTP provider's hook (``alerts_smtp``; HTML with
the chart inline as multipart/related), a Slack-compatible webhook (``alerts_webhook``)
and Telegram (``alerts_telegram``: the bot token as password, ``extra.chat_id`` as the
default chat), the last two through Apprise."""

from __future__ import annotations

import html
import logging
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import apprise
from airflow.providers.smtp.hooks.smtp import SmtpHook
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.telegram import NotifyTelegram

from portal_kpi.config import ConfigError, ConnInfo, get_connection

log = logging.getLogger(__name__)


CONN_TELEGRAM = "alerts_telegram"


SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


class DeliveryError(RuntimeError):
    """A receiver did not accept a message."""


def connection_or_none(conn_id: str) -> ConnInfo | None:
    try:
        return get_connection(conn_id)
    except ConfigError:
        log.warning("connection %r is not defined: that alert channel is off", conn_id)
        return None


def webhook_url(conn: ConnInfo, address: str = "default") -> str:
    """URL of a webhook recipient: ``default`` is the connection's own URL (host, port,
    scheme, and path from ``extra.path`` or the schema field); an address starting with
    ``/`` is that path on the connection's host."""
    host = conn.host.rstrip("/")
    if "://" in host:
        scheme, _, rest = host.partition("://")
        netloc, _, own_path = rest.partition("/")
        base = f"{scheme}://{netloc}"
        own_path = "/" + own_path if own_path else ""
    else:
        scheme = str(conn.extra.get("scheme") or "")
        if conn.schema in ("http", "https"):
            scheme = conn.schema
        if not scheme:
            scheme = "http" if conn.conn_type == "http" else "https"
        port = f":{conn.port}" if conn.port else ""
        base = f"{scheme}://{host}{port}"
        own = str(conn.extra.get("path") or "")
        if not own and conn.schema not in ("", "http", "https"):
            own = conn.schema
        own_path = ("/" + own.lstrip("/")) if own else ""
    if address == "default":
        return base + own_path
    if address.startswith("/"):
        return base + address
    raise DeliveryError(f"webhook address must be 'default' or a path: {address!r}")


def _notify(plugin: Any, subject: str, body: str, what: str) -> None:
    """Send through an Apprise plugin; a refusal becomes a DeliveryError with its log."""
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = plugin.notify(body=body, title=subject, body_format=apprise.NotifyFormat.TEXT)
    if not ok:
        text = captured.getvalue().strip().splitlines() if hasattr(captured, "getvalue") else []
        raise DeliveryError(f"{what} did not accept the message: {' | '.join(text)[:300]}")


def post_webhook(conn: ConnInfo, address: str, subject: str, body: str) -> None:
    """POST ``{"text": "*subject*\\nbody"}`` (Slack-compatible) through Apprise's JSON
    plugin, with a timeout; a password on the connection is sent as a bearer token."""
    url = webhook_url(conn, address)
    scheme, _, rest = url.partition("://")
    netloc, _, path = rest.partition("/")
    host, _, port = netloc.partition(":")
    headers = {"Authorization": f"Bearer {conn.password}"} if conn.password else None
    timeout = float(conn.extra.get("timeout", 10))
    plugin = NotifyJSON(
        host=host,
        port=int(port) if port else None,
        secure=scheme == "https",
        fullpath="/" + path,
        headers=headers,
        # Slack's shape: the text only (Apprise's own fields dropped, message renamed).
        payload={"message": "text", "title": "", "version": "", "attachments": "", "type": ""},
        verify=True,
        cto=timeout,
        rto=timeout,
    )
    _notify(plugin, "", f"*{subject}*\n{body}", f"webhook {url}")


def send_telegram(conn: ConnInfo, address: str, subject: str, body: str) -> None:
    """A Telegram message through Apprise (long text split in parts). ``address`` is a
    chat id or ``default`` (``extra.chat_id``). A host on the connection is the Bot API
    server's base URL (a self-hosted Bot API server, or a local receiver in tests)."""
    chat = str(conn.extra.get("chat_id") or "") if address == "default" else address
    if not chat:
        raise DeliveryError("telegram: no chat id (recipient address or extra.chat_id)")
    if not conn.password:
        raise DeliveryError("telegram: the connection has no bot token (password)")
    timeout = float(conn.extra.get("timeout", 10))
    plugin = NotifyTelegram(
        bot_token=conn.password,
        targets=[chat],
        detect_owner=False,
        overflow="split",
        cto=timeout,
        rto=timeout,
    )
    if conn.host:
        base = conn.host if "://" in conn.host else f"https://{conn.host}"
        port = f":{conn.port}" if conn.port and "://" not in conn.host else ""
        plugin.notify_url = f"{base.rstrip('/')}{port}/bot"
    _notify(plugin, subject, body, "telegram")


def build_email(
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html_body: str | None,
    chart_png: bytes | None,
    chart_cid: str = "kpi-chart",
) -> EmailMessage:
    """multipart/alternative (text, then HTML); with a chart, the HTML part is
    multipart/related with the PNG inline under ``Content-ID: <chart_cid>``, which the
    HTML references as ``cid:chart_cid``."""
    # Headers unfolded up to 998 characters: Python 3.11's folding of long non-ASCII
    # subjects drops the space at an encoded-word boundary ("quá hạn" → "quáhạn").
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="portal-kpi.local")
    message.set_content(text)
    if html_body is None:
        pre = html.escape(text)
        html_body = f'<html><body><pre style="white-space:pre-wrap">{pre}</pre></body></html>'
    message.add_alternative(html_body, subtype="html")
    if chart_png:
        html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            chart_png, maintype="image", subtype="png", cid=f"<{chart_cid}>",
            disposition="inline", filename="chart.png",
        )  # fmt: skip
    return message


def send_email(
    conn: ConnInfo,
    address: str,
    subject: str,
    body: str,
    chart_png: bytes | None,
    html_body: str | None = None,
) -> None:
    """Send through the SMTP provider's hook (connection ``alerts_smtp``, its TLS and
    login settings); the message is built by :func:`build_email`."""
    to = [a.strip() for a in address.split(",") if a.strip()]
    sender = str(conn.extra.get("from_email") or conn.login or "portal-kpi@localhost")
    message = build_email(sender, to, subject, body, html_body, chart_png)
    with SmtpHook(smtp_conn_id=conn.conn_id) as hook:
        client = getattr(hook, "_smtp_client", None)
        if not isinstance(client, smtplib.SMTP):
            raise DeliveryError("the SMTP hook opened no connection")
        client.send_message(message, from_addr=sender, to_addrs=to)
