"""Official DVCQG scores from the real Phú Thọ captures: parsed, archived byte for byte and
stored exactly as published (nulls kept), the department map, the national catalogue, the
no-data rule of the reconciliation, and the DAG's wiring."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from portal_kpi.official.parse import (
    COUNTER_FIELDS,
    OfficialDataError,
    parse_evaluation,
    parse_formalities,
)
from portal_kpi.official.reconcile import TOLERANCE_ENV, queue_alerts, reconcile, tolerance_from_env
from portal_kpi.official.store import archive, load_period, store_catalogue
from portal_kpi.sources.dvcqg import Period, Response
from portal_kpi.tasks.dvcqg_monthly import month_of

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "dvcqg"
PHU_THO = "019d2be3-6a88-732b-8b17-b68020c8553a"
MANIFEST = json.loads((FIXTURES / "manifest.m0.json").read_bytes())
CAPTURED = {c["file"]: c for c in MANIFEST["captures"] if (FIXTURES / c["file"]).is_file()}
SATISFACTION = "handling-satisfaction/month-all-recaptured-20260928.json"
EVALUATION_FILES = {
    "transparency/month-all.json": ("transparency", Period.month(2026, 8)),
    SATISFACTION: ("handling-satisfaction", Period.month(2026, 8)),
    "dvc-progress-tree/month-all.json": ("dvc-progress-tree", Period.month(2026, 8)),
    "dvc-progress-tree/year-all.json": ("dvc-progress-tree", Period.year_to(2026, 8)),
    "provide-online-tree/month-all.json": ("provide-online-tree", Period.month(2026, 8)),
    "provide-online-tree/year-all.json": ("provide-online-tree", Period.year_to(2026, 8)),
    "formality-online-payment-tree/month-all.json": (
        "formality-online-payment-tree",
        Period.month(2026, 8),
    ),
}


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def as_response(name: str) -> Response:
    """A fixture file as the client would have returned it (request body from the manifest)."""
    group, period = EVALUATION_FILES[name]
    capture = CAPTURED.get(name)
    body = capture["payload"] if capture else {"fromDate": "2026-08-01", "toDate": "2026-08-31"}
    fetched = (
        datetime.fromisoformat(capture["capturedAt"])
        if capture
        else datetime(2026, 9, 28, 12, 0, tzinfo=UTC)
    )
    return Response(
        scope=PHU_THO,
        endpoint=group,
        period_key=period.key,
        page=1,
        url=f"https://dichvucong.gov.vn/api/v1/reporting/evaluation/{group}",
        request_body=body,
        status=201,
        content_type="application/json; charset=utf-8",
        body=raw(name),
        fetched_at=fetched,
    )


def load_all(engine: Engine) -> None:
    for name in EVALUATION_FILES:
        archive(engine, [as_response(name)])
    load_period(engine, PHU_THO, Period.month(2026, 8))
    load_period(engine, PHU_THO, Period.year_to(2026, 8))


def exact(value: Any) -> Any:
    """A JSON number as the database gives it back (numeric → Decimal)."""
    return None if value is None else Decimal(str(value))


# ----------------------------------------------------------------------------- pure
def test_every_fixture_matches_its_manifest_entry() -> None:
    assert set(CAPTURED) >= set(EVALUATION_FILES) - {SATISFACTION}
    assert "formalities/page-1.json" in CAPTURED and "formalities/page-last.json" in CAPTURED
    for name, capture in CAPTURED.items():
        body = raw(name)
        assert hashlib.sha256(body).hexdigest() == capture["sha256"], name
        assert len(body) == capture["bytes"], name
    assert hashlib.sha256(raw(SATISFACTION)).hexdigest().startswith("4e8f05d0")


def test_transparency_parsed_with_flags_and_nulls() -> None:
    parsed = parse_evaluation("transparency", raw("transparency/month-all.json"))
    sync = [s for s in parsed.scores if s.metric_code == "DOSSIER_SYNC"]
    assert len(sync) == 164
    overview = next(s for s in sync if s.is_total)
    assert (overview.numerator, overview.denominator) == (138_744, 138_744)
    assert overview.data_quality_status == "TEMP_NATIONAL_REPORT_DENOMINATOR"
    assert overview.ratio == 100 and overview.score == 6
    counters = {c.department_id: c for c in parsed.counters}
    no_data = [s for s in sync if s.data_quality_status == "NO_NATIONAL_REPORT_DATA"]
    assert sorted(counters[s.department_id].counters["stt"] or 0 for s in no_data) == [1, 139]
    for s in no_data:
        assert (s.numerator, s.denominator, s.ratio, s.score) == (0, 0, None, None)
        assert s.data_quality_message == "Không có dữ liệu báo cáo tổng hợp."
    flagged = [s for s in sync if s.data_quality_status == "TEMP_NATIONAL_REPORT_DENOMINATOR"]
    assert len(flagged) == 162
    assert sum(s.numerator or 0 for s in flagged if not s.is_total) == 138_744
    publish = [s for s in parsed.scores if s.metric_code == "PUBLISH_ON_TIME"]
    assert publish and all(
        s.ratio is None and s.score is None and s.numerator == 0 for s in publish
    )
    content = next(s for s in parsed.scores if s.metric_code == "PUBLIC_CONTENT_FULL")
    assert content.ratio == Decimal("97.75") and content.score == Decimal("1.96")
    # Shape A carries no department code: the map fills it later.
    assert parsed.scores and all(s.department_code is None for s in parsed.scores)
    assert parsed.departments == []


def test_progress_parent_children_and_ratios_as_published() -> None:
    parsed = parse_evaluation("dvc-progress-tree", raw("dvc-progress-tree/month-all.json"))
    parent = next(c for c in parsed.counters if c.is_total)
    assert parent.department_code == "H44"
    assert parent.counters["total_received"] == 184_513
    assert parent.counters["total_on_time"] == 144_625
    assert parent.counters["total_completed"] == 147_765
    assert parent.counters["avg_processing_days"] == Decimal("7.05")
    total = next(s for s in parsed.scores if s.is_total)
    assert (total.ratio, total.score, total.max_score) == (Decimal("78.38"), Decimal("15.68"), 20)
    assert (total.numerator, total.denominator) == (144_625, 184_513)
    children = [c for c in parsed.counters if not c.is_total]
    assert len(children) == 163
    assert sum(c.counters["total_received"] or 0 for c in children) == 184_513
    for c in children:
        assert (
            c.counters["total_on_time"] + c.counters["total_overdue"]
            == (  # type: ignore[operator]
                c.counters["total_received"]
            )
        )
        assert c.counters["score_delta"] is None
    empty = sorted(
        s.department_code
        for s in parsed.scores
        if not s.is_total and s.denominator == 0 and s.ratio == 0
    )
    assert empty == ["H44.01", "H44.23"]
    levels = {d.level for d in parsed.departments if not d.is_root}
    assert levels == {"PROVINCE", "COMMUNE"} and len(parsed.departments) == 164


def test_online_tree_counters() -> None:
    parsed = parse_evaluation("provide-online-tree", raw("provide-online-tree/month-all.json"))
    parent = next(c for c in parsed.counters if c.is_total).counters
    assert parent["channel_online_sum"] == 150_956 and parent["channel_total_sum"] == 152_595
    assert parent["channel_postal_sum"] == 0 and parent["channel_direct_sum"] == 1_639
    assert parent["online_on_time_sum"] + parent["online_overdue_sum"] == 150_956  # type: ignore[operator]
    assert (parent["online_dossier_count"], parent["online_service_total"]) == (406, 1968)
    child = next(c for c in parsed.counters if not c.is_total).counters
    assert "channel_online_sum" not in child  # children carry only the score


def test_catalogue_pages_parse() -> None:
    first = parse_formalities(raw("formalities/page-1.json"))
    last = parse_formalities(raw("formalities/page-last.json"))
    assert len(first) == 10 and len(last) == 1
    assert first[0].code == "1.000010" and first[0].state == "UPDATED"
    assert len(first[0].applied_department_ids) == 11
    assert last[0].code == "6.006776" and last[0].applied_department_ids == []


def test_malformed_bodies_are_refused() -> None:
    with pytest.raises(OfficialDataError):
        parse_evaluation("transparency", b'{"code":"ERR","data":null}')
    with pytest.raises(OfficialDataError):
        parse_evaluation("dvc-progress-tree", b'{"code":"OK","data":{"x":1}}')


# ----------------------------------------------------------------------------- warehouse
def test_archive_is_byte_for_byte_and_rerun_replaces(engine: Engine) -> None:
    for _ in range(2):
        for name in EVALUATION_FILES:
            archive(engine, [as_response(name)])
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT endpoint, period_key, body, sha256, bytes FROM raw.dvcqg_response")
        ).all()
    assert len(rows) == len(EVALUATION_FILES)
    by_key = {(r.endpoint, r.period_key): r for r in rows}
    for name, (group, period) in EVALUATION_FILES.items():
        row = by_key[(group, period.key)]
        assert bytes(row.body) == raw(name)
        assert row.sha256 == hashlib.sha256(raw(name)).hexdigest()
        if name in CAPTURED:
            assert row.sha256 == CAPTURED[name]["sha256"] and row.bytes == CAPTURED[name]["bytes"]


def test_stored_exactly_as_received(engine: Engine) -> None:
    load_all(engine)
    with engine.connect() as conn:
        scores = conn.execute(text("SELECT * FROM kpi.official_score")).mappings().all()
        counters = conn.execute(text("SELECT * FROM kpi.official_counter")).mappings().all()
    score_index = {
        (s["group_code"], s["period_type"], s["department_id"], s["metric_code"]): s for s in scores
    }
    counter_index = {(c["group_code"], c["period_type"], c["department_id"]): c for c in counters}
    checked = 0
    for name, (group, period) in EVALUATION_FILES.items():
        data = json.loads(raw(name))["data"]
        objects = [data.get("parent") or data.get("overview")]
        objects += data.get("children") or data.get("evaluation") or []
        for obj in objects:
            key = (group, period.kind, obj["departmentId"])
            total = score_index[(*key, "_TOTAL")]
            assert total["ratio"] == exact(obj["ratio"])
            assert total["score"] == exact(obj.get("score", obj.get("totalScore")))
            assert total["max_score"] == exact(obj.get("maxScore", obj.get("totalMaxScore")))
            for metric in obj.get("metrics") or []:
                row = score_index[(*key, metric["code"])]
                for field, column in (("numerator", "numerator"), ("denominator", "denominator"),
                                      ("ratio", "ratio"), ("score", "score"),
                                      ("maxScore", "max_score")):  # fmt: skip
                    assert row[column] == exact(metric[field]), (name, metric["code"], field)
                assert row["data_quality_status"] == metric.get("dataQualityStatus")
                assert row["data_quality_message"] == metric.get("dataQualityMessage")
                checked += 1
            counter = counter_index[key]
            for field, column in COUNTER_FIELDS.items():
                if field in obj:
                    assert counter[column] == exact(obj[field]), (name, field)
                else:
                    assert counter[column] is None
            # every row is placed: tree rows by their own code, the others by the map
            assert total["department_code"] is not None, (name, obj["departmentId"])
            checked += 1
    assert checked > 2_000


def test_transparency_rows_get_codes_from_the_department_map(engine: Engine) -> None:
    load_all(engine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.stt, c.department_code, c.department_level, s.ratio, s.score,"
                " s.data_quality_status FROM kpi.official_counter AS c"
                " JOIN kpi.official_score AS s USING (root_department_id, period_type,"
                " period_start, group_code, department_id)"
                " WHERE c.group_code = 'transparency' AND NOT c.is_total"
                " AND s.metric_code = 'DOSSIER_SYNC' AND c.stt IN (1, 139) ORDER BY c.stt"
            )
        ).all()
        mapped = conn.execute(
            text("SELECT count(*) FROM core.official_department WHERE root_department_id = :r"),
            {"r": PHU_THO},
        ).scalar()
    assert mapped == 164
    assert [r.stt for r in rows] == [1, 139]
    assert rows[0].department_code == "H44.01"
    assert all(r.department_level == "PROVINCE" for r in rows)
    assert all(r.ratio is None and r.score is None for r in rows)
    assert all(r.data_quality_status == "NO_NATIONAL_REPORT_DATA" for r in rows)


def test_zero_received_rows_are_no_data_in_reconciliation(engine: Engine) -> None:
    load_all(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO kpi.dossier_stats (period_grain, period_start, as_of, agency_code,"
                " received_total, received_online, received_offline, carried_over,"
                " resolved_total, resolved_early, resolved_on_time, resolved_late,"
                " in_progress_total, in_progress_within_deadline, in_progress_overdue,"
                " received_online_capable, received_online_capable_online,"
                " received_full_online_capable, received_full_online_capable_online,"
                " late_without_apology, multi_supplement) VALUES"
                " ('month', '2026-08-01', '2026-08-31', 'H44.23', 0, 0, 0, 0, 0, 0, 0, 0,"
                "  0, 0, 0, 0, 0, 0, 0, 0, 0)"
            )
        )
    rows = {r.agency_code: r for r in reconcile(engine, PHU_THO, date(2026, 8, 1))}
    assert len(rows) == 164
    for code in ("H44.01", "H44.23"):
        row = rows[code]
        assert row.official_received == 0 and row.official_ratio == 0
        assert row.no_data and row.reason_code == "no_data"
        assert row.diff_ratio is None and not row.exceeds_tolerance
    assert rows["H44"].is_total and rows["H44"].official_ratio == Decimal("0.7838")
    assert queue_alerts(engine, PHU_THO, date(2026, 8, 1), rows.values()) == 0


def test_national_catalogue_fills_missing_codes_only(engine: Engine) -> None:
    fetched = datetime(2026, 9, 26, 11, 22, tzinfo=UTC)
    for name in ("formalities/page-1.json", "formalities/page-last.json"):
        store_catalogue(engine, parse_formalities(raw(name)), fetched)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.procedure (code, name, online_level, has_fee, valid_from,"
                " batch_id) VALUES ('1.000010', 'Thủ tục tỉnh', 3, false, '2025-07-01', 't')"
            )
        )
        rows = conn.execute(
            text("SELECT code, source FROM core.procedure_dimension ORDER BY code, source")
        ).all()
        stored = conn.execute(text("SELECT count(*) FROM core.national_procedure")).scalar()
    assert stored == 11
    sources = {}
    for r in rows:
        sources.setdefault(r.code, []).append(r.source)
    assert sources["1.000010"] == ["provincial"]
    assert sources["6.006776"] == ["national"]
    assert len(sources) == 11


def test_tolerance_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOLERANCE_ENV, raising=False)
    assert tolerance_from_env() == Decimal("0.02")
    monkeypatch.setenv(TOLERANCE_ENV, "0.05")
    assert tolerance_from_env() == Decimal("0.05")
    monkeypatch.setenv(TOLERANCE_ENV, "-1")
    with pytest.raises(ValueError):
        tolerance_from_env()


# ----------------------------------------------------------------------------- DAG
def test_dag_wiring_and_month_of_interval() -> None:
    spec = importlib.util.spec_from_file_location("dvcqg_monthly", ROOT / "dags/dvcqg_monthly.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dag = module.dvcqg_monthly()
    assert dag.dag_id == "dvcqg_monthly"
    assert {"portal-kpi", "dvcqg"} <= set(dag.tags)
    assert dag.doc_md and "403" in dag.doc_md
    assert set(dag.task_ids) == {"pull", "load", "catalogue", "reconcile"}
    from portal_kpi.tasks.defaults import DEFAULT_RETRIES

    assert all(t.retries == DEFAULT_RETRIES for t in dag.tasks)
    assert dag.get_task("catalogue").upstream_task_ids == {"pull"}
    # The run for August starts its data interval on 1 August 06:00 local time.
    from zoneinfo import ZoneInfo

    start = datetime(2026, 8, 1, 6, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert month_of(start.astimezone(UTC)) == (2026, 8)
