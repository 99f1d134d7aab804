"""``portal-kpi`` command line: simulate, backfill, migrate, report, demo, recipients."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.dag_processing.dagbag import DagBag

from portal_kpi.alerts.outbox import send_pending
from portal_kpi.alerts.recipients import RecipientFileError, import_file
from portal_kpi.dates import TZ, days, manual_run_end, today_local
from portal_kpi.db import make_engine, migrate
from portal_kpi.devtools import quarantine_cli
from portal_kpi.devtools.demo_register import generate_register
from portal_kpi.devtools.dictionary import missing_comments, render
from portal_kpi.devtools.report import outbox_summary, print_report
from portal_kpi.devtools.runtime import (
    configure_airflow,
    ensure_pii_secret,
    ensure_warehouse,
    local_dir,
    migrate_airflow_db,
    project_root,
    stop_embedded_postgres,
)
from portal_kpi.devtools.simulator.model import SimConfig
from portal_kpi.devtools.simulator.server import serve_forever, start_background
from portal_kpi.devtools.sinks import demo_alert_connections, start_smtp_sink, start_webhook_sink
from portal_kpi.iso9001.compliance import compute_compliance, ingest, iso9001_summary, warn_expiring
from portal_kpi.iso9001.register import RegisterFile
from portal_kpi.scores.replay import replay_file, summary_lines
from portal_kpi.tasks.common import migrate as migrate_warehouse

log = logging.getLogger("portal_kpi.cli")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def cmd_simulate(args: argparse.Namespace) -> int:
    config = SimConfig(
        today=args.today or today_local(),
        seed=args.seed,
        history_days=args.history_days,
        dossiers_per_day=args.per_day,
    )
    print(
        f"portal simulator on http://{args.host}:{args.port} "
        f"(province {config.province}, history to {config.today}, seed {config.seed}); "
        f"client id/secret: {args.client_id} / {args.client_secret}",
        flush=True,
    )
    serve_forever(config, args.host, args.port, args.client_id, args.client_secret)
    return 0


def cmd_scores_replay(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        result = replay_file(Path(name))
        for line in summary_lines(result):
            print(line)
        failed = failed or bool(result.failures)
    return 1 if failed else 0


def run_days(dag_id: str, start: date, end: date) -> list[tuple[date, str, float]]:
    """Run ``dag_id`` for each local day in [start, end] in order through ``dag.test()``."""
    configure_airflow()
    # dag.test() in Airflow 3.3 cannot finish a run of a DAG that has a deadline; the
    # Deadline Alert is for scheduled runs (it needs the triggerer anyway).
    os.environ.setdefault("PORTAL_KPI_DEADLINE_ALERT", "off")
    migrate_airflow_db()

    bag = DagBag(dag_folder=str(project_root() / "dags"))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise SystemExit(f"no DAG {dag_id!r} in {project_root() / 'dags'}")
    results = []
    all_days = days(start, end)
    for i, day in enumerate(all_days, 1):
        began = time.monotonic()
        # A manual run's data interval is the one that ends at its logical date, so the
        # run for local day D is logged at the end of the interval that starts on D.
        end = manual_run_end(dag.timetable.expression, day)
        run = dag.test(logical_date=end, run_after=end)
        state = str(getattr(run, "state", "unknown"))
        took = time.monotonic() - began
        results.append((day, state, took))
        print(f"[{i}/{len(all_days)}] {dag_id} {day}: {state} in {took:.1f}s", flush=True)
        if state != "success":
            raise SystemExit(f"{dag_id} failed for {day}; see the task log above")
    return results


def cmd_backfill(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise SystemExit("--end is before --start")
    run_days(args.dag, args.start, args.end)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    applied = migrate_warehouse()
    print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    print_report(sys.stdout, days=args.days)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything end to end on this machine: warehouse, simulator, alert sinks, backfill."""
    where = ensure_warehouse()
    ensure_pii_secret()
    today = args.today or today_local()
    docs = local_dir() / "data-docs"
    os.environ.setdefault("PORTAL_KPI_DATA_DOCS_DIR", str(docs))
    sim = start_background(SimConfig(today=today, dossiers_per_day=args.per_day))
    os.environ["AIRFLOW_CONN_DVC_PORTAL"] = (
        f"http://{sim.client_id}:{sim.client_secret}@{sim.host}:{sim.port}"
    )
    outbox = local_dir() / "outbox"
    mail = start_smtp_sink(outbox / "mail")
    hook = start_webhook_sink(outbox / "webhook")
    for key, value in demo_alert_connections(mail.port, hook.port).items():
        os.environ[key] = value
    print(f"warehouse: {where}")
    print(f"portal simulator: {sim.url} (history up to {today}, {args.per_day} dossiers/day)")
    print(f"alert receivers: SMTP sink on port {mail.port}, webhook sink on port {hook.port}")
    start, end = today - timedelta(days=args.days), today - timedelta(days=1)
    print(f"backfilling portal_daily for {start} .. {end}")
    try:
        run_days("portal_daily", start, end)
        print_report(sys.stdout, days=args.days)
        _demo_iso9001(sim.history, end)
    finally:
        sim.stop()
        mail.stop()
        hook.stop()
    print(f"\nAlerts sent during the demo: {len(mail.files())} e-mails in {mail.folder}")
    print(f"  and {len(hook.files())} webhook messages in {hook.folder} (open the .eml files")
    print("  with any mail reader; the chart is inline in the HTML).")
    print("Outbox (a past day's run records its messages as suppressed_backfill, unsent):")
    engine = make_engine()
    try:
        for line in outbox_summary(engine):
            print(f"  {line}")
    finally:
        engine.dispose()
    print(f"GX Data Docs of the validations: {docs / 'index.html'}")
    return 0


def _demo_iso9001(history: Any, day: date) -> None:
    """Generate the DOST register for the simulated province, load it, and show compliance."""

    stamp = day.strftime("%Y%m%d")
    agencies = sorted(
        {
            (a["MaDonVi"], a["TenDonVi"])
            for a in history.agencies()
            if a["MaDonVi"] != history.config.province
            and a["HieuLucTu"] <= stamp
            and (a["HieuLucDen"] is None or a["HieuLucDen"] >= stamp)
        }
    )
    path = generate_register(local_dir() / "iso9001" / "so-khcn-iso9001.xlsx", agencies, day)
    engine = make_engine()
    try:
        received = datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)
        ingest(engine, RegisterFile(str(path), path.name, path.read_bytes()), received)
        compute_compliance(engine, day, day)
        warn_expiring(engine, day)
        send_pending(engine)
        print(f"\nISO 9001 (register generated in {path})")
        print(iso9001_summary(engine, day))
    finally:
        engine.dispose()


def cmd_airflow(args: argparse.Namespace) -> int:
    """``airflow standalone`` on this project's dags, warehouse and a local simulator URL."""

    configure_airflow()
    print(f"warehouse: {ensure_warehouse()}")
    ensure_pii_secret()
    os.environ.setdefault("AIRFLOW_CONN_DVC_PORTAL", "http://portal-kpi:sim-secret@127.0.0.1:8000")
    airflow = shutil.which("airflow")
    if airflow is None:
        raise SystemExit("the airflow command is not on PATH (activate .venv or use make airflow)")
    print("starting airflow standalone (UI on http://localhost:8080; run `make simulate` too)")
    os.execv(airflow, [airflow, "standalone"])
    return 0  # pragma: no cover


def cmd_stop_embedded(args: argparse.Namespace) -> int:
    path = local_dir() / "pg"
    print("stopped" if stop_embedded_postgres(path) else f"no embedded PostgreSQL in {path}")
    return 0


def cmd_data_dictionary(args: argparse.Namespace) -> int:

    ensure_warehouse()
    engine = make_engine()
    try:
        migrate(engine)
        missing = missing_comments(engine)
        text = render(engine)
    finally:
        engine.dispose()
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    if missing:
        print("kpi objects without a COMMENT (add one in a migration): " + ", ".join(missing))
        return 1
    return 0


def cmd_recipients_import(args: argparse.Namespace) -> int:
    """Load the province's recipient list (CSV or XLSX) into ops.recipient, validated."""
    ensure_warehouse()
    engine = make_engine()
    try:
        migrate(engine)
        inserted, updated = import_file(engine, Path(args.file))
    except RecipientFileError as exc:
        for error in exc.errors:
            print(f"{args.file}: {error}", file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"recipients: {inserted} added, {updated} updated from {args.file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal-kpi", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    sim = sub.add_parser("simulate", help="serve the provincial portal API simulation")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8000)
    sim.add_argument("--today", type=_day, default=None, help="history ends here (default today)")
    sim.add_argument("--seed", type=int, default=48)
    sim.add_argument("--history-days", type=int, default=120)
    sim.add_argument("--per-day", type=int, default=3000, help="dossiers received per working day")
    sim.add_argument("--client-id", default="portal-kpi")
    sim.add_argument("--client-secret", default="sim-secret")
    sim.set_defaults(func=cmd_simulate)

    bf = sub.add_parser("backfill", help="run a DAG for each local day, in order, via dag.test()")
    bf.add_argument("--start", type=_day, required=True)
    bf.add_argument("--end", type=_day, required=True)
    bf.add_argument("--dag", default="portal_daily")
    bf.set_defaults(func=cmd_backfill)

    mg = sub.add_parser("migrate", help="create or upgrade the warehouse schema")
    mg.set_defaults(func=cmd_migrate)

    rp = sub.add_parser("report", help="print what the warehouse holds")
    rp.add_argument("--days", type=int, default=14)
    rp.set_defaults(func=cmd_report)

    demo = sub.add_parser("demo", help="simulator + warehouse + backfill, end to end")
    demo.add_argument("--days", type=int, default=14)
    demo.add_argument("--per-day", type=int, default=3000)
    demo.add_argument("--today", type=_day, default=None)
    demo.set_defaults(func=cmd_demo)

    af = sub.add_parser("airflow", help="airflow standalone on this project (UI, scheduler)")
    af.set_defaults(func=cmd_airflow)

    dd = sub.add_parser("data-dictionary", help="write the kpi schema's data dictionary")
    dd.add_argument("--out", default="docs/data-dictionary.md")
    dd.set_defaults(func=cmd_data_dictionary)

    sc = sub.add_parser("scores", help="Decision 766 points")
    sc_sub = sc.add_subparsers(dest="scores_command", required=True)
    rpl = sc_sub.add_parser("replay", help="recompute saved national-portal responses' points")
    rpl.add_argument("files", nargs="+", metavar="FILE")
    rpl.set_defaults(func=cmd_scores_replay)

    rc = sub.add_parser("recipients", help="alert recipients (ops.recipient)")
    rc_sub = rc.add_subparsers(dest="recipients_command", required=True)
    rc_import = rc_sub.add_parser("import", help="load the province's list (CSV or XLSX)")
    rc_import.add_argument("file", help="FILE.csv or FILE.xlsx: name, channel, address, ...")
    rc_import.set_defaults(func=cmd_recipients_import)

    st = sub.add_parser("stop-embedded", help="stop the embedded PostgreSQL in .local/pg")
    st.set_defaults(func=cmd_stop_embedded)

    quarantine_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    result: Any = args.func(args)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
