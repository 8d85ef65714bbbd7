"""Migrations: recorded in ``_migrations``, idempotent, and an older file is upgraded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from workbench.store import (
    MIGRATIONS,
    ConcurrencyError,
    EventStore,
    NewEvent,
    SchemaVersionError,
    applied_migrations,
    migrate,
)

from .conftest import FIXED_TIME, fixed_clock

ALL = [name for name, _ in MIGRATIONS]


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY name"
    ).fetchall()


def _version_1_file(path: Path) -> None:
    """A file as the first release wrote it: migration 1 only, with some data."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    assert migrate(conn, now=fixed_clock, migrations=MIGRATIONS[:1]) == ALL[:1]
    conn.execute(
        "INSERT INTO events (position, stream_id, version, type, schema_version, data, "
        "event_id, causation_id, correlation_id, recorded_at) "
        "VALUES (1, 'book-1', 1, 'BookAdded', 1, '{\"title\":\"Dune\"}', 'e1', NULL, NULL, ?)",
        (FIXED_TIME,),
    )
    conn.execute("INSERT INTO checkpoints VALUES ('proj', 1, ?)", (FIXED_TIME,))
    conn.close()


def test_a_new_file_records_every_migration(tmp_path: Path) -> None:
    with EventStore.open(tmp_path / "new.db", clock=fixed_clock) as store:
        rows = store.connection.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid")
        assert rows.fetchall() == [(name, FIXED_TIME) for name in ALL]


def test_applying_twice_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    EventStore.open(path, clock=fixed_clock).close()
    conn = sqlite3.connect(path, isolation_level=None)
    before = _schema(conn)
    assert migrate(conn, now=lambda: "later") == []
    assert migrate(conn, now=lambda: "later") == []
    assert _schema(conn) == before
    assert conn.execute("SELECT COUNT(*), MAX(applied_at) FROM _migrations").fetchone() == (
        len(ALL),
        FIXED_TIME,
    )
    conn.close()
    with EventStore.open(path, clock=lambda: "later") as store:  # and opening again
        assert applied_migrations(store.connection) == ALL


def test_opening_a_file_from_migration_1_upgrades_it(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    _version_1_file(old)
    with sqlite3.connect(old) as conn:
        assert applied_migrations(conn) == ALL[:1]
        assert "dead_letters" not in {name for name, _ in _schema(conn)}

    with EventStore.open(old, clock=fixed_clock) as store:
        assert applied_migrations(store.connection) == ALL
        # the old data is intact and usable
        assert [e.data for e in store.read_stream("book-1")] == [{"title": "Dune"}]
        assert store.checkpoint("proj") == 1
        # the new tables work
        store.add_dead_letter("proj", 1, "e1", "boom")
        assert store.inbox_add("proj", "e1")
        store.ensure_projection_table("Titles", {"id": "str", "title": "str"}, ["id"])
        store.upsert_row("Titles", {"id": "book-1"}, {"title": "Dune"})
        upgraded_dump = store.dump()
        upgraded_schema = _schema(store.connection)

    # an upgraded file and a fresh one with the same content are indistinguishable
    with EventStore.open(tmp_path / "fresh.db", clock=fixed_clock) as fresh:
        fresh.append(
            "book-1",
            [
                NewEvent(
                    type="BookAdded", data={"title": "Dune"}, event_id="e1", recorded_at=FIXED_TIME
                )
            ],
            expected_version=0,
        )
        fresh.save_checkpoint("proj", 1)
        fresh.add_dead_letter("proj", 1, "e1", "boom")
        fresh.inbox_add("proj", "e1")
        fresh.ensure_projection_table("Titles", {"id": "str", "title": "str"}, ["id"])
        fresh.upsert_row("Titles", {"id": "book-1"}, {"title": "Dune"})
        assert fresh.dump() == upgraded_dump
        assert _schema(fresh.connection) == upgraded_schema


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    EventStore.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('9999_from_the_future', 'x')")
    with pytest.raises(SchemaVersionError, match="9999_from_the_future"):
        EventStore.open(path)


def test_a_failing_migration_leaves_the_file_untouched(tmp_path: Path) -> None:
    def broken(db: object) -> None:
        raise RuntimeError("migration bug")

    conn = sqlite3.connect(tmp_path / "broken.db", isolation_level=None)
    with pytest.raises(RuntimeError, match="migration bug"):
        migrate(conn, now=fixed_clock, migrations=[*MIGRATIONS[:1], ("0002_broken", broken)])
    assert not conn.in_transaction
    assert _schema(conn) == []  # all steps run in one transaction: nothing was kept
    conn.close()


def test_migrate_refuses_to_run_inside_a_transaction() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("BEGIN")
    with pytest.raises(RuntimeError):
        migrate(conn, now=fixed_clock)


def test_upgrading_numbers_the_streams_as_appends_would(tmp_path: Path) -> None:
    old = tmp_path / "v5.db"
    conn = sqlite3.connect(old, isolation_level=None)
    migrate(conn, now=fixed_clock, migrations=MIGRATIONS[:5])
    appends = [("b", 1), ("a", 1), ("b", 2), ("c", 1), ("a", 2)]
    for position, (stream, version) in enumerate(appends, 1):
        conn.execute(
            "INSERT INTO events (position, stream_id, version, type, schema_version, data, "
            "event_id, recorded_at) VALUES (?, ?, ?, 'T', 1, '{}', ?, ?)",
            (position, stream, version, f"e{position}", FIXED_TIME),
        )
    conn.close()

    with EventStore.open(old, clock=fixed_clock) as store:
        conn = store.connection
        assert conn.execute("SELECT stream_no, stream_id FROM streams").fetchall() == [
            (1, "b"),
            (2, "a"),
            (3, "c"),
        ]
        assert conn.execute("SELECT stream_no FROM events ORDER BY position").fetchall() == [
            (1,),
            (2,),
            (1,),
            (3,),
            (2,),
        ]
        # the version guard moved to the numbers and still holds
        with pytest.raises(ConcurrencyError):
            store.append("a", [_event("e6")], expected_version=1)
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO events (position, stream_id, stream_no, version, type, "
                "schema_version, data, event_id, recorded_at) "
                "VALUES (9, 'a', 2, 2, 'T', 1, '{}', 'e9', 'now')"
            )
        store.append("d", [_event("e6")], expected_version=0)
        store.append("a", [_event("e7")], expected_version=2)
        upgraded = store.dump()
        upgraded_schema = _schema(conn)

    with EventStore.open(tmp_path / "fresh.db", clock=fixed_clock) as fresh:
        for position, (stream, version) in enumerate(appends, 1):
            fresh.append(stream, [_event(f"e{position}")], expected_version=version - 1)
        fresh.append("d", [_event("e6")], expected_version=0)
        fresh.append("a", [_event("e7")], expected_version=2)
        assert fresh.dump() == upgraded
        assert _schema(fresh.connection) == upgraded_schema


def _event(event_id: str) -> NewEvent:
    return NewEvent(type="T", data={}, event_id=event_id, recorded_at=FIXED_TIME)


def test_an_insert_that_leaves_out_the_stream_number_fails(tmp_path: Path) -> None:
    """As an older Event Workbench still writing the file, or hand-written SQL, would:
    loudly, rather than adding an event that no lookup by stream finds."""
    with (
        EventStore.open(tmp_path / "s.db", clock=fixed_clock) as store,
        pytest.raises(sqlite3.IntegrityError, match=r"NOT NULL .* events\.stream_no"),
    ):
        store.connection.execute(
            "INSERT INTO events (position, stream_id, version, type, schema_version, "
            "data, event_id, recorded_at) VALUES (1, 'a', 1, 'T', 1, '{}', 'e1', 'now')"
        )
