"""What the warehouse holds, for people: rows per table and day, the province's KPIs
against target, the agencies furthest below target, and where to look next."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TextIO

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
RATIOS = {"online_share", "online_share_all", "full_online_share", "on_time_rate"}


def _fmt(kpi: str, value: Any) -> str:
    if value is None:
        return "—"
    if kpi in RATIOS or kpi.endswith("_share"):
        return f"{Decimal(value) * 100:.1f} %"
    return f"{int(value):,}"


def _verdict(meets: bool | None) -> str:
    return {True: "đạt / meets", False: "KHÔNG ĐẠT / below", None: "—"}[meets]


def print_report(out: TextIO, days: int = 14) -> None:
    engine = make_engine()
    try:
        with engine.connect() as conn:
            out.write("\nRows per table\n")
            for table in TABLES:
                count = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                out.write(f"  {table:<24} {count:>10,}\n")
            out.write("\nDossier versions loaded per local day (by NgayCapNhat)\n")
            out.write(f"  {'day':<12} {'versions':>9} {'dossiers':>9} {'received':>9}\n")
            rows = conn.execute(
                text(
                    "SELECT updated_at::date AS day, count(*) AS versions,"
                    " count(DISTINCT dossier_code) AS dossiers,"
                    " count(*) FILTER (WHERE status = 2) AS received"
                    " FROM core.dossier_version GROUP BY 1 ORDER BY 1 DESC LIMIT :n"
                ),
                {"n": days + 1},
            ).all()
            for row in reversed(rows):
                out.write(
                    f"  {row.day!s:<12} {row.versions:>9,} {row.dossiers:>9,} {row.received:>9,}\n"
                )
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
                        f"  {k.kpi:<24} {_fmt(k.kpi, k.value):>10}  {target:<10}"
                        f" {_verdict(k.meets_target)}   ({k.numerator:,}/{k.denominator:,})\n"
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
                        f" {_fmt(w.kpi, w.value):>8} (target {_fmt(w.kpi, w.target)})\n"
                    )
        out.write(
            "\nNext: query the warehouse (the URL in AIRFLOW_CONN_WAREHOUSE; BI tools read the"
            " kpi schema as bi_reader, see docs/data-dictionary.md), or run `make airflow` for"
            " the Airflow UI.\n"
        )
    finally:
        engine.dispose()


def day_figures(day: date) -> str:
    """One local day's load, for the backfill progress: dossier versions loaded and rows
    quarantined."""
    engine = make_engine()
    try:
        with engine.connect() as conn:
            loaded = conn.execute(
                text("SELECT versions_seen FROM core.load_day WHERE business_day = :d"), {"d": day}
            ).scalar()
            quarantined = conn.execute(
                text(
                    "SELECT count(*) FROM quality.quarantine q JOIN raw.batch b USING (batch_id)"
                    " WHERE b.business_day = :d"
                ),
                {"d": day},
            ).scalar()
    finally:
        engine.dispose()
    return f"{loaded or 0:>7,} dossier versions loaded  {quarantined or 0:>5,} rows quarantined"
