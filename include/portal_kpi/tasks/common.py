"""What every task uses: the warehouse engine (the one way to get it) and failing fast."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from portal_kpi.db import make_engine
from portal_kpi.db import migrate as run_migrations

log = logging.getLogger(__name__)


@contextmanager
def warehouse() -> Iterator[Engine]:
    """An engine on the ``warehouse`` connection, disposed when the block ends."""
    engine = make_engine()
    try:
        yield engine
    finally:
        engine.dispose()


def fail_without_retry(exc: Exception) -> NoReturn:
    """Fail the task for good: a retry would meet the same data or the same answer."""

    raise AirflowFailException(str(exc)) from exc


def migrate() -> list[str]:
    """Apply the warehouse's pending migrations (the first task of every DAG)."""
    with warehouse() as engine:
        applied = run_migrations(engine)
    log.info("migrations applied now: %s", applied or "none (schema up to date)")
    return applied
