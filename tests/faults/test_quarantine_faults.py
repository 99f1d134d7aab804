"""A quarantined version stays one open row until it is valid or a person resolves it;
rechecking it never stops a day and never publishes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from faults.harness import DAY, clean, differences, make_client, run, scalar, snapshot, victim
from portal_kpi.devtools.cli import main

BEFORE = DAY - timedelta(days=1)


def _rows(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id, status, rules, version_at FROM quality.quarantine ORDER BY id")
        ).all()


def test_catalogue_quarantine_converges_and_is_resolved_by_a_person(
    engine: Any, simulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = victim(simulator, lambda r: r["NgayCapNhat"] < "20261119")  # in both days' windows
    expected = clean(engine, simulator, BEFORE, DAY, drop=bad["MaHoSo"])
    simulator.faults.patch_key, simulator.faults.patch = bad["MaHoSo"], {"MaDonVi": "H48.999"}
    run(engine, make_client(simulator), BEFORE, DAY)  # DAY rechecks the quarantined rows
    run(engine, make_client(simulator), DAY)  # and again
    assert differences(snapshot(engine), expected) == {}  # never published, no day stopped
    rows = _rows(engine)
    assert rows and {r.status for r in rows} == {"open"}
    assert len(rows) == len({r.version_at for r in rows})  # one open row per version
    assert all(r.rules == ["agency_in_catalogue"] for r in rows)
    rechecked = "SELECT rows_quarantined FROM quality.validation_run WHERE batch_id LIKE :b"
    requeue = scalar(engine, rechecked, b="dossiers_requeue/%")
    assert requeue == len(rows)  # rechecked, still invalid, not a new quarantine
    assert scalar(engine, "SELECT min(checks) FROM quality.quarantine") >= 1

    assert main(["quarantine", "list"]) == 0
    listed = capsys.readouterr().out
    assert bad["MaHoSo"] in listed and "agency_in_catalogue" in listed
    first = rows[0].id
    assert main(["quarantine", "show", str(first)]) == 0
    assert "H48.999" in capsys.readouterr().out
    assert main(["quarantine", "resolve", str(first), "--reason", "agency closed, data team"]) == 0
    assert main(["quarantine", "resolve", str(first), "--reason", "again"]) == 1  # not open now
    capsys.readouterr()
    run(engine, make_client(simulator), DAY)  # a rerun does not reopen it
    after = {r.id: r.status for r in _rows(engine)}
    assert after[first] == "resolved"
    assert sorted(after) == [r.id for r in rows]  # the resolved row stayed, nothing added
    assert main(["quarantine", "list", "--all"]) == 0
    assert "resolved" in capsys.readouterr().out

    simulator.faults.patch_key = None  # the portal corrects the record
    run(engine, make_client(simulator), DAY)
    statuses = {r.id: r.status for r in _rows(engine)}
    assert statuses[first] == "resolved"
    assert {s for i, s in statuses.items() if i != first} <= {"published_later"}
    assert (
        scalar(engine, "SELECT count(*) FROM core.dossier WHERE dossier_code = :c", c=bad["MaHoSo"])
        == 1
    )


def test_exact_copy_of_a_rejected_version_is_not_published(engine: Any, simulator: Any) -> None:
    bad = victim(simulator, lambda r: bool(r["NgayTiepNhan"]))
    expected = clean(engine, simulator, drop=bad["MaHoSo"])
    simulator.faults.malformed_mahoso = bad["MaHoSo"]
    simulator.faults.repeat_record = True  # every page repeats the last record of the one before
    run(engine, make_client(simulator, page_limit=7))
    assert differences(snapshot(engine), expected) == {}
    copies = scalar(
        engine,
        'SELECT count(*) FROM staging.dossier WHERE "MaHoSo" = :c AND rejected',
        c=bad["MaHoSo"],
    )
    assert copies >= 1
    assert scalar(engine, "SELECT count(*) FROM quality.quarantine WHERE status <> 'open'") == 0
