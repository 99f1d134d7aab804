"""HTTP server for the simulated provincial portal export API (contract section 1).

Endpoints: ``POST /oauth/token``; ``GET /api/v1/agencies``, ``/api/v1/procedures``,
``/api/v1/dossiers?updated_from&updated_to``, ``/api/v1/dossiers/open?as_of`` (Bearer token,
keyset paging with ``limit`` and ``cursor``); test hooks ``POST /_sim/faults`` (JSON body
sets :class:`Faults` fields) and ``GET /_sim/health`` (no auth, no faults). The national
portal's reporting API, ``POST /api/v1/reporting/evaluation/{group}`` and
``/api/v1/reporting/formalities`` (contract §2), is served by :mod:`.dvcqg`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import socket
import threading
import time
import unicodedata
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from portal_kpi.devtools.simulator import listing_faults
from portal_kpi.devtools.simulator.dvcqg import dvcqg_response
from portal_kpi.devtools.simulator.model import PortalHistory, SimConfig

log = logging.getLogger(__name__)

TOKEN_TTL_SECONDS = 300
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
MALFORMED_DATE = "2026-13-45"
_LIST_CACHE_SIZE = 8

Key = tuple[str, ...]


@dataclass
class Faults:
    """Mutable fault switches, read on every request (under the server's lock)."""

    rate_limit_next: int = 0  # the next N API requests answer 429 with Retry-After
    retry_after: int = 1
    error_next: int = 0  # the next N API requests answer error_status
    error_status: int = 503
    slow_ms: int = 0  # sleep before every answer
    stall_next: int = 0  # the next N API requests sleep stall_ms first (client timeouts)
    stall_ms: int = 2000
    expire_token_after_pages: int | None = None  # a token dies after this many list pages
    repeat_record: bool = False  # pages after the first repeat the previous page's last record
    nfd: bool = False  # every text value in Unicode NFD
    malformed_mahoso: str | None = None  # this dossier's NgayTiepNhan is served malformed
    retry_after_text: str | None = None  # the Retry-After header as given (any form)
    # listing_faults.py: a listing that does not end, patched or dropped records, broken bodies
    listing_fault: str | None = None  # cycle, endless_empty or endless_repeat
    listing_fault_endpoint: str = "dossiers"  # agencies, procedures, dossiers or open
    patch_key: str | None = None
    patch: dict[str, Any] | None = None
    drop_key: str | None = None
    bad_body_next: int = 0
    bad_body: str = "truncated"  # truncated, html or chunked


class _ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _Token:
    expires: float
    pages: int = 0


@dataclass
class _State:
    history: PortalHistory
    faults: Faults
    client_id: str
    client_secret: str
    token_ttl: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, _Token] = field(default_factory=dict)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    lists: OrderedDict[tuple[str, ...], tuple[list[dict[str, Any]], list[Key]]] = field(
        default_factory=OrderedDict
    )


def _parse_stamp(value: str | None, name: str) -> datetime:
    if value is None or value == "":
        raise _ApiError(400, f"missing parameter {name}")
    if len(value) != 14 or not value.isdigit():
        raise _ApiError(400, f"{name} must be yyyyMMddHHmmss, got {value!r}")
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise _ApiError(400, f"{name} is not a valid date: {value!r}") from exc


def _encode_cursor(endpoint: str, query: dict[str, str], key: Key) -> str:
    raw = json.dumps({"e": endpoint, "q": query, "k": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, endpoint: str, query: dict[str, str], width: int) -> Key:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        obj = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise _ApiError(400, "invalid cursor") from exc
    if not isinstance(obj, dict) or obj.get("e") != endpoint or obj.get("q") != query:
        raise _ApiError(400, "cursor does not belong to this query")
    key = obj.get("k")
    if not isinstance(key, list) or len(key) != width or not all(isinstance(k, str) for k in key):
        raise _ApiError(400, "invalid cursor")
    return tuple(key)


_OPTIONAL_FAULTS: dict[str, type] = {
    "expire_token_after_pages": int,
    "malformed_mahoso": str,
    "retry_after_text": str,
    "listing_fault": str,
    "patch_key": str,
    "patch": dict,
    "drop_key": str,
}


def _fault_value_ok(name: str, value: Any) -> bool:
    if name in _OPTIONAL_FAULTS:
        wanted: type = _OPTIONAL_FAULTS[name]
        return value is None or (isinstance(value, wanted) and not isinstance(value, bool))
    default = getattr(Faults(), name)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, bool):
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _nfd(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFD", value)
    if isinstance(value, list):
        return [_nfd(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfd(v) for k, v in value.items()}
    return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PortalSim/1.0"
    state: _State  # set on the subclass made per server

    # --------------------------------------------------------------- plumbing
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        with self.state.lock:
            self.state.requests.append((self._method, self.path, status))

    def _reporting(self, method: str, path: str, body: bytes) -> None:
        """The national portal's reporting API (contract §2), public like the real one."""
        if method != "POST":
            raise _ApiError(405, "use POST")

        try:
            payload = json.loads(body or b"{}")
        except ValueError as exc:
            raise _ApiError(400, "body must be a JSON object") from exc
        history = self.state.history
        status, out = dvcqg_response(
            path, payload, today=history.config.today, province_history=history
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)  # exact bytes (the real captures are replayed byte for byte)
        with self.state.lock:
            self.state.requests.append((method, self.path, status))

    def _handle(self, method: str) -> None:
        self._method = method
        body = self._body()
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            if path.startswith("/_sim/"):
                self._sim(method, path, body)
                return
            if self._injected_fault(path):
                return
            self._route(method, path, query, body)
        except _ApiError as err:
            headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
            self._send(err.status, {"error": err.message}, headers)
        except Exception:
            log.exception("simulator failed on %s %s", method, self.path)
            self._send(500, {"error": "internal error"})

    def _injected_fault(self, path: str) -> bool:
        """Slow answers, stalls, 429 and error statuses from the fault switches; True when
        the request was answered by one."""
        faults = self.state.faults
        if faults.slow_ms > 0:
            time.sleep(faults.slow_ms / 1000.0)
        if not path.startswith("/api/"):
            return False
        if self._stall():
            time.sleep(faults.stall_ms / 1000.0)
        with self.state.lock:
            status, retry = 0, ""
            if faults.rate_limit_next > 0:
                faults.rate_limit_next -= 1
                retry = faults.retry_after_text or str(faults.retry_after)
                status = 429
            elif faults.error_next > 0:
                faults.error_next -= 1
                status = faults.error_status
        if status == 429:
            self._send(429, {"error": "rate limited"}, {"Retry-After": retry})
        elif status:
            self._send(status, {"error": HTTPStatus(status).phrase})
        return bool(status)

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> None:
        if path.startswith("/api/v1/reporting/"):
            self._reporting(method, path, body)
        elif path == "/oauth/token":
            if method != "POST":
                raise _ApiError(405, "use POST")
            self._token(body)
        elif path in _LISTS:
            if method != "GET":
                raise _ApiError(405, "use GET")
            self._list(path, query)
        else:
            raise _ApiError(404, f"no such endpoint: {path}")

    def _stall(self) -> bool:
        with self.state.lock:
            if self.state.faults.stall_next <= 0:
                return False
            self.state.faults.stall_next -= 1
            return True

    # --------------------------------------------------------------- endpoints
    def _sim(self, method: str, path: str, body: bytes) -> None:
        st = self.state
        if path == "/_sim/health" and method == "GET":
            h = st.history
            self._send(
                200,
                {
                    "status": "ok",
                    "province": h.config.province,
                    "today": h.config.today.isoformat(),
                    "now": h.now.strftime("%Y%m%d%H%M%S"),
                    "seed": h.config.seed,
                },
            )
        elif path == "/_sim/faults" and method == "POST":
            try:
                changes = json.loads(body or b"{}")
            except ValueError as exc:
                raise _ApiError(400, "body must be a JSON object") from exc
            if not isinstance(changes, dict):
                raise _ApiError(400, "body must be a JSON object")
            defaults = {f.name: f.default for f in fields(Faults)}
            unknown = sorted(set(changes) - set(defaults))
            if unknown:
                raise _ApiError(400, f"unknown fault fields: {unknown}")
            for name, value in changes.items():
                if not _fault_value_ok(name, value):
                    raise _ApiError(400, f"bad value for {name}: {value!r}")
            with st.lock:
                for name, value in changes.items():
                    setattr(st.faults, name, value)
                current = asdict(st.faults)
            self._send(200, current)
        elif path == "/_sim/faults" and method == "GET":
            with st.lock:
                current = asdict(st.faults)
            self._send(200, current)
        else:
            raise _ApiError(404, f"no such endpoint: {path}")

    def _token(self, body: bytes) -> None:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic ") and client_id is None:
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id = secret = None
        if form.get("grant_type") != "client_credentials":
            raise _ApiError(400, "unsupported_grant_type")
        st = self.state
        if not (
            client_id is not None
            and secret is not None
            and secrets.compare_digest(client_id, st.client_id)
            and secrets.compare_digest(secret, st.client_secret)
        ):
            raise _ApiError(401, "invalid_client")
        token = secrets.token_urlsafe(24)
        with st.lock:
            now = time.monotonic()
            for old in [k for k, v in st.tokens.items() if v.expires < now]:
                del st.tokens[old]
            st.tokens[token] = _Token(now + st.token_ttl)
        self._send(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": int(st.token_ttl)},
        )

    def _authorise(self) -> str:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise _ApiError(401, "missing bearer token")
        token = auth[7:].strip()
        st = self.state
        with st.lock:
            entry = st.tokens.get(token)
            if entry is None or entry.expires < time.monotonic():
                st.tokens.pop(token, None)
                raise _ApiError(401, "invalid or expired token")
            limit = st.faults.expire_token_after_pages
            if limit is not None and entry.pages >= limit:
                del st.tokens[token]
                raise _ApiError(401, "token expired")
        return token

    def _list(self, path: str, query: dict[str, str]) -> None:
        token = self._authorise()
        endpoint, loader, width, params = _LISTS[path]
        raw_limit = query.get("limit")
        try:
            limit = DEFAULT_LIMIT if raw_limit is None else int(raw_limit)
        except ValueError as exc:
            raise _ApiError(400, f"limit must be an integer 1–{MAX_LIMIT}") from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise _ApiError(400, f"limit must be an integer 1–{MAX_LIMIT}")
        qparams = {name: query.get(name, "") for name in params}
        records, keys = self._listing(endpoint, loader, qparams)
        faults = self.state.faults
        with self.state.lock:
            repeat, nfd, bad = faults.repeat_record, faults.nfd, faults.malformed_mahoso
            mode = faults.listing_fault if faults.listing_fault_endpoint == endpoint else None
            patch = (faults.patch_key, faults.patch, faults.drop_key)
            broken = faults.bad_body if faults.bad_body_next > 0 else None
            faults.bad_body_next = max(0, faults.bad_body_next - 1)
            entry = self.state.tokens.get(token)
            if entry is not None:
                entry.pages += 1
        cursor = query.get("cursor")
        pos = 0
        if cursor and mode and cursor.startswith(listing_faults.ENDLESS):
            endless, endless_next = listing_faults.endless_page(cursor, mode, records, limit)
            self._send_page(endless, endless_next, broken)
            return
        if cursor:
            pos = bisect_right(keys, _decode_cursor(cursor, endpoint, qparams, width))
        page = records[pos : pos + limit]
        end = pos + len(page)
        next_cursor: str | None = (
            _encode_cursor(endpoint, qparams, keys[end - 1]) if end < len(records) else None
        )
        if next_cursor is None and mode:
            first_last = keys[min(limit, len(keys)) - 1] if keys else None
            second = _encode_cursor(endpoint, qparams, first_last) if first_last else None
            next_cursor = listing_faults.end_cursor(mode, second)
        if repeat and cursor and pos > 0:
            page = [records[pos - 1], *page]
        if bad is not None:
            page = [
                {**r, "NgayTiepNhan": MALFORMED_DATE} if r.get("MaHoSo") == bad else r for r in page
            ]
        if nfd:
            page = [_nfd(r) for r in page]
        self._send_page(listing_faults.patch_records(page, *patch), next_cursor, broken)

    def _send_page(self, page: list[Any], next_cursor: str | None, broken: str | None) -> None:
        payload = {"data": page, "next_cursor": next_cursor}
        if broken is None:
            self._send(200, payload)
            return
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers, data, cut = listing_faults.broken_body(broken, body)
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        if cut:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        with self.state.lock:
            self.state.requests.append((self._method, self.path, 200))

    def _listing(
        self, endpoint: str, loader: _Loader, qparams: dict[str, str]
    ) -> tuple[list[dict[str, Any]], list[Key]]:
        st = self.state
        cache_key = (endpoint, *sorted(qparams.items(), key=lambda kv: kv[0]))
        flat = tuple(str(x) for x in cache_key)
        with st.lock:
            got = st.lists.get(flat)
            if got is not None:
                st.lists.move_to_end(flat)
                return got
        records, keys = loader(st.history, qparams)
        with st.lock:
            st.lists[flat] = (records, keys)
            while len(st.lists) > _LIST_CACHE_SIZE:
                st.lists.popitem(last=False)
        return records, keys


_Loader = Callable[[PortalHistory, dict[str, str]], tuple[list[dict[str, Any]], list[Key]]]


def _load_agencies(h: PortalHistory, q: dict[str, str]) -> tuple[list[dict[str, Any]], list[Key]]:
    rows = h.agencies()
    return rows, [(r["MaDonVi"], r["HieuLucTu"]) for r in rows]


def _load_procedures(h: PortalHistory, q: dict[str, str]) -> tuple[list[dict[str, Any]], list[Key]]:
    rows = h.procedures()
    return rows, [(r["MaTTHC"], r["HieuLucTu"]) for r in rows]


def _load_feed(h: PortalHistory, q: dict[str, str]) -> tuple[list[dict[str, Any]], list[Key]]:
    frm = _parse_stamp(q["updated_from"], "updated_from")
    to = _parse_stamp(q["updated_to"], "updated_to")
    if to < frm:
        raise _ApiError(400, "updated_to is before updated_from")
    rows = h.feed(frm, to)
    return rows, [(r["NgayCapNhat"], r["MaHoSo"]) for r in rows]


def _load_open(h: PortalHistory, q: dict[str, str]) -> tuple[list[dict[str, Any]], list[Key]]:
    rows = h.open_as_of(_parse_stamp(q["as_of"], "as_of"))
    return rows, [(r["MaHoSo"],) for r in rows]


_LISTS: dict[str, tuple[str, _Loader, int, tuple[str, ...]]] = {
    "/api/v1/agencies": ("agencies", _load_agencies, 2, ()),
    "/api/v1/procedures": ("procedures", _load_procedures, 2, ()),
    "/api/v1/dossiers": ("dossiers", _load_feed, 2, ("updated_from", "updated_to")),
    "/api/v1/dossiers/open": ("open", _load_open, 1, ("as_of",)),
}


class SimulatorHandle:
    """A running simulator (see :func:`start_background`)."""

    def __init__(
        self, server: ThreadingHTTPServer, thread: threading.Thread, state: _State
    ) -> None:
        self._server = server
        self._thread = thread
        self._state = state
        self.host: str = str(server.server_address[0])
        self.port: int = int(server.server_address[1])
        self.url = f"http://{self.host}:{self.port}"
        self.history: PortalHistory = state.history
        self.faults: Faults = state.faults
        self.requests: list[tuple[str, str, int]] = state.requests
        self.client_id: str = state.client_id
        self.client_secret: str = state.client_secret

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        log.info("portal simulator on %s stopped", self.url)


def _make_server(
    config: SimConfig,
    host: str,
    port: int,
    client_id: str,
    client_secret: str,
    token_ttl: float,
    history: PortalHistory | None = None,
) -> tuple[ThreadingHTTPServer, _State]:
    state = _State(
        history=history if history is not None else PortalHistory(config),
        faults=Faults(),
        client_id=client_id,
        client_secret=client_secret,
        token_ttl=token_ttl,
    )
    handler = type("PortalSimHandler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server, state


def start_background(
    config: SimConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    client_id: str = "portal-kpi",
    client_secret: str = "sim-secret",
    *,
    token_ttl: float = TOKEN_TTL_SECONDS,
    history: PortalHistory | None = None,
) -> SimulatorHandle:
    """Serve the simulator from a daemon thread; ``port=0`` picks a free port."""
    server, state = _make_server(config, host, port, client_id, client_secret, token_ttl, history)
    thread = threading.Thread(
        target=server.serve_forever, name="portal-simulator", kwargs={"poll_interval": 0.1}
    )
    thread.daemon = True
    thread.start()
    handle = SimulatorHandle(server, thread, state)
    log.info("portal simulator serving %s (history to %s)", handle.url, config.today)
    return handle


def serve_forever(
    config: SimConfig,
    host: str,
    port: int,
    client_id: str = "portal-kpi",
    client_secret: str = "sim-secret",
) -> None:
    """Serve the simulator in the foreground until interrupted."""
    server, _state = _make_server(config, host, port, client_id, client_secret, TOKEN_TTL_SECONDS)
    log.info("portal simulator serving http://%s:%s (history to %s)", host, port, config.today)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("portal simulator interrupted")
    finally:
        server.server_close()
