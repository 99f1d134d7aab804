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
one transaction. :func:`queue_digests` then queues one message per agency with anything
overdue, due soon or apology-related through the alert outbox. See docs/due-soon.md.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from portal_kpi.alerts.outbox import enqueue
from portal_kpi.calendar import ensure_calendar
from portal_kpi.db import run_sql

log = logging.getLogger(__name__)

KIND = "due_soon"
DIGEST_CAP = 20
CATEGORIES = ("overdue", "due_soon", "paused", "apology_owed", "apology_late")
LISTED = ("overdue", "due_soon", "apology_late")  # lines of a digest; paused is only counted
VIEWS = "kpi.due_soon_latest, kpi.apology_watch_latest"
CHANNELS = {1: "trực tiếp", 2: "trực tuyến", 3: "bưu chính"}


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
class Line:
    category: str
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
class Digest:
    day: date
    agency_code: str
    agency_name: str | None
    lines: list[Line] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def listed(self) -> list[Line]:
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
            line = Line(
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


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _short(text: str | None, width: int = 60) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _when(line: Line) -> str:
    left = line.working_days_left
    if line.category == "apology_late" and line.finished_day is not None:
        late = f", trễ {-left} ngày làm việc" if left is not None and left < 0 else ""
        return f"hẹn trả {_vn(line.due_day)}, trả ngày {_vn(line.finished_day)}{late}"
    if left is None:
        return f"hẹn trả {_vn(line.due_day)}"
    if left > 0:
        return f"hẹn trả {_vn(line.due_day)}, còn {left} ngày làm việc"
    if left == 0:
        return f"hẹn trả {_vn(line.due_day)}, đã hết hạn"
    return f"hẹn trả {_vn(line.due_day)}, quá hạn {-left} ngày làm việc"


def _line_text(n: int, line: Line) -> str:
    parts = [
        line.dossier_code,
        f"{line.procedure_code} {_short(line.procedure_name)}".strip(),
        CHANNELS.get(line.channel, f"kênh {line.channel}"),
        _when(line),
    ]
    if line.supplement_count:
        parts.append(f"bổ sung {line.supplement_count} lần")
    if line.category == "apology_late":
        parts.append("thư xin lỗi sau hạn" if line.has_apology else "không có thư xin lỗi")
    elif line.apology_owed:
        parts.append("CẦN PHIẾU XIN LỖI")
    elif line.has_apology:
        parts.append("đã có thư xin lỗi")
    return f"{n}. " + " · ".join(parts)


def render(digest: Digest, cap: int = DIGEST_CAP) -> tuple[str, str, dict[str, Any]]:
    """(subject, body, detail) of one agency's digest: Vietnamese, with one English line."""
    c, day, agency = digest.counts, digest.day, digest.agency_code
    who = f"{digest.agency_name} ({agency})" if digest.agency_name else agency
    listed = digest.listed
    subject = (
        f"[Cảnh báo sớm] {agency} ngày {_vn(day)}: {c['overdue']} quá hạn, "
        f"{c['due_soon']} sắp đến hạn, {c['apology_owed'] + c['apology_late']} về thư xin lỗi"
    )
    lines = [
        f"Cảnh báo sớm hồ sơ ngày {_vn(day)} – {who}",
        (
            f"English: early warning for {day.isoformat()}, agency {agency}: "
            f"{c['overdue']} overdue, {c['due_soon']} due within 2 working days, "
            f"{c['apology_owed']} apology letters owed, {c['apology_late']} resolved late "
            f"without a timely apology, {c['paused']} paused; full lists in {VIEWS}."
        ),
        "",
        f"- Quá hạn, không còn kịp trả đúng hạn: {c['overdue']}",
        f"- Sắp đến hạn (ngày làm việc thứ nhất hoặc thứ hai tới): {c['due_soon']}",
        f"- Cần lập phiếu xin lỗi và hẹn lại ngày trả: {c['apology_owed']}",
        f"- Đã trả trễ hạn hôm nay, không có thư xin lỗi trước hạn: {c['apology_late']}",
        f"- Đang tạm dừng (bổ sung, nghĩa vụ tài chính, dừng xử lý; không tính quá hạn): "
        f"{c['paused']}",
        "",
        f"Danh sách ({min(cap, len(listed))}/{len(listed)} hồ sơ):",
    ]
    lines += [_line_text(i, ln) for i, ln in enumerate(listed[:cap], start=1)]
    rest = len(listed) - cap
    if rest > 0 or c["paused"]:
        more = f"… và {rest} hồ sơ khác. " if rest > 0 else ""
        lines += [
            "",
            f"{more}Xem đầy đủ (kể cả hồ sơ tạm dừng) trong {VIEWS} "
            f"(as_of = '{day.isoformat()}', agency_code = '{agency}').",
        ]
    detail = {
        "as_of": day.isoformat(),
        "agency_code": agency,
        "agency_name": digest.agency_name,
        "counts": {k: int(c[k]) for k in CATEGORIES},
        "total": len(listed),
        "listed": [ln.dossier_code for ln in listed[:cap]],
        "views": VIEWS,
    }
    return subject, "\n".join(lines), detail


def queue_digests(engine: Engine, day: date, cap: int = DIGEST_CAP) -> int:
    """Queue the digests of run day ``day`` (after :func:`refresh`); returns outbox rows
    queued. Idempotent: the dedupe key ``"{day}:{agency}"`` is queued once per recipient."""
    queued = 0
    found = digests(engine, day)
    for digest in found:
        subject, body, detail = render(digest, cap)
        queued += enqueue(
            engine,
            kind=KIND,
            dedupe_key=f"{day.isoformat()}:{digest.agency_code}",
            subject=subject,
            body=body,
            detail=detail,
            agency_code=digest.agency_code,
        )
    log.info("early-warning digests for %s: %d agencies, %d queued", day, len(found), queued)
    return queued
