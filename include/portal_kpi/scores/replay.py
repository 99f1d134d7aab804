"""Replay saved national-portal responses: recompute every row's points from its counters.

A response of any of the six evaluation groups (month, quarter or year) is read as published;
for each department object (the province overview/parent and every agency row) the component
points are recomputed with :mod:`portal_kpi.scores.formulas` from the published numerators and
denominators, summed into the group score, and compared with what the portal published.

Tree rows that publish no counters (the agencies of ``provide-online-tree``) cannot be
recomputed; for them only ``ratio = 100 · score / max`` is checked and they are reported apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from portal_kpi.scores.components import BY_CODE, BY_PORTAL_CODE, UNSCORED_METRICS
from portal_kpi.scores.formulas import group_ratio, group_total, points, ratio_percent

log = logging.getLogger(__name__)

TOLERANCE = Decimal("0.01")

# Tree groups: component -> (numerator fields, denominator field).
_TREE_COMPONENTS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "dvc-progress-tree": {"2.1": (("totalOnTime",), "totalReceived")},
    "provide-online-tree": {
        "3.1": (("partialCount", "fullCount"), "authorityCount"),
        "3.2": (("onlineDossierCount",), "onlineServiceTotal"),
        "3.3": (("channelOnlineSum",), "channelTotalSum"),
    },
    "formality-online-payment-tree": {
        "3.4": (("totalFeeDossierFormality",), "totalFeeFormality"),
        "3.5": (("totalDossierOnlineFormalityPaymentSuccess",), "totalFeeFormality"),
        "3.6": (("totalDossierOnlinePaymentSuccess",), "totalDossierFinancialObligation"),
    },
}


class ReplayError(ValueError):
    """The file is not a national-portal evaluation response we can read."""


@dataclass(frozen=True)
class ComponentCheck:
    code: str
    numerator: Decimal | None
    denominator: Decimal | None
    published: Decimal | None
    computed: Decimal | None
    recomputed: bool  # False: counts not published, the published points are taken

    @property
    def ok(self) -> bool:
        return _same(self.published, self.computed)


@dataclass(frozen=True)
class RowCheck:
    department_id: str
    department_code: str | None
    department_name: str | None
    is_total: bool
    published_score: Decimal | None
    computed_score: Decimal | None
    published_ratio: Decimal | None
    computed_ratio: Decimal | None
    components: tuple[ComponentCheck, ...]
    has_counters: bool

    @property
    def ok(self) -> bool:
        return (
            _same(self.published_score, self.computed_score)
            and _same(self.published_ratio, self.computed_ratio)
            and all(c.ok for c in self.components)
        )

    @property
    def label(self) -> str:
        return self.department_code or self.department_name or self.department_id


@dataclass
class FileResult:
    path: str
    group: str
    rows: list[RowCheck] = field(default_factory=list)

    @property
    def scored(self) -> list[RowCheck]:
        return [r for r in self.rows if r.has_counters]

    @property
    def ratio_only(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.has_counters]

    @property
    def failures(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.ok]


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ReplayError(f"not a number: {value!r}")
    return Decimal(value)


def _data(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or payload.get("code") != "OK":
        raise ReplayError("not an OK envelope")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ReplayError("envelope without a data object")
    return data


def detect_group(data: dict[str, Any]) -> str:
    """Which evaluation group a response's ``data`` belongs to, from its content."""
    if "parent" in data or "children" in data:
        sample = data.get("parent") or (data.get("children") or [{}])[0]
        if "totalReceived" in sample:
            return "dvc-progress-tree"
        if "totalDossierFinancialObligation" in sample:
            return "formality-online-payment-tree"
        if "totalMaxScore" in sample:
            return "provide-online-tree"
        raise ReplayError("a tree response of no known group")
    rows = [data.get("overview"), *(data.get("evaluation") or [])]
    for row in rows:
        for metric in (row or {}).get("metrics") or []:
            component = BY_PORTAL_CODE.get(str(metric.get("code")))
            if component is not None:
                return {
                    "CKMB": "transparency",
                    "MDSH": "dossier-digitized",
                    "MDHL": "handling-satisfaction",
                }[component.group]
    raise ReplayError("no known metric code in the response")


def _check_metrics(obj: dict[str, Any]) -> list[ComponentCheck]:
    checks = []
    for metric in obj.get("metrics") or []:
        code = str(metric.get("code"))
        numerator, denominator = _dec(metric.get("numerator")), _dec(metric.get("denominator"))
        published = _dec(metric.get("score"))
        if code in UNSCORED_METRICS:
            checks.append(ComponentCheck(code, numerator, denominator, published, None, True))
            continue
        component = BY_PORTAL_CODE.get(code)
        if component is None:
            raise ReplayError(f"unknown metric code {code!r}")
        if numerator is None and denominator is None and published is not None:
            # Counts not published (e.g. certified e-copies): nothing to recompute.
            checks.append(ComponentCheck(component.code, None, None, published, published, False))
            continue
        computed = points(numerator, denominator, component.rule)
        checks.append(
            ComponentCheck(component.code, numerator, denominator, published, computed, True)
        )
    return checks


def _check_tree(group: str, obj: dict[str, Any]) -> tuple[list[ComponentCheck], bool]:
    checks = []
    for code, (num_fields, den_field) in _TREE_COMPONENTS[group].items():
        if den_field not in obj or any(f not in obj for f in num_fields):
            return [], False
        parts = [_dec(obj[f]) for f in num_fields]
        numerator: Decimal | None = None
        if all(p is not None for p in parts):
            numerator = sum((p for p in parts if p is not None), Decimal(0))
        denominator = _dec(obj[den_field])
        rule = BY_CODE[code].rule
        checks.append(
            ComponentCheck(
                code, numerator, denominator, None, points(numerator, denominator, rule), True
            )
        )
    return checks, True


def check_row(group: str, obj: dict[str, Any], is_total: bool) -> RowCheck:
    score_key = "score" if "score" in obj else "totalScore"
    max_key = "maxScore" if "maxScore" in obj else "totalMaxScore"
    published_score = _dec(obj.get(score_key))
    max_points = _dec(obj.get(max_key))
    published_ratio = _dec(obj.get("ratio"))
    if group in _TREE_COMPONENTS:
        components, has_counters = _check_tree(group, obj)
    else:
        components, has_counters = _check_metrics(obj), True
    if has_counters:
        computed_score: Decimal | None = group_total([c.computed for c in components])
    else:
        computed_score = published_score
    if group == "dvc-progress-tree":
        # The progress tree publishes the component's own ratio (0 when nothing was received).
        c = components[0]
        computed_ratio: Decimal | None = ratio_percent(c.numerator, c.denominator)
        if computed_ratio is None:
            computed_ratio = Decimal("0.00")
    else:
        computed_ratio = group_ratio(computed_score, max_points)
    return RowCheck(
        department_id=str(obj.get("departmentId")),
        department_code=obj.get("departmentCode"),
        department_name=obj.get("departmentName"),
        is_total=is_total,
        published_score=published_score,
        computed_score=computed_score,
        published_ratio=published_ratio,
        computed_ratio=computed_ratio,
        components=tuple(
            c if group not in _TREE_COMPONENTS else _tree_published(c, published_score, components)
            for c in components
        ),
        has_counters=has_counters,
    )


def _tree_published(
    check: ComponentCheck, published_total: Decimal | None, all_checks: list[ComponentCheck]
) -> ComponentCheck:
    """A tree publishes one score per row; a one-component group's is its component's."""
    if len(all_checks) == 1:
        return ComponentCheck(
            check.code, check.numerator, check.denominator, published_total, check.computed, True
        )
    return ComponentCheck(
        check.code, check.numerator, check.denominator, check.computed, check.computed, True
    )


def replay_bytes(body: bytes, path: str = "<bytes>") -> FileResult:
    try:
        payload = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise ReplayError(f"{path}: not JSON") from exc
    data = _data(payload)
    group = detect_group(data)
    result = FileResult(path, group)
    if group in _TREE_COMPONENTS:
        objects = [(data.get("parent"), True), *((c, False) for c in data.get("children") or [])]
    else:
        rows = data.get("evaluation") or []
        objects = [(data.get("overview"), True), *((r, False) for r in rows)]
    for obj, is_total in objects:
        if obj is not None:
            result.rows.append(check_row(group, obj, is_total))
    return result


def replay_file(path: Path) -> FileResult:
    return replay_bytes(path.read_bytes(), str(path))


def summary_lines(result: FileResult) -> list[str]:
    """What the CLI prints for one file."""
    scored = result.scored
    good = sum(1 for r in scored if r.ok)
    lines = [
        f"{result.path} ({result.group}): {good}/{len(scored)} rows reproduce the published score"
    ]
    ratio_only = result.ratio_only
    if ratio_only:
        consistent = sum(1 for r in ratio_only if r.ok)
        lines.append(
            f"  {len(ratio_only)} rows publish no counters: ratio = 100·score/max checked, "
            f"{consistent}/{len(ratio_only)} consistent"
        )
    for row in result.failures:
        parts = [
            f"{c.code} published {c.published} computed {c.computed}"
            for c in row.components
            if not c.ok
        ]
        lines.append(
            f"  DIFFERS {row.label}: score published {row.published_score} computed "
            f"{row.computed_score}, ratio published {row.published_ratio} computed "
            f"{row.computed_ratio}" + (f"; {'; '.join(parts)}" if parts else "")
        )
    return lines


def replay_paths(paths: Iterable[Path]) -> list[FileResult]:
    return [replay_file(p) for p in paths]
