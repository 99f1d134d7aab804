"""The one GX Core runner: a named suite on a frame, rules broken per row, and Data Docs.

Suites are built once per process (they are the same for every batch). A rule whose
expectation checks a derived column naming fields (``meta.fields_column``) expands to one
rule per field (``family:field``)."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


class ValidationFailedError(RuntimeError):
    """Too much of a batch was rejected: the run stops before publishing."""


@dataclass(frozen=True)
class Settings:
    max_rejected_share: float = 0.01
    volume_factor: float = 3.0
    stop_on_volume_anomaly: bool = False
    data_docs_dir: Path | None = None
    # a dossier batch is judged in parts of about this many versions (memory flat in volume)
    part_rows: int = 20_000

    @classmethod
    def from_env(cls) -> Settings:
        docs = os.environ.get("PORTAL_KPI_DATA_DOCS_DIR")
        return cls(
            max_rejected_share=float(os.environ.get("PORTAL_KPI_MAX_REJECTED_SHARE", "0.01")),
            volume_factor=float(os.environ.get("PORTAL_KPI_VOLUME_FACTOR", "3")),
            stop_on_volume_anomaly=os.environ.get("PORTAL_KPI_STOP_ON_VOLUME_ANOMALY", "0")
            in ("1", "true", "True"),
            data_docs_dir=Path(docs) if docs else None,
            part_rows=max(1, int(os.environ.get("PORTAL_KPI_VALIDATION_PART_ROWS") or 20_000)),
        )


_CONTEXT: Any = None


_DEFINITIONS: dict[str, Any] = {}  # suites are the same for every batch: built once
# Validation results kept in the context's in-memory store (what the Data Docs index
# lists): the newest this many, so a long process (a bulk backfill, the tests) neither grows
# without bound nor renders every earlier result again at each build.
KEPT_RESULTS = 50
_UNRENDERED: list[Any] = []  # results stored since the Data Docs were last built
_BUILT_SITES: set[str] = set()  # sites built in full once in this process


def _context() -> Any:
    global _CONTEXT  # noqa: PLW0603 - one ephemeral GX context per worker process
    if _CONTEXT is None:
        import great_expectations as gx  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it
        from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it

        _CONTEXT = gx.get_context(mode="ephemeral")
        _CONTEXT.variables.progress_bars = ProgressBarsConfig(globally=False)
    return _CONTEXT


def run_expectations(
    frame: pd.DataFrame,
    expectations: list[Any],
    suite_name: str,
    data_docs_dir: Path | None,
    *,
    build_docs: bool = True,
) -> tuple[dict[int, list[str]], dict[str, int], str | None]:
    """Run a suite on a frame; returns rules broken per ``seq``, failures per rule, and
    the Data Docs index when a folder is configured. ``build_docs=False`` stores the result
    for the Data Docs but leaves the site to be built with a later part's result."""
    import great_expectations as gx  # noqa: PLC0415 - GX takes ~3 s to import; only validation needs it

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
    store = ctx.validation_results_store
    before = set(store.list_keys())
    result = definition.run(  # stores the result in the context's store as well
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["seq"]},
    )
    _UNRENDERED.extend(k for k in store.list_keys() if k not in before)
    broken: dict[int, list[str]] = defaultdict(list)
    failures: dict[str, int] = {}
    for res in result.results:
        rule = res.expectation_config.meta["rule"]
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {rule} could not run: {res.exception_info}")
        if res.success:
            continue
        seqs = {int(item["seq"]) for item in res.result.get("unexpected_index_list") or []}
        column = res.expectation_config.meta.get("fields_column")
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
    docs = _write_data_docs(ctx, data_docs_dir) if data_docs_dir and build_docs else None
    _prune_results(ctx)
    return dict(broken), failures, docs


def build_data_docs(folder: Path) -> str | None:
    """Render the results stored since the last build (``build_docs=False`` runs) into the
    Data Docs of ``folder``; returns the index, or None when they could not be built."""
    return _write_data_docs(_context(), folder)


def _prune_results(ctx: Any) -> None:
    """Forget all but the newest ``KEPT_RESULTS`` validation results (rendered already)."""
    store = ctx.validation_results_store
    keys = store.list_keys()
    if len(keys) <= KEPT_RESULTS:
        return
    pending = set(_UNRENDERED)
    older = sorted(keys, key=lambda k: k.run_id.run_time)[: len(keys) - KEPT_RESULTS]
    for key in older:
        if key not in pending:
            store.remove_key(key)


def _write_data_docs(ctx: Any, folder: Path) -> str | None:
    """Render the validation results stored since the last build as GX Data Docs HTML into
    ``folder`` (the first build of a folder in a process renders everything, suites
    included)."""
    folder.mkdir(parents=True, exist_ok=True)
    site = f"portal_kpi_docs_{hashlib.sha1(str(folder).encode()).hexdigest()[:12]}"
    if site not in (ctx.get_site_names() or []):  # one site per folder: the one asked for
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
        if site in _BUILT_SITES:
            ctx.build_data_docs(site_names=[site], resource_identifiers=list(_UNRENDERED))
        else:
            ctx.build_data_docs(site_names=[site])
            _BUILT_SITES.add(site)
    except Exception:  # docs are a convenience, never a failure
        log.warning("Data Docs could not be built", exc_info=True)
        return None
    finally:
        _UNRENDERED.clear()
    index = folder / "index.html"
    log.info("GX Data Docs: %s", index)
    return str(index)
