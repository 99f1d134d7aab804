"""Reruns, overlapping runs and interrupted runs end with the tables of one clean run."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from faults.harness import DAY, clean, differences, make_client, run, scalar, snapshot, victim
from portal_kpi.daily.load import NotValidatedError
from portal_kpi.daily.validate import BatchChangedError

BEFORE = DAY - timedelta(days=1)


def test_rerunning_loaded_days_changes_nothing(engine: Any, simulator: Any) -> None:
    run(engine, make_client(simulator), BEFORE, DAY)
    first = snapshot(engine)
    assert first["kpi.due_soon"] and first["core.dossier"]
    run(engine, make_client(simulator), BEFORE, DAY)  # the whole range again
    assert differences(snapshot(engine), first) == {}
    run(engine, make_client(simulator), BEFORE)  # an older day after later days
    assert differences(snapshot(engine), first) == {}
    assert scalar(engine, "SELECT count(*) FROM kpi.due_soon WHERE as_of = :d", d=BEFORE) > 0


def test_an_older_day_first_loaded_after_a_later_one_succeeds(engine: Any, simulator: Any) -> None:
    run(engine, make_client(simulator), DAY, BEFORE)
    assert scalar(engine, "SELECT count(*) FROM core.load_day") == 2


def test_two_runs_of_the_same_day_at_once_end_as_one(engine: Any, simulator: Any) -> None:
    bad = victim(simulator, lambda r: bool(r["NgayTiepNhan"]))
    expected = clean(engine, simulator, drop=bad["MaHoSo"])
    simulator.faults.malformed_mahoso = bad["MaHoSo"]
    errors: list[BaseException] = []

    def one_run() -> None:
        try:
            run(engine, make_client(simulator))
        except (BatchChangedError, NotValidatedError) as exc:  # the other run re-pulled
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:  # what Airflow's retry does: run the failed day again
        run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
    published = scalar(
        engine, "SELECT count(*) FROM core.dossier_version WHERE dossier_code = :c", c=bad["MaHoSo"]
    )
    assert published == 0  # the rejected version never reached core


def test_database_connection_killed_during_publish(engine: Any, simulator: Any) -> None:
    expected = clean(engine, simulator)
    with engine.begin() as conn:  # the publishing session dies on its first version
        conn.execute(
            text(
                "CREATE FUNCTION pg_temp_kill() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;"
                " CREATE TRIGGER kill_publish BEFORE INSERT ON core.dossier_version"
                " FOR EACH ROW EXECUTE FUNCTION pg_temp_kill()"
            )
        )
    try:
        run(engine, make_client(simulator))
    except Exception as exc:
        assert "terminat" in str(exc).lower() or "closed" in str(exc).lower(), exc
    else:
        raise AssertionError("the publish was not interrupted")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER kill_publish ON core.dossier_version"))
            conn.execute(text("DROP FUNCTION pg_temp_kill()"))
    assert scalar(engine, "SELECT count(*) FROM core.dossier_version") == 0
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}


def test_task_killed_mid_load_then_rerun(engine: Any, simulator: Any) -> None:
    expected = clean(engine, simulator)
    simulator.faults.error_next, simulator.faults.error_status = 0, 503
    client = make_client(simulator)
    pages = client.pages

    def dying(path: str, params: Any = None) -> Any:  # the worker dies after two pages
        for number, page in enumerate(pages(path, params), start=1):
            if path.endswith("/dossiers") and number == 3:
                raise KeyboardInterrupt("worker killed")
            yield page

    client.pages = dying  # type: ignore[method-assign]
    with contextlib.suppress(KeyboardInterrupt):
        run(engine, client)
    assert scalar(engine, "SELECT count(*) FROM core.load_day") == 0
    run(engine, make_client(simulator))
    assert differences(snapshot(engine), expected) == {}
