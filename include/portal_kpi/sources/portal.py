"""Client for the provincial portal export API (contract section 1).

Token handling (one new token on 401), keyset paging, retries with exponential
backoff that honour ``Retry-After``, timeouts, TLS verification. Listings are
generators of pages, so memory does not grow with volume.
"""

from __future__ import annotations

import logging
import math
import os
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from portal_kpi.config import (
    HTTP_ATTEMPTS,
    HTTP_BACKOFF_SECONDS,
    PAGE_LIMIT,
    ConnInfo,
    get_connection,
    http_base_url,
    portal_conn_id,
)
from portal_kpi.dates import format_ts

log = logging.getLogger(__name__)

TRANSIENT = {500, 502, 503, 504}
MAX_PAGES = int(os.environ.get("PORTAL_KPI_MAX_PAGES", "2000"))  # per listing
MAX_EMPTY_PAGES = int(os.environ.get("PORTAL_KPI_MAX_EMPTY_PAGES", "3"))  # in a row, with a cursor


class PortalError(RuntimeError):
    """The portal kept failing after retries (a later try may succeed)."""


class PortalPermanentError(PortalError):
    """The portal refused a request in a way a retry cannot change (401 after a fresh
    token, 403, another 4xx): the task fails at once."""


class ListingNotConvergingError(PortalPermanentError):
    """A listing that does not end: cursor cycle, endless pages, over the page cap or the
    volume cap. Nothing of it is published."""


@dataclass
class Page:
    number: int
    cursor: str | None
    next_cursor: str | None
    records: list[dict[str, Any]]
    listing: str = ""  # endpoint and window, for messages


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date. Negative,
    non-finite and unparseable values give None (use the backoff)."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return max(seconds, 0.0)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


@dataclass
class RetryPolicy:
    attempts: int = HTTP_ATTEMPTS
    backoff_seconds: float = HTTP_BACKOFF_SECONDS
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """The wait before the next attempt: Retry-After (clamped to 0..max) when usable."""
        seconds = retry_after_seconds(retry_after)
        if seconds is not None:
            return min(seconds, self.max_retry_after_seconds)
        if retry_after is not None:
            log.warning("unusable Retry-After %r; using backoff", retry_after)
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
        max_pages: int = MAX_PAGES,
        max_empty_pages: int = MAX_EMPTY_PAGES,
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
        self.max_pages = max_pages
        self.max_empty_pages = max_empty_pages
        self.session = session or requests.Session()
        self._token: str | None = None
        self.token_requests = 0

    @classmethod
    def from_connection(cls, conn: ConnInfo | None = None, **kwargs: Any) -> PortalClient:
        conn = conn or get_connection(portal_conn_id())
        verify: bool | str = conn.extra.get("verify", True)
        return cls(http_base_url(conn), conn.login, conn.password, verify=verify, **kwargs)

    # -- auth ---------------------------------------------------------------
    def _fetch_token(self) -> str:
        response = self._send(
            "POST",
            "/oauth/token",
            what="POST /oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            authed=False,
        )
        try:
            token = response.json().get("access_token")
        except (ValueError, AttributeError) as exc:
            raise PortalError(
                f"POST /oauth/token: the answer is not a JSON object ({exc})"
            ) from exc
        if not token:
            raise PortalError("token endpoint answered without access_token")
        self.token_requests += 1
        return str(token)

    # -- transport ----------------------------------------------------------
    def _wait(self, what: str, attempt: int, retry_after: str | None = None) -> None:
        """Sleep before the next attempt, or give up after the last one."""
        if attempt >= self.retry.attempts:
            raise PortalError(f"{what} (after {attempt} attempts; giving up)")
        wait = self.retry.delay(attempt, retry_after)
        log.warning("%s; retry %d in %.1fs", what, attempt, wait)
        self.retry.sleep(wait)

    def _request(
        self, method: str, path: str, params: dict[str, Any] | None,
        data: dict[str, Any] | None, authed: bool,
    ) -> requests.Response:  # fmt: skip
        headers = {"Accept": "application/json"}
        if authed:
            if self._token is None:
                self._token = self._fetch_token()
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            return self.session.request(
                method, self.base_url + path, params=params, data=data, headers=headers,
                timeout=self.timeout, verify=self.verify,
            )  # fmt: skip
        except requests.exceptions.SSLError as exc:
            raise PortalPermanentError(f"{method} {path}: TLS failed: {exc}") from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        authed: bool = True,
        what: str = "",
    ) -> requests.Response:
        what = what or f"{method} {path}"
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._request(method, path, params, data, authed)
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                self._wait(f"{what}: {type(exc).__name__}: {exc}", attempt)
                continue
            status = response.status_code
            if status == 401 and authed and not renewed:
                log.info("token rejected on %s; fetching a new one", path)
                self._token = None
                renewed = True
                attempt -= 1
                continue
            if status == 429 or status in TRANSIENT:
                self._wait(
                    f"{what} answered {status}", attempt, response.headers.get("Retry-After")
                )
                continue
            if status >= 400:
                fresh = " (with a fresh token)" if status == 401 else ""
                raise PortalPermanentError(f"{what} answered {status}{fresh}: {_detail(response)}")
            return response

    def _get_json(self, path: str, query: dict[str, Any], what: str) -> dict[str, Any]:
        """A JSON object from a GET; a 200 whose body is not one (HTML, truncated JSON) is
        retried like a transient error."""
        attempt = 0
        while True:
            attempt += 1
            response = self._send("GET", path, params=query, what=what)
            try:
                body = response.json()
            except ValueError as exc:
                self._wait(f"{what}: the 200 answer is not JSON ({exc})", attempt)
                continue
            if isinstance(body, dict) and isinstance(body.get("data"), list):
                return body
            self._wait(f"{what}: the answer has no data list", attempt)

    # -- listings -----------------------------------------------------------
    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[Page]:
        """Every page of a keyset-paged listing; only ``next_cursor: null`` ends it. A
        listing that does not converge (cursor seen before, ``max_empty_pages`` empty
        pages in a row, more than ``max_pages``) raises :class:`ListingNotConvergingError`."""
        listing = f"GET {path}" + "".join(f" {k}={v}" for k, v in sorted((params or {}).items()))
        cursor: str | None = None
        seen: set[str] = set()
        empty = 0
        number = 0
        while True:
            number += 1
            if number > self.max_pages:
                raise ListingNotConvergingError(
                    f"{listing}: more than {self.max_pages} pages (page cap "
                    f"PORTAL_KPI_MAX_PAGES) at page {number}; nothing of it is published"
                )
            query: dict[str, Any] = dict(params or {})
            query["limit"] = self.page_limit
            if cursor is not None:
                query["cursor"] = cursor
            body = self._get_json(path, query, f"{listing} page {number}")
            data = body["data"]
            next_cursor = body.get("next_cursor")
            yield Page(number, cursor, None if next_cursor is None else str(next_cursor),
                       nfc(data), listing)  # fmt: skip
            if next_cursor is None:
                return
            cursor = self._advance(listing, number, str(next_cursor), seen)
            empty = empty + 1 if not data else 0
            if empty >= self.max_empty_pages:
                raise ListingNotConvergingError(
                    f"{listing}: {empty} empty pages in a row that still name a next cursor "
                    f"(at page {number}); nothing of it is published"
                )

    @staticmethod
    def _advance(listing: str, number: int, next_cursor: str, seen: set[str]) -> str:
        if next_cursor in seen:
            raise ListingNotConvergingError(
                f"{listing}: the cursor after page {number} was already used (a cursor "
                "cycle); nothing of it is published"
            )
        seen.add(next_cursor)
        return next_cursor

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


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error", body) if isinstance(body, dict) else body)[:200]
