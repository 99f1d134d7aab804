"""Early-warning sections and data-quality findings as templates show them (formatted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal_kpi.alerts.labels import fmt_day, fmt_number
from portal_kpi.alerts.sections import EarlyWarning, Finding, WarningLine
from portal_kpi.config import LOCAL_TZ

CHANNELS = {1: ("trực tiếp", "in person"), 2: ("trực tuyến", "online"), 3: ("bưu chính", "by post")}
SHORT = 60


def _short(text: str | None) -> str:
    if not text:
        return ""
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


def line_view(line: WarningLine) -> dict[str, Any]:
    left = line.working_days_left
    vi_channel, en_channel = CHANNELS.get(line.channel, (f"kênh {line.channel}", "?"))
    return {
        "category": line.category,
        "dossier_code": line.dossier_code,
        "procedure": f"{line.procedure_code} {_short(line.procedure_name)}".strip(),
        "channel_vi": vi_channel,
        "channel_en": en_channel,
        "due": fmt_day(line.due_day),
        "finished": fmt_day(line.finished_day) if line.finished_day else None,
        "left": None if left is None else fmt_number(abs(left)),
        "overdue": left is not None and left < 0,
        "due_today": left == 0,
        "supplements": line.supplement_count,
        "has_apology": line.has_apology,
        "apology_owed": line.apology_owed,
    }


def warning_view(w: EarlyWarning, max_lines: int) -> dict[str, Any]:
    c = w.counts
    return {
        "agency": w.agency_name or w.agency_code,
        "agency_code": w.agency_code,
        "overdue": fmt_number(c.get("overdue", 0)),
        "due_soon": fmt_number(c.get("due_soon", 0)),
        "apology_owed": fmt_number(c.get("apology_owed", 0)),
        "apology_late": fmt_number(c.get("apology_late", 0)),
        "paused": fmt_number(c.get("paused", 0)),
        "lines": [line_view(ln) for ln in w.lines[:max_lines]],
        "listed": fmt_number(min(max_lines, len(w.lines))),
        "total": fmt_number(len(w.lines)),
        "more": max(0, len(w.lines) - max_lines) if max_lines else 0,
    }


def _local(text: Any) -> str | None:
    if not text:
        return None
    moment = datetime.fromisoformat(str(text)).astimezone(ZoneInfo(LOCAL_TZ))
    return f"{moment:%H:%M} {fmt_day(moment.date())}"


def finding_view(f: Finding) -> dict[str, Any]:
    d = f.detail
    return {
        "kind": f.kind,
        "day": fmt_day(datetime.fromisoformat(str(d["day"])).date()) if d.get("day") else None,
        "versions": fmt_number(d.get("versions", 0)),
        "median": fmt_number(d.get("median_same_weekday_4w", 0)),
        "last_loaded": _local(d.get("last_loaded_at")),
        "hours": None if d.get("hours_since") is None else fmt_number(d["hours_since"], 1),
        "watermark": fmt_day(datetime.fromisoformat(str(d["watermark"])).date())
        if d.get("watermark")
        else None,
    }
