"""Reading the DOST ISO 9001 register: a file, a folder holding it, or an HTTP(S) URL;
``.xlsx`` or the same columns as UTF-8 ``.csv``."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import unicodedata
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from openpyxl import load_workbook

from portal_kpi.config import ConfigError

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)

SOURCE_ENV = "PORTAL_KPI_ISO9001_SOURCE"


REGISTER_COLUMNS = (
    "MaDonVi", "TenDonVi", "SoQuyetDinhCongBo", "NgayCongBo", "TieuChuan", "SoTTHCApDung",
    "TongSoTTHC", "NgayDanhGiaNoiBo", "NgayXemXetLanhDao", "NgayCapNhatHeThong",
    "NgayKiemTra", "KetQuaKiemTra",
)  # fmt: skip


DATE_COLUMNS = (
    "NgayCongBo", "NgayDanhGiaNoiBo", "NgayXemXetLanhDao", "NgayCapNhatHeThong", "NgayKiemTra",
)  # fmt: skip


COUNT_COLUMNS = ("SoTTHCApDung", "TongSoTTHC")


class RegisterFormatError(ValueError):
    """The file is not a readable register (format, encoding or header)."""


@dataclass(frozen=True)
class RegisterFile:
    """One read of the register: where from, its name, and its bytes."""

    source: str
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def file_format(self) -> str:
        """``xlsx`` (a zip container) or ``csv``, told by the bytes, not the name."""
        return "xlsx" if self.content[:4] == b"PK\x03\x04" else "csv"


def source_from_env() -> str:
    source = os.environ.get(SOURCE_ENV, "").strip()
    if not source:
        raise ConfigError(
            f"{SOURCE_ENV} is not set: give the register's file, folder or HTTP(S) URL"
        )
    return source


def _newest_in_folder(folder: Path) -> Path:
    candidates = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith("~$")
    ]
    if not candidates:
        raise FileNotFoundError(f"no .xlsx or .csv register in {folder}")
    return max(candidates, key=lambda p: (p.stat().st_mtime, p.name))


def read_source(source: str, timeout: float = 60.0) -> RegisterFile:
    """Read the register's bytes from a local file, a folder (its newest ``.xlsx``/``.csv``)
    or an HTTP(S) URL."""
    if source.lower().startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": "portal-kpi/iso9001"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
        name = PurePosixPath(urlsplit(source).path).name or "register"
    else:
        path = Path(source).expanduser()
        if path.is_dir():
            path = _newest_in_folder(path)
        content = path.read_bytes()
        name = path.name
    log.info("read ISO 9001 register %s from %s (%d bytes)", name, source, len(content))
    return RegisterFile(source=source, name=name, content=content)


MAX_CELL_CHARS = 128 * 1024
CSV_FIELD_LIMIT = 64 * 1024 * 1024
CELL_RULES = "_cell_rules"  # a parsed row's rules broken by malformed cells


def _cell_text(value: Any) -> str | None:
    """A cell as the text the register means: dates as dd/mm/yyyy, whole numbers without a
    decimal part, strings trimmed and in Unicode NFC; empty gives None."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text_ = unicodedata.normalize("NFC", str(value)).strip()
    return text_ or None


def _rows_from_table(table: list[list[Any]]) -> list[dict[str, Any]]:
    if not table:
        raise RegisterFormatError("the register is empty (no header row)")
    header = [_cell_text(h) or "" for h in table[0]]
    missing = [c for c in REGISTER_COLUMNS if c not in header]
    if missing:
        raise RegisterFormatError(f"header row lacks column(s): {', '.join(missing)}")
    where = {c: header.index(c) for c in REGISTER_COLUMNS}
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        cells = [_cell_text(v) for v in raw]
        if not any(cells):
            continue
        row: dict[str, Any] = {"seq": number}
        rules: list[str] = []
        for column, i in where.items():
            row[column] = _checked_cell(column, cells[i] if i < len(cells) else None, rules)
        if rules:
            row[CELL_RULES] = rules
        rows.append(row)
    return rows


def _checked_cell(column: str, value: str | None, rules: list[str]) -> str | None:
    """A cell with a NUL character or over ``MAX_CELL_CHARS`` is not kept: its row is
    quarantined with ``cell_nul:<column>`` or ``cell_size:<column>``."""
    if value is None:
        return None
    if "\x00" in value:
        rules.append(f"cell_nul:{column}")
        return None
    if len(value) > MAX_CELL_CHARS:
        rules.append(f"cell_size:{column}")
        return None
    return value


def parse_register(content: bytes, file_format: str) -> list[dict[str, Any]]:
    """Rows of the register (first sheet, header in row 1) as text, each with ``seq`` = its
    spreadsheet row number; blank rows are skipped and columns not in the contract ignored."""
    if file_format == "xlsx":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RegisterFormatError(f"not a readable .xlsx file: {exc}") from exc
        try:
            table = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    elif file_format == "csv":
        try:
            decoded = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RegisterFormatError(f"the .csv register is not UTF-8: {exc}") from exc
        # a cell over the csv module's default 128 KB limit is read, then quarantined
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        table = [list(r) for r in csv.reader(io.StringIO(decoded, newline=""))]
    else:
        raise RegisterFormatError(f"unknown register format {file_format!r}")
    return _rows_from_table(table)
