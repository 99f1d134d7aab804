"""iso9001_register: the DOST ISO 9001 register → compliance per agency and day.

Thin by design: every task calls one function of ``portal_kpi.tasks.iso9001_register``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from portal_kpi.config import LOCAL_TZ
from portal_kpi.tasks.defaults import DAGRUN_TIMEOUT, task_defaults

DOC = """
### iso9001_register — sổ theo dõi ISO 9001 của Sở KH&CN → tỷ lệ cơ quan đạt (daily)

One run per local day D, started at 01:00 on D+1 (after `portal_daily` has loaded D).

1. **Read** the register from `PORTAL_KPI_ISO9001_SOURCE` (a file, a folder — its newest
   `.xlsx`/`.csv` — or an HTTP(S) URL). Same sha256 as the last version received: nothing
   to load (cheap no-op). Otherwise the bytes are kept in `raw.iso9001_file`, every row is
   validated with GX Core (bad rows → `quality.quarantine`, entity `iso9001`, with every
   rule broken) and `core.iso9001_register` is merged with validity dates (valid from the
   day received). A file that is not a register fails the task without retry.
2. **Compliance** of every department and commune for D and D+1 (never past today):
   `kpi.iso9001_compliance` (one flag per rule, reason in Vietnamese and English) and
   `iso9001_compliant_share` in `kpi.kpi_value` for the province (`H48`) and per level
   (`H48:PROVINCE`, `H48:COMMUNE`), day and month rows.
3. **Warnings**: audits and management reviews that lapse within 30 days go to the alert
   outbox (`ops.outbox`, kind `iso9001_expiry`), once per agency, rule and expiry date.

Connections: `warehouse`. See docs/iso9001.md.
"""


@task
def migrate() -> list[str]:
    from portal_kpi.tasks import common

    return common.migrate()


@task
def ingest_register() -> dict[str, Any]:
    from portal_kpi.tasks import iso9001_register as steps

    return steps.ingest_from_source()


@task
def compute_compliance(data_interval_start: Any = None) -> dict[str, Any]:
    from portal_kpi.tasks import iso9001_register as steps

    return steps.compliance_for_run(data_interval_start)


@task
def warn_expiring(data_interval_start: Any = None) -> dict[str, Any]:
    from portal_kpi.tasks import iso9001_register as steps

    return steps.warnings_for_run(data_interval_start)


@dag(
    dag_id="iso9001_register",
    schedule=CronDataIntervalTimetable("0 1 * * *", timezone=LOCAL_TZ),
    start_date=datetime(2025, 7, 1),
    catchup=False,
    max_active_runs=1,
    tags=["portal-kpi", "daily", "iso9001"],
    doc_md=DOC,
    default_args=task_defaults(),
    dagrun_timeout=DAGRUN_TIMEOUT,
)
def iso9001_register() -> None:
    register = ingest_register()
    migrate() >> register  # type: ignore[operator]
    compliance = compute_compliance()
    register >> compliance  # type: ignore[operator]
    compliance >> warn_expiring()  # type: ignore[operator]


iso9001_register()
