"""The bulk backfill of ``portal_daily`` (``portal-kpi backfill --bulk``) at 6,000 a day.

The portal simulator runs in its own process (``portal-kpi simulate``) at 6,000 dossiers
received per working day; the bulk path (``devtools.bulk_backfill.bulk_backfill``) loads
the range into a fresh warehouse in windows, then runs the last day as a day with the
KPIs restated once. Printed: the wall time, versions loaded and their rate, the seconds by
step over all windows (pull = the portal answering plus scrub, archive and staging;
validate; publish; record = days recorded with their volume check), and, measured apart
before the backfill, how long the simulator alone takes to serve one window's feed — so
the share of the portal in the pull is visible.

Default: 14 days (2026-11-01 .. 2026-11-14). ``--year``: 2025-12-01 .. 2026-11-30, the
range of issue 17 (target: ≤ 15 minutes).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(__file__))

from bench_load import CLIENT_ID, CLIENT_SECRET, SECRET, _free_port
from common import scratch_database

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

SHORT = (date(2026, 11, 1), date(2026, 11, 14))
YEAR = (date(2025, 12, 1), date(2026, 11, 30))


def _simulator(today: date, history_days: int, per_day: int) -> tuple[object, str]:
    import socket
    import subprocess

    port = _free_port()
    cmd = [
        sys.executable, "-m", "portal_kpi.devtools.cli", "simulate", "--port", str(port),
        "--today", today.isoformat(), "--per-day", str(per_day), "--seed", "48",
        "--history-days", str(history_days),
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                raise RuntimeError("the simulator did not start") from None
            time.sleep(0.2)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    from rich.console import Console

    from portal_kpi.daily.bulk import DEFAULT_WINDOW_DAYS
    from portal_kpi.dates import day_start
    from portal_kpi.devtools.bulk_backfill import bulk_backfill
    from portal_kpi.pii import PiiHasher
    from portal_kpi.quality.gx import Settings
    from portal_kpi.sources.portal import PortalClient

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", action="store_true", help="2025-12-01 .. 2026-11-30")
    parser.add_argument("--per-day", type=int, default=6000)
    parser.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS)
    args = parser.parse_args(argv if argv is not None else [])
    logging.disable(logging.INFO)  # the per-page lines; warnings still show
    start, end = YEAR if args.year else SHORT
    today = end + timedelta(days=1)
    history_days = (today - start).days + 60  # dossiers open when the range starts
    print(
        f"  bulk backfill {start} .. {end} at {args.per_day:,} a day, windows of "
        f"{args.window_days} days (simulator history {history_days} days)",
        flush=True,
    )
    own_cpu = _cpu(resource.RUSAGE_SELF)
    proc, url = _simulator(today, history_days, args.per_day)
    try:
        client = PortalClient(url, CLIENT_ID, CLIENT_SECRET, page_limit=1000)
        # The portal alone: one window's feed before the range, fetched and dropped.
        probe_to = day_start(start)
        probe_from = probe_to - timedelta(days=args.window_days + 1)
        t0 = time.perf_counter()
        probed = sum(len(p.records) for p in client.dossier_changes(probe_from, probe_to))
        portal = time.perf_counter() - t0
        print(
            f"  simulator alone: {probed:,} versions of one {args.window_days + 1}-day feed in "
            f"{portal:.1f} s ({probed / portal:,.0f} versions/s)",
            flush=True,
        )
        with scratch_database("bench_backfill") as engine:
            result = bulk_backfill(
                engine,
                client,
                PiiHasher(SECRET),
                start,
                end,
                window_days=args.window_days,
                console=Console(),
                settings=Settings(),
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    own_cpu = _cpu(resource.RUSAGE_SELF) - own_cpu
    days = (end - start).days + 1
    print(
        f"  wall time {result.seconds:.1f} s for {days} days ({result.seconds / days:.2f} s a day)"
    )
    print(
        f"  {result.versions:,} versions in {result.windows} windows: "
        f"{result.versions / result.seconds:,.0f} versions/s; {result.quarantined:,} quarantined"
    )
    print(
        f"  CPU: this process {own_cpu:.0f} s, the simulator {_cpu(resource.RUSAGE_CHILDREN):.0f} s "
        f"(PostgreSQL's not counted; on a shared machine wall time is more than CPU)"
    )
    for step, seconds in result.steps.items():
        print(f"    {step:<40} {seconds:8.1f} s  {seconds / result.seconds:5.1%}")
    if args.year:
        print(f"  year target ≤ 900 s: {'met' if result.seconds <= 900 else 'NOT met'}")


if __name__ == "__main__":
    main(sys.argv[1:])
