"""The simulated DVCQG reporting API over a real socket: real captures replayed byte for byte,
generated months in the documented shapes and consistent with the simulated dossiers, the
client's paging and stop rules, and a reconciliation whose differences are the documented
ones."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from form06_truth import COLUMNS
from sqlalchemy import Engine, text

from portal_kpi.devtools.simulator import PortalHistory, SimConfig
from portal_kpi.devtools.simulator.dvcqg import (
    FLAGGED,
    NOT_SYNCED,
    PAUSED_AS_FINISHED,
    PHU_THO_ROOT,
    SIM_ROOT_DEPARTMENT_ID,
    DvcqgSimHandle,
    dvcqg_response,
    form06,
    start_dvcqg_background,
)
from portal_kpi.official.reconcile import reconcile
from portal_kpi.official.store import pull_periods
from portal_kpi.sources.dvcqg import (
    DvcqgClient,
    DvcqgStoppedError,
    Period,
    PeriodNotEndedError,
    periods_for_month,
)
from portal_kpi.tasks.dvcqg_monthly import (
    load_month,
    pull_catalogue,
    pull_month,
    reconcile_month,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dvcqg"
TODAY = date(2026, 9, 10)
AUGUST = date(2026, 8, 1)
HISTORY = PortalHistory(SimConfig(today=TODAY, dossiers_per_day=60, history_days=75))


@pytest.fixture(scope="module")
def sim() -> Iterator[DvcqgSimHandle]:
    handle = start_dvcqg_background(today=TODAY, history=HISTORY)
    yield handle
    handle.stop()


@pytest.fixture(autouse=True)
def reset(sim: DvcqgSimHandle) -> Iterator[None]:
    sim.requests.clear()
    yield
    sim.faults.forbid_next = sim.faults.rate_limit_next = 0


def client(sim: DvcqgSimHandle, **kwargs: Any) -> DvcqgClient:
    options: dict[str, Any] = {"today": TODAY, "page_size": 200, **kwargs}
    return DvcqgClient(sim.url, SIM_ROOT_DEPARTMENT_ID, **options)


def post(sim: DvcqgSimHandle, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{sim.url}/api/v1/reporting/{path}", json=body, timeout=30)


def month_body(**extra: Any) -> dict[str, Any]:
    return {
        "rootDepartmentId": SIM_ROOT_DEPARTMENT_ID,
        "currentPage": 1,
        "pageSize": 200,
        "timeType": "month",
        "year": 2026,
        "month": 8,
        **extra,
    }


# ----------------------------------------------------------------------------- Phú Thọ
def test_real_captures_replayed_byte_for_byte(sim: DvcqgSimHandle) -> None:
    manifest = json.loads((FIXTURES / "manifest.m0.json").read_bytes())
    served = 0
    for capture in manifest["captures"]:
        if not (FIXTURES / capture["file"]).is_file():
            continue
        path = capture["url"].split("/api/v1/reporting/", 1)[1]
        resp = post(sim, path, capture["payload"])
        assert resp.status_code == 201, capture["file"]
        assert hashlib.sha256(resp.content).hexdigest() == capture["sha256"], capture["file"]
        assert len(resp.content) == capture["bytes"]
        served += 1
    assert served == 8
    body = {
        "rootDepartmentId": PHU_THO_ROOT,
        "currentPage": 1,
        "pageSize": 200,
        "fromDate": "2026-08-01",
        "toDate": "2026-08-31",
    }
    resp = post(sim, "evaluation/handling-satisfaction", body)
    expected = (FIXTURES / "handling-satisfaction/month-all-recaptured-20260928.json").read_bytes()
    assert resp.status_code == 201 and resp.content == expected


def test_uncaptured_phu_tho_period_is_404(sim: DvcqgSimHandle) -> None:
    body = {
        "rootDepartmentId": PHU_THO_ROOT,
        "currentPage": 1,
        "pageSize": 200,
        "timeType": "month",
        "year": 2026,
        "month": 7,
    }
    resp = post(sim, "evaluation/dvc-progress-tree", body)
    assert resp.status_code == 404 and resp.json()["code"] == "NOT_CAPTURED"


def test_bad_requests() -> None:
    status, body = dvcqg_response(
        "/api/v1/reporting/evaluation/nope", month_body(), today=TODAY, province_history=HISTORY
    )
    assert status == 404
    status, body = dvcqg_response(
        "/api/v1/reporting/evaluation/transparency",
        month_body(rootDepartmentId="00000000-0000-0000-0000-000000000000"),
        today=TODAY,
        province_history=HISTORY,
    )
    assert status == 400 and b"rootDepartmentId" in body
    status, _ = dvcqg_response(
        "/api/v1/reporting/evaluation/handling-satisfaction",
        month_body(),
        today=TODAY,
        province_history=HISTORY,
    )
    assert status == 400  # satisfaction takes fromDate/toDate


# ----------------------------------------------------------------------------- generated
def test_generated_trees_follow_the_documented_arithmetic(sim: DvcqgSimHandle) -> None:
    progress = post(sim, "evaluation/dvc-progress-tree", month_body()).json()["data"]
    parent, children = progress["parent"], progress["children"]
    assert parent["departmentCode"] == "H48" and len(children) > 100
    assert [c["departmentCode"] for c in children] == sorted(c["departmentCode"] for c in children)
    for c in children:
        assert c["totalOnTime"] + c["totalOverdue"] == c["totalReceived"]
        if c["totalReceived"]:
            ratio = Decimal(100 * c["totalOnTime"]) / c["totalReceived"]
            assert Decimal(str(c["ratio"])) == ratio.quantize(Decimal("0.01"), "ROUND_HALF_UP")
        else:
            assert c["ratio"] == 0 and c["score"] == 0
    assert parent["totalReceived"] == sum(c["totalReceived"] for c in children)
    assert parent["totalOnTime"] == sum(c["totalOnTime"] for c in children)
    assert len(progress["monthlyChart"]) == 12
    assert progress["monthlyChart"][7]["onTimePct"] == parent["ratio"]

    online = post(sim, "evaluation/provide-online-tree", month_body()).json()["data"]["parent"]
    assert (
        online["channelOnlineSum"] + online["channelDirectSum"] + online["channelPostalSum"]
        == online["channelTotalSum"]
    )
    assert online["onlineOnTimeSum"] + online["onlineOverdueSum"] == online["channelOnlineSum"]
    payment = post(sim, "evaluation/formality-online-payment-tree", month_body()).json()["data"]
    assert "monthlyChart" not in payment
    for obj in [payment["parent"], *payment["children"]]:
        assert Decimal(str(obj["ratio"])) == 10 * Decimal(str(obj["totalScore"]))


def test_generated_counts_match_the_local_truth_except_known_differences() -> None:
    status, body = dvcqg_response(
        "/api/v1/reporting/evaluation/dvc-progress-tree",
        month_body(),
        today=TODAY,
        province_history=HISTORY,
    )
    assert status == 201
    truth = form06(HISTORY, AUGUST, date(2026, 8, 31))
    special = (NOT_SYNCED, PAUSED_AS_FINISHED, *FLAGGED)
    for child in json.loads(body)["data"]["children"]:
        code = child["departmentCode"]
        local = truth.get(code)
        received = local.received_total if local else 0
        if code.endswith(special):
            continue
        assert child["totalReceived"] == received, code
        if local:
            assert child["totalOverdue"] == local.resolved_late + local.in_progress_overdue


def test_transparency_flags(sim: DvcqgSimHandle) -> None:
    data = post(sim, "evaluation/transparency", month_body()).json()["data"]
    sync = {
        row["departmentId"]: next(m for m in row["metrics"] if m["code"] == "DOSSIER_SYNC")
        for row in data["evaluation"]
    }
    progress = post(sim, "evaluation/dvc-progress-tree", month_body()).json()["data"]
    codes = {c["departmentId"]: c["departmentCode"] for c in progress["children"]}
    flagged = sorted(
        codes[d]
        for d, m in sync.items()
        if m.get("dataQualityStatus") == "TEMP_NATIONAL_REPORT_DENOMINATOR"
    )
    assert flagged == ["H48" + s for s in FLAGGED]
    not_synced = next(m for d, m in sync.items() if codes[d] == "H48" + NOT_SYNCED)
    assert not_synced["numerator"] < not_synced["denominator"]
    for m in sync.values():
        if m["denominator"] == 0:
            assert m["ratio"] is None and m["dataQualityStatus"] == "NO_NATIONAL_REPORT_DATA"


# ----------------------------------------------------------------------------- client
def test_client_pages_through_shape_a(sim: DvcqgSimHandle) -> None:
    pages = client(sim, page_size=50).evaluation("transparency", Period.month(2026, 8))
    assert [p.page for p in pages] == [1, 2, 3]
    assert [b["currentPage"] for _, b, _ in sim.requests] == [1, 2, 3]
    rows = sum(len(p.json()["data"]["evaluation"]) for p in pages)
    assert rows == pages[0].json()["data"]["pagination"]["total"]
    tree = client(sim, page_size=50).evaluation("dvc-progress-tree", Period.month(2026, 8))
    assert len(tree) == 1  # no pagination object: one answer holds every child


@pytest.mark.parametrize("fault", ["forbid_next", "rate_limit_next"])
def test_client_stops_on_403_and_429(sim: DvcqgSimHandle, engine: Engine, fault: str) -> None:
    setattr(sim.faults, fault, 5)
    with pytest.raises(DvcqgStoppedError, match=r"answered (403|429)") as err:
        pull_periods(engine, client(sim), periods_for_month(2026, 8))
    assert "without retrying" in str(err.value)
    assert len(sim.requests) == 1  # stopped at the first refusal: no retry storm
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw.dvcqg_response")).scalar() == 0


def test_client_refuses_a_month_that_has_not_ended(sim: DvcqgSimHandle, engine: Engine) -> None:
    with pytest.raises(PeriodNotEndedError, match="2026-09"):
        client(sim).evaluation("transparency", Period.month(2026, 9))
    with pytest.raises(PeriodNotEndedError):
        pull_periods(engine, client(sim, today=date(2026, 8, 31)), [Period.month(2026, 8)])
    assert sim.requests == []


def test_periods_of_a_monthly_run() -> None:
    assert [p.key for p in periods_for_month(2026, 8)] == ["month:2026-08", "year:2026"]
    sept = periods_for_month(2026, 9)
    assert [p.key for p in sept] == ["month:2026-09", "quarter:2026-Q3", "year:2026"]
    assert sept[1].body("dvc-progress-tree") == {"timeType": "quarter", "year": 2026, "quarter": 3}
    assert sept[2].body("handling-satisfaction") == {
        "fromDate": "2026-01-01",
        "toDate": "2026-09-30",
    }


# ----------------------------------------------------------------------------- reconcile
STATS_COLUMNS = COLUMNS[:11]  # form 06 columns 3-13


def insert_local_month(engine: Engine, month: date, last: date) -> None:
    rows = []
    for code, f in form06(HISTORY, month, last).items():
        values = {c: getattr(f, c) for c in STATS_COLUMNS}
        rows.append({"start": month, "as_of": last, "code": code, **values})
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.dossier_stats (period_grain, period_start, as_of, agency_code, "
                + ", ".join(STATS_COLUMNS)
                + ", received_online_capable, received_online_capable_online,"
                " received_full_online_capable, received_full_online_capable_online,"
                " late_without_apology, multi_supplement) VALUES ('month', :start, :as_of, :code, "
                + ", ".join(f":{c}" for c in STATS_COLUMNS)
                + ", 0, 0, 0, 0, 0, 0)"
            ),
            rows,
        )


def test_month_end_to_end_with_known_differences(
    sim: DvcqgSimHandle, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = {
        "root_department_id": SIM_ROOT_DEPARTMENT_ID,
        "province_code": "H48",
        "pause_seconds": 0,
    }
    monkeypatch.setenv(
        "AIRFLOW_CONN_DVCQG_REPORTING",
        json.dumps(
            {
                "conn_type": "http",
                "host": sim.host,
                "port": sim.port,
                "schema": "http",
                "extra": extra,
            }
        ),
    )
    insert_local_month(engine, AUGUST, date(2026, 8, 31))
    run = DvcqgClient.from_connection(today=TODAY, page_size=60)
    interval_start = datetime(2026, 7, 31, 23, 0)  # 1 Aug 06:00 local, in UTC
    from datetime import UTC

    start = interval_start.replace(tzinfo=UTC)
    result = {"pull": pull_month(start, run)}  # the DAG's order: pull, load, catalogue
    load_month(start, run.root_department_id)
    result["catalogue"] = pull_catalogue(run)
    result["reconcile"] = reconcile_month(start, run.root_department_id)
    assert result["pull"]["month"] == "2026-08"
    assert len(result["pull"]["pulls"]) == 12  # six groups x (month, year to date)
    assert result["catalogue"]["procedures"] > 40

    with engine.connect() as conn:
        national_only = conn.execute(
            text("SELECT count(*) FROM core.procedure_dimension WHERE source = 'national'")
        ).scalar()
        unmapped = conn.execute(
            text("SELECT count(*) FROM kpi.official_score WHERE department_code IS NULL")
        ).scalar()
        archived = conn.execute(text("SELECT count(*) FROM raw.dvcqg_response")).scalar()
    assert national_only == result["catalogue"]["procedures"]  # core.procedure is empty here
    assert unmapped == 0
    assert archived == len(sim.requests)

    # A department the local side has no row for: nothing to compare, not 0 %.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM kpi.dossier_stats WHERE agency_code = 'H48.01'"))
    rows = {r.agency_code: r for r in reconcile(engine, SIM_ROOT_DEPARTMENT_ID, AUGUST)}
    assert rows["H48.01"].no_data and rows["H48.01"].reason_code == "no_data"
    assert rows["H48.01"].local_received is None and rows["H48.01"].diff_ratio is None
    not_synced = rows["H48" + NOT_SYNCED]
    assert not_synced.reason_code == "not_synced"
    assert not_synced.official_received is not None and not_synced.local_received is not None
    assert not_synced.official_received < not_synced.local_received
    paused = rows["H48" + PAUSED_AS_FINISHED]
    assert paused.reason_code == "paused_as_finished"
    assert paused.official_received == paused.local_received
    assert paused.diff_ratio is not None and paused.diff_ratio < 0
    for suffix in FLAGGED:
        assert rows["H48" + suffix].reason_code == "flagged_denominator"
        assert (rows["H48" + suffix].official_received or 0) > (
            rows["H48" + suffix].local_received or 0
        )
    special = {"H48" + s for s in (NOT_SYNCED, PAUSED_AS_FINISHED, *FLAGGED)}
    for code, row in rows.items():
        if code in special or row.is_total:
            continue
        if row.no_data:
            assert row.reason_code in ("no_data", "not_synced") and row.diff_ratio is None
        else:
            assert row.reason_code is None and row.diff_ratio == 0, code
    assert rows["H48"].is_total and rows["H48"].diff_online_share is not None
    over = [r for r in rows.values() if r.exceeds_tolerance]
    assert over and all(
        abs(r.diff_ratio or 0) > Decimal("0.02") or abs(r.diff_online_share or 0) > Decimal("0.02")
        for r in over
    )

    with engine.connect() as conn:
        recipients = conn.execute(text("SELECT count(*) FROM ops.recipient WHERE active")).scalar()
        outbox = conn.execute(
            text("SELECT subject, body, dedupe_key FROM ops.outbox WHERE kind = 'official_diff'")
        ).all()
    assert result["reconcile"]["alerts_queued"] == len(over) * (recipients or 0)
    assert len(outbox) == len(over) * (recipients or 0)
    assert all("Chênh lệch" in o.subject and "English:" in o.body for o in outbox)

    # A rerun replaces every keyed row and queues nothing twice.
    again = reconcile_month(interval_start.replace(tzinfo=UTC), SIM_ROOT_DEPARTMENT_ID)
    assert again["alerts_queued"] == 0 and again["rows"] == len(rows)


def test_main_simulator_serves_the_reporting_api(simulator: Any) -> None:
    """The portal simulator routes /api/v1/reporting/* to the national-portal simulation."""
    payload = {
        "timeType": "month",
        "year": 2026,
        "month": 8,
        "currentPage": 1,
        "pageSize": 100,
        "rootDepartmentId": "019d2be3-6a88-732b-8b17-b68020c8553a",
    }
    answer = requests.post(
        f"{simulator.url}/api/v1/reporting/evaluation/dvc-progress-tree", json=payload, timeout=30
    )
    assert answer.status_code == 201
    expected = (FIXTURES / "dvc-progress-tree" / "month-all.json").read_bytes()
    assert answer.content == expected
    assert (
        requests.get(f"{simulator.url}/api/v1/reporting/formalities", timeout=10).status_code == 405
    )
