"""Publishing into core: versions, current state, catalogues with validity, personal data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from factories import agency, dossier, run_batch, seed_catalogues
from sqlalchemy import text

from portal_kpi.calendar import refresh_calendar
from portal_kpi.db import migrate

CODE = "000.07.48.H48-261120-00001"


def _current(engine: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT * FROM core.dossier WHERE dossier_code = :c"), {"c": CODE}
        ).one()


def test_older_version_never_overwrites_newer(engine: Any) -> None:
    seed_catalogues(engine)
    newer = dossier(
        CODE, TrangThaiHoSo="9", NgayKetThucXuLy="20261120150000", NgayCapNhat="20261120150000"
    )
    older = dossier(CODE, NgayCapNhat="20261120080512")
    run_batch(engine, "dossiers", [newer])
    run_batch(engine, "dossiers", [older], window=(datetime(2026, 11, 18), datetime(2026, 11, 21)))
    row = _current(engine)
    assert (row.status, row.updated_at) == (9, datetime(2026, 11, 20, 15, 0))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM core.dossier_version")).scalar() == 2


def test_republishing_a_batch_changes_nothing(engine: Any) -> None:
    seed_catalogues(engine)
    run_batch(engine, "dossiers", [dossier(CODE)])
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM core.dossier_version")).all()
    run_batch(engine, "dossiers", [dossier(CODE)])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM core.dossier_version")).all() == before


def test_personal_data_never_reaches_any_table_in_clear(engine: Any) -> None:
    seed_catalogues(engine)
    run_batch(engine, "dossiers", [dossier(CODE), dossier("X-2", KenhThucHien="9")])
    secrets = (
        "Trần Thị Mai Anh",
        "051190000123",
        "0912000111",
        "mai.anh@example.vn",
        "Đề nghị cấp",
    )
    with engine.connect() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT schemaname || '.' || tablename FROM pg_tables"
                    " WHERE schemaname IN ('raw', 'staging', 'core', 'kpi', 'quality', 'ops')"
                )
            )
            .scalars()
            .all()
        )
        for table in tables:
            dump = conn.execute(
                text(f"SELECT coalesce(string_agg(t::text, ''), '') FROM {table} AS t")
            ).scalar()
            for secret in secrets:
                assert secret not in dump, (table, secret)
        row = _current(engine)
    assert row.applicant_name_hash.startswith("h1:") and len(row.applicant_name_hash) == 67


def test_hash_is_keyed_and_stable() -> None:
    from portal_kpi.pii import PiiHasher

    a, b = PiiHasher("k" * 16), PiiHasher("j" * 16)
    assert a.hash("Trần  Thị Mai Anh") == a.hash("trần thị mai anh")
    assert a.hash("Trần Thị Mai Anh") != b.hash("Trần Thị Mai Anh")
    assert a.hash("") is None and a.hash(None) is None


def test_catalogue_versions_close_the_old_row(engine: Any) -> None:
    stamp = (None, datetime(2026, 11, 20))
    run_batch(engine, "agencies", [agency("H48.07", "Sở Khoa học và Công nghệ")], window=stamp)
    renamed = agency("H48.07", "Sở Khoa học, Công nghệ và Đổi mới", valid_from="20261101")
    run_batch(
        engine,
        "agencies",
        [agency("H48.07", "Sở Khoa học và Công nghệ"), renamed],
        window=(None, datetime(2026, 11, 21)),
    )
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, valid_from, valid_to FROM core.agency ORDER BY valid_from")
        ).all()
    assert rows == [
        ("Sở Khoa học và Công nghệ", date(2025, 7, 1), date(2026, 10, 31)),
        ("Sở Khoa học, Công nghệ và Đổi mới", date(2026, 11, 1), None),
    ]


def test_working_day_calendar(engine: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO core.calendar_exception VALUES"
                " ('2026-04-25', true, 'Làm bù / make-up Saturday'),"
                " ('2026-04-29', false, 'Nghỉ bù / extra day off')"
            )
        )
        refresh_calendar(conn, 2026, 2026)
        days = dict(
            conn.execute(
                text(
                    "SELECT day, source FROM core.calendar_day"
                    " WHERE day IN ('2026-09-02', '2026-11-21', '2026-11-20',"
                    " '2026-04-25', '2026-04-29')"
                )
            ).all()
        )
        nth = conn.execute(text("SELECT core.add_working_days('2026-11-20', 1)")).scalar()
    assert days == {
        date(2026, 9, 2): "holiday",
        date(2026, 11, 21): "weekend",
        date(2026, 11, 20): "weekday",
        date(2026, 4, 25): "exception",
        date(2026, 4, 29): "exception",
    }
    assert nth == date(2026, 11, 23)


def test_migrations_are_idempotent(warehouse_url: str) -> None:
    from sqlalchemy import create_engine

    eng = create_engine(warehouse_url)
    assert migrate(eng) == []
    eng.dispose()
