"""The PNG chart of a KPI's last 30 days against its target, for the e-mail (inline)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from sqlalchemy import Connection

from portal_kpi.alerts.labels import fmt_number, is_ratio, kpi_label
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


CHART_DAYS = 30
TICK_EVERY = 5  # days between x-axis ticks


def window(day: date) -> tuple[date, date]:
    """The chart's x-axis: exactly the 30 days ending on ``day``."""
    return day - timedelta(days=CHART_DAYS - 1), day


def render_chart(
    kpi: str,
    agency: str,
    points: Sequence[tuple[date, Any, Any]],
    day: date,
    target: Any = None,
) -> bytes:
    """PNG of :func:`chart_figure`."""
    buffer = io.BytesIO()
    chart_figure(kpi, agency, points, day, target).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(
    kpi: str,
    agency: str,
    points: Sequence[tuple[date, Any, Any]],
    day: date,
    target: Any = None,
) -> Figure:
    """A KPI's daily values (``(day, value, target)``) over exactly the 30 days to
    ``day``, with the target always drawn (the points' own, else ``target``), a
    bilingual title, a tick every 5 days ending on ``day``, integer ticks for counts."""

    matplotlib.use("Agg")
    ratio = is_ratio(kpi)
    scale = 100.0 if ratio else 1.0
    first, last = window(day)
    xs = mdates.date2num([p[0] for p in points])
    ys = [float(p[1]) * scale if p[1] is not None else float("nan") for p in points]
    fig = Figure(figsize=(7.5, 3.4), dpi=100)
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, label="giá trị / value")
    known = {p[0]: float(p[2]) * scale for p in points if p[2] is not None}
    steady = float(target) * scale if target is not None else None
    if known or steady is not None:
        fill = steady if steady is not None else next(iter(known.values()))
        days = [first + timedelta(days=i) for i in range(CHART_DAYS)]
        line = []
        for d in days:
            fill = known.get(d, fill)
            line.append(fill)
        ax.step(mdates.date2num(days), line, where="mid", linestyle="--", color="tab:red",
                label="chỉ tiêu / target")  # fmt: skip
        ax.update_datalim([(mdates.date2num(first), min(line)), (mdates.date2num(last), max(line))])
    ax.set_xlim(mdates.date2num(first) - 0.5, mdates.date2num(last) + 0.5)
    ticks = [last - timedelta(days=k) for k in range(0, CHART_DAYS, TICK_EVERY)]
    ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(sorted(ticks))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m"))
    ax.xaxis.set_minor_locator(mdates.DayLocator())
    if ratio:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{fmt_number(v)} %"))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v)))
    ax.autoscale_view(scalex=False)
    ymin, ymax = ax.get_ylim()
    top = ymax if ymax > 0 else 1.0
    ax.set_ylim(min(0.0, ymin), top + 0.08 * (top - min(0.0, ymin)))
    vi_kpi, en_kpi = kpi_label(kpi)
    ax.set_title(
        f"{agency}\n{vi_kpi} / {en_kpi}\n{CHART_DAYS} ngày đến {day:%d/%m/%Y} / "
        f"{CHART_DAYS} days to {day:%d/%m/%Y}",
        fontsize="small",
    )
    ax.set_ylabel("%" if ratio else "hồ sơ / dossiers")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig


def kpi_chart(
    conn: Connection, kpi: str, agency_code: str, day: date, agency: str | None, target: Any
) -> bytes:
    first, last = window(day)
    points = [
        (r.period_start, r.value, r.target)
        for r in run_sql(
            conn, "alerts/kpi_history.sql", kpi=kpi, agency_code=agency_code, first=first, last=last
        )
    ]
    return render_chart(kpi, agency or agency_code, points, day, target)


def chart_or_none(
    conn: Connection,
    kpi: str,
    agency_code: str,
    day: date,
    agency: str | None = None,
    target: Any = None,
) -> bytes | None:
    try:
        return kpi_chart(conn, kpi, agency_code, day, agency, target)
    except Exception:  # a chart is a nicety; the message goes without it
        log.exception("chart for %s %s failed; sending without it", kpi, agency_code)
        return None
