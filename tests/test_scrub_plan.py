"""The scrub's fast path gives exactly what the field-by-field walk gives, record by
record and count by count; the page writer keeps earlier pages when a listing fails; the
archive is JSON text that reads back as the scrubbed records."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from factories import DAY, HASHER, WINDOW, agency, dossier, procedure, stage
from sqlalchemy import text

from portal_kpi.daily import scrub as scrub_module
from portal_kpi.daily.extract import iter_pages, load_batch
from portal_kpi.daily.model import Source
from portal_kpi.daily.scrub import MAX_TEXT_CHARS, Scrubber
from portal_kpi.sources.portal import Page

BIG = "x" * (MAX_TEXT_CHARS + 1)

# (field, value) put into an otherwise plain dossier: each one leaves the fast path or
# exercises a list item, and each must scrub as the walk does
ODD_VALUES: list[tuple[str, Any]] = [
    ("ChuHoSo", "Trần\x00 Mai"),
    ("TenTTHC", "t\x00"),
    ("MaHoSo", BIG),
    ("ChuHoSo", BIG),
    ("TenTTHC", "y" * MAX_TEXT_CHARS),  # at the limit: kept
    ("MucDo", 3),
    ("MucDo", 2.5),
    ("MucDo", True),
    ("NgayTra", {"a": 1}),
    ("NgayTra", [1]),
    ("NgayTra", None),
    ("Email", "  "),
    ("Email", ""),
    ("DanhSachXinLoi", "not a list"),
    ("DanhSachXinLoi", {"x": 1}),
    ("DanhSachXinLoi", ""),
    ("DanhSachXinLoi", None),
    ("DanhSachXinLoi", [{"NgayXinLoi": "20261120", "LyDo": "riêng tư", "NgayHenTraMoi": None}]),
    (
        "DanhSachHoSoBoSung",
        [
            {"NgayBoSung": "20261120", "Khac": 1, "NoiDungBoSung": "thiếu giấy"},
            "a string",
            None,
            {"NgayBoSung": BIG},
            {"NgayBoSung": {"d": 1}},
            {"NgayHenTraMoi": "a\x00b"},
            {"NgayBoSung": 5},
            {},
        ],
    ),
    ("DanhSachHoSoBoSung", [1, 2]),
    ("Extra", "dropped"),
]


def _records() -> list[Any]:
    records: list[Any] = [dossier(f"000.07.48.H48-261120-{i:05d}") for i in range(3)]
    for field, value in ODD_VALUES:
        records.append(dossier(**{field: copy.deepcopy(value)}))
    missing = dossier()
    del missing["NgayTuChoi"]
    reordered = dict(reversed(list(dossier().items())))
    many_extra = dossier(Zeta=1, Alpha=None)
    records += [missing, reordered, many_extra, {"MaHoSo": "only"}, {}, "not an object", None, [1]]
    return records


@pytest.mark.parametrize("hasher", [HASHER, None], ids=["hashed", "not hashed"])
def test_fast_path_scrubs_every_record_as_the_walk_does(hasher: Any) -> None:
    fast, walk = Scrubber(Source.DOSSIERS, hasher), Scrubber(Source.DOSSIERS, hasher)
    records = _records()
    taken = 0
    for record in records:
        if isinstance(record, dict) and fast._fast(copy.deepcopy(record)) is not None:
            taken += 1
    fast = Scrubber(Source.DOSSIERS, hasher)
    for record in records:
        assert fast(copy.deepcopy(record)) == walk._walk(copy.deepcopy(record)), record
    assert fast.stats == walk.stats
    assert fast.stats.dropped["Extra"] == 1 and fast.stats.cleaned
    assert taken >= 10  # the plain records and the list items did take the fast path


def test_catalogues_scrub_as_the_walk_does() -> None:
    agencies = [agency("H48.07"), agency("H48.08", name="a\x00"), {**agency("H48.09"), "X": 1}]
    procedures = [procedure(), procedure(agencies=["H48.07", 3, {"a": 1}]), {**procedure(), "Y": 2}]
    for source, records in ((Source.AGENCIES, agencies), (Source.PROCEDURES, procedures)):
        fast, walk = Scrubber(source), Scrubber(source)
        for record in records:
            assert fast(copy.deepcopy(record)) == walk._walk(copy.deepcopy(record))
        assert fast.stats == walk.stats
        assert fast.stats.dropped


def test_hash_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrub_module, "MEMO_SIZE", 10)
    scrub = Scrubber(Source.DOSSIERS, HASHER)
    for i in range(50):
        out = scrub(dossier(ChuHoSo=f"Người {i}", SoDienThoai=f"09{i:08d}"))
        assert out["ChuHoSo"] == HASHER.hash(f"Người {i}")
    assert len(scrub._memo) <= 10


def test_archive_is_json_text_that_reads_back_as_the_scrubbed_records(engine: Any) -> None:
    records = [dossier(f"000.07.48.H48-261120-{i:05d}") for i in range(5)]
    batch = stage(engine, "dossiers", records)
    scrub = Scrubber(Source.DOSSIERS, HASHER)
    expected = [scrub(copy.deepcopy(r)) for r in records]
    with engine.connect() as conn:
        pages = conn.execute(
            text(
                "SELECT records, records::jsonb AS j FROM raw.page WHERE batch_id = :b"
                " ORDER BY page_no"
            ),
            {"b": batch.batch_id},
        ).all()
    assert [r for p in pages for r in json.loads(p.records)] == expected
    assert [r for p in pages for r in p.j] == expected
    assert "Trần Thị Mai Anh" not in "".join(p.records for p in pages)


def test_a_listing_failing_midway_keeps_the_pages_before(engine: Any) -> None:
    records = [dossier(f"000.07.48.H48-261120-{i:05d}") for i in range(6)]

    def failing() -> Iterator[Page]:
        pages = iter_pages(records, 2)
        yield next(pages)
        yield next(pages)
        raise ConnectionError("the portal went away")

    with pytest.raises(ConnectionError):
        load_batch(
            engine,
            source=Source.DOSSIERS,
            business_day=DAY,
            window_from=None,
            window_to=WINDOW[1],
            pages=failing(),
            hasher=HASHER,
        )
    with engine.connect() as conn:
        pages = conn.execute(text("SELECT count(*) FROM raw.page")).scalar()
        staged = conn.execute(text("SELECT count(*) FROM staging.dossier")).scalar()
        finished = conn.execute(text("SELECT finished_at FROM raw.batch")).scalar()
    assert (pages, staged, finished) == (2, 4, None)
