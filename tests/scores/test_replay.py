"""The portal's formulas reproduce every published row of the saved national-portal responses."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from portal_kpi.scores.components import BY_CODE
from portal_kpi.scores.formulas import Empty, Rule, points, ratio_percent
from portal_kpi.scores.replay import replay_bytes, replay_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "dvcqg"
EVALUATIONS = sorted(p for p in FIXTURES.glob("*/*.json") if p.parent.name != "formalities")


def test_every_group_kept_is_replayed() -> None:
    groups = {replay_file(p).group for p in EVALUATIONS}
    assert groups == {
        "transparency",
        "handling-satisfaction",
        "dvc-progress-tree",
        "provide-online-tree",
        "formality-online-payment-tree",
    }


@pytest.mark.parametrize("path", EVALUATIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_row_reproduces_exactly(path: Path) -> None:
    result = replay_file(path)
    assert len(result.rows) == 164  # the province and its 163 agencies
    assert result.failures == []
    for row in result.rows:
        # stricter than the CLI's 0.01 tolerance: to the cent
        assert row.published_score == row.computed_score, row.label
        assert row.published_ratio == row.computed_ratio, row.label
        for component in row.components:
            if component.published is not None or component.computed is not None:
                assert component.published == component.computed, (row.label, component.code)


def test_components_are_really_recomputed() -> None:
    """The scored rows are recomputed from counters, not copied (a changed counter shows)."""
    path = FIXTURES / "dvc-progress-tree" / "month-all.json"
    payload = json.loads(path.read_bytes())
    child = next(c for c in payload["data"]["children"] if c["totalReceived"] > 100)
    child["totalOnTime"] -= 50
    result = replay_bytes(json.dumps(payload).encode(), "tampered")
    assert [r.department_code for r in result.failures] == [child["departmentCode"]]


def test_cli_reports_and_exits_non_zero_on_a_difference(tmp_path: Path) -> None:
    env_path = str(ROOT / "include")
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal_kpi.devtools.cli",
            "scores",
            "replay",
            *map(str, EVALUATIONS),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "164/164 rows reproduce the published score" in good.stdout
    assert good.stdout.count("rows reproduce the published score") == len(EVALUATIONS)

    payload = json.loads((FIXTURES / "transparency" / "month-all.json").read_bytes())
    row = payload["data"]["evaluation"][5]
    row["totalScore"] = round(row["totalScore"] + 0.5, 2)
    bad_file = tmp_path / "transparency-bad.json"
    bad_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "portal_kpi.devtools.cli", "scores", "replay", str(bad_file)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert bad.returncode == 1
    assert "163/164 rows reproduce the published score" in bad.stdout
    assert "DIFFERS" in bad.stdout and row["departmentName"] in bad.stdout


def test_points_from_the_raw_fraction_not_the_rounded_ratio() -> None:
    # 133,609 / 184,503 of a 6-point linear metric: 4.34 (the rounded 72.42 % would give 4.35)
    assert ratio_percent(133_609, 184_503) == Decimal("72.42")
    assert points(133_609, 184_503, Rule(Decimal(6))) == Decimal("4.34")


def test_thresholds_and_empty_denominators() -> None:
    assert points(80, 100, BY_CODE["3.1"].rule) == Decimal("2.00")
    assert points(40, 100, BY_CODE["3.1"].rule) == Decimal("1.00")
    assert points(50, 100, BY_CODE["3.3"].rule) == Decimal("6.00")
    assert points(1, 4, BY_CODE["3.3"].rule) == Decimal("3.00")
    assert points(0, 0, BY_CODE["3.3"].rule) is None
    assert points(0, 0, BY_CODE["2.1"].rule) == Decimal("0.00")
    assert points(None, None, BY_CODE["6.2"].rule) == Decimal("6.00")
    assert points(81, 90, BY_CODE["6.1"].rule) == Decimal("6.00")  # 90 % threshold
    assert points(1, 8, Rule(Decimal(2), empty=Empty.NULL)) == Decimal("0.25")


def test_paid_online_points_from_the_rounded_ratio_half_to_even() -> None:
    rule = BY_CODE["3.6"].rule
    assert points(295, 377, rule) == Decimal("4.70")  # 78.25 % -> 4.695 -> 4.70
    assert points(745, 1133, rule) == Decimal("3.94")  # 65.75 % -> 3.945 -> 3.94
