"""Parse national-portal (DVCQG) responses into score and counter rows (pure).

Numbers are read as Decimal so ratios stay as published; ``null`` stays None (not
reported, never 0)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from portal_kpi.sources.dvcqg import GROUPS

TOTAL_METRIC = "_TOTAL"


# camelCase field of a response object -> kpi.official_counter column.
COUNTER_FIELDS: dict[str, str] = {
    "totalReceived": "total_received",
    "totalOnTime": "total_on_time",
    "totalOverdue": "total_overdue",
    "totalCompleted": "total_completed",
    "avgProcessingDays": "avg_processing_days",
    "channelOnlineSum": "channel_online_sum",
    "channelDirectSum": "channel_direct_sum",
    "channelPostalSum": "channel_postal_sum",
    "channelTotalSum": "channel_total_sum",
    "onlineOnTimeSum": "online_on_time_sum",
    "onlineOverdueSum": "online_overdue_sum",
    "authorityCount": "authority_count",
    "partialCount": "partial_count",
    "fullCount": "full_count",
    "onlineDossierCount": "online_dossier_count",
    "onlineServiceTotal": "online_service_total",
    "totalDossierOnlinePaymentSuccess": "online_payment_success",
    "totalDossierFinancialObligation": "financial_obligation",
    "totalDossierOnlineFormalityPaymentSuccess": "online_payment_formalities",
    "totalFeeDossierFormalityDistinct": "fee_formalities_distinct",
    "totalFeeDossierFormality": "fee_dossier_formalities",
    "totalFeeFormality": "fee_formalities",
    "totalPetitions": "total_petitions",
    "classifiedPetitions": "classified_petitions",
    "totalDossiers": "total_dossiers",
    "averageScore": "average_score",
    "scoreDelta": "score_delta",
    "stt": "stt",
}


# Fields that go to score rows or identify the department (not counters, not extra).
_IDENTITY_FIELDS = frozenset(
    {
        "departmentId",
        "departmentName",
        "departmentCode",
        "level",
        "departmentLevel",
        "totalScore",
        "totalMaxScore",
        "score",
        "maxScore",
        "ratio",
        "metrics",
    }
)


Number = Decimal | int


class OfficialDataError(ValueError):
    """A response does not have the documented shape."""


@dataclass(frozen=True)
class ScoreRow:
    group_code: str
    department_id: str
    department_code: str | None
    department_name: str | None
    department_level: str | None
    is_total: bool
    metric_code: str
    metric_name: str | None
    numerator: Number | None
    denominator: Number | None
    ratio: Number | None
    score: Number | None
    max_score: Number | None
    data_quality_status: str | None = None
    data_quality_message: str | None = None


@dataclass(frozen=True)
class CounterRow:
    group_code: str
    department_id: str
    department_code: str | None
    department_level: str | None
    is_total: bool
    counters: dict[str, Number | None]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Department:
    department_id: str
    department_code: str
    department_name: str | None
    level: str | None
    is_root: bool


@dataclass
class Parsed:
    scores: list[ScoreRow] = field(default_factory=list)
    counters: list[CounterRow] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)


@dataclass(frozen=True)
class NationalProcedure:
    formality_id: str
    code: str
    name: str
    state: str | None
    department_id: str | None
    publishing_department_ids: list[str]
    applied_department_ids: list[str]


def load_json(body: bytes) -> Any:
    """JSON with every non-integer number as an exact Decimal."""
    return json.loads(body, parse_float=Decimal)


def _data(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or payload.get("code") != "OK":
        raise OfficialDataError("not an OK envelope")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise OfficialDataError("envelope without a data object")
    return data


def _number(value: Any, name: str) -> Number | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise OfficialDataError(f"{name} is not a number: {value!r}")
    return value


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _counters(obj: dict[str, Any]) -> tuple[dict[str, Number | None], dict[str, Any]]:
    counters: dict[str, Number | None] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        if key in COUNTER_FIELDS:
            counters[COUNTER_FIELDS[key]] = _number(value, key)
        elif key not in _IDENTITY_FIELDS and not isinstance(value, dict | list):
            extra[key] = value
    return counters, extra


def _department_id(obj: dict[str, Any]) -> str:
    dep = obj.get("departmentId")
    if not isinstance(dep, str) or not dep:
        raise OfficialDataError(f"object without departmentId: {str(obj)[:120]}")
    return dep


def _parse_object(group: str, obj: Any, is_total: bool, out: Parsed) -> None:
    if not isinstance(obj, dict):
        raise OfficialDataError(f"{group}: department entry is not an object")
    dep = _department_id(obj)
    code = _text(obj.get("departmentCode"))
    level = _text(obj.get("level") or obj.get("departmentLevel"))
    if is_total and level is None:
        level = "PROVINCE"
    name = _text(obj.get("departmentName"))
    score_key = "score" if "score" in obj else "totalScore"
    max_key = "maxScore" if "maxScore" in obj else "totalMaxScore"
    numerator = denominator = None
    if group == "dvc-progress-tree":
        numerator = _number(obj.get("totalOnTime"), "totalOnTime")
        denominator = _number(obj.get("totalReceived"), "totalReceived")
    out.scores.append(
        ScoreRow(
            group_code=group,
            department_id=dep,
            department_code=code,
            department_name=name,
            department_level=level,
            is_total=is_total,
            metric_code=TOTAL_METRIC,
            metric_name=None,
            numerator=numerator,
            denominator=denominator,
            ratio=_number(obj.get("ratio"), "ratio"),
            score=_number(obj.get(score_key), score_key),
            max_score=_number(obj.get(max_key), max_key),
        )
    )
    for metric in obj.get("metrics") or []:
        if not isinstance(metric, dict) or not isinstance(metric.get("code"), str):
            raise OfficialDataError(f"{group}: metric without a code under {dep}")
        out.scores.append(
            ScoreRow(
                group_code=group,
                department_id=dep,
                department_code=code,
                department_name=name,
                department_level=level,
                is_total=is_total,
                metric_code=metric["code"],
                metric_name=_text(metric.get("name")),
                numerator=_number(metric.get("numerator"), "numerator"),
                denominator=_number(metric.get("denominator"), "denominator"),
                ratio=_number(metric.get("ratio"), "ratio"),
                score=_number(metric.get("score"), "score"),
                max_score=_number(metric.get("maxScore"), "maxScore"),
                data_quality_status=_text(metric.get("dataQualityStatus")),
                data_quality_message=_text(metric.get("dataQualityMessage")),
            )
        )
    counters, extra = _counters(obj)
    out.counters.append(CounterRow(group, dep, code, level, is_total, counters, extra))
    if code:
        out.departments.append(Department(dep, code, name, None if is_total else level, is_total))


def parse_evaluation(group: str, body: bytes) -> Parsed:
    """One response page of an evaluation group. Shape A (``overview``/``evaluation``) and
    shape B (``parent``/``children``) are told apart by their keys."""
    if group not in GROUPS:
        raise OfficialDataError(f"unknown group {group!r}")
    data = _data(load_json(body))
    out = Parsed()
    if "parent" in data or "children" in data:
        if data.get("parent") is not None:
            _parse_object(group, data["parent"], True, out)
        for child in data.get("children") or []:
            _parse_object(group, child, False, out)
    elif "overview" in data or "evaluation" in data:
        if data.get("overview") is not None:
            _parse_object(group, data["overview"], True, out)
        for row in data.get("evaluation") or []:
            _parse_object(group, row, False, out)
    else:
        raise OfficialDataError(f"{group}: neither parent/children nor overview/evaluation")
    return out


def parse_formalities(body: bytes) -> list[NationalProcedure]:
    """One page of the national procedure catalogue."""
    data = _data(load_json(body))
    items = data.get("items")
    if not isinstance(items, list):
        raise OfficialDataError("formalities: data.items is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or not item.get("id") or not item.get("code"):
            raise OfficialDataError(f"formalities: item without id/code: {str(item)[:120]}")
        out.append(
            NationalProcedure(
                formality_id=str(item["id"]),
                code=str(item["code"]),
                name=str(item.get("name") or ""),
                state=_text(item.get("state")),
                department_id=_text(item.get("departmentId")),
                publishing_department_ids=[
                    str(x) for x in item.get("publishingDepartmentIds") or []
                ],
                applied_department_ids=[str(x) for x in item.get("appliedDepartmentIds") or []],
            )
        )
    return out
