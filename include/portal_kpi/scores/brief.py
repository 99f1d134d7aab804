"""The monthly one-page 766 brief for the province's leadership (Vietnamese): total and group
scores against last month, the five agencies losing most, what would recover the most points.
Written as HTML (Jinja2 template, charts inlined) and PDF (one A4 page drawn with matplotlib)."""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlalchemy import Connection

from portal_kpi.config import province_code
from portal_kpi.db import run_sql
from portal_kpi.scores.components import GROUP_BY_CODE
from portal_kpi.scores.daily import CAUSE_LABELS

log = logging.getLogger(__name__)

SOURCE_LABELS = {
    "local": "tạm tính tại tỉnh",
    "official": "điểm chính thức gần nhất",
    "mixed": "tạm tính + chính thức",
    "missing": "chưa có số liệu",
}


@dataclass(frozen=True)
class GroupLine:
    code: str
    name: str
    points: Decimal | None
    previous: Decimal | None
    max_points: Decimal
    source: str | None


@dataclass(frozen=True)
class AgencyLine:
    code: str
    name: str | None
    points_lost: Decimal
    lost_on_time: Decimal
    lost_online: Decimal


@dataclass(frozen=True)
class RecoverLine:
    component_code: str
    cause: str
    rows: int
    agencies: int
    points: Decimal


@dataclass(frozen=True)
class BriefData:
    month: date
    as_of: date | None
    province: str
    groups: list[GroupLine]
    total: GroupLine
    agencies: list[AgencyLine]
    recover: list[RecoverLine]


@dataclass(frozen=True)
class BriefFiles:
    html: Path
    pdf: Path


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def load_brief(conn: Connection, month: date, province: str | None = None) -> BriefData:
    province = province or province_code()
    month = month.replace(day=1)
    rows = run_sql(
        conn,
        "scores/brief_scores.sql",
        month=month,
        previous=_previous_month(month),
        province=province,
    ).all()
    as_of = next((r.as_of for r in rows if r.as_of is not None), None)
    lines = [
        GroupLine(
            r.group_code,
            GROUP_BY_CODE[r.group_code].name if r.group_code in GROUP_BY_CODE else "Tổng",
            r.points,
            r.previous_points,
            r.max_points,
            r.source,
        )
        for r in rows
    ]
    groups = [g for g in lines if g.code in GROUP_BY_CODE]
    total = next(
        (g for g in lines if g.code == "TOTAL"),
        GroupLine("TOTAL", "Tổng", None, None, Decimal(100), None),
    )
    agencies: list[AgencyLine] = []
    recover: list[RecoverLine] = []
    if as_of is not None:
        agencies = [
            AgencyLine(
                r.agency_code,
                r.agency_name,
                r.points_lost,
                r.lost_on_time or Decimal(0),
                r.lost_online or Decimal(0),
            )
            for r in run_sql(conn, "scores/brief_agencies.sql", day=as_of, province=province, top=5)
        ]
        recover = [
            RecoverLine(r.component_code, r.cause, int(r.rows), int(r.agencies), r.points)
            for r in run_sql(conn, "scores/brief_recover.sql", day=as_of, top=5)
        ]
    return BriefData(month, as_of, province, groups, total, agencies, recover)


def _fmt(value: Decimal | None) -> str:
    return "–" if value is None else f"{value:.2f}".replace(".", ",")


def _f(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def _draw_groups(ax: Any, data: BriefData) -> None:
    codes = [g.code for g in data.groups]
    xs = list(range(len(codes)))
    ax.bar([x - 0.2 for x in xs], [_f(g.previous) for g in data.groups], 0.4, label="tháng trước")
    ax.bar([x + 0.2 for x in xs], [_f(g.points) for g in data.groups], 0.4, label="tháng này")
    ax.plot(xs, [_f(g.max_points) for g in data.groups], "k_", markersize=18, label="tối đa")
    ax.set_xticks(xs, codes)
    ax.set_ylabel("điểm")
    ax.set_title("Điểm theo nhóm chỉ số", fontsize=10)
    ax.legend(fontsize="small")


def _draw_agencies(ax: Any, data: BriefData) -> None:
    ax.barh(
        [a.code for a in data.agencies][::-1],
        [_f(a.points_lost) for a in data.agencies][::-1],
        color="tab:red",
    )
    ax.set_xlabel("điểm mất")
    ax.set_title("Năm cơ quan mất nhiều điểm nhất", fontsize=10)


def group_chart(data: BriefData) -> Figure:
    fig = Figure(figsize=(7.5, 2.8), dpi=100)
    _draw_groups(fig.add_subplot(), data)
    fig.tight_layout()
    return fig


def agency_chart(data: BriefData) -> Figure:
    fig = Figure(figsize=(7.5, 2.4), dpi=100)
    _draw_agencies(fig.add_subplot(), data)
    fig.tight_layout()
    return fig


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _context(data: BriefData) -> dict[str, Any]:
    delta = None
    if data.total.points is not None and data.total.previous is not None:
        delta = data.total.points - data.total.previous
    return {
        "province": data.province,
        "month_label": f"{data.month:%m/%Y}",
        "as_of_label": f"{data.as_of:%d/%m/%Y}" if data.as_of else "–",
        "total": {
            "points_label": _fmt(data.total.points),
            "max_label": _fmt(data.total.max_points),
            "delta": delta,
            "delta_label": ("+" if delta is not None and delta >= 0 else "") + _fmt(delta),
        },
        "groups": [
            {
                "name": f"{g.code} – {g.name}",
                "points_label": _fmt(g.points),
                "previous_label": _fmt(g.previous),
                "max_label": _fmt(g.max_points),
                "source_label": SOURCE_LABELS.get(g.source or "missing", g.source),
            }
            for g in data.groups
        ],
        "agencies": [
            {
                "label": f"{a.code} {a.name or ''}".strip(),
                "points_lost": _fmt(a.points_lost),
                "lost_on_time": _fmt(a.lost_on_time),
                "lost_online": _fmt(a.lost_online),
            }
            for a in data.agencies
        ],
        "recover": [
            {
                "component_code": r.component_code,
                "label": CAUSE_LABELS.get(r.cause, r.cause),
                "rows": r.rows,
                "agencies": r.agencies,
                "points": _fmt(r.points),
            }
            for r in data.recover
        ],
    }


_ENV = Environment(
    loader=PackageLoader("portal_kpi.scores", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


def render_html(data: BriefData) -> str:
    context = _context(data)
    context["charts"] = {
        "groups": _png(group_chart(data)),
        "agencies": _png(agency_chart(data)) if data.agencies else "",
    }
    return _ENV.get_template("brief.html.j2").render(**context)


def page_figure(data: BriefData) -> Figure:
    """One A4 page: headline, the group chart, the agencies chart, the recovery list."""
    context = _context(data)
    page = Figure(figsize=(8.27, 11.69), dpi=100)
    parts: Any = page.subfigures(4, 1, height_ratios=[0.35, 1.1, 1.0, 1.0], hspace=0.02)
    header, chart_top = parts[0], parts[1]
    header.text(0.06, 0.6, f"Điểm Bộ chỉ số 766 tháng {context['month_label']} – {data.province}",
                fontsize=15, weight="bold")  # fmt: skip
    total = context["total"]
    headline = f"Tổng điểm tạm tính đến {context['as_of_label']}: {total['points_label']} / "
    headline += total["max_label"]
    if total["delta"] is not None:
        headline += f" ({total['delta_label']} so với tháng trước)"
    header.text(0.06, 0.2, headline, fontsize=11)
    charts = parts[1:]
    _draw_groups(chart_top.add_subplot(), data)
    if data.agencies:
        _draw_agencies(charts[1].add_subplot(), data)
    bottom = charts[2]
    bottom.text(0.04, 0.92, "Việc gỡ lại được nhiều điểm nhất", fontsize=11, weight="bold")
    y = 0.8
    for r in context["recover"]:
        bottom.text(0.04, y, f"{r['component_code']}  {r['label']}: {r['rows']} việc, "
                    f"{r['agencies']} cơ quan, {r['points']} điểm", fontsize=9)  # fmt: skip
        y -= 0.1
    bottom.text(0.04, 0.05, "Tạm tính; điểm chính thức do Cổng Dịch vụ công quốc gia công bố.",
                fontsize=8, color="#666")  # fmt: skip
    return page


def render_pdf(data: BriefData, path: Path) -> None:
    with PdfPages(path) as pdf:
        pdf.savefig(page_figure(data))


def write_brief(
    conn: Connection, month: date, folder: Path, province: str | None = None
) -> BriefFiles:
    """Write ``diem-766-YYYY-MM.html`` and ``.pdf`` to ``folder``; returns both paths."""
    province = province or province_code()
    data = load_brief(conn, month, province)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"diem-766-{data.month:%Y-%m}"
    html = folder / f"{stem}.html"
    html.write_text(render_html(data), encoding="utf-8")
    pdf = folder / f"{stem}.pdf"
    render_pdf(data, pdf)
    log.info("766 brief for %s written to %s and %s", data.month, html, pdf)
    return BriefFiles(html, pdf)
