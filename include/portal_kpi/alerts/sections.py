"""The facts a run's message is made of, as plain data: breaches (new, recovered, still
open), early warnings per agency, and data-quality findings. Producers fill them; the
composer (:mod:`portal_kpi.alerts.compose`) picks each recipient's share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from portal_kpi.alerts.labels import (
    SEVERITY_RANK,
    SEVERITY_VI,
    fmt_day,
    fmt_gap,
    fmt_number,
    fmt_target,
    fmt_value,
    gap,
    kpi_label,
)
from portal_kpi.links import dashboard_url


@dataclass(frozen=True)
class Breach:
    """One breach as the run of ``day`` sees it; ``section`` is new, recovered or open."""

    section: str
    alert_id: int
    kpi: str
    agency_code: str
    agency_name: str
    agency_level: str | None
    grain: str
    period: date  # the period the figures are of
    opened_period: date
    value: Any
    numerator: Any
    denominator: Any
    target: Any
    comparator: str | None
    severity: str

    @property
    def rank(self) -> tuple[int, Decimal, str]:
        g = gap(self.value, self.target, self.comparator) or Decimal(0)
        return (SEVERITY_RANK.get(self.severity, 9), -g, self.agency_code)

    def view(self) -> dict[str, Any]:
        """What a template shows: every figure already formatted."""
        vi_kpi, en_kpi = kpi_label(self.kpi)
        month = self.grain == "month"
        return {
            "kpi_vi": vi_kpi,
            "kpi_en": en_kpi,
            "agency": self.agency_name,
            "agency_code": self.agency_code,
            "period": f"{self.period:%m/%Y}" if month else fmt_day(self.period),
            "period_vi": f"tháng {self.period:%m/%Y}" if month else f"ngày {fmt_day(self.period)}",
            "since": f"{self.opened_period:%m/%Y}" if month else fmt_day(self.opened_period),
            "value": fmt_value(self.kpi, self.value),
            "n": None if self.numerator is None else fmt_number(self.numerator),
            "total": None if self.denominator is None else fmt_number(self.denominator),
            "target": fmt_target(self.kpi, self.target, self.comparator),
            "gap": fmt_gap(self.kpi, self.value, self.target, self.comparator),
            "severity": self.severity,
            "severity_vi": SEVERITY_VI.get(self.severity, self.severity),
            "link": dashboard_url(self.kpi, self.agency_code),
        }


@dataclass(frozen=True)
class WarningLine:
    """One dossier of an agency's early-warning list (no personal data)."""

    category: str  # overdue, due_soon, apology_late
    dossier_code: str
    procedure_code: str
    procedure_name: str | None
    channel: int
    due_day: date
    working_days_left: int | None
    supplement_count: int
    has_apology: bool
    apology_owed: bool
    finished_day: date | None


@dataclass
class EarlyWarning:
    """An agency's early-warning section for one day."""

    day: date
    agency_code: str
    agency_name: str | None
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[WarningLine] = field(default_factory=list)

    @property
    def urgency(self) -> tuple[int, int, str]:
        return (-self.counts.get("overdue", 0), -self.counts.get("due_soon", 0), self.agency_code)


@dataclass(frozen=True)
class Finding:
    """A data-quality finding of the day (``quality.dq_event`` or a freshness check)."""

    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class PointsCause:
    """One cause of lost 766 points a person can act on."""

    component: str  # 2.1, 3.3, ...
    label: str  # Vietnamese
    count: int
    points_worth: Decimal
    example: str | None = None


@dataclass(frozen=True)
class PointsAtStake:
    """An agency's provisional 766 points this month: lost so far, causes, forecast range."""

    agency_code: str
    agency_name: str | None
    points: Decimal
    max_points: Decimal
    points_lost: Decimal
    expected: Decimal
    best: Decimal
    worst: Decimal
    causes: tuple[PointsCause, ...] = ()

    def view(self) -> dict[str, Any]:
        return {
            "agency_code": self.agency_code,
            "agency": self.agency_name or self.agency_code,
            "lost": fmt_number(self.points_lost, 2),
            "points": fmt_number(self.points, 2),
            "max": fmt_number(self.max_points, 2),
            "expected": fmt_number(self.expected, 2),
            "best": fmt_number(self.best, 2),
            "worst": fmt_number(self.worst, 2),
            "causes": [
                {
                    "component": c.component,
                    "label": c.label,
                    "count": fmt_number(c.count),
                    "worth": fmt_number(c.points_worth, 2),
                    "example": c.example,
                }
                for c in self.causes
            ],
            "link": dashboard_url("score_766", self.agency_code),
        }
