"""Entry point of the ``portal-kpi`` command.

Airflow fixes ``AIRFLOW_HOME`` and its metadata DB when it is first imported, so the local
runtime's Airflow settings are put in the environment here, before the command line (which
imports Airflow) is loaded.
"""

from __future__ import annotations

import importlib

from portal_kpi.devtools.airflow_env import configure_airflow


def main(argv: list[str] | None = None) -> int:
    configure_airflow()
    cli = importlib.import_module("portal_kpi.devtools.cli")
    code: int = cli.main(argv)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
