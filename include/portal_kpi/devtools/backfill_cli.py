"""``portal-kpi backfill``: a native Airflow backfill of a DAG for local days, or the bulk
path for a long ``portal_daily`` range, for the default province or another one."""

from __future__ import annotations

import argparse
from datetime import date

from rich.console import Console

from portal_kpi.daily.bulk import DEFAULT_WINDOW_DAYS
from portal_kpi.devtools import backfill as native
from portal_kpi.devtools import bulk_backfill as bulk
from portal_kpi.devtools import wiring
from portal_kpi.devtools.airflow_env import logs_dir
from portal_kpi.devtools.cli_support import FORMAT, Sub, day_arg, local_runtime
from portal_kpi.devtools.report import day_figures
from portal_kpi.devtools.runtime import ensure_province_warehouses, migrate_airflow_db
from portal_kpi.provinces import (
    Province,
    ProvinceConfigError,
    activate,
    by_code,
    by_dag_id,
    default_province,
)


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
    p.add_argument("--start", type=day_arg, required=True, help="first local day, YYYY-MM-DD")
    p.add_argument("--end", type=day_arg, required=True, help="last local day, YYYY-MM-DD")
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
