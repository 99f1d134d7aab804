"""Links into the dashboards (Superset, see docs/dashboards.md) for alert messages.

The base URL is a setting, ``PORTAL_KPI_DASHBOARD_URL`` (e.g. ``http://127.0.0.1:8088``);
without it there are no links. An agency is pre-selected in the dashboard's native filter
through Superset's ``native_filters`` URL parameter (rison).
"""

from __future__ import annotations

import os
from urllib.parse import quote

DASHBOARD_URL_ENV = "PORTAL_KPI_DASHBOARD_URL"

# Dashboard slugs (bi/assets/dashboards/*.yaml) and the native filter that selects an agency.
PROVINCE = "tinh"
AGENCIES = "co-quan"
EARLY_WARNING = "sap-tre-han"
ISO9001 = "iso-9001"
SCORES_766 = "diem-766"
AGENCY_FILTER_ID = "NATIVE_FILTER-agency_code"
AGENCY_FILTER_COLUMN = "agency_code"

EARLY_WARNING_KPIS = frozenset({"overdue_in_progress", "late_without_apology"})


def _rison_string(value: str) -> str:
    """A rison string: bare when it is an identifier-like token, else quoted with !-escapes."""
    if value and all(c.isalnum() or c in "-_./~" for c in value) and not value[0].isdigit():
        return value
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def agency_filter(agency: str) -> str:
    """The rison ``native_filters`` value that selects one agency code."""
    fid, col, val = AGENCY_FILTER_ID, AGENCY_FILTER_COLUMN, _rison_string(agency)
    return (
        f"({fid}:(__cache:(label:{val},validateStatus:!f,value:!({val})),"
        f"extraFormData:(filters:!((col:{col},op:IN,val:!({val})))),"
        f"filterState:(label:{val},validateStatus:!f,value:!({val})),id:{fid},ownState:()))"
    )


def dashboard_slug(kpi: str | None, agency: str | None) -> str:
    """Which dashboard answers for a KPI and an agency."""
    if kpi == "iso9001_compliant_share":
        return ISO9001
    if kpi == "score_766":
        return SCORES_766
    if kpi in EARLY_WARNING_KPIS and agency:
        return EARLY_WARNING
    return AGENCIES if agency else PROVINCE


def dashboard_url(kpi: str | None, agency: str | None, base: str | None = None) -> str | None:
    """URL of the dashboard for ``kpi`` with ``agency`` pre-selected; None when no base
    URL is configured. An agency code with ':' (a level aggregate) or the province code
    is not pre-selected."""
    base = base if base is not None else os.environ.get(DASHBOARD_URL_ENV, "")
    if not base.strip():
        return None
    url = f"{base.strip().rstrip('/')}/superset/dashboard/{dashboard_slug(kpi, agency)}/"
    if agency and "." in agency and ":" not in agency:
        url += "?native_filters=" + quote(agency_filter(agency), safe="")
    return url
