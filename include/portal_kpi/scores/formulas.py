"""The national portal's point formulas (Decision 766 index), as pure Decimal arithmetic.

* A ratio is ``100 · numerator / denominator`` rounded to 2 decimals, half up.
* Points come from the **raw fraction**, not the rounded ratio: ``max · f`` for a linear
  component, ``min(max, max · f / threshold)`` for one with a full-score threshold, then
  rounded to 2 decimals, half up.
* A denominator of 0 has no ratio: the component is null unless the portal publishes
  something else for it (the progress tree and payment tree publish 0, the petition
  metrics give full marks when there were no petitions); :class:`Empty` says which.
* One published component differs (found on the August 2026 payment tree, all 164 rows):
  "dossiers paid online" (3.6) takes its points from the **rounded** ratio and rounds them
  half to even (the three rows whose points fall on a tie — 4.695, 5.925, 3.945 — were
  published as 4.70, 5.92, 3.94; half up, or from the raw fraction, two rows differ by
  0.01). Half to even is what MongoDB's ``$round`` does, and the portal names Mongo
  collections as its source. :attr:`Rule.from_ratio` marks such a component.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import Enum

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Number = Decimal | int


class Empty(Enum):
    """What a component scores when its denominator is 0 (or missing)."""

    NULL = "null"
    ZERO = "zero"
    FULL = "full"


@dataclass(frozen=True)
class Rule:
    max_points: Decimal
    threshold: Decimal | None = None  # fraction (0.8 for 80 %); None = linear
    empty: Empty = Empty.NULL
    from_ratio: bool = False  # points from the rounded ratio, half to even (see above)

    @property
    def threshold_percent(self) -> Decimal:
        return HUNDRED * (self.threshold if self.threshold is not None else Decimal(1))


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio_percent(numerator: Number | None, denominator: Number | None) -> Decimal | None:
    """``100 · n / d`` to 2 decimals half up; None when there is no denominator."""
    if numerator is None or not denominator:
        return None
    return half_up(HUNDRED * Decimal(numerator) / Decimal(denominator))


def points(numerator: Number | None, denominator: Number | None, rule: Rule) -> Decimal | None:
    """The points of one component, as the portal computes them."""
    if numerator is None or not denominator:
        if rule.empty is Empty.ZERO:
            return Decimal("0.00")
        if rule.empty is Empty.FULL:
            return half_up(Decimal(rule.max_points))
        return None
    if rule.from_ratio:
        fraction = half_up(HUNDRED * Decimal(numerator) / Decimal(denominator)) / HUNDRED
    else:
        fraction = Decimal(numerator) / Decimal(denominator)
    value = Decimal(rule.max_points) * fraction
    if rule.threshold is not None:
        value = min(Decimal(rule.max_points), value / rule.threshold)
    if rule.from_ratio:
        return value.quantize(CENT, rounding=ROUND_HALF_EVEN)
    return half_up(value)


def group_ratio(total: Number | None, max_points: Number | None) -> Decimal | None:
    """A group's ratio: ``100 · total / max``, 2 decimals half up."""
    if total is None or not max_points:
        return None
    return half_up(HUNDRED * Decimal(total) / Decimal(max_points))


def group_total(component_points: list[Decimal | None]) -> Decimal:
    """A group's points: the sum of its components' points (nulls add nothing)."""
    return sum((p for p in component_points if p is not None), Decimal("0.00"))


def points_if(numerator: Number, denominator: Number, rule: Rule) -> Decimal:
    """Points for hypothetical counts (forecasts, what-ifs): never null."""
    value = points(numerator, denominator, rule)
    return value if value is not None else Decimal("0.00")


def numerator_for_full(denominator: int, rule: Rule) -> int:
    """The smallest numerator that earns full points with this denominator."""
    target = Decimal(denominator) * (rule.threshold if rule.threshold is not None else 1)
    whole = int(target)
    return whole if whole == target else whole + 1
