"""A small client for the parts of Superset's REST API that provisioning and the tests use:
log-in (JWT for the API, or the form for a browser session), the asset import, dashboards,
their charts, and chart data."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import requests

log = logging.getLogger(__name__)

TIMEOUT = 60


class SupersetError(RuntimeError):
    """Superset answered with an error."""


@dataclass
class Superset:
    """An API session as one user: a bearer token plus the cookie jar its CSRF token lives in."""

    url: str
    session: requests.Session = field(default_factory=requests.Session)

    def _check(self, resp: requests.Response) -> Any:
        if resp.status_code >= 400:
            raise SupersetError(f"{resp.request.method} {resp.url}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else {}

    def get(self, path: str, **params: Any) -> Any:
        return self._check(self.session.get(self.url + path, params=params, timeout=TIMEOUT))

    def login(self, username: str, password: str) -> None:
        """JWT log-in through /api/v1/security/login, then a CSRF token for writes."""
        resp = self.session.post(
            f"{self.url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=TIMEOUT,
        )
        token = self._check(resp)["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        csrf = self.get("/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.url + "/"})

    def import_assets(self, bundle: bytes, passwords: dict[str, str]) -> None:
        """POST /api/v1/assets/import/: replaces every asset in the bundle (rerunnable)."""
        resp = self.session.post(
            f"{self.url}/api/v1/assets/import/",
            files={"bundle": ("bi-assets.zip", bundle, "application/zip")},
            data={"passwords": json.dumps(passwords), "overwrite": "true"},
            timeout=300,
        )
        self._check(resp)

    def dashboards(self) -> list[dict[str, Any]]:
        query = "(columns:!(id,dashboard_title,slug,uuid),page_size:100)"
        return list(self.get("/api/v1/dashboard/", q=query)["result"])

    def dashboard_charts(self, id_or_slug: int | str) -> list[dict[str, Any]]:
        return list(self.get(f"/api/v1/dashboard/{id_or_slug}/charts")["result"])

    def chart_data(self, chart_id: int) -> list[dict[str, Any]]:
        """Results of a chart's saved query context, one entry per query."""
        return list(self.get(f"/api/v1/chart/{chart_id}/data/")["result"])


def wait_until_up(url: str, timeout: float = 180.0) -> None:
    """Poll /health until Superset answers OK."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise SupersetError(f"Superset did not answer on {url} within {timeout:.0f} s")
        time.sleep(1)


def form_login(url: str, username: str, password: str) -> requests.Session:
    """Log in through the HTML form, as a person does: returns the session holding the
    browser cookie (``session``)."""
    session = requests.Session()
    page = session.get(f"{url}/login/", timeout=TIMEOUT)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'id="csrf_token"[^>]*value="([^"]+)"', page.text
    )
    data = {"username": username, "password": password}
    if match:
        data["csrf_token"] = match.group(1)
    resp = session.post(f"{url}/login/", data=data, timeout=TIMEOUT, allow_redirects=True)
    me = session.get(f"{url}/api/v1/me/", timeout=TIMEOUT)
    if resp.status_code >= 400 or me.status_code != 200:
        raise SupersetError(f"form log-in as {username} failed: {resp.status_code} {me.text}")
    if me.json()["result"].get("username") != username:
        raise SupersetError(f"form log-in as {username} gave {me.text}")
    return session
