"""Extract: pull a source page by page into the raw archive and staging.

Each pull is a *batch* identified by source and window, so a rerun replaces exactly
what an earlier try of the same pull wrote. Every page is committed on its own:
memory stays flat whatever the volume.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from portal_kpi.calendar import ensure_calendar
from portal_kpi.daily.model import (
    JSON_FIELDS,
    STAGING,
    Batch,
    BatchChangedError,
    Source,
    batch_id_for,
)
from portal_kpi.daily.scrub import NOTES, Scrubber
from portal_kpi.dates import day_start, feed_window
from portal_kpi.db import copy_rows, run_sql
from portal_kpi.pii import PiiHasher
from portal_kpi.sources.portal import ListingNotConvergingError, Page, PortalClient

log = logging.getLogger(__name__)

# A feed window may yield at most this factor of the recent median day (and never less
# than the floor): more means the listing does not converge.
MAX_VOLUME_FACTOR = float(os.environ.get("PORTAL_KPI_MAX_VOLUME_FACTOR", "20"))
# A province at 6,000 a day pulls ~60,000 versions per two-day window: the floor stays far
# above a real first day, the factor × median catches a listing that runs away later.
MIN_VOLUME_CAP = int(os.environ.get("PORTAL_KPI_MIN_VOLUME_CAP", "500000"))


class VolumeCapError(ListingNotConvergingError):
    """A window yielded more records than the volume cap allows."""


def volume_cap(engine: Engine, day: date) -> int:
    """The most records a feed window of ``day`` may yield."""
    with engine.connect() as conn:
        median = run_sql(conn, "daily/recent_volume.sql", d=day).scalar()
    return max(MIN_VOLUME_CAP, int(MAX_VOLUME_FACTOR * float(median or 0)))


def json_text(value: Any) -> str:
    """JSON text of a scrubbed value (UTF-8, not ASCII-escaped), for ``raw.page`` and the
    jsonb staging cells. msgspec writes it at C speed; anything it declines goes through
    the standard library, which fails the same way it always did."""
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, ValueError, msgspec.EncodeError):
        return json.dumps(value, ensure_ascii=False)


def staging_rows(
    batch_id: str, first_seq: int, page_no: int | None, records: list[dict[str, Any]],
    fields: tuple[str, ...],
) -> list[tuple[Any, ...]]:  # fmt: skip
    """The staging rows of scrubbed records: batch, seq, page (dossiers only), the fields
    in order (text as scrubbed, lists as JSON text) and the scrub notes."""
    head: tuple[Any, ...] = (batch_id,)
    json_at = [i for i, f in enumerate(fields) if f in JSON_FIELDS]
    rows = []
    every = len(fields)
    for seq, rec in enumerate(records, first_seq):
        # a record with every field and no notes is in field order (the scrub builds it so)
        whole = len(rec) == every and NOTES not in rec
        values = list(rec.values()) if whole else list(map(rec.get, fields))
        for i in json_at:
            value = values[i]
            if value is not None:
                values[i] = "[]" if value == [] else json_text(value)
        values.append(rec.get(NOTES))
        rows.append((*head, seq, *(() if page_no is None else (page_no,)), *values))
    return rows


def load_batch(
    engine: Engine,
    *,
    source: Source,
    business_day: date,
    window_from: datetime | None,
    window_to: datetime | None,
    pages: Iterable[Page],
    hasher: PiiHasher | None = None,
    max_records: int | None = None,
) -> Batch:
    """Write every page to ``raw.page`` and its records to staging, page by page. More
    than ``max_records`` records stop the pull (the batch stays unfinished: nothing of
    it can be validated or published). Every record goes through the allow-list scrub
    (``portal_kpi.daily.scrub``; personal fields hashed with ``hasher``); what it dropped
    is counted in ``raw.batch.dropped_fields``."""
    batch_id = batch_id_for(source, window_from, window_to)
    table, fields = STAGING[source]
    with_page = table == "staging.dossier"
    with engine.begin() as conn:
        # forgetting the batch row first waits for a validation or publish of it in progress
        run_sql(conn, "daily/forget_batch.sql", b=batch_id)
        run_sql(conn, f"daily/delete_staged_{table.removeprefix('staging.')}.sql", b=batch_id)
        run_sql(conn, "daily/start_batch.sql", b=batch_id, s=str(source), f=window_from,
                t=window_to, d=business_day)  # fmt: skip
    seq = 0
    page_count = 0
    columns = ["batch_id", "seq", *(["page_no"] if with_page else []), *fields, NOTES]
    scrub = Scrubber(source, hasher)

    def write(page: Page, records: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
        try:
            with engine.begin() as conn:
                run_sql(conn, "daily/archive_page.sql", b=batch_id, n=page.number,
                        c=page.cursor, nc=page.next_cursor, k=len(records),
                        r=json_text(records))  # fmt: skip
                copy_rows(conn, table, columns, rows)
        except IntegrityError as exc:  # its page or rows are there already: a second pull
            raise BatchChangedError(
                f"{batch_id} was pulled again by another run while this one loaded it "
                f"(page {page.number}); a retry loads it afresh"
            ) from exc
        log.info("%s page %d: %d records", batch_id, page.number, len(records))

    # One writer thread commits page n while this one fetches and scrubs page n + 1 (the
    # server's work and the HTTP wait overlap the scrub); at most one page waits, pages
    # are committed in order, and a failure anywhere leaves every earlier page committed.
    with ThreadPoolExecutor(1, thread_name_prefix="page-writer") as writer:
        pending: Future[None] | None = None
        try:
            for page in pages:
                page_count += 1
                if max_records is not None and seq + len(page.records) > max_records:
                    raise VolumeCapError(
                        f"{page.listing or batch_id}: more than {max_records:,} records by "
                        f"page {page.number} (volume cap: PORTAL_KPI_MAX_VOLUME_FACTOR × the "
                        "recent median day); nothing of it is published"
                    )
                records = list(map(scrub, page.records))
                number = page.number if with_page else None
                rows = staging_rows(batch_id, seq + 1, number, records, fields)
                seq += len(records)
                if pending is not None:
                    pending.result()  # the page before is committed (or its error raised)
                pending = writer.submit(write, page, records, rows)
            if pending is not None:
                pending.result()
        finally:
            if pending is not None and not pending.done():
                wait([pending])
    with engine.begin() as conn:
        run_sql(conn, "daily/finish_batch.sql", p=page_count, r=seq, b=batch_id,
                x=scrub.stats.to_json())  # fmt: skip
    if scrub.stats.dropped or scrub.stats.cleaned:
        log.warning("%s: scrub dropped %s, cleaned %s", batch_id, dict(scrub.stats.dropped),
                    dict(scrub.stats.cleaned))  # fmt: skip
    log.info("%s: %d records in %d pages", batch_id, seq, page_count)
    return Batch(batch_id, source, page_count, seq)


def extract_catalogues(engine: Engine, client: PortalClient, day: date) -> list[Batch]:
    """Pull both catalogues (their whole history) for the run of ``day``, after making
    sure the working-day calendar covers the day."""
    with engine.begin() as conn:
        ensure_calendar(conn, day)
    stamp = datetime(day.year, day.month, day.day)
    return [
        load_batch(
            engine,
            source=Source.AGENCIES,
            business_day=day,
            window_from=None,
            window_to=stamp,
            pages=client.agencies(),
        ),
        load_batch(
            engine,
            source=Source.PROCEDURES,
            business_day=day,
            window_from=None,
            window_to=stamp,
            pages=client.procedures(),
        ),
    ]


def needs_bootstrap(engine: Engine) -> bool:
    """A warehouse that has never published dossiers loads ``/dossiers/open`` once."""
    with engine.connect() as conn:
        return bool(run_sql(conn, "daily/needs_bootstrap.sql").scalar())


def requeue_quarantined(engine: Engine, day: date) -> Batch | None:
    """Quarantined dossier versions that failed only a catalogue lookup are validated
    again (the catalogue may have changed since) as a batch of their own. Their quarantine
    rows stay open until a valid version is published (``quality.quarantine.resolve``);
    the recheck never adds rows nor counts toward the rejected-share threshold."""
    with engine.connect() as conn:
        rows = run_sql(conn, "daily/quarantined_for_catalogue.sql").all()
    if not rows:
        return None
    stamp = day_start(day) + timedelta(days=1)
    batch = load_batch(
        engine,
        source=Source.DOSSIERS_REQUEUE,
        business_day=day,
        window_from=None,
        window_to=stamp,
        pages=iter_pages([dict(r.record) for r in rows], 1000),
    )
    log.info("requeued %d quarantined dossier versions for revalidation", batch.records)
    return batch


def extract_dossiers(
    engine: Engine, client: PortalClient, hasher: PiiHasher, day: date
) -> list[Batch]:
    """Pull the change feed for ``day`` and the day before (one-day overlap), after a
    one-time bootstrap from ``/dossiers/open`` on a new warehouse, and requeue dossiers
    that were quarantined for a catalogue lookup."""
    return extract_dossier_window(
        engine, client, hasher, day, day, max_records=volume_cap(engine, day)
    )


def extract_dossier_window(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    first: date,
    last: date,
    *,
    max_records: int,
    pages: Iterable[Page] | None = None,
    feed: Batch | None = None,
) -> list[Batch]:
    """The dossier batches of local days [first, last]: the requeued quarantine (as of
    ``last``), the one-time bootstrap of open dossiers on a new warehouse (as of the
    feed's start), then the change feed from the day before ``first`` to the end of
    ``last`` as one batch (``pages``: its pages fetched already, else fetched now;
    ``feed``: its batch staged already by :func:`pull_feed`, pulled ahead)."""
    window_from = feed_bounds(first, last)[0]
    batches = []
    requeued = requeue_quarantined(engine, last)
    if requeued is not None:
        batches.append(requeued)
    if needs_bootstrap(engine):
        log.info("new warehouse: bootstrapping open dossiers as of %s", window_from)
        batches.append(
            load_batch(
                engine,
                source=Source.DOSSIERS_OPEN,
                business_day=first,
                window_from=None,
                window_to=window_from,
                pages=client.open_dossiers(window_from),
                hasher=hasher,
            )
        )
    if feed is None:
        feed = pull_feed(engine, client, hasher, first, last, max_records=max_records, pages=pages)
    batches.append(feed)
    return batches


def pull_feed(
    engine: Engine,
    client: PortalClient,
    hasher: PiiHasher,
    first: date,
    last: date,
    *,
    max_records: int,
    pages: Iterable[Page] | None = None,
) -> Batch:
    """The change feed of local days [first, last] as one staged batch (``pages``: its
    pages fetched already, else fetched now). It depends on nothing else in the
    warehouse: it may be pulled ahead of its turn."""
    window_from, window_to = feed_bounds(first, last)
    return load_batch(
        engine,
        source=Source.DOSSIERS,
        business_day=last,
        window_from=window_from,
        window_to=window_to,
        pages=client.dossier_changes(window_from, window_to) if pages is None else pages,
        hasher=hasher,
        max_records=max_records,
    )


def feed_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The change-feed window of local days [first, last]: from the day before ``first``
    (the daily runs' one-day overlap) to the end of ``last``."""
    return feed_window(first)[0], feed_window(last)[1]


def iter_pages(records: list[dict[str, Any]], size: int) -> Iterator[Page]:
    """Records as pages (replaying an archive, or tests without a server)."""
    for i in range(0, max(len(records), 1), size):
        number = i // size + 1
        last = i + size >= len(records)
        yield Page(number, None if number == 1 else str(i), None if last else str(i + size),
                   records[i : i + size])  # fmt: skip
