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
from datetime import date

sys.path.insert(0, os.path.dirname(__file__))

from common import scratch_database, timer

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def main() -> dict[str, float]:
    from portal_kpi.pii import PiiHasher
    from portal_kpi.pipeline import run_day
    from portal_kpi.simulator import PortalHistory, SimConfig, start_background
    from portal_kpi.sources.portal import PortalClient
    from portal_kpi.validate import Settings

    per_day = int(os.environ.get("BENCH_PER_DAY", "3000"))
    history = PortalHistory(SimConfig(today=date(2026, 11, 21), dossiers_per_day=per_day))
    sim = start_background(history.config, history=history)
    client = PortalClient(sim.url, sim.client_id, sim.client_secret)
    hasher = PiiHasher("bench-secret-0123456789abcdef")
    days = [date(2026, 11, 18), date(2026, 11, 19)]
    for day in days:  # warm the simulator's caches so both passes see the same server cost
        for _ in client.dossier_changes(*__import__("portal_kpi.dates").dates.feed_window(day)):
            pass
    results: dict[str, float] = {}
    settings = Settings(max_rejected_share=1.0)
    print(f"validation overhead ({per_day} dossiers/working day)")
    for validate in (False, True):
        label = "with validation" if validate else "without validation"
        with scratch_database("bench_val") as engine:
            run_day(engine, client, hasher, days[0], settings, validate=validate)
            with timer(f"daily run {days[1]} {label}", results):
                result = run_day(engine, client, hasher, days[1], settings, validate=validate)
            rows = sum(b.records for b in result.dossiers)
            results[f"rows {label}"] = rows
            if validate:
                feed = [o for o in result.outcomes if o.suite == "dossier_contract"][-1]
                results["rows validated"] = feed.rows_in - feed.rows_held
                results["rows held"] = feed.rows_held
    sim.stop()
    without = results[f"daily run {days[1]} without validation"]
    with_ = results[f"daily run {days[1]} with validation"]
    overhead = (with_ - without) / without * 100
    results["overhead %"] = overhead
    print(
        f"  rows in the day's dossier batch                 {int(results['rows with validation']):8,}"
    )
    print(
        f"  of which new versions validated: {int(results['rows validated']):,};"
        f" already held (the overlap day), skipped by key: {int(results['rows held']):,}"
    )
    print(f"  validation adds                                 {overhead:8.1f} %  (target ≤ 25 %)")
    return results


if __name__ == "__main__":
    main()
