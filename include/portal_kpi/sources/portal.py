"""Client for the provincial portal export API (contract section 1).

Token handling (one new token on 401), keyset paging, retries with exponential
backoff that honour ``Retry-After``, timeouts, TLS verification. Listings are
generators of pages, so memory does not grow with volume.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from portal_kpi.config import (
    CONN_PORTAL,
    HTTP_ATTEMPTS,
    HTTP_BACKOFF_SECONDS,
    PAGE_LIMIT,
    ConnInfo,
    get_connection,
    http_base_url,
)
from portal_kpi.dates import format_ts

log = logging.getLogger(__name__)

TRANSIENT = {500, 502, 503, 504}


class PortalError(RuntimeError):
    """The portal refused a request permanently, or kept failing after retries."""


@dataclass
class Page:
    number: int
    cursor: str | None
    next_cursor: str | None
    records: list[dict[str, Any]]


@dataclass
class RetryPolicy:
    attempts: int = HTTP_ATTEMPTS
    backoff_seconds: float = HTTP_BACKOFF_SECONDS
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(float(retry_after), self.max_retry_after_seconds)
            except ValueError:
                log.warning("unparseable Retry-After %r; using backoff", retry_after)
        return min(self.backoff_seconds * (2 ** (attempt - 1)), self.max_backoff_seconds)


def nfc(value: Any) -> Any:
    """Normalise every string inside a JSON value to Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    return value


class PortalClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: tuple[float, float] = (10.0, 120.0),
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        page_limit: int = PAGE_LIMIT,
        session: requests.Session | None = None,
    ) -> None:
        if not 1 <= page_limit <= 1000:
            raise ValueError("page_limit must be within 1..1000")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self.page_limit = page_limit
        self.session = session or requests.Session()
        self._token: str | None = None
        self.token_requests = 0

    @classmethod
    def from_connection(cls, conn: ConnInfo | None = None, **kwargs: Any) -> PortalClient:
        conn = conn or get_connection(CONN_PORTAL)
        verify: bool | str = conn.extra.get("verify", True)
        return cls(http_base_url(conn), conn.login, conn.password, verify=verify, **kwargs)

    # -- auth ---------------------------------------------------------------
    def _fetch_token(self) -> str:
        response = self._send(
            "POST",
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            authed=False,
        )
        token = response.json().get("access_token")
        if not token:
            raise PortalError("token endpoint answered without access_token")
        self.token_requests += 1
        return str(token)

    # -- transport ----------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        authed: bool = True,
    ) -> requests.Response:
        url = self.base_url + path
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {"Accept": "application/json"}
            if authed:
                if self._token is None:
                    self._token = self._fetch_token()
                headers["Authorization"] = f"Bearer {self._token}"
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                    verify=self.verify,
                )
            except requests.exceptions.SSLError as exc:
                raise PortalError(f"{method} {path}: TLS failed: {exc}") from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retry.attempts:
                    raise PortalError(f"{method} {path}: {exc} (after {attempt} attempts)") from exc
                wait = self.retry.delay(attempt, None)
                log.warning("%s %s: %s; retry %d in %.1fs", method, path, exc, attempt, wait)
                self.retry.sleep(wait)
                continue
            status = response.status_code
            if status == 401 and authed and not renewed:
                log.info("token rejected on %s; fetching a new one", path)
                self._token = None
                renewed = True
                attempt -= 1
                continue
            if status == 429 or status in TRANSIENT:
                if attempt >= self.retry.attempts:
                    raise PortalError(
                        f"{method} {path} answered {status} {attempt} times; giving up"
                    )
                wait = self.retry.delay(attempt, response.headers.get("Retry-After"))
                log.warning(
                    "%s %s answered %d; retry %d in %.1fs", method, path, status, attempt, wait
                )
                self.retry.sleep(wait)
                continue
            if status >= 400:
                try:
                    detail = response.json().get("error", response.text[:200])
                except ValueError:
                    detail = response.text[:200]
                raise PortalError(f"{method} {path} answered {status}: {detail}")
            return response

    # -- listings -----------------------------------------------------------
    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[Page]:
        """Every page of a keyset-paged listing; only ``next_cursor: null`` ends it."""
        cursor: str | None = None
        number = 0
        while True:
            query: dict[str, Any] = dict(params or {})
            query["limit"] = self.page_limit
            if cursor is not None:
                query["cursor"] = cursor
            body = self._send("GET", path, params=query).json()
            data = body.get("data")
            if not isinstance(data, list):
                raise PortalError(f"GET {path}: answer has no data list")
            number += 1
            next_cursor = body.get("next_cursor")
            yield Page(number, cursor, next_cursor, nfc(data))
            if next_cursor is None:
                return
            if next_cursor == cursor:
                raise PortalError(f"GET {path}: the cursor did not advance on page {number}")
            cursor = str(next_cursor)

    def agencies(self) -> Iterator[Page]:
        return self.pages("/api/v1/agencies")

    def procedures(self) -> Iterator[Page]:
        return self.pages("/api/v1/procedures")

    def dossier_changes(self, updated_from: datetime, updated_to: datetime) -> Iterator[Page]:
        return self.pages(
            "/api/v1/dossiers",
            {"updated_from": format_ts(updated_from), "updated_to": format_ts(updated_to)},
        )

    def open_dossiers(self, as_of: datetime) -> Iterator[Page]:
        return self.pages("/api/v1/dossiers/open", {"as_of": format_ts(as_of)})
