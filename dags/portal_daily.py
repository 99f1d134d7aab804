"""portal_daily: one run per local day; catalogues, then dossiers, into the warehouse.

One DAG per province of ``provinces.yaml``: ``portal_daily`` for the default province,
``portal_daily_<code>`` for each other one. Reading that small local file at parse time is
the one exception to "no I/O in DAG files": the DAG ids are the province list, so they
cannot come from anywhere the DAG processor does not see, and the file is a few hundred bytes
read once per parse (no network, no database, no Variable). Each task is given its
province's code and runs inside ``activate(code)``, which picks that province's warehouse and
portal connections.

Thin by design: every task calls one function of ``portal_kpi.tasks.portal_daily``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from portal_kpi.config import LOCAL_TZ
from portal_kpi.provinces import Province, activate, provinces
from portal_kpi.tasks.callbacks import deadline_alert
from portal_kpi.tasks.defaults import DAGRUN_TIMEOUT, task_defaults

DOC = """
### portal_daily — cổng dịch vụ công → kho dữ liệu (daily)

One run per **local day** D = [D 00:00, D+1 00:00) Asia/Ho_Chi_Minh, started after the day
closes. Steps: apply warehouse migrations → pull the agency and procedure catalogues (whole
history) → pull the dossier change feed for D and D-1 (one-day overlap; a new warehouse first
loads `/dossiers/open` once) → validate every batch with GX Core (failing rows go to
`quality.quarantine` with the rules they broke; the run stops when more than
`PORTAL_KPI_MAX_REJECTED_SHARE` (1 %) of a batch is rejected) → publish to `core`.

* KPIs: `kpi.dossier_stats` (form 06 per day/month and agency, province = `H48`) and
  `kpi.kpi_value` (judged against `kpi.target`), restated incrementally; the form 06
  identities are checked on every restated row and a violation fails the run.
* 766 points: `kpi.score_766` (provisional, per day, period to date, agency and component),
  `kpi.points_at_stake` with the causes a person can act on, the month-end forecast and
  `kpi.procedure_uptake` (`docs/scores-766.md`); on the run of a month's last day, the
  leadership's 766 brief (HTML and PDF in `PORTAL_KPI_BRIEF_DIR`, default
  `$AIRFLOW_HOME/briefs`; another province's in its `<code>/` subfolder) goes to the
  recipients that take `leadership_brief`.
* Early warning: `kpi.due_soon` / `kpi.apology_watch` for day D (dossiers due within two
  working days, overdue, paused, apologies owed); each agency's list is a section of its
  recipients' message.
* Alerts: KPI breaches against `kpi.target` open and close as state in `kpi.alert`; one
  message per recipient per run (new breaches, recoveries, still open, early warnings, data
  quality) through `alerts_smtp`, `alerts_webhook` and `alerts_telegram` to the recipients in
  `ops.recipient`. A rerun or backfill of a past day sends nothing (its messages are recorded
  as `suppressed_backfill`). A task's final failure sends one message; a Deadline Alert fires
  when the scheduler's run of the day has not finished by 07:00 local (needs the triggerer).
* Validation record: `quality.validation_run`; GX Data Docs HTML in `PORTAL_KPI_DATA_DOCS_DIR`
  when set (the path is in the validate task's log).

* Connections: `dvc_portal` (portal API), `warehouse` (PostgreSQL), `pii_hash` (hash secret);
  another province's DAG uses its own (`dvc_portal_<code>`, `warehouse_<code>` by default).
* Idempotent: rerunning any day leaves the same tables (batches are keyed by source and window,
  versions by (MaHoSo, NgayCapNhat)).
* Backfill: `portal-kpi backfill --start YYYY-MM-DD --end YYYY-MM-DD`.
"""


@task
def migrate(province: str) -> list[str]:
    from portal_kpi.tasks import common

    with activate(province):
        return common.migrate()


@task
def extract_catalogues(province: str, data_interval_start: Any = None) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.extract_catalogues(data_interval_start)


@task
def publish_catalogues(
    province: str, batches: list[dict[str, Any]], data_interval_start: Any = None
) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.publish(batches, data_interval_start)


@task
def validate_catalogues(
    province: str, batches: list[dict[str, Any]], data_interval_start: Any = None
) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.validate(batches, data_interval_start)


@task
def validate_dossiers(
    province: str, batches: list[dict[str, Any]], data_interval_start: Any = None
) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.validate(batches, data_interval_start)


@task
def extract_dossiers(province: str, data_interval_start: Any = None) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.extract_dossiers(data_interval_start)


@task
def publish_dossiers(
    province: str, batches: list[dict[str, Any]], data_interval_start: Any = None
) -> list[dict[str, Any]]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.publish(batches, data_interval_start, record=True)


@task
def compute_kpis(province: str, batches: list[dict[str, Any]]) -> dict[str, Any]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.compute_kpis(batches)


@task
def score_766(
    province: str, kpis: dict[str, Any], data_interval_start: Any = None
) -> dict[str, Any]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.score_766(data_interval_start)


@task
def refresh_due_soon(
    province: str, points: dict[str, Any], data_interval_start: Any = None
) -> dict[str, Any]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.early_warning(data_interval_start)


@task
def send_alerts(
    province: str, due: dict[str, Any], data_interval_start: Any = None, dag_run: Any = None
) -> dict[str, Any]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.alerts(data_interval_start, dag_run)


@task
def monthly_brief(
    province: str, sent: dict[str, Any], data_interval_start: Any = None, dag_run: Any = None
) -> dict[str, Any]:
    from portal_kpi.tasks import portal_daily as steps

    with activate(province):
        return steps.monthly_brief(data_interval_start, dag_run)


def build(province: Province) -> None:
    """Declare the daily DAG of one province (its tasks carry the province's code)."""

    @dag(
        dag_id=province.dag_id,
        schedule=CronDataIntervalTimetable("0 0 * * *", timezone=LOCAL_TZ),
        start_date=datetime(2025, 7, 1),
        catchup=False,
        max_active_runs=1,
        tags=["portal-kpi", "daily", "dvc", province.code],
        doc_md=DOC
        if province.default
        else f"Province **{province.code}** ({province.name}).\n{DOC}",
        # 07:00 local on the morning after the day; needs the triggerer
        deadline=deadline_alert(province.dag_id),
        default_args=task_defaults(),
        dagrun_timeout=DAGRUN_TIMEOUT,
    )
    def portal_daily() -> None:
        code = province.code
        schema = migrate(code)
        pulled = extract_catalogues(code)
        schema >> pulled  # type: ignore[operator]
        catalogues = publish_catalogues(code, validate_catalogues(code, pulled))
        dossiers = extract_dossiers(code)
        catalogues >> dossiers  # type: ignore[operator]
        published = publish_dossiers(code, validate_dossiers(code, dossiers))
        kpis = compute_kpis(code, published)
        due = refresh_due_soon(code, score_766(code, kpis))
        monthly_brief(code, send_alerts(code, due))

    portal_daily()


for _province in provinces():
    build(_province)
