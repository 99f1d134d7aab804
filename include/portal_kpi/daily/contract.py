"""The contract rules of staged dossiers and catalogues, as frames and GX expectations.

Rules that span several fields get one derived column naming the fields that break
them, so the suite stays small and the same for every batch."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from portal_kpi.daily.model import AGENCY_FIELDS, PROCEDURE_FIELDS

if TYPE_CHECKING:
    import pandas as pd


TS_FORMAT = "%Y%m%d%H%M%S"


DAY_FORMAT = "%Y%m%d"


EVENT_DATES = (
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayKetThucXuLy",
    "NgayTra",
    "NgayTuChoi",
    "NgayCapNhat",
)


DOSSIER_DATES = (*EVENT_DATES, "NgayHenTra")


REQUIRED = ("MaHoSo", "MaTTHC", "MaDonVi", "KenhThucHien", "TrangThaiHoSo", "NgayCapNhat")


CODE_SETS: dict[str, tuple[str, ...]] = {
    "KenhThucHien": ("1", "2", "3"),
    "TrangThaiHoSo": tuple(str(i) for i in range(1, 11)),
    "MucDo": ("2", "3", "4"),
    "LoaiDoiTuong": ("1", "2", "3", "4"),
    "HinhThuc": ("0", "1"),
    "DuocThanhToanTrucTuyen": ("0", "1", "3"),  # cast to smallint at publish
    "HoSoCoThanhPhanSoHoa": ("0", "1"),
}

# A due date further than this after receipt (or submission) is not plausible.
MAX_DUE_YEARS = 5


EARLIEST = datetime(2000, 1, 1)


RECEIVED_STATUSES = ("2", "4", "5", "6", "7", "8", "9", "10")


JSON_LIST_FIELDS = ("DanhSachHoSoBoSung", "DanhSachXinLoi", "CoQuanThucHien")


CATALOGUE_RULES = frozenset({"agency_in_catalogue", "procedure_in_catalogue"})


def _frame(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> pd.DataFrame:

    frame = pd.DataFrame.from_records(rows, columns=["seq", *fields])
    for col in fields:
        frame[col] = frame[col].astype(object).where(frame[col].notna() & (frame[col] != ""), None)
    return frame


def _add_date_columns(frame: pd.DataFrame, col: str, fmt: str, shape: str) -> None:
    """``<col>__ts``: the parsed value (NaT when empty or malformed); ``<col>__real``:
    false only for a value of the right shape that is not a calendar date."""

    parsed = pd.to_datetime(frame[col], format=fmt, errors="coerce")
    shaped = frame[col].astype("string").str.fullmatch(shape).fillna(False).astype(bool)
    frame[f"{col}__ts"] = parsed
    frame[f"{col}__real"] = ~(shaped & parsed.isna())


def _failing_fields(masks: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Per row, the comma-joined names whose mask is true (None when none is)."""

    names = list(masks)
    matrix = np.column_stack([m.fillna(False).to_numpy(dtype=bool) for m in masks.values()])
    out = np.full(len(index), None, dtype=object)
    for row in np.flatnonzero(matrix.any(axis=1)):
        out[row] = ",".join(names[j] for j in np.flatnonzero(matrix[row]))
    return pd.Series(out, index=index, dtype=object)


def dossier_frame(
    raw: pd.DataFrame,
    agencies: list[tuple[str, date, date | None]],
    procedure_codes: set[str],
    window_from: datetime | None,
    window_to: datetime,
) -> pd.DataFrame:
    """The columns the dossier rules look at, one row per distinct staged record.

    Rules that span several fields (required fields, code sets, each date rule, date
    order) get one derived column naming the fields that break them, so the suite stays
    small and the same for every batch (GX builds it once per process)."""

    # Exact copies of one version (a listing may repeat a record across pages) are one row.
    raw = raw.drop_duplicates(subset=["digest"], keep="first")
    idx = raw.index
    out = raw[["seq", "MaHoSo", "NgayCapNhat"]].copy()
    out["missing_required"] = _failing_fields({c: raw[c].isna() for c in REQUIRED}, idx)
    out["bad_code"] = _failing_fields(
        {c: raw[c].notna() & ~raw[c].isin(v) for c, v in CODE_SETS.items()}, idx
    )
    ts: dict[str, pd.Series] = {}
    shaped: dict[str, pd.Series] = {}
    for col in DOSSIER_DATES:
        ts[col] = pd.to_datetime(raw[col], format=TS_FORMAT, errors="coerce")
        shaped[col] = raw[f"{col}__shaped"].astype(bool)
    out["bad_date_format"] = _failing_fields(
        {c: raw[c].notna() & ~shaped[c] for c in DOSSIER_DATES}, idx
    )
    out["bad_date_valid"] = _failing_fields(
        {c: shaped[c] & ts[c].isna() for c in DOSSIER_DATES}, idx
    )
    out["bad_date_before_2000"] = _failing_fields({c: ts[c] < EARLIEST for c in DOSSIER_DATES}, idx)
    out["bad_date_after_window"] = _failing_fields(
        {c: ts[c] >= window_to for c in EVENT_DATES}, idx
    )
    order = {
        "NgayNopHoSo<=NgayTiepNhan": ts["NgayNopHoSo"] > ts["NgayTiepNhan"],
        "NgayTiepNhan<=NgayKetThucXuLy": ts["NgayTiepNhan"] > ts["NgayKetThucXuLy"],
        "NgayTiepNhan<=NgayHenTra": ts["NgayTiepNhan"] > ts["NgayHenTra"],
    }
    out["bad_order"] = _failing_fields(order, idx)
    updated = ts["NgayCapNhat"]
    in_window = updated.isna() | (updated < window_to)
    if window_from is not None:
        in_window &= updated.isna() | (updated >= window_from)
    out["updated_in_window"] = in_window
    status = raw["TrangThaiHoSo"]
    out["closed_has_end"] = ~(status.isin(["7", "9", "10"]) & raw["NgayKetThucXuLy"].isna())
    out["received_has_date"] = ~(status.isin(RECEIVED_STATUSES) & raw["NgayTiepNhan"].isna())
    out["lists_are_lists"] = raw["lists_are_lists"].astype(bool)
    for column in ("bad_item_dates", "bad_text_size", "bad_value_shape", "bad_item_object"):
        out[column] = raw[column].astype(object).where(raw[column].notna(), None)
    out["is_object"] = raw["is_object"].astype(bool)
    base = ts["NgayTiepNhan"].fillna(ts["NgayNopHoSo"]).fillna(updated)
    due = ts["NgayHenTra"]
    out["due_plausible"] = ~(due.notna() & (due > base + pd.DateOffset(years=MAX_DUE_YEARS)))
    national = raw["MaTTHC__national"]
    out["procedure_in_catalogue"] = national.isin(procedure_codes) | raw["MaTTHC"].isna()
    out["agency_in_catalogue"] = _agency_valid(raw["MaDonVi"], updated, agencies)
    return out


def _list_text(column: pd.Series) -> pd.Series:
    """A staged JSON value that is an array (or absent)."""
    return column.isna() | column.astype("string").str.lstrip().str.startswith("[").fillna(False)


def _agency_valid(
    codes: pd.Series, updated: pd.Series, agencies: list[tuple[str, date, date | None]]
) -> pd.Series:
    """MaDonVi valid in the agency catalogue on the local day of NgayCapNhat (rows
    without either are named by other rules)."""

    keys = pd.DataFrame({"code": codes, "day": updated.dt.normalize()}, index=codes.index)
    keys["row"] = range(len(keys))
    catalogue = pd.DataFrame(agencies, columns=["code", "start", "end"])
    catalogue["start"] = pd.to_datetime(catalogue["start"])
    catalogue["end"] = pd.to_datetime(catalogue["end"]).fillna(pd.Timestamp.max)
    joined = keys.merge(catalogue, on="code", how="inner")
    hit = joined[(joined["start"] <= joined["day"]) & (joined["day"] <= joined["end"])]["row"]
    valid = pd.Series(False, index=codes.index)
    valid.iloc[sorted(set(hit))] = True
    return valid | codes.isna() | keys["day"].isna()


# A rule whose derived column names fields expands to one rule per field ("family:field").
EXPANDED = {
    "required": "missing_required",
    "code_set": "bad_code",
    "date_format": "bad_date_format",
    "date_valid": "bad_date_valid",
    "date_not_before_2000": "bad_date_before_2000",
    "date_not_after_window": "bad_date_after_window",
    "order": "bad_order",
    "item_date_valid": "bad_item_dates",
    "text_size": "bad_text_size",
    "value_shape": "bad_value_shape",
    "item_object": "bad_item_object",
}


def dossier_expectations() -> list[Any]:
    import great_expectations.expectations as gxe  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it

    rules: list[Any] = []

    def add(rule: str, expectation: Any, fields_column: str | None = None) -> None:
        expectation.meta = {"rule": rule}
        if fields_column:  # the column names the fields: one rule per field
            expectation.meta["fields_column"] = fields_column
        rules.append(expectation)

    for family, column in EXPANDED.items():
        add(family, gxe.ExpectColumnValuesToBeNull(column=column), column)
    for rule, column in (
        ("updated_in_window", "updated_in_window"),
        ("closed_has_NgayKetThucXuLy", "closed_has_end"),
        ("received_has_NgayTiepNhan", "received_has_date"),
        ("lists_are_arrays", "lists_are_lists"),
        ("record_object", "is_object"),
        ("due_date_plausible", "due_plausible"),
        ("agency_in_catalogue", "agency_in_catalogue"),
        ("procedure_in_catalogue", "procedure_in_catalogue"),
    ):
        add(rule, gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True]))
    add(
        "unique_version", gxe.ExpectCompoundColumnsToBeUnique(column_list=["MaHoSo", "NgayCapNhat"])
    )
    return rules


def catalogue_expectations(kind: str) -> list[Any]:
    import great_expectations.expectations as gxe  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it

    rules: list[Any] = []

    def add(rule: str, expectation: Any) -> None:
        expectation.meta = {"rule": rule}
        rules.append(expectation)

    key = "MaDonVi" if kind == "agencies" else "MaTTHC"
    required = (
        ("MaDonVi", "TenDonVi", "Cap", "HieuLucTu")
        if kind == "agencies"
        else ("MaTTHC", "TenTTHC", "MucDo", "CoPhiLePhi", "HieuLucTu")
    )
    for col in required:
        add(f"required:{col}", gxe.ExpectColumnValuesToNotBeNull(column=col))
    for col in ("HieuLucTu", "HieuLucDen"):
        add(f"date_format:{col}", gxe.ExpectColumnValuesToMatchRegex(column=col, regex=r"^\d{8}$"))
        add(
            f"date_valid:{col}",
            gxe.ExpectColumnValuesToBeInSet(column=f"{col}__real", value_set=[True]),
        )
        add(
            f"date_not_before_2000:{col}",
            gxe.ExpectColumnValuesToBeBetween(column=f"{col}__ts", min_value=EARLIEST),
        )
    add(
        "order:HieuLucTu<=HieuLucDen",
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="HieuLucDen__ts",
            column_B="HieuLucTu__ts",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    )
    add("unique_code_version", gxe.ExpectCompoundColumnsToBeUnique(column_list=[key, "HieuLucTu"]))
    add("record_shape", gxe.ExpectColumnValuesToBeInSet(column="scrub_ok", value_set=[True]))
    if kind == "agencies":
        add(
            "code_set:Cap",
            gxe.ExpectColumnValuesToBeInSet(column="Cap", value_set=["PROVINCE", "COMMUNE"]),
        )
        add(
            "code_format:MaDonVi",
            gxe.ExpectColumnValuesToMatchRegex(column="MaDonVi", regex=r"^[A-Z]\d{2}(\.\d{2,3})?$"),
        )
    else:
        add(
            "code_set:MucDo",
            gxe.ExpectColumnValuesToBeInSet(column="MucDo", value_set=["2", "3", "4"]),
        )
        add(
            "code_format:MaTTHC",
            gxe.ExpectColumnValuesToMatchRegex(column="MaTTHC", regex=r"^\d\.\d{6}$"),
        )
        add(
            "code_set:CoPhiLePhi",
            gxe.ExpectColumnValuesToBeInSet(column="CoPhiLePhi", value_set=["0", "1"]),
        )
        add(
            "lists_are_arrays",
            gxe.ExpectColumnValuesToBeInSet(column="lists_are_lists", value_set=[True]),
        )
        add(
            "date_format:CapNhatLuc",
            gxe.ExpectColumnValuesToMatchRegex(column="CapNhatLuc", regex=r"^\d{14}$"),
        )
        add(
            "date_valid:CapNhatLuc",
            gxe.ExpectColumnValuesToBeInSet(column="CapNhatLuc__real", value_set=[True]),
        )
    return rules


def catalogue_frame(rows: list[dict[str, Any]], kind: str) -> pd.DataFrame:
    frame = _frame(rows, AGENCY_FIELDS if kind == "agencies" else PROCEDURE_FIELDS)
    for col in ("HieuLucTu", "HieuLucDen"):
        _add_date_columns(frame, col, DAY_FORMAT, r"\d{8}")
    frame["scrub_ok"] = [r.get("scrub_notes") is None for r in rows]
    if kind == "procedures":
        frame["lists_are_lists"] = _list_text(frame["CoQuanThucHien"])
        _add_date_columns(frame, "CapNhatLuc", TS_FORMAT, r"\d{14}")
    return frame


REASONS = {
    "required": "a required field is empty",
    "code_set": "value outside the allowed code set",
    "code_format": "code does not have the expected form",
    "date_format": "date is not in the expected digits-only form",
    "date_valid": "date does not exist on the calendar",
    "date_not_before_2000": "date is before 2000",
    "date_not_after_window": "event date lies after the end of the batch window",
    "updated_in_window": "NgayCapNhat lies outside the requested window",
    "order": "dates are out of order",
    "closed_has_NgayKetThucXuLy": "status 7, 9 or 10 without NgayKetThucXuLy",
    "received_has_NgayTiepNhan": "received status without NgayTiepNhan",
    "lists_are_arrays": "a list field is not a JSON array",
    "unique_version": "two different records share (MaHoSo, NgayCapNhat)",
    "unique_code_version": "two different versions share code and HieuLucTu",
    "item_date_valid": "a date inside a supplement or apology item is not a real yyyyMMddHHmmss",
    "text_size": "a text value is longer than the size limit (not stored)",
    "value_shape": "a single-value field holds a list or an object (not stored)",
    "item_object": "a supplement, apology or agency item is not of the expected shape",
    "record_object": "the record is not a JSON object (stored without its content)",
    "record_shape": "a text value over the size limit, or a record that is not a JSON object",
    "due_date_plausible": f"NgayHenTra is more than {MAX_DUE_YEARS} years after receipt",
    "agency_in_catalogue": "MaDonVi is not valid in the agency catalogue on the day of NgayCapNhat",
    "procedure_in_catalogue": "MaTTHC (national part) is not in the procedure catalogue",
}


def reason(rule: str) -> str:
    base, _, col = rule.partition(":")
    text_ = REASONS.get(base, base)
    return f"{text_} ({col})" if col else text_
