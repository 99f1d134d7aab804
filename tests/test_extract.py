"""The portal client and extract step against the simulator over a real socket."""

from __future__ import annotations

import time
import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from factories import HASHER
from sqlalchemy import text

from portal_kpi.daily.extract import extract_catalogues, extract_dossiers
from portal_kpi.sources.portal import PortalClient, PortalError, RetryPolicy

WINDOW = (datetime(2026, 11, 18), datetime(2026, 11, 20))


def _all(client: PortalClient) -> list[dict[str, Any]]:
    return [r for page in client.dossier_changes(*WINDOW) for r in page.records]


def test_paging_returns_exactly_the_window(simulator: Any, client: PortalClient) -> None:
    got = _all(client)
    assert got == simulator.history.feed(*WINDOW)
    pages = [s for _, path, s in simulator.requests if path.startswith("/api/v1/dossiers")]
    assert len(pages) > 1 and set(pages) == {200}


def test_rate_limit_honours_retry_after(simulator: Any) -> None:
    slept: list[float] = []
    client = PortalClient(
        simulator.url,
        simulator.client_id,
        simulator.client_secret,
        retry=RetryPolicy(attempts=5, sleep=slept.append),
        page_limit=500,
    )
    simulator.faults.rate_limit_next = 2
    simulator.faults.retry_after = 7
    assert _all(client) == simulator.history.feed(*WINDOW)
    assert slept == [7.0, 7.0]


def test_transient_errors_are_retried_with_backoff(simulator: Any) -> None:
    slept: list[float] = []
    client = PortalClient(
        simulator.url,
        simulator.client_id,
        simulator.client_secret,
        retry=RetryPolicy(attempts=5, backoff_seconds=0.5, sleep=slept.append),
    )
    simulator.faults.error_next = 3
    simulator.faults.error_status = 502
    assert _all(client) == simulator.history.feed(*WINDOW)
    assert slept == [0.5, 1.0, 2.0]


def test_gives_up_after_the_attempts(simulator: Any) -> None:
    client = PortalClient(
        simulator.url,
        simulator.client_id,
        simulator.client_secret,
        retry=RetryPolicy(attempts=3, sleep=lambda _: None),
    )
    simulator.faults.error_next = 10
    with pytest.raises(PortalError, match=r"answered 503 \(after 3 attempts"):
        _all(client)


def test_bad_request_is_permanent(client: PortalClient) -> None:
    with pytest.raises(PortalError, match="400"):
        list(client.pages("/api/v1/dossiers", {"updated_from": "yesterday", "updated_to": "x"}))


def test_token_expiring_mid_listing_is_renewed_once(simulator: Any, client: PortalClient) -> None:
    simulator.faults.expire_token_after_pages = 1
    assert _all(client) == simulator.history.feed(*WINDOW)
    assert client.token_requests >= 2


def test_wrong_secret_fails_clearly(simulator: Any) -> None:
    client = PortalClient(simulator.url, simulator.client_id, "wrong")
    with pytest.raises(PortalError, match="401"):
        _all(client)


def test_slow_answer_times_out(simulator: Any) -> None:
    client = PortalClient(
        simulator.url,
        simulator.client_id,
        simulator.client_secret,
        timeout=(2, 0.2),
        retry=RetryPolicy(attempts=2, sleep=lambda _: None),
    )
    simulator.faults.slow_ms = 600
    started = time.monotonic()
    with pytest.raises(PortalError, match="after 2 attempts"):
        list(client.agencies())
    assert time.monotonic() - started < 5


def test_nfd_text_is_normalised(simulator: Any, client: PortalClient) -> None:
    simulator.faults.nfd = True
    names = [r["TenDonVi"] for page in client.agencies() for r in page.records]
    assert all(unicodedata.is_normalized("NFC", n) for n in names)
    assert any(n != unicodedata.normalize("NFD", n) for n in names)


def test_extract_stages_pages_and_keeps_no_personal_data(
    engine: Any, simulator: Any, client: PortalClient
) -> None:
    simulator.faults.repeat_record = True
    day = date(2026, 11, 19)
    extract_catalogues(engine, client, day)
    batches = extract_dossiers(engine, client, HASHER, day)
    assert [b.source for b in batches] == ["dossiers_open", "dossiers"]
    feed = simulator.history.feed(*WINDOW)
    with engine.connect() as conn:
        staged = conn.execute(
            text(
                'SELECT count(*), count(DISTINCT ("MaHoSo", "NgayCapNhat"))'
                " FROM staging.dossier WHERE batch_id = :b"
            ),
            {"b": batches[1].batch_id},
        ).one()
        raw = conn.execute(text("SELECT string_agg(records::text, '') FROM raw.page")).scalar()
    assert staged[1] == len(feed)
    assert staged[0] > staged[1]  # the repeated records were staged as received
    for rec in feed[:50]:
        assert rec["ChuHoSo"] not in raw
        assert rec["SoDienThoai"] not in raw
        assert rec["TrichYeuHoSo"] not in raw
    assert HASHER.hash(feed[0]["ChuHoSo"]) in raw


def test_malformed_record_is_quarantined_and_the_rest_published(
    engine: Any, simulator: Any, client: PortalClient
) -> None:
    from portal_kpi.daily.pipeline import run_day
    from portal_kpi.quality.gx import Settings

    day = date(2026, 11, 19)
    victim = next(r for r in simulator.history.feed(*WINDOW) if r["NgayTiepNhan"])["MaHoSo"]
    simulator.faults.malformed_mahoso = victim
    result = run_day(engine, client, HASHER, day, Settings())
    assert result.kpi is not None
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT record_key, rules FROM quality.quarantine")).all()
        published = conn.execute(text("SELECT count(*) FROM core.dossier")).scalar()
    assert {r.record_key for r in rows} == {victim}
    assert all("date_format:NgayTiepNhan" in r.rules for r in rows)
    assert published > 100
