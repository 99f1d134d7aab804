"""dvcqg_monthly: the national portal's official 766 scores, pulled after each month closes
and reconciled with the local form 06 KPIs.

Thin by design: every task calls one function of ``portal_kpi.tasks.dvcqg_monthly``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import CronDataIntervalTimetable, dag, task

from portal_kpi.config import LOCAL_TZ
from portal_kpi.tasks.defaults import DAGRUN_TIMEOUT, task_defaults

DOC = """
### dvcqg_monthly — điểm đánh giá chính thức DVCQG (QĐ 766) → kho dữ liệu (monthly)

One run per **local month** M, started at 06:00 on the 1st of M+1 (Asia/Ho_Chi_Minh), so the
month has ended; backfill with `airflow backfill create --dag-id dvcqg_monthly …`.

1. **pull** — `POST /api/v1/reporting/evaluation/{group}` for the six groups (dvc-progress-tree,
   provide-online-tree, formality-online-payment-tree, transparency, handling-satisfaction,
   dossier-digitized) and the province in the connection, for the **month**, its **quarter
   only when M closes it** (March, June, September, December: stored quarters are final), and
   the **year to date**. One request at a time, paging through `totalPages`; a `403`/`429`
   stops the run with a clear error (no retry loop); a period that has not ended is refused
   before anything is sent. Every page is archived byte for byte in `raw.dvcqg_response`.
2. **load** — parse the archive into `kpi.official_score` (metrics, `_TOTAL` = group score,
   flags such as `TEMP_NATIONAL_REPORT_DENOMINATOR`, nulls kept) and `kpi.official_counter`;
   `core.official_department` maps departmentId → code for transparency rows.
3. **catalogue** — the national procedure catalogue into `core.national_procedure`
   (view `core.procedure_dimension` adds codes the provincial catalogue lacks).
4. **reconcile** — `kpi.official_vs_local` against `kpi.dossier_stats` month rows, with reason
   codes; a ratio difference over `PORTAL_KPI_OFFICIAL_TOLERANCE` (default 0.02 = 2 points)
   queues an `official_diff` alert.

* Connections: `dvcqg_reporting` (http; extra `{"root_department_id": "…",
  "province_code": "H48"}`, optional `verify`, `page_size`, `pause_seconds`), `warehouse`.
* Idempotent: archive keyed by (scope, group, period, page), official rows by (province,
  period, group), reconciliation by (month, province): a rerun replaces them.
* See docs/official-scores.md.
"""


@task
def pull(data_interval_start: Any = None) -> dict[str, Any]:
    from portal_kpi.tasks import dvcqg_monthly as steps

    return steps.pull_month(data_interval_start)


@task
def load(pulled: dict[str, Any], data_interval_start: Any = None) -> dict[str, Any]:
    from portal_kpi.tasks import dvcqg_monthly as steps

    return steps.load_month(data_interval_start, pulled["root"])


@task
def catalogue() -> dict[str, Any]:
    from portal_kpi.tasks import dvcqg_monthly as steps

    return steps.pull_catalogue()


@task
def reconcile(loaded: dict[str, Any], data_interval_start: Any = None) -> dict[str, Any]:
    from portal_kpi.tasks import dvcqg_monthly as steps

    return steps.reconcile_month(data_interval_start, loaded["root"])


@dag(
    dag_id="dvcqg_monthly",
    schedule=CronDataIntervalTimetable("0 6 1 * *", timezone=LOCAL_TZ),
    start_date=datetime(2026, 1, 1, tzinfo=ZoneInfo(LOCAL_TZ)),
    catchup=False,
    max_active_runs=1,
    tags=["portal-kpi", "monthly", "dvcqg", "official"],
    doc_md=DOC,
    default_args=task_defaults(),
    dagrun_timeout=DAGRUN_TIMEOUT,
)
def dvcqg_monthly() -> None:
    pulled = pull()
    loaded = load(pulled)
    names = catalogue()
    # One request at a time: the catalogue waits for the evaluation pull.
    pulled >> names  # type: ignore[operator]
    done = reconcile(loaded)
    names >> done  # type: ignore[operator]


dvcqg_monthly()
