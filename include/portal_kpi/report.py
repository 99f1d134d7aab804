"""What the warehouse holds, for people: rows per table and day, and where to look next."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy import text

from portal_kpi.db import make_engine

TABLES = (
    "raw.batch", "raw.page", "core.agency", "core.procedure", "core.dossier_version",
    "core.dossier", "core.calendar_day",
)  # fmt: skip


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
        out.write(
            "\nNext: query the warehouse (psql with the URL of AIRFLOW_CONN_WAREHOUSE), "
            "read docs/ in the repository, or run `make airflow` for the Airflow UI.\n"
        )
    finally:
        engine.dispose()
