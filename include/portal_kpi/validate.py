"""Validate: GX Core contract checks on a staged batch, quarantine, and the record.

Write-audit-publish: a batch lands in staging, is validated here, and only rows that
pass are published. Every rule is a named GX expectation built in code; a failing row
goes to ``quality.quarantine`` with every rule it broke and its (already hashed) record.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, text

from portal_kpi.db import run_sql, sql
from portal_kpi.extract import AGENCY_FIELDS, PROCEDURE_FIELDS, Batch

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

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
}
EARLIEST = datetime(2000, 1, 1)
RECEIVED_STATUSES = ("2", "4", "5", "6", "7", "8", "9", "10")
JSON_LIST_FIELDS = ("DanhSachHoSoBoSung", "DanhSachXinLoi", "CoQuanThucHien")
CATALOGUE_RULES = frozenset({"agency_in_catalogue", "procedure_in_catalogue"})


class ValidationFailedError(RuntimeError):
    """Too much of a batch was rejected: the run stops before publishing."""


@dataclass(frozen=True)
class Settings:
    max_rejected_share: float = 0.01
    volume_factor: float = 3.0
    stop_on_volume_anomaly: bool = False
    data_docs_dir: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        docs = os.environ.get("PORTAL_KPI_DATA_DOCS_DIR")
        return cls(
            max_rejected_share=float(os.environ.get("PORTAL_KPI_MAX_REJECTED_SHARE", "0.01")),
            volume_factor=float(os.environ.get("PORTAL_KPI_VOLUME_FACTOR", "3")),
            stop_on_volume_anomaly=os.environ.get("PORTAL_KPI_STOP_ON_VOLUME_ANOMALY", "0")
            in ("1", "true", "True"),
            data_docs_dir=Path(docs) if docs else None,
        )


@dataclass
class Outcome:
    batch_id: str
    suite: str
    rows_in: int
    rows_quarantined: int
    rows_held: int
    expectations: int
    failures: dict[str, int]
    rejected: dict[int, list[str]] = field(default_factory=dict)
    data_docs: str | None = None

    @property
    def rows_published(self) -> int:
        return self.rows_in - self.rows_held - self.rows_quarantined

    def summary(self) -> str:
        rules = ", ".join(f"{k}={v}" for k, v in sorted(self.failures.items())) or "none"
        return (
            f"{self.batch_id} [{self.suite}]: {self.rows_in} rows, {self.rows_held} already "
            f"held, {self.rows_quarantined} quarantined; failures per rule: {rules}"
        )


# --------------------------------------------------------------------------- frames
def _frame(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=["seq", *fields])
    for col in fields:
        frame[col] = frame[col].astype(object).where(frame[col].notna() & (frame[col] != ""), None)
    return frame


def _add_date_columns(frame: pd.DataFrame, col: str, fmt: str, shape: str) -> None:
    """``<col>__ts``: the parsed value (NaT when empty or malformed); ``<col>__real``:
    false only for a value of the right shape that is not a calendar date."""
    import pandas as pd

    parsed = pd.to_datetime(frame[col], format=fmt, errors="coerce")
    shaped = frame[col].astype("string").str.fullmatch(shape).fillna(False).astype(bool)
    frame[f"{col}__ts"] = parsed
    frame[f"{col}__real"] = ~(shaped & parsed.isna())


def _failing_fields(masks: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """Per row, the comma-joined names whose mask is true (None when none is)."""
    import numpy as np
    import pandas as pd

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
    import pandas as pd

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
    import pandas as pd

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


# --------------------------------------------------------------------------- suites
# A rule whose derived column names fields expands to one rule per field ("family:field").
EXPANDED = {
    "required": "missing_required",
    "code_set": "bad_code",
    "date_format": "bad_date_format",
    "date_valid": "bad_date_valid",
    "date_not_before_2000": "bad_date_before_2000",
    "date_not_after_window": "bad_date_after_window",
    "order": "bad_order",
}


def dossier_expectations() -> list[Any]:
    import great_expectations.expectations as gxe

    rules: list[Any] = []

    def add(rule: str, expectation: Any) -> None:
        expectation.meta = {"rule": rule}
        rules.append(expectation)

    for family, column in EXPANDED.items():
        add(family, gxe.ExpectColumnValuesToBeNull(column=column))
    for rule, column in (
        ("updated_in_window", "updated_in_window"),
        ("closed_has_NgayKetThucXuLy", "closed_has_end"),
        ("received_has_NgayTiepNhan", "received_has_date"),
        ("lists_are_arrays", "lists_are_lists"),
        ("agency_in_catalogue", "agency_in_catalogue"),
        ("procedure_in_catalogue", "procedure_in_catalogue"),
    ):
        add(rule, gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True]))
    add(
        "unique_version", gxe.ExpectCompoundColumnsToBeUnique(column_list=["MaHoSo", "NgayCapNhat"])
    )
    return rules


def catalogue_expectations(kind: str) -> list[Any]:
    import great_expectations.expectations as gxe

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
    return rules


def catalogue_frame(rows: list[dict[str, Any]], kind: str) -> pd.DataFrame:
    frame = _frame(rows, AGENCY_FIELDS if kind == "agencies" else PROCEDURE_FIELDS)
    for col in ("HieuLucTu", "HieuLucDen"):
        _add_date_columns(frame, col, DAY_FORMAT, r"\d{8}")
    if kind == "procedures":
        frame["lists_are_lists"] = _list_text(frame["CoQuanThucHien"])
    return frame


# --------------------------------------------------------------------------- GX run
_CONTEXT: Any = None
_DEFINITIONS: dict[str, Any] = {}  # suites are the same for every batch: built once


def _context() -> Any:
    global _CONTEXT  # noqa: PLW0603 - one ephemeral GX context per worker process
    if _CONTEXT is None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def run_expectations(
    frame: pd.DataFrame, expectations: list[Any], suite_name: str, data_docs_dir: Path | None
) -> tuple[dict[int, list[str]], dict[str, int], str | None]:
    """Run a suite on a frame; returns rules broken per ``seq``, failures per rule, and
    the Data Docs index when a folder is configured."""
    import great_expectations as gx

    ctx = _context()
    definition = _DEFINITIONS.get(suite_name)
    if definition is None:
        source = ctx.data_sources.add_pandas(f"staging_{suite_name}")
        batch_def = source.add_dataframe_asset("rows").add_batch_definition_whole_dataframe("all")
        suite = ctx.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        definition = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"vd_{suite_name}", data=batch_def, suite=suite)
        )
        _DEFINITIONS[suite_name] = definition
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["seq"]},
    )
    broken: dict[int, list[str]] = defaultdict(list)
    failures: dict[str, int] = {}
    for res in result.results:
        rule = res.expectation_config.meta["rule"]
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {rule} could not run: {res.exception_info}")
        if res.success:
            continue
        seqs = {int(item["seq"]) for item in res.result.get("unexpected_index_list") or []}
        column = EXPANDED.get(rule) if suite_name == "dossier_contract" else None
        if column is None:
            failures[rule] = len(seqs)
            for seq in seqs:
                broken[seq].append(rule)
            continue
        named = dict(zip(frame["seq"], frame[column], strict=True))
        for seq in seqs:
            for field_name in str(named[seq]).split(","):
                full = f"{rule}:{field_name}"
                failures[full] = failures.get(full, 0) + 1
                broken[seq].append(full)
    docs = _write_data_docs(ctx, result, data_docs_dir) if data_docs_dir else None
    return dict(broken), failures, docs


def _write_data_docs(ctx: Any, result: Any, folder: Path) -> str | None:
    """Render the validation result as GX Data Docs HTML into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    site = "portal_kpi_docs"
    if site not in (ctx.get_site_names() or []):
        ctx.add_data_docs_site(
            site_name=site,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(folder),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    try:
        ctx.validation_results_store.store_validation_results(
            result, result.meta["run_id"], result.meta.get("validation_id")
        )
    except Exception:  # docs are a convenience, never a failure
        log.debug("could not store the validation result for Data Docs", exc_info=True)
    try:
        ctx.build_data_docs(site_names=[site])
    except Exception:
        log.warning("Data Docs could not be built", exc_info=True)
        return None
    index = folder / "index.html"
    log.info("GX Data Docs: %s", index)
    return str(index)


# --------------------------------------------------------------------------- batch
def _staged_catalogue(engine: Engine, kind: str, batch_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = run_sql(conn, f"quality/staged_{kind}.sql", b=batch_id)
        return [dict(r) for r in result.mappings()]


def staged_dossiers(engine: Engine, batch_id: str) -> tuple[pd.DataFrame, int]:
    """The staged dossier versions of a batch that are not already held, as a frame (see
    ``quality/staged_dossiers.sql``), and how many were held."""
    import pandas as pd

    with engine.connect() as conn:
        result = run_sql(conn, "quality/staged_dossiers.sql", b=batch_id)
        columns = list(result.keys())
        frame = pd.DataFrame(result.cursor.fetchall(), columns=columns)  # plain tuples: fast
        held = int(run_sql(conn, "quality/count_held.sql", b=batch_id).scalar() or 0)
    return frame, held


def _catalogues(engine: Engine) -> tuple[list[tuple[str, date, date | None]], set[str]]:
    with engine.connect() as conn:
        agencies: list[tuple[str, date, date | None]] = [
            (r[0], r[1], r[2])
            for r in conn.execute(text("SELECT code, valid_from, valid_to FROM core.agency"))
        ]
        codes = set(conn.execute(text("SELECT DISTINCT code FROM core.procedure")).scalars())
    return agencies, codes


def _window(engine: Engine, batch_id: str) -> tuple[datetime | None, datetime]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT window_from, window_to FROM raw.batch WHERE batch_id = :b"),
            {"b": batch_id},
        ).one()
    return row.window_from, row.window_to


def _staged_batch(
    engine: Engine, batch: Batch
) -> tuple[str, str, pd.DataFrame, list[Any], dict[int, dict[str, Any]], int]:
    """(staging table, entity, frame for GX, expectations, records by seq, rows held) of a
    batch; rows already held are left out of the frame."""
    if batch.source in ("agencies", "procedures"):
        table = "staging.agency" if batch.source == "agencies" else "staging.procedure"
        rows = _staged_catalogue(engine, batch.source, batch.batch_id)
        new = [r for r in rows if not r.pop("held")]
        entity = "agency" if batch.source == "agencies" else "procedure"
        records = {r["seq"]: r for r in new}
        frame = catalogue_frame(new, batch.source)
        return (
            table,
            entity,
            frame,
            catalogue_expectations(batch.source),
            records,
            len(rows) - len(new),
        )
    staged, held = staged_dossiers(engine, batch.batch_id)
    agencies, codes = _catalogues(engine)
    window_from, window_to = _window(engine, batch.batch_id)
    if batch.source == "dossiers_open":
        window_to = window_to + timedelta(seconds=1)
    frame = dossier_frame(staged, agencies, codes, window_from, window_to)
    records = _Records(engine, batch.batch_id, staged["seq"].tolist())
    return "staging.dossier", "dossier", frame, dossier_expectations(), records, held


class _Records(dict[int, dict[str, Any]]):
    """Staged records by seq, fetched only for the rows that fail (quarantine needs the
    few failing ones, not all 30,000)."""

    def __init__(self, engine: Engine, batch_id: str, seqs: list[int]) -> None:
        super().__init__()
        self._engine, self._batch_id, self._count = engine, batch_id, len(seqs)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def fetch(self, seqs: list[int]) -> None:
        with self._engine.connect() as conn:
            rows = run_sql(conn, "quality/staged_records.sql", b=self._batch_id, seqs=seqs)
            for row in rows.mappings():
                self[int(row["seq"])] = dict(row)


SUITES = {
    "agency": "agencies_contract",
    "procedure": "procedures_contract",
    "dossier": "dossier_contract",
}
KEYS = {
    "agency": ("MaDonVi", "HieuLucTu"),
    "procedure": ("MaTTHC", "HieuLucTu"),
    "dossier": ("MaHoSo", "NgayCapNhat"),
}


def validate_batch(
    engine: Engine, batch: Batch, business_day: date, settings: Settings | None = None
) -> Outcome:
    """Validate one staged batch, quarantine failing rows, record the run.

    Raises :class:`ValidationFailedError` (after recording) when the rejected share is over
    the threshold, so nothing of the batch is published.
    """
    settings = settings or Settings.from_env()
    table, entity, frame, expectations, records, held = _staged_batch(engine, batch)
    suite = SUITES[entity]
    key_field, version_field = KEYS[entity]
    if records:
        broken, failures, docs = run_expectations(
            frame, expectations, suite, settings.data_docs_dir
        )
    else:
        broken, failures, docs = {}, {}, None
    outcome = Outcome(
        batch_id=batch.batch_id,
        suite=suite,
        rows_in=len(records) + held,
        rows_quarantined=len(broken),
        rows_held=held,
        expectations=len(expectations),
        failures=failures,
        rejected=broken,
        data_docs=docs,
    )
    with engine.begin() as conn:
        reset = f"UPDATE {table} SET rejected = false WHERE batch_id = :b AND rejected"  # noqa: S608
        conn.execute(text(reset), {"b": batch.batch_id})
        conn.execute(
            text("DELETE FROM quality.quarantine WHERE batch_id = :b"), {"b": batch.batch_id}
        )
        if broken:
            if isinstance(records, _Records):
                records.fetch(sorted(broken))
            reject = f"UPDATE {table} SET rejected = true WHERE batch_id = :b AND seq = ANY(:s)"  # noqa: S608
            conn.execute(text(reject), {"b": batch.batch_id, "s": list(broken)})
            conn.execute(
                text(sql("quality/insert_quarantine.sql")),
                [
                    {
                        "b": batch.batch_id,
                        "seq": seq,
                        "e": entity,
                        "k": records[seq].get(key_field),
                        "v": records[seq].get(version_field),
                        "rules": sorted(rules),
                        "reasons": json.dumps(
                            {r: _reason(r) for r in sorted(rules)}, ensure_ascii=False
                        ),
                        "record": json.dumps(
                            _record_json(records[seq]), ensure_ascii=False, default=str
                        ),
                        "cat": set(rules) <= CATALOGUE_RULES,
                    }
                    for seq, rules in sorted(broken.items())
                ],
            )
        run_sql(
            conn,
            "quality/record_validation_run.sql",
            b=batch.batch_id,
            s=suite,
            d=business_day,
            n=len(expectations),
            i=outcome.rows_in,
            h=outcome.rows_held,
            p=outcome.rows_published,
            q=outcome.rows_quarantined,
            f=json.dumps(failures),
            ok=not broken,
            docs=docs,
        )
    log.info("%s", outcome.summary())
    checked = outcome.rows_in - outcome.rows_held
    share = outcome.rows_quarantined / checked if checked else 0.0
    if share > settings.max_rejected_share:
        raise ValidationFailedError(
            f"{outcome.summary()} — rejected share {share:.2%} is over the threshold "
            f"{settings.max_rejected_share:.2%}; nothing of this batch was published"
        )
    return outcome


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
    "agency_in_catalogue": "MaDonVi is not valid in the agency catalogue on the day of NgayCapNhat",
    "procedure_in_catalogue": "MaTTHC (national part) is not in the procedure catalogue",
}


def _reason(rule: str) -> str:
    base, _, col = rule.partition(":")
    text_ = REASONS.get(base, base)
    return f"{text_} ({col})" if col else text_


def _record_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, str) and key in (
            "DanhSachHoSoBoSung",
            "DanhSachXinLoi",
            "CoQuanThucHien",
        ):
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


# --------------------------------------------------------------------------- after publish
def resolve_quarantine(engine: Engine, batch_id: str) -> int:
    """Quarantined dossiers of which a valid version as new or newer is now published."""
    with engine.begin() as conn:
        result = run_sql(conn, "quality/resolve_quarantine.sql", b=batch_id)
    return result.rowcount or 0


def staged_day_count(engine: Engine, batch: Batch, day: date) -> int:
    """Distinct versions of the staged feed batch whose NgayCapNhat falls on ``day``."""
    prefix = day.strftime("%Y%m%d")
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    'SELECT count(DISTINCT ("MaHoSo", "NgayCapNhat")) FROM staging.dossier'
                    ' WHERE batch_id = :b AND left("NgayCapNhat", 8) = :p'
                ),
                {"b": batch.batch_id, "p": prefix},
            ).scalar()
            or 0
        )


def volume_anomaly(
    engine: Engine, day: date, factor: float, today_count: int
) -> dict[str, Any] | None:
    """``today_count`` versions changed on ``day`` against the median of the same weekday
    over the four weeks before (checked once four loaded weeks exist); no change at all
    on a working day is an anomaly too."""
    earlier = [day - timedelta(days=7 * k) for k in range(1, 5)]
    with engine.connect() as conn:
        counts: dict[date, int] = dict(
            conn.execute(  # type: ignore[arg-type]
                text(
                    "SELECT updated_at::date, count(*) FROM core.dossier_version"
                    " WHERE updated_at >= :f AND updated_at < :t AND updated_at::date = ANY(:days)"
                    " GROUP BY 1"
                ),
                {"f": earlier[-1], "t": day, "days": earlier},
            ).all()
        )
        working = conn.execute(
            text("SELECT is_working_day FROM core.calendar_day WHERE day = :d"), {"d": day}
        ).scalar()
        loaded = conn.execute(
            text("SELECT count(*) FROM core.load_day WHERE business_day = ANY(:days)"),
            {"days": earlier},
        ).scalar()
    if today_count == 0 and working:
        return {"kind": "no_changes_on_working_day", "day": str(day), "versions": 0}
    if loaded == 4:
        median = statistics.median(counts.get(d, 0) for d in earlier)
        if median > 0 and (today_count > factor * median or today_count * factor < median):
            return {
                "kind": "volume",
                "day": str(day),
                "versions": today_count,
                "median_same_weekday_4w": median,
                "factor": factor,
            }
    return None


def record_dq_event(engine: Engine, day: date, event: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO quality.dq_event (business_day, kind, detail)"
                " VALUES (:d, :k, CAST(:v AS jsonb)) ON CONFLICT (business_day, kind)"
                " DO UPDATE SET detail = EXCLUDED.detail, created_at = now()"
            ),
            {"d": day, "k": event["kind"], "v": json.dumps(event, default=str)},
        )
