"""Bulk load: many local days through one wide change-feed window.

A day-by-day backfill pulls, validates and publishes a two-day feed per day, then restates
the KPIs. The bulk path loads a *window* of local days [first, last] at once: the catalogues
once, the change feed [first - 1 day 00:00, last + 1 day 00:00) as one batch (the same
one-day overlap before the first day as a daily run), one validation and one publish of it,
then every day of the window is recorded as loaded (``core.load_day``) and its volume
checked as a daily run would. KPIs, 766 points, due-soon lists and alerts are not computed
here: the caller runs the range's last day as an ordinary day afterwards, whose KPI step
restates every day loaded since the last KPI run (see :mod:`portal_kpi.daily.kpi`).

Every version is published by its key (MaHoSo, NgayCapNhat) and a window's batch is keyed by
its window, so a rerun of the same windows leaves the same tables.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Engine

from portal_kpi.daily.extract import (
    extract_catalogues,
    extract_dossier_window,
    feed_bounds,
    pull_feed,
    volume_cap,
)
from portal_kpi.daily.load import prune_staging, publish_batch, record_day
from portal_kpi.daily.model import Batch, Source
from portal_kpi.daily.validate import Outcome, validate_batch
from portal_kpi.db import run_sql
from portal_kpi.pii import PiiHasher
from portal_kpi.quality import quarantine
from portal_kpi.quality.gx import Settings
from portal_kpi.quality.volume import record_dq_event, volume_anomaly
from portal_kpi.sources.portal import Page, PortalClient

log = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 7
WINDOW_PART_ROWS = 200_000
PREFETCH_PAGES = 8  # pages of 1,000 records held ahead at most: memory stays flat


class BulkVolumeAnomalyError(RuntimeError):
    """A volume anomaly in a bulk window with publishing configured to stop."""


@dataclass
class WindowResult:
    first: date
    last: date
    batches: list[Batch] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # by step: where the time goes

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def versions(self) -> int:
        return sum(b.records for b in self.batches if b.source is Source.DOSSIERS)

    @property
    def quarantined(self) -> int:
        """Rows the window's pulls quarantined (not the requeued ones judged again)."""
        requeued = {b.batch_id for b in self.batches if b.source is Source.DOSSIERS_REQUEUE}
        return sum(o.rows_quarantined for o in self.outcomes if o.batch_id not in requeued)


class _Clock:
    """Adds the seconds since the previous call to ``seconds[step]``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self._seconds, self._last = seconds, time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self._seconds[step] = self._seconds.get(step, 0.0) + now - self._last
        self._last = now


def windows(start: date, end: date, days: int = DEFAULT_WINDOW_DAYS) -> Iterator[tuple[date, date]]:
    """Consecutive windows of at most ``days`` local days covering [start, end]."""
    if days < 1:
        raise ValueError("a window has at least one day")
    first = start
    while first <= end:
        last = min(end, first + timedelta(days=days - 1))
        yield first, last
        first = last + timedelta(days=1)


class Prefetch(Iterator[Page]):
    """Pages of a listing fetched ahead by a thread of its own, at most ``depth`` held: the
    portal prepares and sends the next pages while this process stages the current one.
    Only the thread uses the client until the listing has been read to its end."""

    _END = object()

    def __init__(self, pages: Iterable[Page], depth: int = PREFETCH_PAGES) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pages,), daemon=True)
        self._thread.start()

    def _run(self, pages: Iterable[Page]) -> None:
        try:
            for page in pages:
                while not self._stop.is_set():
                    try:
                        self._queue.put(page, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._queue.put(self._END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._queue.put(exc)

    def __next__(self) -> Page:
        item = self._queue.get()
        if item is self._END:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return cast(Page, item)

    def close(self) -> None:
        """Stop fetching (a window that failed); the thread ends at its next page."""
        self._stop.set()
        self._thread.join(timeout=30)


class PullCancelledError(RuntimeError):
    """A pull ahead stopped because the backfill ended before its window's turn."""


class PullAhead:
    """The change feed of a window pulled (scrubbed, archived, staged) by a thread of its
    own while the window before it is validated and published: the portal, the scrub and
    the COPY overlap the validation. The feed depends on nothing the window before writes,
    but its volume cap does (the days it records): the pull ahead is capped by the cap as
    of its start, and at its turn its record count is judged by the cap as of then; a pull
    ahead that failed or is over that cap is pulled again at its turn (which raises what a
    pull would). Memory stays what a pull holds: pages, at most ``PREFETCH_PAGES`` ahead.
    Only the thread uses the client until it has ended."""

    def __init__(
        self, engine: Engine, client: PortalClient, hasher: PiiHasher, first: date, last: date
    ) -> None:
        self.first, self.last = first, last
        self._stop = threading.Event()
        self._batch: Batch | None = None
        self._error: BaseException | None = None
        cap = _window_cap(engine, first, last)
        self._thread = threading.Thread(
            target=self._run, args=(engine, client, hasher, cap), daemon=True
        )
        self._thread.start()

    def _pages(self, client: PortalClient) -> Iterator[Page]:
        feed = Prefetch(client.dossier_changes(*feed_bounds(self.first, self.last)))
        try:
            for page in feed:
                if self._stop.is_set():
                    raise PullCancelledError(f"the pull ahead of {self.first}..{self.last}")
                yield page
        finally:
            feed.close()

    def _run(self, engine: Engine, client: PortalClient, hasher: PiiHasher, cap: int) -> None:
        try:
            self._batch = pull_feed(
                engine, client, hasher, self.first, self.last, max_records=cap,
                pages=self._pages(client),
            )  # fmt: skip
        except BaseException as exc:  # judged at the window's turn
            self._error = exc

    def take(self, engine: Engine) -> Batch | None:
        """The staged feed at its window's turn (waits for the pull), or None: pull it now."""
        self._thread.join()
        if self._batch is None:
            log.warning("pull ahead of %s..%s failed (%s): pulled again", self.first,
                        self.last, self._error)  # fmt: skip
            return None
        if self._batch.records > _window_cap(engine, self.first, self.last):
            log.warning("pull ahead of %s..%s is over the volume cap: pulled again",
                        self.first, self.last)  # fmt: skip
            return None
        return self._batch

    def close(self) -> None:
        """Stop the pull (the backfill failed before its turn); its batch stays unfinished,
        as a failed pull's, and a rerun pulls it again."""
        self._stop.set()
        self._thread.join(timeout=60)


def _window_cap(engine: Engine, first: date, last: date) -> int:
    days = (last - first).days + 2  # the window's days and the overlap day before them
    return volume_cap(engine, first) * days


def extract_window(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    first: date,
    last: date,
    ahead: PullAhead | None = None,
) -> list[Batch]:
    """The dossier batches of a window, as ``extract.extract_dossiers`` pulls a day's
    (``ahead``: the window's feed pulled ahead, else pulled now, pages a thread ahead)."""
    feed = ahead.take(engine) if ahead is not None else None
    return extract_dossier_window(
        engine,
        client,
        hasher,
        first,
        last,
        max_records=_window_cap(engine, first, last),
        pages=Prefetch(client.dossier_changes(*feed_bounds(first, last))) if feed is None else None,
        feed=feed,
    )


def _staged_day_count(engine: Engine, batch: Batch, day: date) -> int:
    with engine.connect() as conn:
        found = run_sql(conn, "daily/staged_day_count.sql", b=batch.batch_id, p=f"{day:%Y%m%d}")
        return int(found.scalar() or 0)


def _publish(engine: Engine, batches: list[Batch]) -> None:
    for batch in batches:
        publish_batch(engine, batch)
        if batch.source.is_dossiers:
            quarantine.resolve(engine, batch.batch_id)


def load_window(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    first: date,
    last: date,
    settings: Settings | None = None,
    *,
    catalogues: bool = True,
    ahead: PullAhead | None = None,
    pulled: Callable[[], None] | None = None,
) -> WindowResult:
    """Pull, validate and publish local days [first, last] as one window, then record each
    day as loaded with its volume checked (raises ``ValidationFailedError`` before anything
    of a batch over the rejected-share threshold is published). ``catalogues``: pull them
    too (once per bulk backfill is enough: a pull is their whole history). ``ahead``: the
    window's change feed pulled ahead; ``pulled`` is called once the window is pulled
    (the client is free: the caller may start pulling the next window ahead)."""
    settings = settings or Settings.from_env()
    # A window's batch is judged in one part up to a week at 6,000 a day: each part costs a
    # suite run, and the window's size (not the province's volume) bounds the memory.
    settings = replace(settings, part_rows=max(settings.part_rows, WINDOW_PART_ROWS))
    result = WindowResult(first, last)
    clock = _Clock(result.seconds)
    pulled_catalogues: list[Batch] = []
    if catalogues:
        pulled_catalogues = extract_catalogues(engine, client, last)
        result.outcomes += [validate_batch(engine, b, last, settings) for b in pulled_catalogues]
        _publish(engine, pulled_catalogues)
        clock("catalogues")
    dossiers = extract_window(engine, client, hasher, first, last, ahead)
    if pulled is not None:
        pulled()
    clock("pull")
    result.outcomes += [validate_batch(engine, b, last, settings) for b in dossiers]
    clock("validate")
    _publish(engine, dossiers)
    clock("publish")
    result.batches = pulled_catalogues + dossiers
    feed_batch = dossiers[-1]
    day = first
    while day <= last:
        # In the order a daily run checks it: the day's volume against the four weeks
        # before it (loaded by now), then the day recorded as loaded.
        anomaly = volume_anomaly(
            engine, day, settings.volume_factor, _staged_day_count(engine, feed_batch, day)
        )
        if anomaly:
            record_dq_event(engine, day, anomaly)
            log.warning("data-quality alert: %s", anomaly)
            result.anomalies.append(anomaly)
        record_day(engine, day, result.batches)
        day += timedelta(days=1)
    prune_staging(engine, last)
    clock("record")
    if result.anomalies and settings.stop_on_volume_anomaly:
        raise BulkVolumeAnomalyError(
            f"volume anomaly in {first}..{last} (published, days recorded): {result.anomalies}"
        )
    return result
