"""Delivery channels: e-mail through the SMTP provider's hook (``alerts_smtp``) and a
Slack-compatible webhook (``alerts_webhook``)."""

from __future__ import annotations

import html
import json
import logging
import tempfile
from pathlib import Path

import requests
from airflow.providers.smtp.hooks.smtp import SmtpHook

from portal_kpi.config import ConfigError, ConnInfo, get_connection

log = logging.getLogger(__name__)


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


def post_webhook(conn: ConnInfo, address: str, subject: str, body: str) -> None:
    """POST ``{"text": ...}`` (Slack-compatible) with a timeout and TLS verification."""

    url = webhook_url(conn, address)
    timeout = float(conn.extra.get("timeout", 10))
    verify: bool | str = True
    if isinstance(conn.extra.get("ca_bundle"), str):  # a CA file; verification stays on
        verify = str(conn.extra["ca_bundle"])
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if conn.password:
        headers["Authorization"] = f"Bearer {conn.password}"
    payload = {"text": f"*{subject}*\n{body}"}
    response = requests.post(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers=headers,
        timeout=timeout,
        verify=verify,
    )
    if response.status_code >= 300:
        raise DeliveryError(f"webhook answered HTTP {response.status_code}: {response.text[:200]}")


def send_email(
    conn: ConnInfo, address: str, subject: str, body: str, chart_png: bytes | None
) -> None:
    """Send through the SMTP provider's hook (connection ``alerts_smtp``): an HTML copy of
    the plain text and the chart as a PNG attachment shown inline."""

    to = [a.strip() for a in address.split(",") if a.strip()]
    sender = str(conn.extra.get("from_email") or conn.login or "portal-kpi@localhost")
    text_html = html.escape(body)
    content = (
        f'<html><body><pre style="font-family: sans-serif; white-space: pre-wrap">{text_html}</pre>'
    )
    with tempfile.TemporaryDirectory(prefix="portal-kpi-mail-") as folder:
        files: list[str] = []
        if chart_png:
            path = Path(folder) / "chart.png"
            path.write_bytes(chart_png)
            files.append(str(path))
            content += '<p><img src="cid:chart.png" alt="chart"></p>'
        content += "</body></html>"
        with SmtpHook(smtp_conn_id=conn.conn_id) as hook:
            hook.send_email_smtp(
                to=to,
                subject=subject,
                html_content=content,
                from_email=sender,
                files=files,
            )
