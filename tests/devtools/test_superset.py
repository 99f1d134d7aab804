"""Superset for real: .venv-bi, a warehouse loaded by the pipeline, bi/ imported, every chart
of every dashboard queried as the viewer, and every dashboard rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import HASHER
from sqlalchemy import text

from portal_kpi.config import CONN_WAREHOUSE, get_connection
from portal_kpi.daily.due_soon import refresh
from portal_kpi.daily.pipeline import run_day
from portal_kpi.dates import TZ
from portal_kpi.devtools import bi
from portal_kpi.devtools.demo_register import generate_register, register_agencies
from portal_kpi.devtools.superset_api import Superset, SupersetError, form_login
from portal_kpi.devtools.superset_assets import dashboard_charts
from portal_kpi.iso9001.compliance import compute_compliance, ingest
from portal_kpi.iso9001.register import RegisterFile
from portal_kpi.quality.gx import Settings
from portal_kpi.scores import daily as scores

# Provisioning Superset and rendering five dashboards outlasts the suite default on 2 busy cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
FIRST, LAST = date(2026, 11, 16), date(2026, 11, 19)
POINTS = "Điểm 766 / 766 points"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load(engine: Any, client: Any, history: Any, tmp: Path) -> None:
    """A few simulated days through the pipeline, the early-warning lists, the 766 points of
    each day, ISO 9001."""
    day = FIRST
    while day <= LAST:
        run_day(engine, client, HASHER, day, Settings())
        day += timedelta(days=1)
    refresh(engine, LAST)
    with engine.begin() as conn:
        day = FIRST
        while day <= LAST:
            scores.refresh(conn, day, history.config.province)
            day += timedelta(days=1)
    agencies = register_agencies(history, LAST)
    path = generate_register(tmp / "iso9001.xlsx", agencies, LAST)
    received = datetime(LAST.year, LAST.month, LAST.day, 8, 0, tzinfo=TZ)
    ingest(engine, RegisterFile(str(path), path.name, path.read_bytes()), received)
    compute_compliance(engine, LAST, LAST)


@pytest.fixture
def superset(
    engine: Any, simulator: Any, client: Any, tmp_path: Path
) -> Iterator[tuple[bi.BiSetup, Any]]:
    _load(engine, client, simulator.history, tmp_path)
    setup = replace(
        bi.BiSetup.from_env(),
        state=tmp_path / "bi",
        port=_free_port(),
        db_role=f"pk_bi_test_{uuid.uuid4().hex[:8]}",
    )
    try:
        bi.up(setup)
        yield setup, engine
    finally:
        bi.stop(setup)
        bi.drop_login_role(engine, setup.db_role)


def test_superset_dashboards_for_the_viewer(superset: tuple[bi.BiSetup, Any]) -> None:
    setup, engine = superset
    creds = json.loads((setup.state / "credentials.json").read_text(encoding="utf-8"))
    assert creds["url"] == setup.url
    viewer = creds["viewer"]
    secret = setup.secret("db_password")
    for path in (ROOT / "bi").rglob("*"):
        assert not path.is_file() or secret not in path.read_text(encoding="utf-8"), path

    # The warehouse login: bi_reader only, and it really is what Superset queries with.
    with engine.connect() as conn:
        roles = conn.execute(
            text(
                "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
                " JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :role"
            ),
            {"role": setup.db_role},
        ).scalars()
        assert list(roles) == ["bi_reader"]

    api = Superset(setup.url)
    api.login(viewer["username"], viewer["password"])
    dashboards = {d["dashboard_title"]: d for d in api.dashboards()}
    expected = dashboard_charts(setup.assets)
    assert set(dashboards) == set(expected)
    checked = 0
    for title, dash in dashboards.items():
        charts = api.dashboard_charts(dash["id"])
        assert len(charts) == len(expected[title]), title
        for chart in charts:
            results = api.chart_data(chart["id"])
            assert results, (title, chart["slice_name"])
            for result in results:
                assert not result.get("error"), (title, chart["slice_name"], result["error"])
                assert result["rowcount"] > 0, (title, chart["slice_name"], result["query"])
            checked += 1
    assert checked >= 30

    # The 766 dashboard shows what kpi.score_766 holds: the province's provisional total on
    # the last day loaded, and the four forecast scenarios in display order.
    points = {c["slice_name"]: c["id"] for c in api.dashboard_charts(dashboards[POINTS]["id"])}
    with engine.connect() as conn:
        total = conn.execute(
            text(
                "SELECT points FROM kpi.score_766 WHERE as_of = :day AND period_type = 'month'"
                " AND agency_code NOT LIKE '%.%' AND row_kind = 'total'"
            ),
            {"day": LAST},
        ).scalar_one()
    [shown] = api.chart_data(points["Điểm 766 tạm tính (tỉnh)"])[0]["data"]
    assert shown == {"Điểm 766 tạm tính": float(total)}
    scenarios = api.chart_data(points["Dự báo điểm cuối tháng"])[0]["data"]
    assert [row["scenario_vi"][:2] for row in scenarios] == ["4.", "3.", "2.", "1."]
    worst, expected_points, best = (scenarios[i]["Điểm / points"] for i in (2, 1, 0))
    assert worst <= expected_points <= best

    # Rerunning the import updates in place: same dashboards, same ids.
    bi.import_dashboards(setup, get_connection(CONN_WAREHOUSE), setup.secret("db_password"))
    assert {d["dashboard_title"]: d["id"] for d in api.dashboards()} == {
        t: d["id"] for t, d in dashboards.items()
    }

    # Without bi_reader the login cannot read: the charts really run as that role.
    with engine.begin() as conn:
        conn.execute(text(f'REVOKE bi_reader FROM "{setup.db_role}"'))
    some = api.dashboard_charts(dashboards["Tỉnh / Province"]["id"])[0]
    with pytest.raises(SupersetError, match="permission denied"):
        api.chart_data(some["id"])
    with engine.begin() as conn:
        conn.execute(text(f'GRANT bi_reader TO "{setup.db_role}"'))

    # A person's view: form log-in, the session cookie in headless Chromium, every dashboard.
    assert shutil.which("chromium"), "apt-get install -y chromium"
    form_login(setup.url, viewer["username"], viewer["password"])
    shots = ROOT / ".local" / "test" / "bi-shots"
    results = bi.shoot(setup, shots)
    assert len(results) == len(expected)
    for title, path, rendered in results:
        assert rendered, f"{title} did not render its charts (see {path})"
        assert path.stat().st_size > 20_000, path
