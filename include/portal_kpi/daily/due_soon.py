"""Early warning (issue #8): dossiers about to be late, and apology letters owed.

For a run day D, from the latest known state of each dossier (``core.dossier``) and the
working-day calendar (``core.calendar_day``):

* ``kpi.due_soon``: dossiers in progress at the end of D that are *overdue* (due day on or
  before D: they can no longer be on time), *due_soon* (due on the first or second working
  day after D), or *paused* (status 5, 6, 8 with such a due day: listed apart, never
  overdue, as in form 06);
* ``kpi.apology_watch``: *apology_owed* (in progress, not paused, due on or before the
  first working day after D, no apology letter dated on or before the due day) and
  *apology_late* (resolved late on D, form 06 column 10, with no letter on or before the
  due day);
* ``kpi.due_soon_run``: one row per refreshed day with the list sizes; the views
  ``kpi.due_soon_latest`` and ``kpi.apology_watch_latest`` show its latest day.

Each day is one snapshot (primary key ``(as_of, dossier_code)``); a rerun replaces it in
one transaction. :func:`warnings` turns the stored lists into per-agency sections of the
run's one message per recipient (the alert composer routes each agency's section to that
agency's recipients). See docs/due-soon.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.alerts.sections import EarlyWarning, WarningLine
from portal_kpi.calendar import ensure_calendar
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

CATEGORIES = ("overdue", "due_soon", "paused", "apology_owed", "apology_late")
LISTED = ("overdue", "due_soon", "apology_late")  # lines of a digest; paused is only counted


def _covered(conn: Connection, day: date) -> bool:
    return bool(run_sql(conn, "due_soon/calendar_covers.sql", day=day).scalar())


def refresh(engine: Engine, day: date) -> dict[str, Any]:
    """Rebuild the early-warning lists of run day ``day`` (replacing an earlier run of the
    same day); returns the list sizes and the number of agencies that get a digest. The
    lists of a past day (a later day is loaded) are kept as built: a rerun does not
    rebuild them from the dossiers' later state."""
    with engine.begin() as conn:
        kept = run_sql(conn, "due_soon/kept_run.sql", day=day).mappings().first()
        if kept is not None:
            log.info("early warning for %s kept as built (a later day is loaded)", day)
            return {"as_of": day.isoformat(), "kept": True, **{k: int(v) for k, v in kept.items()}}
        if not _covered(conn, day):
            log.info("working-day calendar does not cover %s: refreshing it", day)
            ensure_calendar(conn, day)
            if not _covered(conn, day):
                raise RuntimeError(f"working-day calendar does not cover {day} and after")
        run_sql(conn, "due_soon/delete_day.sql", day=day)
        row = run_sql(conn, "due_soon/refresh_day.sql", day=day).mappings().one()
        run_sql(conn, "due_soon/analyze.sql")
    counts: dict[str, Any] = {"as_of": day.isoformat()}
    counts.update({k: int(row[k]) for k in (*CATEGORIES, "agencies")})
    log.info("early warning for %s: %s", day, counts)
    return counts


# ---------------------------------------------------------------------------- digests


@dataclass
class Digest:
    day: date
    agency_code: str
    agency_name: str | None
    lines: list[WarningLine] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def listed(self) -> list[WarningLine]:
        return [ln for ln in self.lines if ln.category in LISTED]

    @property
    def has_news(self) -> bool:
        return bool(self.listed)


def digests(engine: Engine, day: date) -> list[Digest]:
    """The digests of run day ``day`` (from the stored lists), one per agency that has
    anything overdue, due soon or apology-related; paused-only agencies get none."""
    by_agency: dict[str, Digest] = {}
    with engine.connect() as conn:
        for r in run_sql(conn, "due_soon/digest_rows.sql", day=day).mappings():
            d = by_agency.get(r["agency_code"])
            if d is None:
                d = by_agency[r["agency_code"]] = Digest(day, r["agency_code"], r["agency_name"])
            line = WarningLine(
                category=r["category"],
                dossier_code=r["dossier_code"],
                procedure_code=r["procedure_code"],
                procedure_name=r["procedure_name"],
                channel=int(r["channel"]),
                due_day=r["due_day"],
                working_days_left=r["working_days_left"],
                supplement_count=int(r["supplement_count"]),
                has_apology=bool(r["has_apology"]),
                apology_owed=bool(r["apology_owed"]),
                finished_day=r["finished_day"],
            )
            d.lines.append(line)
            d.counts[line.category] += 1
            if line.apology_owed:
                d.counts["apology_owed"] += 1
    return [d for d in by_agency.values() if d.has_news]


def warnings(engine: Engine, day: date) -> list[EarlyWarning]:
    """Run day ``day``'s early warnings as sections of the run's message (one per agency
    with anything overdue, due soon or apology-related), for the alert composer."""
    return [
        EarlyWarning(
            day=d.day,
            agency_code=d.agency_code,
            agency_name=d.agency_name,
            counts={k: int(d.counts[k]) for k in CATEGORIES},
            lines=list(d.listed),
        )
        for d in digests(engine, day)
    ]
