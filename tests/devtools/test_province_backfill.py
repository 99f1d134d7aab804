"""`portal-kpi backfill --province CODE`: onboarding another province loads its history into
its own warehouse through its own connections, checked before anything runs."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from portal_kpi import provinces

PROVINCES = textwrap.dedent(
    """
    provinces:
      - code: H48
        name: Tỉnh A
      - code: H01
        name: Tỉnh B
    """
)
START, END = date(2026, 11, 10), date(2026, 11, 12)


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "provinces.yaml"
    path.write_text(PROVINCES, encoding="utf-8")
    monkeypatch.setenv(provinces.PROVINCES_ENV, str(path))
    for var in ("AIRFLOW_CONN_WAREHOUSE_H01", "AIRFLOW_CONN_DVC_PORTAL_H01"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def h01_database(warehouse_url: str) -> Iterator[str]:
    url = make_url(warehouse_url)
    name = f"{url.database}_h01"
    yield name
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def test_the_target_is_the_provinces_own_dag(two: Path) -> None:
    from portal_kpi.devtools.backfill_cli import backfill_target

    assert [(p.code, d) for p, d in [backfill_target("portal_daily", None)]] == [
        ("H48", "portal_daily")
    ]
    province, dag_id = backfill_target("portal_daily", "H01")
    assert (province.code, dag_id) == ("H01", "portal_daily_h01")
    with pytest.raises(SystemExit, match="default province only"):
        backfill_target("iso9001_register", "H01")
    with pytest.raises(SystemExit, match="H99"):
        backfill_target("portal_daily", "H99")


def test_a_provinces_missing_connection_is_named_with_its_own_id(two: Path) -> None:
    from portal_kpi.devtools import wiring

    problems = {p.name: str(p) for p in wiring.check("portal_daily_h01")}
    assert set(problems) == {"warehouse_h01", "dvc_portal_h01"}, problems
    assert "AIRFLOW_CONN_DVC_PORTAL_H01=" in problems["dvc_portal_h01"]
    assert "AIRFLOW_CONN_WAREHOUSE_H01=" in problems["warehouse_h01"]
    # The default province's DAG is checked with the default connections, as before.
    assert {p.name for p in wiring.check("portal_daily")} <= {"warehouse", "dvc_portal", "pii_hash"}


@pytest.mark.e2e
def test_bulk_backfill_of_another_province_fills_its_own_warehouse(
    two: Path, engine: Any, warehouse_url: str, h01_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal_kpi.devtools import wiring
    from portal_kpi.devtools.cli import main
    from portal_kpi.devtools.simulator import SimConfig, start_background

    config = SimConfig(
        today=date(2026, 11, 20),
        seed=wiring.province_seed("H01"),
        history_days=40,
        dossiers_per_day=60,
        province="H01",
    )
    sim = start_background(config)
    try:
        monkeypatch.setenv(
            "AIRFLOW_CONN_DVC_PORTAL_H01",
            f"http://{sim.client_id}:{sim.client_secret}@{sim.host}:{sim.port}",
        )
        code = main(
            ["backfill", "--province", "H01", "--bulk", "--start", str(START), "--end", str(END)]
        )
    finally:
        sim.stop()
    assert code == 0

    h01 = create_engine(make_url(warehouse_url).set(database=h01_database))
    try:
        with h01.connect() as conn:
            days = conn.execute(text("SELECT business_day FROM core.load_day ORDER BY 1"))
            assert list(days.scalars()) == [START, date(2026, 11, 11), END]
            shown = conn.execute(text("SELECT DISTINCT province_code FROM kpi.form06_daily"))
            assert set(shown.scalars()) == {"H01"}
            held = conn.execute(text("SELECT count(*) FROM core.dossier")).scalar_one()
            assert held > 0
    finally:
        h01.dispose()
    with engine.connect() as conn:  # the default province's warehouse is left alone
        assert conn.execute(text("SELECT count(*) FROM core.load_day")).scalar_one() == 0
