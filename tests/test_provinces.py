"""provinces.yaml: one daily DAG per province, the default one keeping ``portal_daily``;
each task works in its province's warehouse, with its code and working-day exceptions."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portal_kpi import provinces
from portal_kpi.config import portal_conn_id, province_code, warehouse_conn_id
from portal_kpi.provinces import ProvinceConfigError, activate, parse

ROOT = Path(__file__).resolve().parents[1]
THREE = textwrap.dedent(
    """
    provinces:
      - code: H48
        name: Tỉnh A
      - code: H01
        name: Tỉnh B
        root_department_id: 11111111-2222-3333-4444-555555555555
        working_day_exceptions:
          - {day: 2026-12-26, working: true, note: "làm bù"}
          - {day: 2026-12-31, working: false, note: "nghỉ thêm"}
      - code: H02
        name: Tỉnh C
        warehouse_conn_id: wh_c
    """
)


def test_the_repository_file_is_the_single_default_province() -> None:
    (only,) = parse((ROOT / "include" / "provinces.yaml").read_text(encoding="utf-8"))
    assert (only.code, only.default, only.dag_id) == ("H48", True, "portal_daily")
    assert (only.warehouse_conn_id, only.portal_conn_id) == ("warehouse", "dvc_portal")


def test_connection_ids_and_dag_ids_follow_the_code() -> None:
    a, b, c = parse(THREE)
    assert [p.dag_id for p in (a, b, c)] == ["portal_daily", "portal_daily_h01", "portal_daily_h02"]
    assert (b.warehouse_conn_id, b.portal_conn_id) == ("warehouse_h01", "dvc_portal_h01")
    assert c.warehouse_conn_id == "wh_c"
    assert b.root_department_id == "11111111-2222-3333-4444-555555555555"
    assert [(e.day, e.is_working_day) for e in b.day_exceptions] == [
        (date(2026, 12, 26), True),
        (date(2026, 12, 31), False),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("provinces: []", "non-empty"),
        ("provinces:\n  - {code: h48}", "province code"),
        ("provinces:\n  - {code: H48}\n  - {code: H48}", "code appears twice"),
        ("provinces:\n  - {code: H48, default: true}\n  - {code: H01, default: true}", "only one"),
        ("provinces:\n  - {code: H48, working_day_exceptions: [{day: x}]}", "working_day"),
    ],
)
def test_bad_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ProvinceConfigError, match=message):
        parse(text)


@pytest.fixture
def three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "provinces.yaml"
    path.write_text(THREE, encoding="utf-8")
    monkeypatch.setenv(provinces.PROVINCES_ENV, str(path))
    return path


def test_activate_switches_connections_and_code(three: Path) -> None:
    assert (province_code(), warehouse_conn_id(), portal_conn_id()) == (
        "H48",
        "warehouse",
        "dvc_portal",
    )
    with activate("H01"):
        assert (province_code(), warehouse_conn_id(), portal_conn_id()) == (
            "H01",
            "warehouse_h01",
            "dvc_portal_h01",
        )
    assert province_code() == "H48"
    with pytest.raises(ProvinceConfigError, match="H99"), activate("H99"):
        pass


def test_one_daily_dag_per_province(three: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag: Any = DagBag(dag_folder=str(ROOT / "dags" / "portal_daily.py"))
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["portal_daily", "portal_daily_h01", "portal_daily_h02"]
    task = bag.dags["portal_daily_h01"].get_task("extract_dossiers")
    assert list(task.op_args) == ["H01"]
    assert "H01" in bag.dags["portal_daily_h01"].tags


def test_working_day_exceptions_reach_the_calendar(three: Path, engine: Any) -> None:
    from sqlalchemy import text

    from portal_kpi.calendar import refresh_calendar

    def working(day: date) -> bool:
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT is_working_day FROM core.calendar_day WHERE day = :d"), {"d": day}
            ).scalar()
        return bool(value)

    with activate("H01"), engine.begin() as conn:
        refresh_calendar(conn, 2026, 2026)
    assert working(date(2026, 12, 26)) is True  # a Saturday, made a working day
    assert working(date(2026, 12, 31)) is False  # a Thursday, made a day off
    with engine.begin() as conn:  # the default province has no exceptions
        refresh_calendar(conn, 2026, 2026)
    assert working(date(2026, 12, 26)) is False
    assert working(date(2026, 12, 31)) is True


def test_a_database_holds_one_province_and_its_views_say_which(three: Path, engine: Any) -> None:
    from sqlalchemy import text

    from portal_kpi.config import ConfigError
    from portal_kpi.db import migrate

    migrate(engine)  # the default province claims the (emptied) session database
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM kpi.province")).scalar() == "H48"
        views = conn.execute(
            text(
                "SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid"
                " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum DESC LIMIT 1)"
                " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'kpi' AND c.relkind = 'v'"
            )
        ).all()
    assert len(views) > 10
    assert {last for _, last in views} == {"province_code"}, views
    with activate("H01"), pytest.raises(ConfigError, match="holds province H48, not H01"):
        migrate(engine)
    with engine.connect() as conn:  # unchanged
        assert conn.execute(text("SELECT code FROM kpi.province")).scalar() == "H48"
