"""Entry point of the ``portal-kpi`` command.

Airflow fixes ``AIRFLOW_HOME`` and its metadata DB when it is first imported, so the local
runtime's Airflow settings are put in the environment here, before the command line (which
imports Airflow) is loaded: ``.local/airflow`` as AIRFLOW_HOME and the embedded
PostgreSQL's ``airflow`` database as the metadata DB.
"""

from __future__ import annotations

import importlib
import sys

from portal_kpi.devtools.airflow_env import configure_airflow, logs_to_file

NO_METADATA_DB = {"simulate", "stop-embedded"}  # commands that never touch Airflow's DB


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    configure_airflow()
    with logs_to_file("cli"):  # Airflow's import-time warnings
        if not NO_METADATA_DB & set(args) and "--help" not in args and "-h" not in args:
            importlib.import_module("portal_kpi.devtools.embedded_pg").use_for_airflow_metadata()
        cli = importlib.import_module("portal_kpi.devtools.cli")
    code: int = cli.main(argv)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
