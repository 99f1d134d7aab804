"""The national benchmark: N simulated provinces (34 by default; each its own simulator seed
and province code, ~3,000 dossiers received per working day) × one day, first one province
after another and then all at once, on the same local Celery stack (`portal-kpi airflow
--executor celery`: Redis, W Celery workers, scheduler, API server, DAG processor).

Both phases run the same DAG runs (`portal_daily` for the default province,
`portal_daily_<code>` for the others) of the same day, each province in its own fresh
warehouse database (emptied between the phases, so each phase does the first load of a
province). It prints each phase's wall time, the speed-up ratio, and the per-province run
time (mean, median, slowest), so a real deployment can be projected: about
``provinces × per-province time / parallel task slots`` once the machine has the cores.

    .venv/bin/python bench/bench_national.py                        # 34 provinces, 2 workers
    .venv/bin/python bench/bench_national.py --provinces 4 --workers 2
    .venv/bin/python bench/bench_national.py --skip-sequential      # only the parallel phase
    .venv/bin/python bench/bench_national.py --sequential-sample 4  # 4 alone, projected to 34

Not part of `make bench`: at 34 provinces it takes well over half an hour on two cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from common import ROOT, base_url

LOCAL = ROOT / ".local" / "bench"
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("AIRFLOW_CONN_PII_HASH",
                      '{"conn_type": "generic", "password": "bench-secret-not-for-production-0123"}')  # fmt: skip
DATA_SCHEMAS = ("raw", "staging", "core", "kpi", "quality", "ops")
KEEP = {"kpi.target", "kpi.kpi_definition", "ops.recipient"}


def province_codes(count: int) -> list[str]:
    """H48 (the default province) and H01, H02, … for the others."""
    others = [f"H{n:02d}" for n in range(1, 100) if n != 48]
    return ["H48", *others[: count - 1]]


def write_provinces(codes: list[str]) -> Path:
    path = LOCAL / f"provinces-{len(codes)}.yaml"
    lines = ["provinces:"] + [
        f"  - {{code: {c}, name: Tỉnh {c}{', default: true' if i == 0 else ''}}}"
        for i, c in enumerate(codes)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dag_id(code: str) -> str:
    return "portal_daily" if code == "H48" else f"portal_daily_{code.lower()}"


def _databases(base: str, codes: list[str]) -> list[str]:
    from sqlalchemy import make_url

    db = make_url(base).database
    return [str(db) if c == "H48" else f"{db}_{c.lower()}" for c in codes]


def _empty(base: str, names: list[str]) -> None:
    """Empty every data table of the province databases (reference rows kept)."""
    from sqlalchemy import create_engine, make_url, text

    for name in names:
        engine = create_engine(make_url(base).set(database=name))
        try:
            with engine.begin() as conn:
                tables = [
                    t
                    for t in conn.execute(
                        text("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
                             "FROM pg_tables WHERE schemaname = ANY(:s)"),
                        {"s": list(DATA_SCHEMAS)},
                    ).scalars()
                    if t not in KEEP
                ]  # fmt: skip
                if tables:
                    conn.execute(text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
        finally:
            engine.dispose()


def _wait_health(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"portal-kpi airflow ended early ({proc.returncode}); see .local/logs")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health",
                                        timeout=2):  # fmt: skip
                return
        except OSError:
            time.sleep(1)
    raise SystemExit("the API server did not answer")


def _wait_parsed(dag_ids: list[str], timeout: float) -> None:
    from airflow.models import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            found = set(session.scalars(select(DagModel.dag_id).where(
                DagModel.dag_id.in_(dag_ids), DagModel.is_stale.is_(False))))  # fmt: skip
        if found == set(dag_ids):
            return
        time.sleep(2)
    raise SystemExit(f"the DAG processor parsed only {len(found)} of {len(dag_ids)} DAGs")


def _trigger(dag: str, tag: str) -> str:
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.utils.types import DagRunTriggeredByType

    now = datetime.now(UTC)
    run = trigger_dag(dag, triggered_by=DagRunTriggeredByType.TEST, run_after=now,
                      logical_date=now, run_id=f"bench_{tag}__{dag}__{uuid.uuid4().hex[:6]}")  # fmt: skip
    assert run is not None
    return str(run.run_id)


def _wait_runs(run_ids: list[str], timeout: float) -> dict[str, tuple[str, float]]:
    """run_id → (state, seconds from start to end) once every run has ended."""
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    while True:
        with create_session() as session:
            rows = session.execute(select(DagRun.run_id, DagRun.state, DagRun.start_date,
                                          DagRun.end_date).where(DagRun.run_id.in_(run_ids))).all()  # fmt: skip
        done = {r.run_id: r for r in rows if str(r.state) in ("success", "failed")}
        if len(done) == len(run_ids):
            return {
                r.run_id: (str(r.state), (r.end_date - r.start_date).total_seconds())
                for r in done.values()
            }
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(done)} of {len(run_ids)} runs ended in {timeout:.0f} s")
        time.sleep(2)


def _phase(label: str, codes: list[str], together: bool, timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    per: dict[str, tuple[str, float]] = {}
    if together:
        ids = {c: _trigger(dag_id(c), label) for c in codes}
        ended = _wait_runs(list(ids.values()), timeout)
        per = {c: ended[ids[c]] for c in codes}
    else:
        for c in codes:
            run_id = _trigger(dag_id(c), label)
            per[c] = _wait_runs([run_id], timeout)[run_id]
            print(f"    {c}: {per[c][0]} in {per[c][1]:.1f} s", flush=True)
    wall = time.perf_counter() - started
    times = [t for _, t in per.values()]
    failed = sorted(c for c, (s, _) in per.items() if s != "success")
    print(f"  {label:<10} wall {wall:8.1f} s; per province: mean {statistics.mean(times):6.1f} s, "
          f"median {statistics.median(times):6.1f} s, slowest {max(times):6.1f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""), flush=True)  # fmt: skip
    return {"wall_s": wall, "per_province_s": {c: t for c, (_, t) in per.items()}, "failed": failed}


def _forget_runs() -> None:
    """Delete the daily DAGs' runs an interrupted earlier benchmark left in its metadata DB
    (a run left running would hold the new ones back: max_active_runs=1)."""
    from airflow.models import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(DagRun).where(DagRun.dag_id.like("portal_daily%")))


def _stack(args: argparse.Namespace, provinces_file: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ.copy() | {
        "PORTAL_KPI_PROVINCES": str(provinces_file),
        "AIRFLOW__CORE__PARALLELISM": str(args.workers * args.worker_concurrency),
        "PORTAL_KPI_DEADLINE_ALERT": "off",
        # Only the runs triggered here: no scheduled run of the DAGs beside them.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    include = str(ROOT / "include")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (include, env.get("PYTHONPATH", "")) if p)
    log = (LOCAL / "national-stack.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "portal_kpi.devtools.entry", "airflow", "--port", str(port),
         "--sim-port", "0", "--per-day", str(args.per_day), "--history-days",
         str(args.history_days), "--executor", "celery", "--workers", str(args.workers),
         "--worker-concurrency", str(args.worker_concurrency)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--provinces", type=int, default=34, help="simulated provinces (≤ 98)")
    parser.add_argument("--per-day", type=int, default=3000, help="dossiers per working day")
    parser.add_argument("--history-days", type=int, default=10, help="simulated history")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="slots per worker")
    parser.add_argument("--skip-sequential", action="store_true", help="parallel phase only")
    parser.add_argument(
        "--sequential-sample",
        type=int,
        default=0,
        help="run only the first K provinces one after another and project the sequential "
        "wall time as N × their mean (0: all N)",
    )
    parser.add_argument("--timeout", type=float, default=7200, help="seconds per phase")
    return parser.parse_args(argv if argv is not None else [])


def _setup() -> str:
    """Airflow's home and metadata DB (embedded server), then a fresh default warehouse
    database on the warehouse server; returns its SQLAlchemy URL."""
    from portal_kpi.devtools.airflow_env import configure_airflow
    from portal_kpi.devtools.embedded_pg import use_for_airflow_metadata

    configure_airflow(LOCAL / "airflow")  # before Airflow is imported
    use_for_airflow_metadata(LOCAL / "pg")
    base = base_url()  # AIRFLOW_CONN_WAREHOUSE's server, or the embedded one
    from sqlalchemy import create_engine, make_url, text

    from portal_kpi.config import airflow_conn_uri_for_postgres
    from portal_kpi.devtools.runtime import migrate_airflow_db

    name = f"bench_national_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    os.environ["AIRFLOW_CONN_WAREHOUSE"] = airflow_conn_uri_for_postgres(
        url.replace("postgresql+psycopg://", "postgresql://")
    )
    migrate_airflow_db()
    return url


def _teardown(proc: subprocess.Popen[bytes], default_url: str, codes: list[str]) -> None:
    from sqlalchemy import create_engine, make_url, text

    from portal_kpi.devtools.backfill import set_paused

    for d in [dag_id(c) for c in codes]:
        with contextlib.suppress(Exception):  # a DAG never parsed has nothing to pause
            set_paused(d, True)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
    admin = create_engine(make_url(default_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")  # fmt: skip
    with admin.connect() as conn:
        for db in _databases(default_url, codes):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    admin.dispose()


def _summary(results: dict[str, Any], slots: int) -> None:
    if "sequential" in results:
        ratio = results["sequential"]["wall_s"] / results["parallel"]["wall_s"]
        results["speed_up"] = ratio
        kind = "projected " if "measured_wall_s" in results["sequential"] else ""
        print(f"  speed-up ({kind}sequential / parallel wall time): {ratio:.2f}×", flush=True)
    overlapped = statistics.median(results["parallel"]["per_province_s"].values())
    alone = statistics.median(
        results.get("sequential", results["parallel"])["per_province_s"].values()
    )
    print(f"  one province alone: median {alone:.1f} s per run; 34 provinces on S task slots "
          f"need about 34 × {alone:.1f} s / S once each slot has its own core (S = {slots} "
          f"here; runs overlapped here took median {overlapped:.1f} s each)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _parse(argv)
    LOCAL.mkdir(parents=True, exist_ok=True)
    default_url = _setup()
    from portal_kpi.devtools.airflow_env import free_port
    from portal_kpi.devtools.backfill import set_paused

    codes = province_codes(args.provinces)
    port = free_port()
    print(f"national benchmark: {len(codes)} provinces × 1 day, {args.per_day:,} received per "
          f"working day, {args.workers} Celery workers × {args.worker_concurrency} slots "
          f"(machine: {os.cpu_count()} cores); stack log {LOCAL / 'national-stack.log'}",
          flush=True)  # fmt: skip
    _forget_runs()
    began = time.perf_counter()
    proc = _stack(args, write_provinces(codes), port)
    results: dict[str, Any] = {}
    try:
        _wait_health(port, proc, 900)
        dags = [dag_id(c) for c in codes]
        _wait_parsed(dags, 900)
        for d in dags:
            set_paused(d, False, hold_schedule=True)
        print(f"  stack ready in {time.perf_counter() - began:.0f} s", flush=True)
        if not args.skip_sequential:
            sample = codes[: args.sequential_sample] if args.sequential_sample else codes
            results["sequential"] = _phase("sequential", sample, False, args.timeout)
            if len(sample) < len(codes):
                mean = statistics.mean(results["sequential"]["per_province_s"].values())
                results["sequential"]["measured_wall_s"] = results["sequential"]["wall_s"]
                results["sequential"]["wall_s"] = mean * len(codes)
                print(f"  sequential wall for {len(codes)} provinces, PROJECTED from the "
                      f"{len(sample)} measured: {len(codes)} × {mean:.1f} s = "
                      f"{mean * len(codes):.1f} s", flush=True)  # fmt: skip
            _empty(default_url, _databases(default_url, codes))
        results["parallel"] = _phase("parallel", codes, True, args.timeout)
        _summary(results, args.workers * args.worker_concurrency)
    finally:
        _teardown(proc, default_url, codes)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
