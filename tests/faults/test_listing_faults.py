"""Listings that never end, and answers a retry cannot change: the pull stops at once with
an error naming endpoint, window and page, and nothing of that listing is published."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from faults.harness import DAY, clean, make_client, run, scalar, snapshot
from portal_kpi.daily import extract
from portal_kpi.dates import local_midnight_aware
from portal_kpi.sources.portal import ListingNotConvergingError, PortalPermanentError
from portal_kpi.tasks import portal_daily as tasks

LISTING_FAULTS: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    # fault -> (simulator switches, client options, what the error says)
    "cursor cycle": ({"listing_fault": "cycle"}, {}, "cursor cycle"),
    "endless empty pages": ({"listing_fault": "endless_empty"}, {}, "empty pages in a row"),
    "more pages than the cap": (
        {"listing_fault": "endless_repeat"},
        {"max_pages": 25},
        "more than 25 pages",
    ),
}


def _nothing_of_the_feed_published(engine: Any, expected: dict[str, Any]) -> None:
    got = snapshot(engine)
    assert got["core.agency"] == expected["core.agency"]  # the catalogues came first
    assert got["core.procedure"] == expected["core.procedure"]
    for table in ("core.dossier", "core.dossier_version", "core.load_day", "kpi.dossier_stats"):
        assert got[table] == [], table
    unfinished = scalar(
        engine, "SELECT count(*) FROM raw.batch WHERE source = 'dossiers' AND finished_at IS NULL"
    )
    assert unfinished == 1


@pytest.mark.parametrize("fault", sorted(LISTING_FAULTS))
def test_non_converging_listing_stops_with_a_clear_error(
    engine: Any, simulator: Any, fault: str
) -> None:
    expected = clean(engine, simulator)
    switches, options, says = LISTING_FAULTS[fault]
    for name, value in switches.items():
        setattr(simulator.faults, name, value)
    simulator.faults.listing_fault_endpoint = "dossiers"
    with pytest.raises(ListingNotConvergingError, match=says) as err:
        run(engine, make_client(simulator, **options))
    message = str(err.value)
    assert "GET /api/v1/dossiers" in message and "updated_from=20261118000000" in message
    assert "page " in message
    _nothing_of_the_feed_published(engine, expected)


def test_window_over_the_volume_cap_stops(
    engine: Any, simulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = clean(engine, simulator)
    monkeypatch.setattr(extract, "MIN_VOLUME_CAP", 2000)
    simulator.faults.listing_fault = "endless_repeat"
    with pytest.raises(extract.VolumeCapError, match="more than 2,000 records by page"):
        run(engine, make_client(simulator))
    _nothing_of_the_feed_published(engine, expected)


@pytest.mark.parametrize("status", [401, 403])
def test_refused_after_a_fresh_token_fails_the_task_at_once(
    engine: Any, simulator: Any, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_DVC_PORTAL",
        f"http://{simulator.client_id}:{simulator.client_secret}@{simulator.host}:{simulator.port}",
    )
    simulator.faults.error_next, simulator.faults.error_status = 10, status
    with pytest.raises(PortalPermanentError, match=f"answered {status}"):
        run(engine, make_client(simulator))
    before = len(simulator.requests)
    start = datetime.now()
    with pytest.raises(
        AirflowFailException, match=f"GET /api/v1/agencies page 1 answered {status}"
    ):
        tasks.extract_catalogues(local_midnight_aware(DAY))
    assert (datetime.now() - start).total_seconds() < 5  # no waits, no retries
    api = [r for r in simulator.requests[before:] if r[1].startswith("/api/")]
    assert len(api) == (2 if status == 401 else 1)  # one fresh token, then stop


def test_configuration_error_fails_the_task_at_once(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_DVC_PORTAL", raising=False)
    with pytest.raises(AirflowFailException, match="dvc_portal"):
        tasks.extract_catalogues(local_midnight_aware(DAY))
