"""Local SMTP and webhook receivers for the demo and the tests."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from portal_kpi.alerts.channels import CONN_TELEGRAM
from portal_kpi.config import CONN_SMTP, CONN_WEBHOOK

log = logging.getLogger(__name__)


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


DEMO_BOT_TOKEN = "123456:demo-token-for-the-local-receiver"  # not a real bot
DEMO_CHAT_ID = "-1001000000001"


def demo_alert_connections(
    smtp_port: int,
    webhook_port: int,
    host: str = "127.0.0.1",
    telegram_port: int | None = None,
) -> dict[str, str]:
    """Environment values of ``AIRFLOW_CONN_ALERTS_SMTP``, ``AIRFLOW_CONN_ALERTS_WEBHOOK``
    and (with ``telegram_port``) ``AIRFLOW_CONN_ALERTS_TELEGRAM`` pointing at the local
    sinks (plain SMTP without TLS, plain HTTP; Telegram's Bot API stood in for by a
    webhook sink, which records ``/bot<token>/sendMessage`` posts)."""
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
    found = {
        f"AIRFLOW_CONN_{CONN_SMTP.upper()}": json.dumps(smtp),
        f"AIRFLOW_CONN_{CONN_WEBHOOK.upper()}": json.dumps(webhook),
    }
    if telegram_port is not None:
        telegram = {
            "conn_type": "http",
            "host": f"http://{host}:{telegram_port}",
            "password": DEMO_BOT_TOKEN,
            "extra": {"chat_id": DEMO_CHAT_ID, "timeout": 10},
        }
        found[f"AIRFLOW_CONN_{CONN_TELEGRAM.upper()}"] = json.dumps(telegram)
    return found
