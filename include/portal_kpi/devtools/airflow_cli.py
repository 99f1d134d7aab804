"""``portal-kpi airflow`` (``make airflow``): the whole product on this machine —
simulators, alert sinks, and Airflow's processes (with Redis and Celery workers under
CeleryExecutor)."""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime

from portal_kpi.dates import today_local
from portal_kpi.devtools import backfill as native
from portal_kpi.devtools import wiring
from portal_kpi.devtools.airflow_env import (
    CELERY,
    EXECUTOR_VAR,
    configure_api,
    executor_name,
    logs_dir,
)
from portal_kpi.devtools.celery_local import (
    QUEUE_VAR,
    Redis,
    celery_env,
    start_redis,
    worker_command,
)
from portal_kpi.devtools.cli_support import FORMAT, Sub, local_runtime, register_file
from portal_kpi.devtools.runtime import ensure_province_warehouses, local_dir, migrate_airflow_db
from portal_kpi.devtools.simulator.model import SimConfig
from portal_kpi.devtools.simulator.server import SimulatorHandle, start_background
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.devtools.stack import Stack, wait_http
from portal_kpi.provinces import default_province, provinces

STACK = ("api-server", "scheduler", "dag-processor", "triggerer")


def start_simulators(args: argparse.Namespace, today: date) -> dict[str, SimulatorHandle]:
    """One portal simulator per configured province (its own seed and province code), the
    default province's on ``--sim-port``; each province's portal connection points at its
    own."""
    sims: dict[str, SimulatorHandle] = {}
    for p in provinces():
        config = SimConfig(
            today=today,
            seed=wiring.province_seed(p.code),
            history_days=args.history_days,
            dossiers_per_day=args.per_day,
            province=p.code,
        )
        sim = start_background(config, port=args.sim_port if p.default else 0)
        sims[p.code] = sim
        if not p.default:
            os.environ.update(
                wiring.portal_env(p.portal_conn_id, sim.host, sim.port, sim.client_id,
                                  sim.client_secret)
            )  # fmt: skip
    return sims


def start_workers(args: argparse.Namespace, stack: Stack) -> Redis | None:
    """Under CeleryExecutor: the Redis broker and ``--workers`` Celery workers."""
    if os.environ["AIRFLOW__CORE__EXECUTOR"] != CELERY:
        return None
    redis = start_redis()
    os.environ.update(celery_env(redis.url))
    args.console.print(f"Celery broker: {redis.url}, queue {os.environ[QUEUE_VAR]}")
    return redis


def cmd_airflow(args: argparse.Namespace) -> int:
    """The whole product locally: simulators, alert sinks, and Airflow's processes (with
    Redis and Celery workers under CeleryExecutor)."""
    if args.executor:
        os.environ["AIRFLOW__CORE__EXECUTOR"] = executor_name(args.executor)
    os.environ.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "True")
    args.console.print(f"warehouse: {local_runtime()}")
    created = ensure_province_warehouses()
    if created:
        args.console.print(f"province warehouses created: {', '.join(created)}")
    port = configure_api(args.port)
    today = today_local()
    sims = start_simulators(args, today)
    sim = sims[default_province().code]
    register = register_file(sim.history, today)
    os.environ.update(
        wiring.simulator_env(sim.host, sim.port, sim.client_id, sim.client_secret, register)
    )
    outbox = local_dir() / "outbox"
    mail = start_smtp_sink(outbox / "mail")
    hook = start_webhook_sink(outbox / "webhook")
    os.environ.update(demo_alert_connections(mail.port, hook.port))
    stack = Stack(logs_dir())
    stack_started = datetime.now(UTC)
    redis: Redis | None = None
    try:
        with native.stop_on_signals():
            for dag_id in wiring.NEEDS:
                wiring.require(dag_id)
            migrate_airflow_db()
            redis = start_workers(args, stack)
            for name in STACK:
                stack.start(name)
            for index in range(1, (args.workers if redis else 0) + 1):
                name, worker_args, worker_env = worker_command(index, args.worker_concurrency)
                stack.start(name, worker_env, worker_args)
            wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 180, stack)
            args.console.print(
                f"Airflow UI: http://127.0.0.1:{port} ({os.environ['AIRFLOW__CORE__EXECUTOR']})"
            )
            args.console.print(
                f"portal + national reporting simulator: {sim.url}; ISO register: {register}"
            )
            names = ",".join(p.name for p in stack.processes)
            args.console.print(f"logs: {logs_dir()}/{{{names}}}.log; Ctrl-C stops everything")
            args.console.print(
                "daily DAGs: " + ", ".join(f"{p.dag_id} ({p.code})" for p in provinces())
            )
            while True:
                stack.check()
                time.sleep(1)
    except native.Interrupted as exc:
        args.console.print(f"\n{exc}; stopping Airflow")
    finally:
        stack.stop()
        native.release_scheduler_jobs(stack_started)
        if redis is not None:
            redis.stop()
        for handle in sims.values():
            handle.stop()
        mail.stop()
        hook.stop()
    return 0


def add_airflow(sub: Sub) -> None:
    p = sub.add_parser(
        "airflow",
        help="Airflow (API server + UI, scheduler, DAG processor, triggerer) with the simulator",
        formatter_class=FORMAT,
    )
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORTAL_KPI_AIRFLOW_PORT") or 8080),
        help="API server / UI port (env PORTAL_KPI_AIRFLOW_PORT); the execution API follows it",
    )
    p.add_argument("--sim-port", type=int, default=8000, help="simulator port (0: any free one)")
    p.add_argument("--per-day", type=int, default=3000, help="simulated dossiers per working day")
    p.add_argument(
        "--history-days", type=int, default=120, help="days of simulated history per province"
    )
    p.add_argument(
        "--executor",
        default=os.environ.get(EXECUTOR_VAR),
        help=f"Airflow executor, e.g. LocalExecutor or celery (env {EXECUTOR_VAR}; "
        "None: LocalExecutor)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("PORTAL_KPI_WORKERS") or 2),
        help="Celery workers to start under CeleryExecutor (env PORTAL_KPI_WORKERS)",
    )
    p.add_argument(
        "--worker-concurrency",
        type=int,
        default=int(os.environ.get("PORTAL_KPI_WORKER_CONCURRENCY") or 2),
        help="task processes per Celery worker (env PORTAL_KPI_WORKER_CONCURRENCY)",
    )
    p.set_defaults(func=cmd_airflow)
