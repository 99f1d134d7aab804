"""Dashboard links for alerts: the base URL setting, the dashboard chosen, the agency filter."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from portal_kpi.links import DASHBOARD_URL_ENV, agency_filter, dashboard_url


def test_no_base_url_means_no_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DASHBOARD_URL_ENV, raising=False)
    assert dashboard_url("on_time_rate", "H48.07") is None
    monkeypatch.setenv(DASHBOARD_URL_ENV, "  ")
    assert dashboard_url("on_time_rate", "H48.07") is None


def test_agency_link_preselects_the_agency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DASHBOARD_URL_ENV, "http://127.0.0.1:8088/")
    url = dashboard_url("on_time_rate", "H48.07")
    assert url is not None
    parts = urlsplit(url)
    assert parts.path == "/superset/dashboard/co-quan/"
    (value,) = parse_qs(parts.query)["native_filters"]
    assert value == agency_filter("H48.07")
    assert "extraFormData:(filters:!((col:agency_code,op:IN,val:!(H48.07))))" in value


def test_dashboard_per_kpi() -> None:
    base = "https://bi.example.test"
    assert dashboard_url(None, None, base) == f"{base}/superset/dashboard/tinh/"
    assert dashboard_url("online_share", "H48", base) == f"{base}/superset/dashboard/co-quan/"
    assert dashboard_url("iso9001_compliant_share", "H48:COMMUNE", base) == (
        f"{base}/superset/dashboard/iso-9001/"
    )
    early = dashboard_url("overdue_in_progress", "H48.112", base)
    assert early is not None and early.startswith(f"{base}/superset/dashboard/sap-tre-han/?")


def test_rison_quotes_what_needs_it() -> None:
    assert "val:!('A B!!')" in agency_filter("A B!")
