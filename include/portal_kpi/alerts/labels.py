"""Bilingual labels and formatting of KPIs, periods and severities (one place)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

RATIO_KPIS = frozenset(
    {"online_share", "online_share_all", "full_online_share", "on_time_rate",
     "iso9001_compliant_share"}
)  # fmt: skip


# Severity: how far from target. Ratios by the gap in ratio points (0.20 = 20 points);
# counts by how many over (or under) the target.
RATIO_SEVERITY = (
    (Decimal("0.20"), "critical"),
    (Decimal("0.10"), "high"),
    (Decimal("0.05"), "medium"),
)


COUNT_SEVERITY = ((Decimal(20), "critical"), (Decimal(10), "high"), (Decimal(3), "medium"))


SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "medium": "trung bình", "low": "thấp"}


KPI_LABELS: dict[str, tuple[str, str]] = {
    "online_share": ("Tỷ lệ hồ sơ nộp trực tuyến (TTHC có DVC trực tuyến)",
                     "online share (procedures with an online service)"),
    "online_share_all": ("Tỷ lệ hồ sơ nộp trực tuyến (mọi TTHC)", "online share (all procedures)"),
    "full_online_share": ("Tỷ lệ hồ sơ trực tuyến của TTHC toàn trình", "fully online share"),
    "on_time_rate": ("Tỷ lệ giải quyết đúng và sớm hạn", "on-time rate"),
    "late_count": ("Số hồ sơ trễ hẹn", "late dossiers"),
    "overdue_in_progress": ("Số hồ sơ đang giải quyết quá hạn", "overdue dossiers in progress"),
    "late_without_apology": ("Hồ sơ trễ hẹn không có thư xin lỗi đúng hạn",
                             "late dossiers without a timely apology"),
    "multi_supplement_count": ("Hồ sơ yêu cầu bổ sung quá một lần",
                               "dossiers asked for supplements more than once"),
    "iso9001_compliant_share": ("Tỷ lệ cơ quan đạt ISO 9001", "ISO 9001 compliant share"),
}  # fmt: skip


def is_ratio(kpi: str) -> bool:
    return kpi in RATIO_KPIS


def severity(kpi: str, value: Any, target: Any, comparator: str | None) -> str:
    """How far ``value`` is from ``target``: low, medium, high or critical."""
    if value is None or target is None:
        return "low"
    g = gap(value, target, comparator)
    assert g is not None
    for limit, name in RATIO_SEVERITY if is_ratio(kpi) else COUNT_SEVERITY:
        if g >= limit:
            return name
    return "low"


SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def fmt_number(value: Any, decimals: int = 0) -> str:
    """Vietnamese number format: ``.`` groups thousands, ``,`` is the decimal mark
    (``1.234``, ``78,4``)."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-decimals)
    number = Decimal(str(value)).quantize(q, rounding=ROUND_HALF_UP)
    text = f"{abs(number):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("-" if number < 0 else "") + text


def fmt_percent(ratio: Any, decimals: int = 1) -> str:
    """A ratio (0.784) as a Vietnamese percentage: ``78,4 %``."""
    if ratio is None:
        return "—"
    return f"{fmt_number(Decimal(str(ratio)) * 100, decimals)} %"


def fmt_value(kpi: str, value: Any) -> str:
    """A KPI value as an official reads it: ratios as ``78,4 %``, counts as ``1.234``."""
    if value is None:
        return "—"
    return fmt_percent(value) if is_ratio(kpi) else fmt_number(value)


def gap(value: Any, target: Any, comparator: str | None) -> Decimal | None:
    """How far ``value`` is on the wrong side of ``target`` (positive = short of it)."""
    if value is None or target is None:
        return None
    v, t = Decimal(str(value)), Decimal(str(target))
    return t - v if comparator == ">=" else v - t if comparator == "<=" else abs(v - t)


def fmt_gap(kpi: str, value: Any, target: Any, comparator: str | None) -> str:
    """The gap to target: ``6,6 điểm %`` for ratios, ``12 hồ sơ`` for counts."""
    g = gap(value, target, comparator)
    if g is None:
        return "—"
    if g <= 0:
        return "đạt / met"
    if is_ratio(kpi):
        return f"{fmt_number(abs(g) * 100, 1)} điểm %"
    return f"{fmt_number(abs(g))} hồ sơ"


COMPARATORS = {">=": "≥", "<=": "≤", "=": "="}


def fmt_target(kpi: str, target: Any, comparator: str | None) -> str:
    """The target as read: ``≥ 60,0 %``, ``= 0``."""
    sign = COMPARATORS.get(comparator or "", comparator or "")
    return f"{sign} {fmt_value(kpi, target)}".strip()


def fmt_day(day: date | None) -> str:
    return "—" if day is None else f"{day:%d/%m/%Y}"


def period_label(grain: str, period: date, as_of: date | None = None) -> tuple[str, str]:
    """(Vietnamese, English) label of a period."""
    if grain == "day":
        return f"ngày {period:%d/%m/%Y}", period.isoformat()
    to_date_vi = f" (đến {as_of:%d/%m/%Y})" if as_of else ""
    to_date_en = f" (to {as_of.isoformat()})" if as_of else ""
    return f"tháng {period:%m/%Y}{to_date_vi}", f"{period:%Y-%m}{to_date_en}"


def kpi_label(kpi: str) -> tuple[str, str]:
    return KPI_LABELS.get(kpi, (kpi, kpi))
