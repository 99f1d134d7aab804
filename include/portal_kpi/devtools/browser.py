"""Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
NUL-separated JSON on file descriptors 3 and 4), so no extra client library is needed. Used
to open dashboards as a logged-in person and save what they see."""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

# What the page shows, read from the DOM: chart holders, those that drew something
# (a canvas or svg for ECharts, a table, a big number), loading spinners and error boxes.
PAGE_STATE_JS = """(() => {
  const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .filter(h => h.querySelector('[data-test="chart-grid-component"]'));
  const drawn = holders.filter(h => h.querySelector(
    'canvas, svg, table, .header-line, .big_number, [class*="BigNumber"]'));
  const loading = document.querySelectorAll(
    '[data-test="loading-indicator"], .loading, [aria-label="Loading"]').length;
  const errors = [...document.querySelectorAll(
    '[data-test="error-tooltip"], .alert-danger, [role="alert"].ant-alert-error')]
    .map(e => e.innerText.slice(0, 200));
  return JSON.stringify({path: location.pathname, title: document.title,
    holders: holders.length, drawn: drawn.length, loading, errors,
    login: !!document.querySelector('input[name="password"], #password')});
})()"""


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("no Chromium found (Debian: apt-get install -y chromium)")


@dataclass
class PageState:
    path: str
    title: str
    holders: int
    drawn: int
    loading: int
    errors: list[str]
    login: bool

    @property
    def rendered(self) -> bool:
        return (
            not self.login
            and self.holders > 0
            and self.drawn == self.holders
            and self.loading == 0
            and not self.errors
        )


class Chromium:
    """One headless browser process and one page (tab) attached in flat session mode."""

    def __init__(self, proc: subprocess.Popen[bytes], to_browser: int, from_browser: int) -> None:
        self.proc = proc
        self._out = os.fdopen(to_browser, "wb", buffering=0)
        self._in = os.fdopen(from_browser, "rb", buffering=0)
        self._buffer = b""
        self._next_id = 0
        self.session_id = ""

    def _read_message(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise TimeoutError("Chromium stopped answering on the DevTools pipe")
            chunk = os.read(self._in.fileno(), 1 << 16)
            if not chunk:
                raise TimeoutError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, page: bool = True
    ) -> dict[str, Any]:
        """Send one command (to the page session unless ``page`` is false) and wait for its
        answer, skipping events."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if page and self.session_id:
            message["sessionId"] = self.session_id
        self._out.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message(60)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def open_page(self, width: int, height: int) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self.session_id = attached["sessionId"]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def set_cookies(self, base_url: str, cookies: dict[str, str]) -> None:
        host = urlsplit(base_url).hostname or "127.0.0.1"
        self.call(
            "Network.setCookies",
            {"cookies": [{"name": k, "value": v, "domain": host, "path": "/"} for k, v in
                         cookies.items()]},
        )  # fmt: skip

    def navigate(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})

    def state(self) -> PageState:
        result = self.call("Runtime.evaluate", {"expression": PAGE_STATE_JS, "returnByValue": True})
        return PageState(**json.loads(result["result"]["value"]))

    def wait_rendered(self, timeout: float, settle: float = 2.0) -> PageState:
        """Poll the DOM until every chart drew and nothing is loading (then a short settle
        for animations), or the timeout; returns the last state seen."""
        deadline = time.monotonic() + timeout
        state = self.state()
        while time.monotonic() < deadline:
            state = self.state()
            if state.rendered or state.login or state.errors:
                break
            time.sleep(0.5)
        if state.rendered:
            time.sleep(settle)
            state = self.state()
        return state

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def chromium(width: int = 1400, height: int = 1800) -> Iterator[Chromium]:
    """A headless Chromium with a fresh profile, closed afterwards."""
    cmd_read, cmd_write = os.pipe()
    out_read, out_write = os.pipe()
    profile = tempfile.mkdtemp(prefix="portal-kpi-chromium-")

    def wire_fds() -> None:  # in the child: Chromium reads fd 3 and writes fd 4
        a, b = os.dup(cmd_read), os.dup(out_write)
        os.dup2(a, 3)
        os.dup2(b, 4)

    args = [
        find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
        "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
        f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank",
    ]  # fmt: skip
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(3, 4),
        preexec_fn=wire_fds,  # noqa: PLW1509
    )
    os.close(cmd_read)
    os.close(out_write)
    browser = Chromium(proc, cmd_write, out_read)
    try:
        browser.open_page(width, height)
        yield browser
    finally:
        with suppress(RuntimeError, TimeoutError, OSError):
            browser.call("Browser.close", page=False)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
