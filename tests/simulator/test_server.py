"""The simulator over real sockets: auth, keyset paging, errors and every fault switch."""

from __future__ import annotations

import base64
import json
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import fields
from datetime import date, datetime
from typing import Any

import pytest
import requests

from portal_kpi.devtools.simulator import (
    Faults,
    PortalHistory,
    SimConfig,
    SimulatorHandle,
    start_background,
)

CONFIG = SimConfig(today=date(2026, 3, 2), dossiers_per_day=150, history_days=45)
FROM, TO = "20260210000000", "20260211000000"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    handle = start_background(CONFIG)
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def reset_faults(sim: SimulatorHandle) -> Iterator[None]:
    yield
    for f in fields(Faults):
        setattr(sim.faults, f.name, f.default)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def token(sim: SimulatorHandle, http: requests.Session) -> str:
    resp = http.post(
        f"{sim.url}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
        timeout=10,
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    return str(body["access_token"])


def get(
    sim: SimulatorHandle, http: requests.Session, path: str, tok: str | None, **params: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    return http.get(f"{sim.url}{path}", params=params, headers=headers, timeout=30)


def collect(
    sim: SimulatorHandle, http: requests.Session, path: str, tok: str, **params: Any
) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    pages = 0
    cursor = None
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        resp = get(sim, http, path, tok, **params, **extra)
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        body = resp.json()
        rows.extend(body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages


def test_health_and_token_flow(sim: SimulatorHandle, http: requests.Session) -> None:
    health = http.get(f"{sim.url}/_sim/health", timeout=10).json()
    assert health["status"] == "ok" and health["province"] == "H48"
    assert health["now"] == "20260302020000"
    bad = http.post(
        f"{sim.url}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": sim.client_id, "client_secret": "x"},
        timeout=10,
    )
    assert bad.status_code == 401 and "error" in bad.json()
    grant = http.post(f"{sim.url}/oauth/token", data={"grant_type": "password"}, timeout=10)
    assert grant.status_code == 400 and "error" in grant.json()
    tok = token(sim, http)
    assert get(sim, http, "/api/v1/agencies", tok).status_code == 200
    for wrong in (None, "not-a-token"):
        resp = get(sim, http, "/api/v1/agencies", wrong)
        assert resp.status_code == 401 and "error" in resp.json()
    assert ("POST", "/oauth/token", 200) in sim.requests


def test_token_expires_after_ttl(http: requests.Session) -> None:
    handle = start_background(CONFIG, token_ttl=0.3, history=PortalHistory(CONFIG))
    try:
        resp = http.post(
            f"{handle.url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": handle.client_id,
                "client_secret": handle.client_secret,
            },
            timeout=10,
        )
        tok = resp.json()["access_token"]
        assert get(handle, http, "/api/v1/procedures", tok).status_code == 200
        time.sleep(0.5)
        assert get(handle, http, "/api/v1/procedures", tok).status_code == 401
    finally:
        handle.stop()


@pytest.mark.parametrize("limit", [7, 100, 500, 1000])
def test_paging_collects_the_feed(sim: SimulatorHandle, http: requests.Session, limit: int) -> None:
    tok = token(sim, http)
    rows, pages = collect(
        sim, http, "/api/v1/dossiers", tok, updated_from="20260210080000",
        updated_to="20260210093000" if limit == 7 else TO, limit=limit,
    )  # fmt: skip
    start = datetime(2026, 2, 10, 8)
    end = datetime(2026, 2, 10, 9, 30) if limit == 7 else datetime(2026, 2, 11)
    expected = sim.history.feed(start, end)
    assert rows == expected and len(expected) > 50
    assert pages == max(1, -(-len(expected) // limit))


def test_default_limit_and_other_lists(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    first = get(sim, http, "/api/v1/dossiers", tok, updated_from=FROM, updated_to=TO).json()
    assert len(first["data"]) == 500 and first["next_cursor"]
    agencies, _ = collect(sim, http, "/api/v1/agencies", tok, limit=50)
    assert agencies == sim.history.agencies()
    procedures, _ = collect(sim, http, "/api/v1/procedures", tok, limit=64)
    assert procedures == sim.history.procedures()
    opened, _ = collect(sim, http, "/api/v1/dossiers/open", tok, as_of="20260215120000", limit=333)
    assert opened == sim.history.open_as_of(datetime(2026, 2, 15, 12))
    future, _ = collect(
        sim, http, "/api/v1/dossiers", tok, updated_from="20260301000000",
        updated_to="20260310000000", limit=1000,
    )  # fmt: skip
    assert future == sim.history.feed(datetime(2026, 3, 1), datetime(2026, 3, 10))
    assert max(r["NgayCapNhat"] for r in future) < "20260302020000"


@pytest.mark.parametrize(
    "params",
    [
        {"updated_from": FROM, "updated_to": TO, "limit": "0"},
        {"updated_from": FROM, "updated_to": TO, "limit": "1001"},
        {"updated_from": FROM, "updated_to": TO, "limit": "ten"},
        {"updated_from": FROM, "updated_to": TO, "cursor": "not!base64"},
        {"updated_from": FROM, "updated_to": TO, "cursor": "eyJ4IjoxfQ"},
        {"updated_from": "2026-02-10", "updated_to": TO},
        {"updated_from": "20261345000000", "updated_to": TO},
        {"updated_from": FROM},
        {"updated_from": TO, "updated_to": FROM},
    ],
)
def test_bad_requests(sim: SimulatorHandle, http: requests.Session, params: dict[str, str]) -> None:
    tok = token(sim, http)
    resp = get(sim, http, "/api/v1/dossiers", tok, **params)
    assert resp.status_code == 400 and resp.json()["error"]


def test_cursor_bound_to_its_query(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    page = get(sim, http, "/api/v1/dossiers", tok, updated_from=FROM, updated_to=TO, limit=10)
    cursor = page.json()["next_cursor"]
    assert json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    other = get(
        sim, http, "/api/v1/dossiers", tok, updated_from=FROM, updated_to="20260212000000",
        cursor=cursor,
    )  # fmt: skip
    assert other.status_code == 400
    assert (
        get(sim, http, "/api/v1/dossiers/open", tok, as_of=FROM, cursor=cursor).status_code == 400
    )
    assert get(sim, http, "/api/v1/nothing", tok).status_code == 404
    assert get(sim, http, "/api/v1/dossiers/open", tok).status_code == 400


def test_fault_rate_limit_and_errors(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    sim.faults.rate_limit_next, sim.faults.retry_after = 2, 3
    for _ in range(2):
        resp = get(sim, http, "/api/v1/agencies", tok)
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    assert get(sim, http, "/api/v1/agencies", tok).status_code == 200
    set_faults = http.post(f"{sim.url}/_sim/faults", json={"error_next": 1, "error_status": 502})
    assert set_faults.status_code == 200 and set_faults.json()["error_next"] == 1
    assert get(sim, http, "/api/v1/agencies", tok).status_code == 502
    assert get(sim, http, "/api/v1/agencies", tok).status_code == 200
    assert http.post(f"{sim.url}/_sim/faults", json={"bogus": 1}).status_code == 400
    assert http.post(f"{sim.url}/_sim/faults", json={"nfd": "yes"}).status_code == 400
    current = http.get(f"{sim.url}/_sim/faults").json()
    assert set(current) == {f.name for f in fields(Faults)}
    assert current["rate_limit_next"] == current["error_next"] == 0


def test_fault_slow(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    sim.faults.slow_ms = 300
    began = time.monotonic()
    assert get(sim, http, "/api/v1/agencies", tok, limit=1).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_fault_token_expiry_after_pages(sim: SimulatorHandle, http: requests.Session) -> None:
    sim.faults.expire_token_after_pages = 2
    tok = token(sim, http)
    first = get(sim, http, "/api/v1/agencies", tok, limit=5).json()
    second = get(sim, http, "/api/v1/agencies", tok, limit=5, cursor=first["next_cursor"])
    assert second.status_code == 200
    cursor = second.json()["next_cursor"]
    assert get(sim, http, "/api/v1/agencies", tok, limit=5, cursor=cursor).status_code == 401
    fresh = token(sim, http)
    assert get(sim, http, "/api/v1/agencies", fresh, limit=5, cursor=cursor).status_code == 200


def test_fault_repeat_record(sim: SimulatorHandle, http: requests.Session) -> None:
    sim.faults.repeat_record = True
    tok = token(sim, http)
    rows, pages = collect(
        sim, http, "/api/v1/dossiers", tok, updated_from=FROM, updated_to=TO, limit=200
    )
    expected = sim.history.feed(datetime(2026, 2, 10), datetime(2026, 2, 11))
    assert pages > 2 and len(rows) == len(expected) + pages - 1
    unique = {(r["MaHoSo"], r["NgayCapNhat"]): r for r in rows}
    assert list(unique.values()) == expected


def test_fault_nfd(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    plain = get(sim, http, "/api/v1/agencies", tok, limit=10).json()["data"]
    sim.faults.nfd = True
    raw = get(sim, http, "/api/v1/agencies", tok, limit=10)
    nfd = raw.json()["data"]
    assert nfd != plain
    assert [{k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v for k, v in r.items()}
            for r in nfd] == plain  # fmt: skip
    assert "Sở".encode() not in raw.content
    assert unicodedata.normalize("NFD", "Sở").encode() in raw.content


def test_fault_malformed_record(sim: SimulatorHandle, http: requests.Session) -> None:
    tok = token(sim, http)
    expected = sim.history.feed(datetime(2026, 2, 10), datetime(2026, 2, 11))
    target = next(r["MaHoSo"] for r in expected if r["NgayTiepNhan"])
    sim.faults.malformed_mahoso = target
    rows, _ = collect(
        sim, http, "/api/v1/dossiers", tok, updated_from=FROM, updated_to=TO, limit=1000
    )
    bad = [r for r in rows if r["MaHoSo"] == target]
    assert bad and all(r["NgayTiepNhan"] == "2026-13-45" for r in bad)
    assert [r for r in rows if r["MaHoSo"] != target] == [
        r for r in expected if r["MaHoSo"] != target
    ]
