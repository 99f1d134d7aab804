"""``portal-kpi quarantine list | show ID | resolve ID --reason TEXT``: the data team sees
quarantined rows and closes them; a resolved row stays in ``quality.quarantine``."""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from portal_kpi.db import make_engine
from portal_kpi.devtools.runtime import ensure_warehouse
from portal_kpi.quality import quarantine


def _list(args: argparse.Namespace) -> int:
    engine = make_engine()
    try:
        rows = quarantine.listing(engine, everything=args.all, limit=args.limit)
    finally:
        engine.dispose()
    if not rows:
        print("no quarantined rows" if args.all else "no open quarantined rows")
        return 0
    print(f"{'ID':>6}  {'STATUS':<15} {'ENTITY':<9} {'KEY':<30} {'VERSION':<14} RULES")
    for r in rows:
        print(
            f"{r['id']:>6}  {r['status']:<15} {r['entity']:<9} {r['record_key'] or '-':<30} "
            f"{r['version_at'] or '-':<14} {', '.join(r['rules'])}"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    engine = make_engine()
    try:
        row = quarantine.show(engine, args.id)
    finally:
        engine.dispose()
    if row is None:
        print(f"no quarantined row {args.id}")
        return 1
    print(json.dumps(row, ensure_ascii=False, indent=2, default=str))
    return 0


def _resolve(args: argparse.Namespace) -> int:
    engine = make_engine()
    try:
        done = quarantine.resolve_by_person(engine, args.id, args.reason, args.by)
    finally:
        engine.dispose()
    if not done:
        print(f"quarantined row {args.id} does not exist or is not open")
        return 1
    print(f"resolved quarantined row {args.id}: {args.reason}")
    return 0


def _run(args: argparse.Namespace) -> int:
    ensure_warehouse()
    handler: Any = args.action
    return int(handler(args))


def add_parser(sub: Any) -> None:
    """The ``quarantine`` subcommand group."""
    q = sub.add_parser("quarantine", help="see and resolve quarantined rows")
    actions = q.add_subparsers(dest="quarantine_command", required=True, help="what to do")
    ls = actions.add_parser("list", help="open quarantined rows (--all: every status)")
    ls.add_argument("--all", action="store_true")
    ls.add_argument("--limit", type=int, default=200)
    ls.set_defaults(func=_run, action=_list)
    sh = actions.add_parser("show", help="one row with its rules, reasons and hashed record")
    sh.add_argument("id", type=int)
    sh.set_defaults(func=_run, action=_show)
    rs = actions.add_parser("resolve", help="close an open row with a reason (kept as history)")
    rs.add_argument("id", type=int)
    rs.add_argument("--reason", required=True)
    rs.add_argument("--by", default=getpass.getuser(), help="who resolves it")
    rs.set_defaults(func=_run, action=_resolve)
