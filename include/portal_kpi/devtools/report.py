"""What the warehouse holds, for people: rows per table and day, the province's KPIs
against target, the agencies furthest below target, and where to look next."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import text

from portal_kpi.config import PROVINCE_CODE
from portal_kpi.db import make_engine, run_sql

TABLES = (
    "raw.batch",
    "raw.page",
    "core.agency",
    "core.procedure",
    "core.dossier_version",
    "core.dossier",
    "core.calendar_day",
    "quality.validation_run",
    "quality.quarantine",
    "kpi.dossier_stats",
    "kpi.kpi_value",
)
UNITS = {"iso9001_compliant_share": "agencies"}  # what a KPI counts; default dossiers
RATIOS = {"online_share", "online_share_all", "full_online_share", "on_time_rate"}


def _fmt(kpi: str, value: Any) -> str:
    """A KPI value with its unit: per cent for ratios, dossiers for counts."""
    if value is None:
        return "—"
    if kpi in RATIOS or kpi.endswith("_share"):
        return f"{Decimal(value) * 100:.1f} %"
    return f"{int(value):,} {UNITS.get(kpi, 'dossiers')}"


def _verdict(meets: bool | None) -> str:
    return {True: "đạt / meets", False: "KHÔNG ĐẠT / below", None: "—"}[meets]


def print_report(out: IO[str], days: int = 14) -> None:
    engine = make_engine()
    try:
        with engine.connect() as conn:
            out.write("\nRows per table\n")
            for table in TABLES:
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                out.write(f"  {table:<24} {count:>10,} rows\n")
            out.write(f"\nLocal days loaded by portal_daily (the latest {days}, oldest first)\n")
            out.write(f"  {'day':<12} {'versions seen':>14} {'quarantined':>12} {'received':>10}\n")
            rows = run_sql(conn, "report/loaded_days.sql", day=None, n=days).all()
            for row in reversed(rows):
                out.write(
                    f"  {row.day!s:<12} {row.versions_seen:>5,} versions {row.quarantined:>6,} rows"
                    f" {row.received:>5,} dossiers\n"
                )
            if not rows:
                out.write("  (none yet: run `portal-kpi backfill` or `portal-kpi demo`)\n")
            wm = conn.execute(text("SELECT max(business_day) FROM core.load_day")).scalar()
            out.write(f"\nWatermark (latest local day loaded): {wm}\n")
            kpis = run_sql(conn, "report/province_month.sql", province=PROVINCE_CODE).all()
            if kpis:
                out.write(
                    f"\nProvince {PROVINCE_CODE}, month {kpis[0].period_start:%m/%Y}"
                    f" (to {kpis[0].as_of}): KPIs against target\n"
                )
                for k in kpis:
                    target = "" if k.target is None else f"{k.comparator} {_fmt(k.kpi, k.target)}"
                    out.write(
                        f"  {k.kpi:<24} {_fmt(k.kpi, k.value):>14}  {target:<16}"
                        f" {_verdict(k.meets_target)}   ({k.numerator:,} of {k.denominator:,}"
                        f" {UNITS.get(k.kpi, 'dossiers')})\n"
                    )
            worst = run_sql(
                conn, "report/worst_agencies.sql", province=PROVINCE_CODE, min_base=20
            ).all()
            if worst:
                worst = sorted(worst, key=lambda w: w.shortfall, reverse=True)[:5]
                out.write("\nFive agencies furthest below target (latest month)\n")
                for w in worst:
                    out.write(
                        f"  {w.agency_code:<8} {(w.agency_name or '')[:38]:<38} {w.kpi:<14}"
                        f" {_fmt(w.kpi, w.value):>8} (target {_fmt(w.kpi, w.target)},"
                        f" {w.numerator:,} of {w.denominator:,} dossiers)\n"
                    )
        out.write(
            '\nNext: `eval "$(portal-kpi env)"` points your shell (psql, a BI tool) at this'
            " warehouse; BI tools read the kpi schema (see docs/data-dictionary.md);"
            " `make airflow` runs the Airflow UI and scheduler.\n"
        )
    finally:
        engine.dispose()


def outbox_summary(engine: Any) -> list[str]:
    """The outbox by status and kind, and the most run messages one recipient got on
    one day (the goal is at most one)."""
    with engine.connect() as conn:
        rows = run_sql(conn, "report/outbox_summary.sql").all()
        most = run_sql(conn, "report/outbox_most_per_day.sql").scalar()
    lines = [f"{r.status:<20} {r.kind:<14} {r.n:>6}" for r in rows]
    lines.append(f"most run messages to one recipient on one day: {most or 0}")
    return lines


def day_figures(day: date) -> str:
    """One local day's load, for the backfill progress: versions seen, rows quarantined."""
    engine = make_engine()
    try:
        with engine.connect() as conn:
            row = run_sql(conn, "report/loaded_days.sql", day=day, n=1).first()
    finally:
        engine.dispose()
    if row is None:
        return "not loaded"
    return (
        f"{row.versions_seen:>7,} dossier versions loaded  {row.quarantined:>5,} rows quarantined"
    )
