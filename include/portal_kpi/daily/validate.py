"""Validate a staged batch (write-audit-publish): run its contract suite, quarantine the
rows that fail, record the run. Only rows that pass are published."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from portal_kpi.daily.contract import (
    CATALOGUE_RULES,
    catalogue_expectations,
    catalogue_frame,
    dossier_expectations,
    dossier_frame,
    reason,
)
from portal_kpi.daily.model import Batch, BatchChangedError, Source
from portal_kpi.db import run_sql
from portal_kpi.quality import quarantine
from portal_kpi.quality.gx import (
    Settings,
    ValidationFailedError,
    build_data_docs,
    run_expectations,
)
from portal_kpi.quality.quarantine import Rejected

log = logging.getLogger(__name__)


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


def _staged_catalogue(engine: Engine, kind: str, batch_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = run_sql(conn, f"quality/staged_{kind}.sql", b=batch_id)
        return [dict(r) for r in result.mappings()]


def staged_dossiers(engine: Engine, batch_id: str, parts: int = 1, part: int = 0) -> pd.DataFrame:
    """Part ``part`` of ``parts`` of the staged dossier versions of a batch that are not
    already held, as a frame (see ``quality/staged_dossiers.sql``). Every version of one
    dossier falls in the same part (by a hash of MaHoSo), so the rules that compare rows
    (one row per key, exact copies) see all of a dossier's versions at once."""
    with engine.connect() as conn:
        result = run_sql(conn, "quality/staged_dossiers.sql", b=batch_id, k=parts, p=part)
        columns = list(result.keys())
        return pd.DataFrame(result.cursor.fetchall(), columns=columns)  # plain tuples: fast


def _dossier_counts(engine: Engine, batch_id: str) -> tuple[int, int]:
    """How many versions a staged dossier batch holds, and how many of them are held."""
    with engine.connect() as conn:
        staged = int(run_sql(conn, "quality/count_staged.sql", b=batch_id).scalar() or 0)
        held = int(run_sql(conn, "quality/count_held.sql", b=batch_id).scalar() or 0)
    return staged, held


def _catalogues(engine: Engine) -> tuple[list[tuple[str, date, date | None]], set[str]]:
    with engine.connect() as conn:
        agencies = [(r[0], r[1], r[2]) for r in run_sql(conn, "daily/agency_validity.sql")]
        codes = set(run_sql(conn, "daily/procedure_codes.sql").scalars())
    return agencies, codes


def _window(engine: Engine, batch_id: str) -> tuple[datetime | None, datetime]:
    with engine.connect() as conn:
        row = run_sql(conn, "daily/batch_window.sql", b=batch_id).one()
    return row.window_from, row.window_to


class _Records(dict[int, dict[str, Any]]):
    """Staged records by seq, fetched only for the rows that fail (quarantine needs the
    few failing ones, not all 30,000); its length is the number of rows judged."""

    def __init__(self, engine: Engine, batch_id: str, count: int) -> None:
        super().__init__()
        self._engine, self._batch_id, self._count = engine, batch_id, count

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


@dataclass
class StagedBatch:
    """A staged batch ready for its suite: the rows not already held, as frames (one, or
    for dossiers one per part, each built when it is judged)."""

    entity: str  # agency, procedure or dossier (the staging table's name too)
    # the frames to judge, one at a time, with (dossiers) each part's record digest by seq
    frames: Callable[[], Iterator[tuple[pd.DataFrame, dict[int, str] | None]]]
    expectations: list[Any]
    records: dict[int, dict[str, Any]]  # by seq; dossiers are fetched only when they fail
    held: int
    digests: dict[int, str] | None = None  # dossiers: the record digest of each failing seq
    copies: dict[int, list[int]] | None = None  # catalogues: every seq of a judged row

    @property
    def suite(self) -> str:
        return SUITES[self.entity]


def stage(engine: Engine, batch: Batch, part_rows: int) -> StagedBatch:
    """The staged rows of a batch that are not already held, with their suite. A dossier
    batch is read in parts of about ``part_rows`` rows (``Settings.part_rows``), so the
    memory a validation needs stays the same whatever the day's volume."""
    entity = batch.source.entity
    if not batch.source.is_dossiers:
        rows = _staged_catalogue(engine, str(batch.source), batch.batch_id)
        new = [r for r in rows if not r.pop("held")]
        # exact copies of a row (a listing may repeat a record) are judged once
        first: dict[tuple[Any, ...], int] = {}
        copies: dict[int, list[int]] = {}
        for r in new:
            content = tuple(v for k, v in r.items() if k != "seq")
            copies.setdefault(first.setdefault(content, r["seq"]), []).append(r["seq"])
        distinct = [r for r in new if r["seq"] in copies]
        frame = catalogue_frame(distinct, str(batch.source))
        return StagedBatch(
            entity,
            lambda: iter([(frame, None)]),
            catalogue_expectations(str(batch.source)),
            {r["seq"]: r for r in distinct},
            len(rows) - len(new),
            copies=copies,
        )
    total, held = _dossier_counts(engine, batch.batch_id)
    agencies, codes = _catalogues(engine)
    window_from, window_to = _window(engine, batch.batch_id)
    if batch.source is Source.DOSSIERS_OPEN:
        window_to = window_to + timedelta(seconds=1)
    digests: dict[int, str] = {}

    parts = max(1, -(-(total - held) // part_rows))  # ceil
    log.info("%s: %d versions to judge, in %d part(s)", batch.batch_id, total - held, parts)

    def frames() -> Iterator[tuple[pd.DataFrame, dict[int, str] | None]]:
        for part in range(parts):
            staged = staged_dossiers(engine, batch.batch_id, parts, part)
            frame = dossier_frame(staged, agencies, codes, window_from, window_to)
            # the part's digests, for the exact copies of the rows that fail in it
            part_digests = dict(zip(staged["seq"].tolist(), staged["digest"].tolist(), strict=True))
            del staged
            yield frame, part_digests

    records = _Records(engine, batch.batch_id, total - held)
    return StagedBatch(entity, frames, dossier_expectations(), records, held, digests)


def judge(staged: StagedBatch, data_docs_dir: Path | None) -> tuple[
    dict[int, list[str]], dict[str, int], str | None
]:  # fmt: skip
    """Run the suite over every part: rules broken per seq, failures per rule (summed over
    the parts) and the Data Docs index (built once, with every part's result)."""
    broken: dict[int, list[str]] = {}
    failures: Counter[str] = Counter()
    for frame, digests in staged.frames():
        part_broken, part_failures, _ = run_expectations(
            frame, staged.expectations, staged.suite, data_docs_dir, build_docs=False
        )
        broken.update(part_broken)
        failures.update(part_failures)
        if staged.digests is not None and digests is not None:
            staged.digests.update({seq: digests[seq] for seq in part_broken})
        del frame, digests  # before the next part is read
    docs = build_data_docs(data_docs_dir) if data_docs_dir else None
    return broken, dict(failures), docs


def _lock_batch(conn: Any, batch_id: str, generation: Any) -> None:
    """Lock the batch row; the pull must be complete and the one that was read."""
    row = run_sql(conn, "daily/lock_batch.sql", b=batch_id).one_or_none()
    if row is None or not row.finished or row.generation != generation:
        raise BatchChangedError(
            f"{batch_id} was pulled again by another run while it was validated; "
            "nothing of it was published (a retry validates the new pull)"
        )


def _generation(engine: Engine, batch_id: str) -> Any:
    with engine.connect() as conn:
        return run_sql(conn, "daily/batch_generation.sql", b=batch_id).scalar()


def _mark_rejected(conn: Any, batch_id: str, staged: StagedBatch, seqs: list[int]) -> None:
    """Mark failing rows rejected, and for dossiers their exact copies in the batch too."""
    if staged.digests is None:
        every = [c for seq in seqs for c in (staged.copies or {}).get(seq, [seq])]
        run_sql(conn, f"daily/mark_rejected_{staged.entity}.sql", b=batch_id, s=every)
        return
    digests = sorted({str(staged.digests[seq]) for seq in seqs})
    run_sql(conn, "daily/mark_rejected_dossier.sql", b=batch_id, s=seqs, d=digests)


def validate_batch(
    engine: Engine, batch: Batch, business_day: date, settings: Settings | None = None
) -> Outcome:
    """Validate one staged batch, quarantine failing rows, record the run.

    Raises :class:`ValidationFailedError` (after recording) when the rejected share is over
    the threshold, so nothing of the batch is published.
    """
    settings = settings or Settings.from_env()
    generation = _generation(engine, batch.batch_id)
    staged = stage(engine, batch, settings.part_rows)
    recheck = batch.source is Source.DOSSIERS_REQUEUE
    records = staged.records
    key_field, version_field = KEYS[staged.entity]
    if records:
        broken, failures, docs = judge(staged, settings.data_docs_dir)
    else:
        broken, failures, docs = {}, {}, None
    outcome = Outcome(
        batch_id=batch.batch_id,
        suite=staged.suite,
        rows_in=len(records) + staged.held,
        rows_quarantined=len(broken),
        rows_held=staged.held,
        expectations=len(staged.expectations),
        failures=failures,
        rejected=broken,
        data_docs=docs,
    )
    new = 0
    with engine.begin() as conn:
        _lock_batch(conn, batch.batch_id, generation)
        run_sql(conn, f"daily/reset_rejected_{staged.entity}.sql", b=batch.batch_id)
        known = quarantine.clear(conn, batch.batch_id)
        if broken:
            _mark_rejected(conn, batch.batch_id, staged, list(broken))
        if recheck:
            quarantine.recheck(conn)  # still-invalid rows stay their one open row each
        elif broken:
            if isinstance(records, _Records):
                records.fetch(sorted(broken))
            again = sum(
                (records[seq].get(key_field), records[seq].get(version_field)) in known
                for seq in broken
            )
            inserted = quarantine.write(
                conn,
                batch.batch_id,
                staged.entity,
                (
                    Rejected(
                        seq,
                        records[seq].get(key_field),
                        records[seq].get(version_field),
                        tuple(rules),
                        records[seq],
                        catalogue_only=set(rules) <= CATALOGUE_RULES,
                    )
                    for seq, rules in sorted(broken.items())
                ),
                reason,
            )
            new = max(0, inserted - again)  # found again on a rerun: not new
        run_sql(
            conn,
            "quality/record_validation_run.sql",
            b=batch.batch_id,
            s=staged.suite,
            d=business_day,
            n=len(staged.expectations),
            i=outcome.rows_in,
            h=outcome.rows_held,
            p=outcome.rows_published,
            q=outcome.rows_quarantined,
            f=json.dumps(failures),
            ok=not broken,
            docs=docs,
        )
        run_sql(conn, "daily/mark_validated.sql", b=batch.batch_id)
    log.info("%s", outcome.summary())
    checked = outcome.rows_in - outcome.rows_held
    # The threshold judges the day's new data: rechecked rows and versions another batch
    # already quarantined do not count.
    share = new / checked if checked and not recheck else 0.0
    if share > settings.max_rejected_share:
        raise ValidationFailedError(
            f"{outcome.summary()} — rejected share {share:.2%} is over the threshold "
            f"{settings.max_rejected_share:.2%}; nothing of this batch was published"
        )
    return outcome
