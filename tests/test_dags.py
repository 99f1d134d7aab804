"""DAG policy (every DAG file) and end-to-end runs of portal_daily through dag.test()."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

DAGS = Path(__file__).resolve().parents[1] / "dags"
ALLOWED_TOP_LEVEL = {
    "__future__",
    "datetime",
    "typing",
    "zoneinfo",
    "airflow.sdk",
    "portal_kpi.config",
    "portal_kpi.provinces",  # reads provinces.yaml (small, local) to name one DAG per province
    "portal_kpi.tasks.callbacks",
    "portal_kpi.tasks.defaults",
}


@pytest.fixture(scope="module")
def dagbag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_dag_files_import_cleanly(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert {"portal_daily"} <= set(dagbag.dag_ids)


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dag_files_are_thin(path: Path) -> None:
    """Only light imports at module level; heavy work is imported inside tasks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in ALLOWED_TOP_LEVEL, f"{path.name}: top-level import {node.module}"
        elif isinstance(node, ast.Import):
            names = {a.name for a in node.names}
            assert names <= ALLOWED_TOP_LEVEL, f"{path.name}: top-level import {names}"
    source = path.read_text(encoding="utf-8")
    assert "Variable.get" not in source


def test_every_dag_follows_policy(dagbag: Any) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, dag_id
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        assert not dag.catchup, dag_id
        assert dag.dagrun_timeout is not None, dag_id  # no run is unbounded
        assert dag.dagrun_timeout <= timedelta(hours=12), dag_id
        for task in dag.tasks:
            assert task.execution_timeout is not None, (dag_id, task.task_id)
            assert task.execution_timeout <= dag.dagrun_timeout, (dag_id, task.task_id)
            assert task.retries >= 2, (dag_id, task.task_id)
            assert task.owner == "data-team", (dag_id, task.task_id)
            assert task.on_failure_callback, (dag_id, task.task_id)


def test_portal_daily_covers_one_local_day(dagbag: Any) -> None:
    from portal_kpi.dates import business_day, local_midnight_aware

    dag = dagbag.dags["portal_daily"]
    assert dag.timetable.expression == "0 0 * * *"
    assert str(dag.timetable.timezone) in ("Asia/Ho_Chi_Minh", "Timezone('Asia/Ho_Chi_Minh')")
    start = local_midnight_aware(date(2026, 11, 19))
    assert business_day(start) == date(2026, 11, 19)
    order = [t.task_id for t in dag.topological_sort()]
    for before, after in [
        ("migrate", "extract_catalogues"),
        ("publish_catalogues", "extract_dossiers"),
        ("validate_dossiers", "publish_dossiers"),
        ("publish_dossiers", "compute_kpis"),
        ("compute_kpis", "refresh_due_soon"),
        ("refresh_due_soon", "send_alerts"),
    ]:
        assert order.index(before) < order.index(after)


def _snapshot(engine: Any) -> dict[str, list[Any]]:
    queries = {
        "core.dossier": "SELECT * FROM core.dossier ORDER BY dossier_code",
        "core.dossier_version": "SELECT * FROM core.dossier_version ORDER BY 1, 2",
        "core.agency": "SELECT * FROM core.agency ORDER BY 1, 5",
        "core.procedure": "SELECT * FROM core.procedure ORDER BY 1, 9",
        "raw.page": "SELECT batch_id, page_no, record_count, records FROM raw.page ORDER BY 1, 2",
        "kpi.dossier_stats": "SELECT * FROM kpi.dossier_stats ORDER BY 1, 2, 4",
        "kpi.kpi_value": "SELECT * FROM kpi.kpi_value ORDER BY 1, 2, 3, 4",
        "quality.quarantine": "SELECT batch_id, seq, rules FROM quality.quarantine ORDER BY 1, 2",
    }
    with engine.connect() as conn:
        return {name: conn.execute(text(q)).all() for name, q in queries.items()}


@pytest.mark.e2e
def test_backfill_through_dag_test_is_idempotent(
    engine: Any, simulator: Any, airflow_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagtest import run_days

    monkeypatch.setenv(
        "AIRFLOW_CONN_DVC_PORTAL",
        f"http://{simulator.client_id}:{simulator.client_secret}@{simulator.host}:{simulator.port}",
    )
    results = run_days("portal_daily", date(2026, 11, 17), date(2026, 11, 18))
    assert [state for _, state, _ in results] == ["success", "success"]
    first = _snapshot(engine)
    truth = simulator.history.latest_versions(datetime(2026, 11, 19))
    with engine.connect() as conn:
        current = dict(
            conn.execute(text("SELECT dossier_code, updated_at FROM core.dossier")).all()
        )
    for code, updated in current.items():
        assert updated == datetime.strptime(truth[code]["NgayCapNhat"], "%Y%m%d%H%M%S")
    changed = {c for c, r in truth.items() if r["NgayCapNhat"] >= "20261116000000"}
    assert changed <= set(current)
    assert first["kpi.dossier_stats"], "KPIs were computed"

    run_days("portal_daily", date(2026, 11, 18), date(2026, 11, 18))  # rerun a day
    assert _snapshot(engine) == first


@pytest.mark.e2e
def test_failing_task_fails_the_run_after_retries(
    engine: Any, airflow_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagtest import run_days

    monkeypatch.setenv("AIRFLOW_CONN_DVC_PORTAL", "http://portal-kpi:x@127.0.0.1:9")
    with pytest.raises(SystemExit, match="failed for 2026-11-17"):
        run_days("portal_daily", date(2026, 11, 17), date(2026, 11, 17))
    with engine.connect() as conn:
        details = (
            conn.execute(text("SELECT DISTINCT detail FROM ops.outbox WHERE kind = 'task_failure'"))
            .scalars()
            .all()
        )
    # One message, for the final failure only: the task that could not reach the portal,
    # on its last try (two retries after the first), none for the tries before.
    assert [(d["task_id"], d["try_number"]) for d in details] == [("extract_catalogues", 3)]


@pytest.mark.e2e
def test_iso9001_register_dag_runs_end_to_end(
    engine: Any, airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagtest import run_days
    from factories import seed_catalogues

    from portal_kpi.dates import today_local
    from portal_kpi.devtools.demo_register import generate_register

    seed_catalogues(engine)
    today = today_local()
    agencies = [("H48.07", "Sở Khoa học và Công nghệ"), ("H48.112", "Xã Tịnh Khê")]
    path = generate_register(tmp_path / "so-khcn-iso9001.xlsx", agencies, today)
    monkeypatch.setenv("PORTAL_KPI_ISO9001_SOURCE", str(path))
    day = today - timedelta(days=1)
    assert [s for _, s, _ in run_days("iso9001_register", day, day)] == ["success"]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT day, agency_code FROM kpi.iso9001_compliance ORDER BY 1, 2")
        ).all()
        share = conn.execute(
            text(
                "SELECT count(*) FROM kpi.kpi_value WHERE kpi = 'iso9001_compliant_share'"
                " AND agency_code = 'H48' AND period_grain = 'day' AND period_start = :d"
            ),
            {"d": today},
        ).scalar()
        files = conn.execute(text("SELECT count(*) FROM raw.iso9001_file")).scalar()
    assert {(d, a) for d, a in rows} == {
        (d, a) for d in (day, today) for a in ("H48.07", "H48.112")
    }
    assert share == 1
    assert [s for _, s, _ in run_days("iso9001_register", day, day)] == [
        "success"
    ]  # unchanged file
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw.iso9001_file")).scalar() == files
