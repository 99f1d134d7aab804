"""The register's row rules (GX Core) and their readable reasons."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from portal_kpi.iso9001.register import (
    CELL_RULES,
    COUNT_COLUMNS,
    DATE_COLUMNS,
    REGISTER_COLUMNS,
)
from portal_kpi.quality.gx import Settings, run_expectations

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


SUITE = "iso9001_register_contract"


INSPECTION_RESULTS = ("Đạt", "Không đạt")


STANDARD_REGEX = r"^(?:TCVN ?)?ISO ?9001 ?: ?(?:2000|2008|2015)$"


DATE_REGEX = r"^\d{2}/\d{2}/\d{4}$"


REASONS = {
    "cell_nul": "the cell holds a NUL character (not stored)",
    "cell_size": "the cell is longer than 128 KB (not stored)",
    "required": "thiếu giá trị bắt buộc / a required value is empty",
    "unique": "mã đơn vị xuất hiện nhiều lần / the agency appears on more than one row",
    "agency_known": (
        "mã đơn vị không có hiệu lực trong danh mục vào ngày nhận sổ / "
        "agency code not valid in the agency catalogue on the register day"
    ),
    "date_format": "ngày không theo dạng dd/mm/yyyy / date not written dd/mm/yyyy",
    "date_valid": "ngày không có thật / date does not exist on the calendar",
    "date_not_in_future": "ngày sau ngày nhận sổ / date after the day the register was received",
    "count_integer": "số lượng không phải số nguyên không âm / count is not a non-negative integer",
    "standard_recognised": (
        "tiêu chuẩn không nhận diện được (vd. TCVN ISO 9001:2015) / "
        "standard not recognised (e.g. TCVN ISO 9001:2015)"
    ),
    "code_set": "giá trị ngoài danh mục (Đạt, Không đạt) / value outside Đạt, Không đạt",
}


def register_frame(
    rows: list[dict[str, Any]], known_agencies: set[str], register_day: date
) -> pd.DataFrame:
    """Register rows plus the derived columns the row rules look at."""

    frame = pd.DataFrame.from_records(rows, columns=["seq", *REGISTER_COLUMNS])
    frame = frame.astype({c: object for c in REGISTER_COLUMNS})
    for col in DATE_COLUMNS:
        parsed = pd.to_datetime(frame[col], format="%d/%m/%Y", errors="coerce")
        shaped = frame[col].astype("string").str.fullmatch(DATE_REGEX).fillna(False).astype(bool)
        frame[f"{col}__ts"] = parsed
        frame[f"{col}__real"] = ~(shaped & parsed.isna())
    frame["TieuChuan__norm"] = [
        " ".join(v.upper().split()) if isinstance(v, str) else None for v in frame["TieuChuan"]
    ]
    frame["agency_known"] = [v is None or v in known_agencies for v in frame["MaDonVi"]]
    log.debug("register frame for %s: %d rows", register_day, len(frame))
    return frame


def register_expectations(register_day: date) -> list[Any]:
    """Named GX expectations for register rows; ``meta.rule`` is the rule's name."""
    import great_expectations.expectations as gxe  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it

    rules: list[Any] = []

    def add(rule: str, expectation: Any) -> None:
        expectation.meta = {"rule": rule}
        rules.append(expectation)

    latest = datetime(register_day.year, register_day.month, register_day.day)
    add("required:MaDonVi", gxe.ExpectColumnValuesToNotBeNull(column="MaDonVi"))
    add("unique:MaDonVi", gxe.ExpectColumnValuesToBeUnique(column="MaDonVi"))
    add("agency_known", gxe.ExpectColumnValuesToBeInSet(column="agency_known", value_set=[True]))
    for col in DATE_COLUMNS:
        add(f"date_format:{col}", gxe.ExpectColumnValuesToMatchRegex(column=col, regex=DATE_REGEX))
        add(
            f"date_valid:{col}",
            gxe.ExpectColumnValuesToBeInSet(column=f"{col}__real", value_set=[True]),
        )
        add(
            f"date_not_in_future:{col}",
            gxe.ExpectColumnValuesToBeBetween(column=f"{col}__ts", max_value=latest),
        )
    for col in COUNT_COLUMNS:
        add(
            f"count_integer:{col}",
            gxe.ExpectColumnValuesToMatchRegex(column=col, regex=r"^\d{1,9}$"),
        )
    add(
        "standard_recognised",
        gxe.ExpectColumnValuesToMatchRegex(column="TieuChuan__norm", regex=STANDARD_REGEX),
    )
    add(
        "code_set:KetQuaKiemTra",
        gxe.ExpectColumnValuesToBeInSet(column="KetQuaKiemTra", value_set=list(INSPECTION_RESULTS)),
    )
    return rules


def reason(rule: str) -> str:
    base, _, col = rule.partition(":")
    text_ = REASONS.get(base, base)
    return f"{text_} ({col})" if col else text_


def validate_rows(
    rows: list[dict[str, Any]], known_agencies: set[str], register_day: date
) -> tuple[dict[int, list[str]], dict[str, int], int]:
    """Rules broken per row ``seq``, rows failing per rule, and the number of expectations."""

    expectations = register_expectations(register_day)
    cells = {r["seq"]: r.pop(CELL_RULES) for r in rows if CELL_RULES in r}
    if not rows:
        return {}, {}, len(expectations)
    frame = register_frame(rows, known_agencies, register_day)
    # One suite name per register day: GX Core 1.24 keeps running the expectations a
    # suite name was first given in this process when only their bounds change.
    suite = f"{SUITE}_{register_day:%Y%m%d}"
    broken, failures, docs = run_expectations(
        frame, expectations, suite, Settings.from_env().data_docs_dir
    )
    if docs:
        log.info("GX Data Docs for the ISO 9001 register: %s", docs)
    for seq, rules in cells.items():  # malformed cells (register.py) quarantine their row
        broken.setdefault(seq, []).extend(rules)
        for rule in rules:
            failures[rule] = failures.get(rule, 0) + 1
    return broken, failures, len(expectations)
