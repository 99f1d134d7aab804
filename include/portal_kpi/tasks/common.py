"""What every task uses: the warehouse engine (the one way to get it) and failing fast."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, ParamSpec, TypeVar

from airflow.sdk.exceptions import AirflowFailException
from sqlalchemy import Engine

from portal_kpi.config import ConfigError
from portal_kpi.db import make_engine
from portal_kpi.db import migrate as run_migrations

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def warehouse() -> Iterator[Engine]:
    """An engine on the ``warehouse`` connection, disposed when the block ends. A missing
    or unusable connection fails the task at once (no retry)."""
    try:
        engine = make_engine()
    except ConfigError as exc:
        fail_without_retry(exc)
    try:
        yield engine
    finally:
        engine.dispose()


def fail_without_retry(exc: Exception) -> NoReturn:
    """Fail the task for good: a retry would meet the same data or the same answer."""

    raise AirflowFailException(str(exc)) from exc


def fail_fast(func: Callable[P, R]) -> Callable[P, R]:
    """A task entry point whose missing or invalid configuration (:class:`ConfigError`:
    which connection or setting, and how to set it) fails the task at once: retrying
    would meet the same configuration."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail_without_retry(exc)

    return wrapper


def migrate() -> list[str]:
    """Apply the warehouse's pending migrations (the first task of every DAG)."""
    with warehouse() as engine:
        applied = run_migrations(engine)
    log.info("migrations applied now: %s", applied or "none (schema up to date)")
    return applied
