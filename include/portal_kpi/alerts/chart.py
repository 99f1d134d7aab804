"""The PNG chart of a KPI's last 30 days against its target."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from sqlalchemy import Connection

from portal_kpi.alerts.labels import is_ratio, kpi_label
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


CHART_DAYS = 30


def render_chart(
    kpi: str, agency_code: str, points: Sequence[tuple[date, Any, Any]], day: date
) -> bytes:
    """PNG chart of a KPI's daily values (``(day, value, target)``) against its target."""

    matplotlib.use("Agg")

    ratio = is_ratio(kpi)
    scale = 100.0 if ratio else 1.0
    xs = mdates.date2num([p[0] for p in points])
    ys = [float(p[1]) * scale if p[1] is not None else float("nan") for p in points]
    ts = [float(p[2]) * scale if p[2] is not None else float("nan") for p in points]
    fig = Figure(figsize=(7, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, label="giá trị / value")
    if any(p[2] is not None for p in points):
        ax.step(xs, ts, where="mid", linestyle="--", color="tab:red", label="chỉ tiêu / target")
    en_kpi = kpi_label(kpi)[1]
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    ax.set_title(f"{agency_code} – {en_kpi} – {CHART_DAYS} ngày đến / days to {day:%d/%m/%Y}")
    ax.set_ylabel("%" if ratio else "hồ sơ / dossiers")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def kpi_chart(conn: Connection, kpi: str, agency_code: str, day: date) -> bytes:
    points = [
        (r.period_start, r.value, r.target)
        for r in run_sql(
            conn,
            "alerts/kpi_history.sql",
            kpi=kpi,
            agency_code=agency_code,
            first=day - timedelta(days=CHART_DAYS - 1),
            last=day,
        )
    ]
    return render_chart(kpi, agency_code, points, day)


def chart_or_none(conn: Connection, kpi: str, agency_code: str, day: date) -> bytes | None:
    try:
        return kpi_chart(conn, kpi, agency_code, day)
    except Exception:  # a chart is a nicety; the message goes without it
        log.exception("chart for %s %s failed; sending without it", kpi, agency_code)
        return None
