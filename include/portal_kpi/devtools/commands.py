"""Subcommands beside the runtime ones: 766 replay and alert recipients."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from portal_kpi.alerts.recipients import RecipientFileError, import_file
from portal_kpi.db import make_engine, migrate
from portal_kpi.devtools.runtime import ensure_warehouse
from portal_kpi.scores.replay import replay_file, summary_lines

FORMAT = argparse.ArgumentDefaultsHelpFormatter


def cmd_scores_replay(args: argparse.Namespace) -> int:
    """Recompute saved national-portal responses' points; non-zero when any row differs."""
    failed = False
    for name in args.files:
        result = replay_file(Path(name))
        for line in summary_lines(result):
            args.console.print(line)
        failed = failed or bool(result.failures)
    return 1 if failed else 0


def cmd_recipients_import(args: argparse.Namespace) -> int:
    """Load the province's recipient list (CSV or XLSX) into ops.recipient, validated."""
    ensure_warehouse()
    engine = make_engine()
    try:
        migrate(engine)
        inserted, updated = import_file(engine, Path(args.file))
    except RecipientFileError as exc:
        errors = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)
        for error in exc.errors:
            errors.print(f"{args.file}: {error}")
        errors.print("nothing imported")
        return 2
    finally:
        engine.dispose()
    args.console.print(f"recipients: {inserted} added, {updated} updated from {args.file}")
    return 0


def add_scores(sub: Any) -> None:
    sc = sub.add_parser("scores", help="Decision 766 points", formatter_class=FORMAT)
    sc_sub = sc.add_subparsers(
        dest="scores_command", required=True, metavar="ACTION", help="what to do"
    )
    rpl = sc_sub.add_parser(
        "replay",
        help="recompute saved national-portal responses' points from their counters",
        formatter_class=FORMAT,
    )
    rpl.add_argument("files", nargs="+", metavar="FILE", help="saved DVCQG responses (.json)")
    rpl.set_defaults(func=cmd_scores_replay)


def add_recipients(sub: Any) -> None:
    rc = sub.add_parser(
        "recipients", help="alert recipients (ops.recipient)", formatter_class=FORMAT
    )
    rc_sub = rc.add_subparsers(
        dest="recipients_command", required=True, metavar="ACTION", help="what to do"
    )
    rc_import = rc_sub.add_parser(
        "import", help="load the province's list (CSV or XLSX), every row checked",
        formatter_class=FORMAT,
    )  # fmt: skip
    rc_import.add_argument("file", help="FILE.csv or FILE.xlsx: name, channel, address, ...")
    rc_import.set_defaults(func=cmd_recipients_import)
