"""Archive DVCQG responses byte for byte and load the parsed official tables.

``raw.dvcqg_response`` keeps every page keyed by (scope, endpoint, period, page); a pull
is written once all its pages arrived and a rerun replaces it. ``kpi.official_score`` and
``kpi.official_counter`` hold what was published per (province, period, group)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from portal_kpi.dates import TZ
from portal_kpi.db import run_sql, run_sql_many
from portal_kpi.official.parse import (
    COUNTER_FIELDS,
    NationalProcedure,
    Parsed,
    parse_evaluation,
    parse_formalities,
)
from portal_kpi.sources.dvcqg import GROUPS, TREE_GROUPS, DvcqgClient, Period, Response

log = logging.getLogger(__name__)


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
            run_sql_many(conn, "official/insert_score.sql", score_params)
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
            run_sql_many(conn, "official/insert_counter.sql", counter_params)
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
