"""KPI breaches as state (``kpi.alert``): judge values against targets, open, extend or
close breaches. The state is the fact; the run's one message per recipient
(:mod:`portal_kpi.alerts.compose`) reports what opened, closed and stays open."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from portal_kpi.alerts.labels import severity
from portal_kpi.config import ConfigError, province_code
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)


# What is judged: "<scope>:<grain>[:<kpi>|<kpi>...]" items, comma separated. Scope is
# ``province``, ``agency`` (every agency but the province) or one agency code.
JUDGE_ENV = "PORTAL_KPI_ALERT_JUDGE"


DEFAULT_JUDGE = "province:day,agency:month"


@dataclass(frozen=True)
class JudgeRule:
    """One line of what is judged: a scope, a grain, optionally some KPIs (None = all
    KPIs that have a target)."""

    scope: str
    grain: str
    kpis: tuple[str, ...] | None = None

    def period(self, day: date) -> date:
        return day if self.grain == "day" else day.replace(day=1)


def parse_rules(text: str) -> list[JudgeRule]:
    """Parse ``"province:day,agency:month:late_count|on_time_rate"``; raises ConfigError."""
    rules = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) not in (2, 3) or parts[1] not in ("day", "month") or not parts[0]:
            raise ConfigError(
                f"{JUDGE_ENV}: {item!r} is not <province|agency|CODE>:<day|month>[:kpi|kpi]"
            )
        kpis = tuple(k for k in parts[2].split("|") if k) if len(parts) == 3 else None
        rules.append(JudgeRule(parts[0], parts[1], kpis or None))
    return rules


def judged_rules() -> list[JudgeRule]:
    return parse_rules(os.environ.get(JUDGE_ENV, DEFAULT_JUDGE))


@dataclass
class JudgeResult:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    extended: int = 0


def judge(
    engine: Engine,
    day: date,
    rules: Sequence[JudgeRule] | None = None,
    province: str | None = None,
) -> JudgeResult:
    """Open, extend or close breaches for the run of local ``day``, in one transaction.

    A NULL value or a KPI without a target is not judged. A rerun of the same day, or of
    an older day, opens and closes nothing new.
    """
    province = province or province_code()
    result = JudgeResult()
    seen: set[tuple[str, str, str, date]] = set()
    with engine.begin() as conn:
        for rule in rules if rules is not None else judged_rules():
            rows = run_sql(
                conn,
                "alerts/judge_candidates.sql",
                grain=rule.grain,
                period=rule.period(day),
                scope=rule.scope,
                province=province,
                kpis=list(rule.kpis) if rule.kpis else None,
            ).all()
            # Per key, the open breach as the walk goes (alert id, opened period, value).
            state: dict[tuple[str, str], tuple[int, date, Any] | None] = {}
            for row in rows:
                mark = (row.kpi, row.agency_code, row.period_grain, row.period_start)
                if mark in seen:  # two rules naming the same key
                    continue
                seen.add(mark)
                key = (row.kpi, row.agency_code)
                if key not in state:
                    state[key] = (
                        (row.alert_id, row.alert_opened_period, row.alert_opened_value)
                        if row.alert_status == "open"
                        else None
                    )
                if row.meets_target is None:
                    continue
                current = state[key]
                sev = severity(row.kpi, row.value, row.target, row.comparator)
                if not row.meets_target:
                    if current is not None:
                        run_sql(
                            conn,
                            "alerts/extend_breach.sql",
                            alert_id=current[0],
                            period=row.period_start,
                            value=row.value,
                            severity=sev,
                        )
                        result.extended += 1
                        continue
                    alert_id = run_sql(
                        conn,
                        "alerts/open_breach.sql",
                        kpi=row.kpi,
                        agency_code=row.agency_code,
                        grain=row.period_grain,
                        severity=sev,
                        period=row.period_start,
                        value=row.value,
                        target=row.target,
                        comparator=row.comparator,
                        day=day,
                    ).scalar_one()
                    state[key] = (alert_id, row.period_start, row.value)
                    result.opened.append(alert_id)
                elif current is not None:
                    run_sql(
                        conn,
                        "alerts/close_breach.sql",
                        alert_id=current[0],
                        period=row.period_start,
                        value=row.value,
                        day=day,
                    )
                    state[key] = None
                    result.closed.append(current[0])
    log.info(
        "breaches on %s: %d opened, %d closed, %d still open and judged again",
        day,
        len(result.opened),
        len(result.closed),
        result.extended,
    )
    return result
