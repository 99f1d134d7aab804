"""The province's recipient list (CSV or XLSX) into ``ops.recipient``, validated first.

Columns (header row, any order): ``name``, ``channel`` (email, webhook, telegram),
``address``, and optionally ``agencies`` (agency codes separated by ``;``), ``level``
(PROVINCE or COMMUNE), ``kinds`` (alert kinds separated by ``;``; empty = all) and
``active`` (yes/no). A file with any bad row loads nothing; each error names its row."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine

from portal_kpi.alerts.kinds import AlertKind
from portal_kpi.db import run_sql

COLUMNS = ("name", "channel", "address", "agencies", "level", "kinds", "active")
REQUIRED = ("name", "channel", "address")
CHANNELS = ("email", "webhook", "telegram")
LEVELS = ("PROVINCE", "COMMUNE")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
TELEGRAM_CHAT = re.compile(r"^(-?\d{5,20}|@[A-Za-z][A-Za-z0-9_]{4,31}|default)$")
WEBHOOK_PATH = re.compile(r"^(default|/[A-Za-z0-9._~/%-]*)$")
YES = {"", "1", "yes", "y", "true", "có", "x"}
NO = {"0", "no", "n", "false", "không"}


class RecipientFileError(ValueError):
    """The list has bad rows; ``errors`` names each one."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RecipientRow:
    row: int  # line in the file (the header is row 1)
    name: str
    channel: str
    address: str
    agency_codes: tuple[str, ...] | None
    agency_level: str | None
    kinds: tuple[str, ...] | None
    active: bool


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's data rows as lower-cased column → text (CSV in UTF-8, or XLSX's first sheet)."""
    if path.suffix.lower() == ".xlsx":
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = [
            ["" if c is None else str(c).strip() for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            values = [[c.strip() for c in row] for row in csv.reader(handle)]
    else:
        raise RecipientFileError([f"{path.name}: not a .csv or .xlsx file"])
    if not values:
        raise RecipientFileError([f"{path.name}: empty file"])
    header = [h.lower() for h in values[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RecipientFileError([f"row 1: missing column(s) {', '.join(missing)}"])
    return [dict(zip(header, row, strict=False)) for row in values[1:]]


def _split(text: str) -> tuple[str, ...] | None:
    parts = tuple(p.strip() for p in re.split(r"[;,]", text) if p.strip())
    return parts or None


def _address_error(channel: str, address: str) -> str | None:
    if channel == "email":
        bad = [a for a in (p.strip() for p in address.split(",")) if not EMAIL.match(a)]
        return f"bad e-mail address {', '.join(bad) or address!r}" if bad or not address else None
    if channel == "telegram" and not TELEGRAM_CHAT.match(address):
        return f"bad Telegram chat id {address!r} (a number, @channel or default)"
    if channel == "webhook" and not WEBHOOK_PATH.match(address):
        return f"bad webhook address {address!r} (default or a /path)"
    return None


def validate(
    rows: Iterable[Mapping[str, str]], known_agencies: set[str] | None = None
) -> list[RecipientRow]:
    """Check every row; raises RecipientFileError naming each bad row (nothing loads)."""
    kinds_known = {k.value for k in AlertKind}
    good: list[RecipientRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for n, raw in enumerate(rows, start=2):
        cell = {c: str(raw.get(c) or "").strip() for c in COLUMNS}
        if not any(cell.values()):
            continue
        problems = [f"{c} is empty" for c in REQUIRED if not cell[c]]
        channel = cell["channel"].lower()
        if channel and channel not in CHANNELS:
            problems.append(f"channel {cell['channel']!r} is not one of {', '.join(CHANNELS)}")
        elif channel and cell["address"]:
            problem = _address_error(channel, cell["address"])
            if problem:
                problems.append(problem)
        agencies = _split(cell["agencies"])
        unknown = [a for a in agencies or () if known_agencies and a not in known_agencies]
        if unknown:
            problems.append(f"unknown agency code(s) {', '.join(unknown)}")
        level = cell["level"].upper() or None
        if level and level not in LEVELS:
            problems.append(f"level {cell['level']!r} is not PROVINCE or COMMUNE")
        kinds = _split(cell["kinds"])
        bad_kinds = [k for k in kinds or () if k not in kinds_known]
        if bad_kinds:
            problems.append(f"unknown kind(s) {', '.join(bad_kinds)}")
        active = cell["active"].lower()
        if active not in YES | NO:
            problems.append(f"active {cell['active']!r} is not yes or no")
        key = (channel, cell["address"])
        if key in seen:
            problems.append(f"same {channel} address as row {seen[key]}")
        seen.setdefault(key, n)
        if problems:
            errors.append(f"row {n}: " + "; ".join(problems))
            continue
        good.append(
            RecipientRow(n, cell["name"], channel, cell["address"], agencies, level, kinds,
                         active not in NO)
        )  # fmt: skip
    if errors:
        raise RecipientFileError(errors)
    return good


def import_file(engine: Engine, path: Path) -> tuple[int, int]:
    """Validate ``path`` against the agency catalogue and upsert it by (channel, address)
    in one transaction; returns (inserted, updated)."""
    rows = read_rows(path)
    with engine.begin() as conn:
        known = {r.code for r in run_sql(conn, "alerts/known_agencies.sql")}
        checked = validate(rows, known or None)
        inserted = 0
        for r in checked:
            inserted += bool(
                run_sql(
                    conn,
                    "alerts/upsert_recipient.sql",
                    recipient_name=r.name,
                    channel=r.channel,
                    address=r.address,
                    agency_codes=list(r.agency_codes) if r.agency_codes else None,
                    agency_level=r.agency_level,
                    kinds=list(r.kinds) if r.kinds else None,
                    active=r.active,
                ).scalar_one()
            )
    return inserted, len(checked) - inserted
