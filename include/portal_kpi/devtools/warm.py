"""``python -m portal_kpi.devtools.warm scheduler``: an Airflow command whose process has the
task modules already imported.

LocalExecutor workers are forked from the scheduler and each task process is forked from a
worker, so they inherit these modules instead of importing them again (about ten seconds of
imports per task on a busy two-core machine, mostly the alert charts' plotting library).
"""

from __future__ import annotations

import importlib
import sys

from airflow.__main__ import main as airflow_main

PRELOAD = (
    "portal_kpi.tasks.portal_daily",
    "portal_kpi.tasks.iso9001_register",
    "portal_kpi.tasks.dvcqg_monthly",
)


def run(argv: list[str]) -> None:
    for module in PRELOAD:
        importlib.import_module(module)
    sys.argv = ["airflow", *argv]
    airflow_main()


if __name__ == "__main__":  # pragma: no cover
    run(sys.argv[1:])
