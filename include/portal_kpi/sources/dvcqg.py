"""Client for the national portal's reporting API (DVCQG, contract section 2).

Polite by design: one request at a time (an optional pause between calls), timeouts, TLS
verification, and **no retries**: a ``403`` or ``429`` stops the pull at once with
:class:`DvcqgStoppedError` (the portal is asking us to go away; Airflow's own task retry, minutes
later, is the only retry). A period that has not ended is refused before anything is sent.

Every response is returned with its exact bytes so the caller can archive them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests

from portal_kpi.config import CONN_DVCQG, ConfigError, ConnInfo, get_connection, http_base_url
from portal_kpi.dates import today_local

log = logging.getLogger(__name__)

EVALUATION_PATH = "/api/v1/reporting/evaluation/"
FORMALITIES_PATH = "/api/v1/reporting/formalities"

GROUPS = (
    "dvc-progress-tree",
    "provide-online-tree",
    "formality-online-payment-tree",
    "transparency",
    "handling-satisfaction",
    "dossier-digitized",
)
"""The six evaluation groups; the ``*-tree`` ones first, since they carry department codes."""
TREE_GROUPS = frozenset(g for g in GROUPS if g.endswith("-tree"))
DATE_RANGE_GROUPS = frozenset({"handling-satisfaction"})
"""Groups that take ``fromDate``/``toDate`` instead of ``timeType``."""

DEFAULT_PAGE_SIZE = 200
MAX_PAGES = 2000
STOP_STATUSES = frozenset({403, 429})


class DvcqgError(RuntimeError):
    """The national portal answered something we cannot use."""


class DvcqgStoppedError(DvcqgError):
    """The national portal refused us (403/429): stop now, do not retry in a loop."""


class PeriodNotEndedError(DvcqgError):
    """A period that has not ended yet was asked for."""


@dataclass(frozen=True)
class Period:
    """A reporting period: a month, a quarter, or the year to the end of a month."""

    kind: str  # month | quarter | year
    year: int
    number: int  # month 1-12, quarter 1-4, or for year the last month covered
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls("month", year, month, start, _month_end(start))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1..4, got {quarter}")
        start = date(year, 3 * quarter - 2, 1)
        return cls("quarter", year, quarter, start, _month_end(date(year, 3 * quarter, 1)))

    @classmethod
    def year_to(cls, year: int, month: int) -> Period:
        """January 1 up to the end of ``month`` (the year to date of a monthly run)."""
        return cls("year", year, month, date(year, 1, 1), _month_end(date(year, month, 1)))

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"month:{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"quarter:{self.year:04d}-Q{self.number}"
        return f"year:{self.year:04d}"

    def body(self, group: str) -> dict[str, Any]:
        """The period part of a request body for ``group``."""
        if group in DATE_RANGE_GROUPS:
            return {"fromDate": self.start.isoformat(), "toDate": self.end.isoformat()}
        if self.kind == "month":
            return {"timeType": "month", "year": self.year, "month": self.number}
        if self.kind == "quarter":
            return {"timeType": "quarter", "year": self.year, "quarter": self.number}
        return {"timeType": "year", "year": self.year}

    def check_ended(self, today: date) -> None:
        """Refuse a period whose last month has not ended by ``today`` (local)."""
        if self.end >= today:
            raise PeriodNotEndedError(
                f"{self.key} ends on {self.end.isoformat()}, which is not over on "
                f"{today.isoformat()}: the national portal is asked only about ended months"
            )


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def periods_for_month(year: int, month: int) -> list[Period]:
    """What a monthly run pulls: the month, its quarter when the month closes the quarter,
    and the year to the end of the month."""
    out = [Period.month(year, month)]
    if month % 3 == 0:
        out.append(Period.quarter(year, month // 3))
    out.append(Period.year_to(year, month))
    return out


@dataclass(frozen=True)
class Response:
    """One response page, exactly as received."""

    scope: str
    endpoint: str
    period_key: str
    page: int
    url: str
    request_body: dict[str, Any]
    status: int
    content_type: str | None
    body: bytes
    fetched_at: datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def json(self) -> Any:
        return json.loads(self.body)


def total_pages(payload: Any) -> int | None:
    """``data.pagination.totalPages`` when the response has one (shape A, catalogue)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    pagination = data.get("pagination") if isinstance(data, dict) else None
    if isinstance(pagination, dict) and isinstance(pagination.get("totalPages"), int):
        return int(pagination["totalPages"])
    return None


class DvcqgClient:
    def __init__(
        self,
        base_url: str,
        root_department_id: str,
        *,
        timeout: tuple[float, float] = (10.0, 120.0),
        verify: bool | str = True,
        page_size: int = DEFAULT_PAGE_SIZE,
        pause_seconds: float = 0.0,
        session: requests.Session | None = None,
        today: date | None = None,
    ) -> None:
        if not root_department_id:
            raise ConfigError("rootDepartmentId is empty")
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be within 1..1000")
        self.base_url = base_url.rstrip("/")
        self.root_department_id = root_department_id
        self.timeout = timeout
        self.verify = verify
        self.page_size = page_size
        self.pause_seconds = pause_seconds
        self.session = session or requests.Session()
        self._today = today
        self._last_call: float | None = None
        self.calls = 0

    @classmethod
    def from_connection(cls, conn: ConnInfo | None = None, **kwargs: Any) -> DvcqgClient:
        """From the ``dvcqg_reporting`` connection; extra holds ``root_department_id`` and
        optionally ``verify``, ``page_size`` and ``pause_seconds`` (default 1 s)."""
        conn = conn or get_connection(CONN_DVCQG)
        root = str(conn.extra.get("root_department_id") or "")
        if not root:
            raise ConfigError(
                f"connection {conn.conn_id!r} needs extra.root_department_id "
                '(e.g. {"root_department_id": "…", "province_code": "H48"})'
            )
        options: dict[str, Any] = {
            "verify": conn.extra.get("verify", True),
            "page_size": int(conn.extra.get("page_size", DEFAULT_PAGE_SIZE)),
            "pause_seconds": float(conn.extra.get("pause_seconds", 1.0)),
        }
        options.update(kwargs)
        return cls(http_base_url(conn), root, **options)

    @property
    def today(self) -> date:
        return self._today or today_local()

    # -- transport ----------------------------------------------------------
    def _post(
        self, scope: str, endpoint: str, period_key: str, path: str, body: dict[str, Any]
    ) -> Response:
        if self.pause_seconds > 0 and self._last_call is not None:
            wait = self._last_call + self.pause_seconds - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        url = self.base_url + path
        page = int(body.get("currentPage", 1))
        try:
            answer = self.session.post(
                url,
                json=body,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                verify=self.verify,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise DvcqgError(f"POST {path} ({period_key}, page {page}): {exc}") from exc
        finally:
            self._last_call = time.monotonic()
            self.calls += 1
        status = answer.status_code
        if status in STOP_STATUSES:
            hint = answer.headers.get("Retry-After")
            raise DvcqgStoppedError(
                f"DVCQG answered {status} to POST {path} ({period_key}, page {page}); "
                "stopping this pull without retrying" + (f" (Retry-After: {hint})" if hint else "")
            )
        if status not in (200, 201):
            raise DvcqgError(
                f"DVCQG answered {status} to POST {path} ({period_key}, page {page}): "
                f"{answer.text[:300]!r}"
            )
        response = Response(
            scope=scope,
            endpoint=endpoint,
            period_key=period_key,
            page=page,
            url=url,
            request_body=body,
            status=status,
            content_type=answer.headers.get("Content-Type"),
            body=answer.content,
            fetched_at=datetime.now(UTC),
        )
        try:
            payload = response.json()
        except ValueError as exc:
            raise DvcqgError(f"POST {path} ({period_key}): body is not JSON") from exc
        if not isinstance(payload, dict) or payload.get("code") != "OK" or "data" not in payload:
            raise DvcqgError(
                f"POST {path} ({period_key}): unexpected envelope {response.body[:200]!r}"
            )
        log.info(
            "DVCQG %s %s page %d: %d bytes sha256 %s",
            endpoint,
            period_key,
            page,
            len(response.body),
            response.sha256[:12],
        )
        return response

    def _pages(
        self, scope: str, endpoint: str, period_key: str, path: str, body: dict[str, Any]
    ) -> Iterator[Response]:
        page = 1
        while True:
            response = self._post(scope, endpoint, period_key, path, {**body, "currentPage": page})
            yield response
            pages = total_pages(response.json())
            if pages is None or page >= pages:
                return
            page += 1
            if page > MAX_PAGES:
                raise DvcqgError(f"{endpoint} {period_key}: more than {MAX_PAGES} pages")

    # -- endpoints ----------------------------------------------------------
    def evaluation(self, group: str, period: Period) -> list[Response]:
        """Every page of one group for one period (the tree endpoints answer in one)."""
        if group not in GROUPS:
            raise ValueError(f"unknown evaluation group {group!r}")
        period.check_ended(self.today)
        body: dict[str, Any] = {
            "rootDepartmentId": self.root_department_id,
            "currentPage": 1,
            "pageSize": self.page_size,
            **period.body(group),
        }
        return list(
            self._pages(self.root_department_id, group, period.key, EVALUATION_PATH + group, body)
        )

    def formalities(self, q: str = "") -> list[Response]:
        """Every page of the national procedure catalogue (optionally filtered by ``q``)."""
        body = {"q": q, "currentPage": 1, "pageSize": self.page_size}
        return list(
            self._pages("national", "formalities", f"catalogue:{q}", FORMALITIES_PATH, body)
        )
