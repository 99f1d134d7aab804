"""Run every benchmark and print its figures (no pass/fail: targets are in the issue notes)."""

from __future__ import annotations

import importlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

BENCHES = [
    "bench_load", "bench_kpi", "bench_validation", "bench_due_soon", "bench_backfill",
]  # fmt: skip


def main() -> None:
    started = time.perf_counter()
    for name in BENCHES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"\n== {name}")
        module.main()
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
