"""How much GX validation adds to a daily run of a province-day of about 30,000 rows.

Set BENCH_PER_DAY=6000 for a day whose 30,000 rows are all new versions (the default
3,000 stages about 30,000 rows, half of them the overlap day's versions already held).

Two fresh warehouses run the same two days from the simulator (3,000 dossiers received
per working day; a run reads two days of changes, about 30,000 versions): one with
validation, one without. The second day of each is timed. Target: ≤ 25 % added.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

from common import scratch_database

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _timed_day(engine: Any, client: Any, hasher: Any, day: date, settings: Any) -> dict[str, float]:
    """The steps of ``pipeline.run_day`` one by one, timing validation apart."""
    from portal_kpi.daily.extract import extract_catalogues as pull_catalogues
    from portal_kpi.daily.extract import extract_dossiers as pull_dossiers
    from portal_kpi.daily.kpi import compute
    from portal_kpi.daily.pipeline import check, publish

    times: dict[str, float] = {}
    started = time.perf_counter()
    catalogues = pull_catalogues(engine, client, day)
    t = time.perf_counter()
    check(engine, catalogues, day, settings)
    times["validate catalogues"] = time.perf_counter() - t
    publish(engine, catalogues)
    dossiers = pull_dossiers(engine, client, hasher, day)
    t = time.perf_counter()
    outcomes, _ = check(engine, dossiers, day, settings)
    times["validate dossiers"] = time.perf_counter() - t
    publish(engine, dossiers, day)
    compute(engine, [b.batch_id for b in dossiers])
    times["whole run"] = time.perf_counter() - started
    feed = [o for o in outcomes if o.suite == "dossier_contract"][-1]
    times["rows staged"] = feed.rows_in
    times["rows validated"] = feed.rows_in - feed.rows_held
    return times


def main() -> dict[str, float]:
    from portal_kpi.daily.pipeline import run_day
    from portal_kpi.dates import feed_window
    from portal_kpi.devtools.simulator import PortalHistory, SimConfig, start_background
    from portal_kpi.pii import PiiHasher
    from portal_kpi.quality.gx import Settings
    from portal_kpi.sources.portal import PortalClient

    per_day = int(os.environ.get("BENCH_PER_DAY", "3000"))
    history = PortalHistory(SimConfig(today=date(2026, 11, 21), dossiers_per_day=per_day))
    sim = start_background(history.config, history=history)
    client = PortalClient(sim.url, sim.client_id, sim.client_secret)
    hasher = PiiHasher("bench-secret-0123456789abcdef")
    days = [date(2026, 11, 18), date(2026, 11, 19)]
    for day in days:  # warm the simulator's caches so every pass sees the same server cost
        for _ in client.dossier_changes(*feed_window(day)):
            pass
    settings = Settings(max_rejected_share=1.0)
    print(f"validation overhead ({per_day} dossiers/working day, day {days[1]})")
    with scratch_database("bench_val") as engine:
        run_day(engine, client, hasher, days[0], settings, validate=False)
        started = time.perf_counter()
        run_day(engine, client, hasher, days[1], settings, validate=False)
        baseline = time.perf_counter() - started
    with scratch_database("bench_val") as engine:
        run_day(engine, client, hasher, days[0], settings)
        times = _timed_day(engine, client, hasher, days[1], settings)
    sim.stop()
    validation = times["validate catalogues"] + times["validate dossiers"]
    without = times["whole run"] - validation
    print(f"  daily run without validation (separate warehouse)  {baseline:8.2f} s")
    print(f"  daily run with validation                          {times['whole run']:8.2f} s")
    print(
        f"    of which validating the catalogues               {times['validate catalogues']:8.2f} s"
    )
    print(
        f"    of which validating the dossier batches          {times['validate dossiers']:8.2f} s"
    )
    print(
        f"  dossier rows staged {int(times['rows staged']):,}; new versions validated"
        f" {int(times['rows validated']):,} (the rest are the overlap day's, held: skipped by key)"
    )
    overhead = validation / without * 100
    print(f"  validation adds {overhead:5.1f} % to the rest of the same run (target ≤ 25 %);")
    print(
        f"  against the separate run without validation: {(times['whole run'] - baseline) / baseline * 100:5.1f} %"
    )
    return {"baseline": baseline, **times, "overhead %": overhead}


if __name__ == "__main__":
    main()
