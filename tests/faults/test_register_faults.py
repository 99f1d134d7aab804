"""ISO 9001 register faults: a version that would silently shrink the register is held
back with an alert; a malformed cell quarantines its row and the version is recorded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from test_iso9001 import COMMUNES, DEPARTMENTS, R, load, reg_row, register, world, write

from portal_kpi.iso9001.register import REGISTER_COLUMNS

__all__ = ["world"]  # the fixture, shared with test_iso9001
NEXT = R + timedelta(days=1)
ALL = [reg_row(code) for code in [*DEPARTMENTS, *COMMUNES]]


def _files(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT load_status, load_error FROM raw.iso9001_file ORDER BY received_at")
        ).all()


def _alerts(engine: Any) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT subject FROM ops.outbox WHERE kind = 'data_quality'")
            ).scalars()
        )


def test_header_only_version_is_held_back(world: Any, tmp_path: Path) -> None:
    load(world, write(tmp_path, ALL, "v1.xlsx"))
    before = register(world)
    result = load(world, write(tmp_path, [], "v2.xlsx"), NEXT)
    assert result.held and not result.changed
    assert register(world) == before  # nothing dropped out
    assert _files(world)[-1].load_status == "held"
    assert "no data rows" in _files(world)[-1].load_error
    assert _alerts(world)


def test_truncated_version_is_held_back_and_a_small_change_is_not(
    world: Any, tmp_path: Path
) -> None:
    load(world, write(tmp_path, ALL, "v1.xlsx"))
    before = register(world)
    truncated = load(world, write(tmp_path, ALL[:4], "v2.xlsx"), NEXT)
    assert truncated.held
    assert register(world) == before
    assert "no longer lists 7 of the 11 agencies" in _files(world)[-1].load_error
    one_less = load(world, write(tmp_path, ALL[1:], "v3.xlsx"), NEXT)  # 1 of 11: 9 %
    assert not one_less.held and one_less.changed
    assert {r.agency_code for r in register(world) if r.valid_to is None} == {
        r["MaDonVi"] for r in ALL[1:]
    }


def test_nul_byte_and_oversized_cell_quarantine_their_row(world: Any, tmp_path: Path) -> None:
    rows = [dict(r) for r in ALL]
    rows[0]["TenDonVi"] = "Sở\x00 Nội vụ"
    rows[1]["SoQuyetDinhCongBo"] = "x" * 200_000
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(REGISTER_COLUMNS))
    writer.writeheader()
    writer.writerows({c: r.get(c) for c in REGISTER_COLUMNS} for r in rows)
    path = tmp_path / "so_iso.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    result = load(world, path)
    assert result.changed and result.rows_quarantined == 2
    assert result.failures["cell_nul:TenDonVi"] == 1
    assert result.failures["cell_size:SoQuyetDinhCongBo"] == 1
    assert _files(world)[-1].load_status == "loaded"  # the version is recorded
    with world.connect() as conn:
        quarantined = dict(
            conn.execute(
                text("SELECT record_key, rules FROM quality.quarantine WHERE entity = 'iso9001'")
            ).all()
        )
    assert quarantined == {
        ALL[0]["MaDonVi"]: ["cell_nul:TenDonVi"],
        ALL[1]["MaDonVi"]: ["cell_size:SoQuyetDinhCongBo"],
    }
