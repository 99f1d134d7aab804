"""What the command line's subcommands share: argument types, the parser's formatter, and
the local runtime every command uses when nothing else is configured."""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import Any

from portal_kpi.devtools.demo_register import generate_register, register_agencies
from portal_kpi.devtools.runtime import ensure_pii_secret, ensure_warehouse, local_dir
from portal_kpi.devtools.simulator.model import PortalHistory

Sub = Any  # argparse's _SubParsersAction
FORMAT = argparse.ArgumentDefaultsHelpFormatter


def day_arg(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def local_runtime() -> str:
    """The embedded warehouse, generated secrets and Data Docs folder, unless configured."""
    where = ensure_warehouse()
    ensure_pii_secret()
    os.environ.setdefault("PORTAL_KPI_DATA_DOCS_DIR", str(local_dir() / "data-docs"))
    return where


def register_file(history: PortalHistory, day: date) -> Path:
    """The demo's DOST ISO 9001 register for the simulated province's agencies on ``day``."""
    agencies = register_agencies(history, day)
    return generate_register(local_dir() / "iso9001" / "so-khcn-iso9001.xlsx", agencies, day)
