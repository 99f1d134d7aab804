"""Faults of the portal's transport: each run ends with the warehouse of a clean run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from faults.harness import clean, differences, make_client, run, snapshot

# fault name -> simulator switches (all answered by the client's retries)
TRANSPORT_FAULTS: dict[str, dict[str, Any]] = {
    "429 with Retry-After seconds": {"rate_limit_next": 3, "retry_after": 0},
    "429 with Retry-After -5": {"rate_limit_next": 2, "retry_after_text": "-5"},
    "429 with Retry-After nan": {"rate_limit_next": 2, "retry_after_text": "nan"},
    "429 with Retry-After garbage": {"rate_limit_next": 2, "retry_after_text": "soon"},
    "503 twice": {"error_next": 2, "error_status": 503},
    "500 and 502": {"error_next": 2, "error_status": 502},
    "read timeout": {"stall_next": 2, "stall_ms": 800},
    "token expiry mid-paging": {"expire_token_after_pages": 2},
    "repeated records across pages": {"repeat_record": True},
    "records in Unicode NFD": {"nfd": True},
    "truncated JSON with 200": {"bad_body_next": 2, "bad_body": "truncated"},
    "HTML page with 200": {"bad_body_next": 2, "bad_body": "html"},
    "broken chunked transfer": {"bad_body_next": 2, "bad_body": "chunked"},
}


@pytest.mark.parametrize("fault", sorted(TRANSPORT_FAULTS))
def test_transport_fault_leaves_the_clean_warehouse(
    engine: Any, simulator: Any, fault: str
) -> None:
    expected = clean(engine, simulator)
    for name, value in TRANSPORT_FAULTS[fault].items():
        setattr(simulator.faults, name, value)
    run(engine, make_client(simulator, timeout=(2.0, 0.5)))
    assert differences(snapshot(engine), expected) == {}
    assert expected["core.dossier"]  # the comparison is not between two empty warehouses


def test_retry_after_as_an_http_date_is_honoured(engine: Any, simulator: Any) -> None:
    expected = clean(engine, simulator)
    when = datetime.now(UTC) + timedelta(seconds=1)
    simulator.faults.rate_limit_next = 1
    simulator.faults.retry_after_text = format_datetime(when, usegmt=True)
    waits: list[float] = []
    client = make_client(simulator)
    client.retry.max_retry_after_seconds = 5.0
    client.retry.sleep = waits.append  # record the wait instead of sleeping it
    run(engine, client)
    assert 0.0 <= waits[0] <= 1.5  # the date, not the backoff (0.01 s)
    assert waits[0] > 0.05
    assert differences(snapshot(engine), expected) == {}
