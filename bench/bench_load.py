"""The staging load against raw COPY, and one whole province-day with its peak memory.

The portal simulator runs in its own process (``portal-kpi simulate``) at 6,000 dossiers
received per working day. The day's change feed (that day and the day before) is fetched
first and held, so the portal is not timed; then

1. the project's staging load (``daily.extract.load_batch``: scrubbing, the raw archive
   in ``raw.page`` and the rows in ``staging.dossier``) is timed, and the very rows it
   staged are written to a file and loaded with ``psql \\copy`` into a table of the same
   shape (``LIKE staging.dossier INCLUDING ALL``), in the same run;
2. the whole day (pull → validate → publish → KPI, ``daily.pipeline.run_day``) runs in a
   child process of its own after a warm-up day (the one-time bootstrap), and that child
   reports its wall time and peak RSS (``ru_maxrss``), at each volume asked for.

Floors (issue 17): staging load ≥ 50 % of raw COPY rows/s; the day ≤ 60 s; peak RSS ≤ 1 GB
and the same at 3,000 and 12,000 a day; each is printed at the end beside what was
measured. ``--volumes 6000`` runs the day at one volume only, ``--volumes ""`` none.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from common import ROOT, scratch_database
from sqlalchemy import Engine, text

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

TODAY = date(2026, 11, 20)  # the simulator's history ends here (a Friday)
DAY = date(2026, 11, 19)  # the timed day (Thursday): feed window 18–19 November
WARM_UP = date(2026, 11, 18)
HISTORY_DAYS = 30
SECRET = "bench-secret-not-for-production-0123456789"
CLIENT_ID, CLIENT_SECRET = "portal-kpi", "sim-secret"
REPEATS = 3
# the floors of issue 17 (``flat`` read as: the largest volume's peak within this share of
# the smallest's)
LOAD_FLOOR = 0.50
DAY_FLOOR_S = 60.0  # at DAY_VOLUME received a day
DAY_VOLUME = 6000
RSS_FLOOR_MB = 1024
FLAT_RSS = 0.20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def simulator(per_day: int, seed: int = 48) -> Iterator[str]:
    """``portal-kpi simulate`` in a process of its own; yields its base URL."""
    port = _free_port()
    cmd = [
        sys.executable, "-m", "portal_kpi.devtools.cli", "simulate", "--port", str(port),
        "--today", TODAY.isoformat(), "--per-day", str(per_day), "--seed", str(seed),
        "--history-days", str(HISTORY_DAYS),
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _client(url: str) -> Any:
    from portal_kpi.sources.portal import PortalClient

    return PortalClient(url, CLIENT_ID, CLIENT_SECRET, page_limit=1000)


def _libpq(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def staging_versus_copy(engine: Engine, url: str) -> dict[str, float]:
    """Part 1: time ``load_batch`` on pre-fetched pages, then ``psql \\copy`` of its rows."""
    from portal_kpi.daily.extract import load_batch
    from portal_kpi.daily.model import Source
    from portal_kpi.dates import feed_window
    from portal_kpi.pii import PiiHasher

    window = feed_window(DAY)
    pages = list(_client(url).dossier_changes(*window))
    rows = sum(len(p.records) for p in pages)
    print(f"  fetched {rows:,} dossier versions in {len(pages)} pages (not timed)", flush=True)
    staged = copied = float("inf")
    for _ in range(REPEATS):  # best of REPEATS: the machine is shared
        hasher = PiiHasher(SECRET)  # a fresh hasher: no memo carried over
        started = time.perf_counter()
        batch = load_batch(
            engine,
            source=Source.DOSSIERS,
            business_day=DAY,
            window_from=window[0],
            window_to=window[1],
            pages=pages,
            hasher=hasher,
        )
        staged = min(staged, time.perf_counter() - started)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE public.copy_target (LIKE staging.dossier INCLUDING ALL)"))
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "staged.copy"
        query = f"SELECT * FROM staging.dossier WHERE batch_id = '{batch.batch_id}'"  # noqa: S608
        _psql(engine, f"\\copy ({query}) TO '{dump}'")
        for _ in range(REPEATS):
            _psql(engine, "TRUNCATE public.copy_target")
            started = time.perf_counter()
            _psql(engine, f"\\copy public.copy_target FROM '{dump}'")
            copied = min(copied, time.perf_counter() - started)
    with engine.connect() as conn:
        same = conn.execute(text("SELECT count(*) FROM public.copy_target")).scalar()
    assert same == batch.records == rows, (same, batch.records, rows)
    figures = {
        "rows": float(rows),
        "staging_s": staged,
        "staging_rows_per_s": rows / staged,
        "copy_s": copied,
        "copy_rows_per_s": rows / copied,
    }
    figures["ratio"] = figures["staging_rows_per_s"] / figures["copy_rows_per_s"]
    print(f"  best of {REPEATS}:")
    print(f"  staging load (scrub + raw.page + staging)  {staged:7.2f} s "
          f"{figures['staging_rows_per_s']:10,.0f} rows/s")  # fmt: skip
    print(f"  psql \\copy of the same rows                {copied:7.2f} s "
          f"{figures['copy_rows_per_s']:10,.0f} rows/s")  # fmt: skip
    print(f"  ratio to raw COPY                          {figures['ratio']:7.0%}   "
          f"(floor {LOAD_FLOOR:.0%})")  # fmt: skip
    return figures


def _psql(engine: Engine, command: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", _libpq(engine), "-c", command],
                   check=True)  # fmt: skip


def _child(args: argparse.Namespace) -> None:
    """One day through ``run_day`` in this process; prints its figures as JSON."""
    from portal_kpi.daily.pipeline import run_day
    from portal_kpi.db import make_engine
    from portal_kpi.pii import PiiHasher
    from portal_kpi.quality.gx import Settings

    engine = make_engine(args.db)
    started = time.perf_counter()
    # Every check runs; the threshold is lifted because the second day requeues the few
    # versions the first day quarantined for a catalogue lookup, and that small batch
    # fails again as a whole (a finding of its own, not what this benchmark measures).
    settings = Settings(max_rejected_share=1.0)
    profile = os.environ.get("BENCH_PROFILE")  # a file for cProfile's statistics
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = run_day(engine, _client(args.portal), PiiHasher(SECRET), date.fromisoformat(args.day),
                     settings)  # fmt: skip
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{args.day}")
    wall = time.perf_counter() - started
    engine.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    versions = sum(b.records for b in result.dossiers)
    print(json.dumps({"wall_s": wall, "peak_rss_mb": peak_kb / 1024, "versions": versions}))


def _run_child(db: str, portal: str, day: date) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--db", db, "--portal", portal, "--day", str(day)],
        check=False, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": _pythonpath()},
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"the run of {day} failed:\n" + "\n".join(out.stderr.splitlines()[-30:]))
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _pythonpath() -> str:
    include = str(ROOT / "include")
    return os.pathsep.join(p for p in (include, os.environ.get("PYTHONPATH", "")) if p)


def whole_day(per_day: int) -> dict[str, float]:
    """Part 2: a warm-up day (bootstrap), then the timed day, each in a fresh process."""
    with simulator(per_day) as url, scratch_database("bench_day") as engine:
        db = engine.url.render_as_string(hide_password=False)
        warm = _run_child(db, url, WARM_UP)
        day = _run_child(db, url, DAY)
    day["rows_per_s"] = day["versions"] / day["wall_s"]
    print(f"  {per_day:>6,}/day: warm-up {WARM_UP} (bootstrap) {warm['wall_s']:5.1f} s, "
          f"{warm['peak_rss_mb']:5.0f} MB; day {DAY} ({day['versions']:,.0f} versions) "
          f"{day['wall_s']:5.1f} s, {day['rows_per_s']:7,.0f} versions/s, "
          f"peak RSS {day['peak_rss_mb']:5.0f} MB", flush=True)  # fmt: skip
    return day


def floors(results: dict[str, Any]) -> None:
    """Each floor of issue 17 beside what was measured."""

    def line(what: str, got: str, met: bool) -> None:
        print(f"  {what:<44} {got:>14}   {'met' if met else 'NOT MET'}")

    print("floors (issue 17)")
    ratio = results["load"]["ratio"]
    line(f"staging load ≥ {LOAD_FLOOR:.0%} of raw COPY rows/s", f"{ratio:.0%}", ratio >= LOAD_FLOOR)
    days: dict[int, dict[str, float]] = results["days"]
    if DAY_VOLUME in days:
        wall = days[DAY_VOLUME]["wall_s"]
        line(
            f"day at {DAY_VOLUME:,}/day ≤ {DAY_FLOOR_S:.0f} s", f"{wall:.1f} s", wall <= DAY_FLOOR_S
        )
    if days:
        peak = max(d["peak_rss_mb"] for d in days.values())
        line(f"peak RSS ≤ {RSS_FLOOR_MB:,} MB", f"{peak:.0f} MB", peak <= RSS_FLOOR_MB)
    if len(days) > 1:
        low, high = days[min(days)]["peak_rss_mb"], days[max(days)]["peak_rss_mb"]
        growth = high / low - 1
        line(f"peak RSS flat {min(days):,} → {max(days):,}/day (≤ +{FLAT_RSS:.0%})",
             f"{growth:+.0%}", growth <= FLAT_RSS)  # fmt: skip


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-day", type=int, default=6000)
    parser.add_argument("--volumes", default="3000,6000,12000", help="per-day volumes of part 2")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--portal", help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        _child(args)
        return {}
    print(f"staging load against raw COPY ({args.per_day:,} received per working day)")
    results: dict[str, Any] = {}
    with simulator(args.per_day) as url, scratch_database("bench_load") as engine:
        results["load"] = staging_versus_copy(engine, url)
    print(f"whole day: pull → validate → publish → KPI (own process; floors "
          f"{DAY_FLOOR_S:.0f} s, {RSS_FLOOR_MB:,} MB, flat in volume)")  # fmt: skip
    days = {int(v): whole_day(int(v)) for v in args.volumes.split(",") if v}
    results["days"] = days
    if len(days) > 1:
        peaks = [d["peak_rss_mb"] for d in days.values()]
        print(f"  peak RSS from {min(days):,} to {max(days):,}/day: {min(peaks):.0f}–"
              f"{max(peaks):.0f} MB ({max(peaks) / min(peaks) - 1:+.0%})")  # fmt: skip
    floors(results)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
