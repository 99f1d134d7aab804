"""Official national-portal scores (DVCQG, Decision 766): archive, parse, load, reconcile.

* **Archive**: every response page goes to ``raw.dvcqg_response`` byte for byte, keyed by
  (scope, endpoint, period, page); a pull is written only once all its pages arrived, and a
  rerun replaces it.
* **Parse** (pure): the two response shapes become :class:`ScoreRow` (one per department
  and metric; ``_TOTAL`` is the department's group score) and :class:`CounterRow` (the
  counters of the tree endpoints and the extra fields of shape A). Numbers are read as
  :class:`~decimal.Decimal`, so ratios are stored exactly as published, and ``null`` stays
  ``None``: it means "not reported", never 0.
* **Load**: ``kpi.official_score`` / ``kpi.official_counter`` per (province, period, group);
  ``core.official_department`` maps departmentId → code for rows published without one.
* **Reconcile**: ``kpi.official_vs_local`` per month and department against
  ``kpi.dossier_stats``; a ratio difference over the tolerance queues an ``official_diff``
  alert.

Task entry points for ``dags/dvcqg_monthly.py`` are at the bottom (``pull_month`` …).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import Engine, text

from portal_kpi.dates import TZ, business_day
from portal_kpi.db import run_sql, sql
from portal_kpi.sources.dvcqg import (
    GROUPS,
    TREE_GROUPS,
    DvcqgClient,
    DvcqgStoppedError,
    Period,
    PeriodNotEndedError,
    Response,
    periods_for_month,
)

log = logging.getLogger(__name__)

TOTAL_METRIC = "_TOTAL"
DEFAULT_TOLERANCE = Decimal("0.02")
TOLERANCE_ENV = "PORTAL_KPI_OFFICIAL_TOLERANCE"

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


# ----------------------------------------------------------------------------- parse
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


# ----------------------------------------------------------------------------- archive
def archive(engine: Engine, responses: Sequence[Response]) -> int:
    """Store the pages of one pull (same scope, endpoint, period), replacing an earlier
    pull of it; returns pages written."""
    if not responses:
        return 0
    first = responses[0]
    if any((r.scope, r.endpoint, r.period_key) != (first.scope, first.endpoint, first.period_key)
           for r in responses):  # fmt: skip
        raise ValueError("archive() takes the pages of one pull")
    with engine.begin() as conn:
        run_sql(
            conn,
            "official/archive_delete.sql",
            scope=first.scope,
            endpoint=first.endpoint,
            period_key=first.period_key,
        )
        for r in responses:
            run_sql(
                conn,
                "official/archive_insert.sql",
                scope=r.scope,
                endpoint=r.endpoint,
                period_key=r.period_key,
                page=r.page,
                url=r.url,
                request_body=json.dumps(r.request_body, ensure_ascii=False),
                status=r.status,
                content_type=r.content_type,
                body=r.body,
                sha256=r.sha256,
                bytes=len(r.body),
                fetched_at=r.fetched_at,
            )
    return len(responses)


@dataclass(frozen=True)
class Pulled:
    endpoint: str
    period_key: str
    pages: int
    bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "period": self.period_key, "pages": self.pages,
                "bytes": self.bytes}  # fmt: skip


def pull_periods(
    engine: Engine, client: DvcqgClient, periods: Iterable[Period], groups: Sequence[str] = GROUPS
) -> list[Pulled]:
    """Every group for every period, one request at a time; each pull archived as it
    completes. Refuses up front if any period has not ended (nothing is sent then)."""
    periods = list(periods)
    for period in periods:
        period.check_ended(client.today)
    done = []
    for period in periods:
        for group in groups:
            pages = client.evaluation(group, period)
            archive(engine, pages)
            done.append(Pulled(group, period.key, len(pages), sum(len(p.body) for p in pages)))
    return done


# ----------------------------------------------------------------------------- load
@dataclass(frozen=True)
class _ArchivedPage:
    endpoint: str
    page: int
    body: bytes
    fetched_at: datetime


def _archived(
    engine: Engine, scope: str, period_key: str, endpoints: Sequence[str]
) -> list[_ArchivedPage]:
    with engine.connect() as conn:
        rows = run_sql(
            conn,
            "official/archive_select.sql",
            scope=scope,
            period_key=period_key,
            endpoints=list(endpoints),
        ).all()
    return [_ArchivedPage(r.endpoint, r.page, bytes(r.body), r.fetched_at) for r in rows]


def _local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date() if moment.tzinfo else moment.date()


def store_parsed(
    engine: Engine,
    root: str,
    period: Period,
    group: str,
    parsed: Parsed,
    fetched_on: date,
) -> tuple[int, int]:
    """Replace one (province, period, group) with parsed rows; returns (scores, counters)."""
    base = {
        "root": root,
        "period_type": period.kind,
        "period_start": period.start,
        "period_end": period.end,
        "group_code": group,
        "fetched_on": fetched_on,
    }
    keys = {k: base[k] for k in ("root", "period_type", "period_start", "group_code")}
    with engine.begin() as conn:
        run_sql(conn, "official/delete_scores.sql", **keys)
        run_sql(conn, "official/delete_counters.sql", **keys)
        for dep in parsed.departments:
            run_sql(
                conn,
                "official/upsert_department.sql",
                department_id=dep.department_id,
                root=root,
                department_code=dep.department_code,
                department_name=dep.department_name,
                level=dep.level,
                is_root=dep.is_root,
                period_key=period.key,
            )
        score_params = [
            {
                **base,
                "department_id": s.department_id,
                "department_code": s.department_code,
                "department_name": s.department_name,
                "department_level": s.department_level,
                "is_total": s.is_total,
                "metric_code": s.metric_code,
                "metric_name": s.metric_name,
                "numerator": s.numerator,
                "denominator": s.denominator,
                "ratio": s.ratio,
                "score": s.score,
                "max_score": s.max_score,
                "data_quality_status": s.data_quality_status,
                "data_quality_message": s.data_quality_message,
            }
            for s in parsed.scores
        ]
        if score_params:
            conn.execute(text(sql("official/insert_score.sql")), score_params)
            columns = set(COUNTER_FIELDS.values())
            counter_params = [
                {
                    **base,
                    **dict.fromkeys(columns),
                    **c.counters,
                    "department_id": c.department_id,
                    "department_code": c.department_code,
                    "department_level": c.department_level,
                    "is_total": c.is_total,
                    "extra": json.dumps(c.extra, ensure_ascii=False, default=str),
                }
                for c in parsed.counters
            ]
            conn.execute(text(sql("official/insert_counter.sql")), counter_params)
        run_sql(conn, "official/fill_score_codes.sql", root=root)
        run_sql(conn, "official/fill_counter_codes.sql", root=root)
    return len(parsed.scores), len(parsed.counters)


def load_period(engine: Engine, root: str, period: Period) -> dict[str, Any]:
    """Parse the archived pages of one period into the official tables (tree groups first,
    so the department map is current before transparency rows are placed)."""
    pages = _archived(engine, root, period.key, GROUPS)
    by_group: dict[str, list[_ArchivedPage]] = {}
    for page in pages:
        by_group.setdefault(page.endpoint, []).append(page)
    ordered = sorted(by_group, key=lambda g: (g not in TREE_GROUPS, GROUPS.index(g)))
    loaded: dict[str, Any] = {}
    for group in ordered:
        parsed = Parsed()
        for page in by_group[group]:
            one = parse_evaluation(group, page.body)
            # Shape A repeats its overview on every page: keep the first.
            if parsed.scores and page.page > 1:
                one.scores = [s for s in one.scores if not s.is_total]
                one.counters = [c for c in one.counters if not c.is_total]
            parsed.scores.extend(one.scores)
            parsed.counters.extend(one.counters)
            parsed.departments.extend(one.departments)
        fetched_on = _local_day(max(p.fetched_at for p in by_group[group]))
        scores, counters = store_parsed(engine, root, period, group, parsed, fetched_on)
        loaded[group] = {"scores": scores, "counters": counters}
    log.info("loaded %s for %s: %s", period.key, root, loaded)
    return {"period": period.key, "groups": loaded}


def store_catalogue(
    engine: Engine, items: Iterable[NationalProcedure], fetched_at: datetime
) -> int:
    count = 0
    with engine.begin() as conn:
        for item in items:
            run_sql(
                conn,
                "official/upsert_national_procedure.sql",
                formality_id=item.formality_id,
                code=item.code,
                procedure_name=item.name,
                state=item.state,
                department_id=item.department_id,
                publishing_department_ids=item.publishing_department_ids,
                applied_department_ids=item.applied_department_ids,
                fetched_at=fetched_at,
            )
            count += 1
    return count


def load_catalogue(engine: Engine, q: str = "") -> int:
    """Archived catalogue pages into ``core.national_procedure``; returns items stored."""
    pages = _archived(engine, "national", f"catalogue:{q}", ["formalities"])
    total = 0
    for page in pages:
        total += store_catalogue(engine, parse_formalities(page.body), page.fetched_at)
    log.info("national catalogue: %d procedures from %d pages", total, len(pages))
    return total


# ----------------------------------------------------------------------------- reconcile
def tolerance_from_env() -> Decimal:
    raw = os.environ.get(TOLERANCE_ENV, "")
    if not raw:
        return DEFAULT_TOLERANCE
    value = Decimal(raw)
    if value < 0:
        raise ValueError(f"{TOLERANCE_ENV} must not be negative, got {raw}")
    return value


@dataclass(frozen=True)
class Difference:
    agency_code: str
    is_total: bool
    official_received: Decimal | None
    local_received: int | None
    official_ratio: Decimal | None
    local_ratio: Decimal | None
    diff_ratio: Decimal | None
    diff_online_share: Decimal | None
    no_data: bool
    reason_code: str | None
    exceeds_tolerance: bool


def reconcile(
    engine: Engine, root: str, month: date, tolerance: Decimal | None = None
) -> list[Difference]:
    """Rebuild ``kpi.official_vs_local`` for one month; returns its rows."""
    tol = DEFAULT_TOLERANCE if tolerance is None else tolerance
    month = month.replace(day=1)
    with engine.begin() as conn:
        run_sql(conn, "official/reconcile_delete.sql", month=month, root=root)
        run_sql(conn, "official/reconcile_insert.sql", month=month, root=root, tolerance=tol)
        rows = run_sql(conn, "official/reconcile_select.sql", month=month, root=root).all()
    return [
        Difference(
            agency_code=r.agency_code,
            is_total=r.is_total,
            official_received=r.official_received,
            local_received=r.local_received,
            official_ratio=r.official_ratio,
            local_ratio=r.local_ratio,
            diff_ratio=r.diff_ratio,
            diff_online_share=r.diff_online_share,
            no_data=r.no_data,
            reason_code=r.reason_code,
            exceeds_tolerance=r.exceeds_tolerance,
        )
        for r in rows
    ]


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"


def _pp(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}"


def queue_alerts(engine: Engine, root: str, month: date, rows: Iterable[Difference]) -> int:
    """One ``official_diff`` message per department over the tolerance (idempotent)."""
    from portal_kpi.alerts import enqueue

    queued = 0
    label = f"{month.month:02d}/{month.year}"
    for d in rows:
        if not d.exceeds_tolerance:
            continue
        reason = d.reason_code or "chưa rõ / unknown"
        subject = f"[DVCQG] Chênh lệch số liệu chính thức – {d.agency_code} – tháng {label}"
        body = (
            f"Tỷ lệ giải quyết đúng hạn tháng {label} của {d.agency_code}: DVCQG "
            f"{_pct(d.official_ratio)}, số liệu địa phương {_pct(d.local_ratio)} "
            f"(chênh {_pp(d.diff_ratio)} điểm %). Hồ sơ tiếp nhận: DVCQG "
            f"{d.official_received}, địa phương {d.local_received}. Lý do: {reason}.\n"
            f"English: official on-time ratio {_pct(d.official_ratio)} vs local "
            f"{_pct(d.local_ratio)} for {d.agency_code} in {label} "
            f"({_pp(d.diff_ratio)} pp; online share {_pp(d.diff_online_share)} pp); "
            f"reason: {d.reason_code or 'unknown'}. The official score is authoritative: "
            "check the local data, do not overwrite either."
        )
        queued += enqueue(
            engine,
            kind="official_diff",
            dedupe_key=f"{root}/{month.isoformat()}/{d.agency_code}",
            subject=subject,
            body=body,
            detail={
                "month": month.isoformat(),
                "agency_code": d.agency_code,
                "official_ratio": d.official_ratio,
                "local_ratio": d.local_ratio,
                "diff_ratio": d.diff_ratio,
                "diff_online_share": d.diff_online_share,
                "official_received": d.official_received,
                "local_received": d.local_received,
                "reason_code": d.reason_code,
            },
            agency_code=d.agency_code,
        )
    return queued


# ----------------------------------------------------------------------------- tasks
def month_of(interval_start: datetime) -> tuple[int, int]:
    """(year, month) a monthly run covers, from its data interval start."""
    day = business_day(interval_start)
    return day.year, day.month


def _fail_without_retry(exc: Exception) -> NoReturn:
    """Inside Airflow, fail the task for good (a retry would only ask again too early or
    knock on a door that was just closed); elsewhere re-raise as is."""
    try:
        from airflow.sdk.exceptions import AirflowFailException
    except ImportError:  # pragma: no cover - Airflow is installed wherever tasks run
        raise exc from None
    raise AirflowFailException(str(exc)) from exc


@contextmanager
def _warehouse() -> Iterator[Engine]:
    from portal_kpi.steps import warehouse

    with warehouse() as engine:
        yield engine


def pull_month(interval_start: datetime, client: DvcqgClient | None = None) -> dict[str, Any]:
    """Task: archive the six groups for the month, its quarter (when the month closes
    one) and the year to date."""
    year, month = month_of(interval_start)
    client = client or DvcqgClient.from_connection()
    with _warehouse() as engine:
        try:
            pulled = pull_periods(engine, client, periods_for_month(year, month))
        except (DvcqgStoppedError, PeriodNotEndedError) as exc:
            _fail_without_retry(exc)
    return {
        "root": client.root_department_id,
        "month": f"{year:04d}-{month:02d}",
        "pulls": [p.to_json() for p in pulled],
        "requests": client.calls,
    }


def load_month(interval_start: datetime, root: str | None = None) -> dict[str, Any]:
    """Task: parse the archived responses of the run's periods into the official tables."""
    year, month = month_of(interval_start)
    root = root or DvcqgClient.from_connection().root_department_id
    with _warehouse() as engine:
        loaded = [load_period(engine, root, p) for p in periods_for_month(year, month)]
    return {"root": root, "loaded": loaded}


def pull_catalogue(client: DvcqgClient | None = None) -> dict[str, Any]:
    """Task: archive and load the national procedure catalogue."""
    client = client or DvcqgClient.from_connection()
    with _warehouse() as engine:
        try:
            pages = client.formalities()
        except DvcqgStoppedError as exc:
            _fail_without_retry(exc)
        archive(engine, pages)
        items = load_catalogue(engine)
    return {"pages": len(pages), "procedures": items}


def reconcile_month(interval_start: datetime, root: str | None = None) -> dict[str, Any]:
    """Task: official vs local for the run's month, and alerts over the tolerance."""
    year, month = month_of(interval_start)
    first = date(year, month, 1)
    root = root or DvcqgClient.from_connection().root_department_id
    tolerance = tolerance_from_env()
    with _warehouse() as engine:
        rows = reconcile(engine, root, first, tolerance)
        queued = queue_alerts(engine, root, first, rows)
    reasons: dict[str, int] = {}
    for r in rows:
        if r.reason_code:
            reasons[r.reason_code] = reasons.get(r.reason_code, 0) + 1
    return {
        "month": first.isoformat(),
        "rows": len(rows),
        "over_tolerance": sum(r.exceeds_tolerance for r in rows),
        "reasons": reasons,
        "alerts_queued": queued,
    }


def run_month(interval_start: datetime, client: DvcqgClient | None = None) -> dict[str, Any]:
    """Everything for one month in order (CLI and demo): pull, load, catalogue, reconcile."""
    client = client or DvcqgClient.from_connection()
    pulled = pull_month(interval_start, client)
    loaded = load_month(interval_start, client.root_department_id)
    catalogue = pull_catalogue(client)
    reconciled = reconcile_month(interval_start, client.root_department_id)
    return {"pull": pulled, "load": loaded, "catalogue": catalogue, "reconcile": reconciled}
