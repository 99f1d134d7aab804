"""The BI surface: documented views, the data dictionary, and the read-only role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from portal_kpi.devtools.dictionary import missing_comments, render

DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data-dictionary.md"


def test_every_kpi_table_view_and_column_is_commented(engine: Any) -> None:
    assert missing_comments(engine, "kpi") == []


def test_committed_data_dictionary_is_current(engine: Any) -> None:
    assert DICTIONARY.read_text(encoding="utf-8") == render(engine) + "\n", (
        "regenerate with: portal-kpi data-dictionary"
    )


@pytest.mark.parametrize(
    "view", ["kpi_monthly", "kpi_daily", "form06_monthly", "form06_daily", "agency"]
)
def test_bi_reader_reads_the_views(engine: Any, view: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL ROLE bi_reader"))
        conn.execute(text(f"SELECT * FROM kpi.{view} LIMIT 1")).all()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM core.dossier LIMIT 1",
        "SELECT * FROM raw.page LIMIT 1",
        "SELECT * FROM quality.quarantine LIMIT 1",
        "SELECT * FROM ops.recipient LIMIT 1",
        "INSERT INTO kpi.target (kpi, comparator, target) VALUES ('x', '=', 0)",
        "DELETE FROM kpi.kpi_value",
        "UPDATE kpi.dossier_stats SET received_total = 0",
        "CREATE TABLE kpi.mine (x int)",
    ],
)
def test_bi_reader_cannot_write_or_read_outside_kpi(engine: Any, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL ROLE bi_reader"))
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(text(statement))
