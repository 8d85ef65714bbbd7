"""The store's promises, checked against every backend (file NORMAL, file FULL, memory).

The ``store`` fixture is parametrized (see ``conftest.py``), so each test here runs
three times; a backend that breaks a promise fails by name.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from workbench.store import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    NewEvent,
    Snapshot,
    StreamInfo,
)

from .conftest import FIXED_TIME, open_backend

Make = Callable[..., NewEvent]


# -- appending and reading -------------------------------------------------------------


def test_a_new_stream_has_version_0_and_no_events(store: EventStore) -> None:
    assert store.stream_version("nope") == 0
    assert store.read_stream("nope") == []
    assert store.read_all() == []
    assert store.head_position() == 0
    assert store.streams() == []


def test_versions_start_at_1_and_positions_increase(store: EventStore, new_event: Make) -> None:
    first = store.append("book-1", [new_event("A"), new_event("B")], expected_version=0)
    second = store.append("book-2", [new_event("C")], expected_version=0)
    third = store.append("book-1", [new_event("D")], expected_version=2)
    assert [(e.stream_id, e.version) for e in first + second + third] == [
        ("book-1", 1),
        ("book-1", 2),
        ("book-2", 1),
        ("book-1", 3),
    ]
    positions = [e.position for e in first + second + third]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert store.stream_version("book-1") == 3
    assert store.head_position() == positions[-1]


def test_append_returns_exactly_what_a_read_returns(store: EventStore) -> None:
    event = NewEvent(
        type="LoanOpened",
        data={
            "amount": Decimal("10.50"),
            "due": date(2024, 2, 1),
            "at": datetime(2024, 1, 1, 12, 30),
            "tags": {"b", "a"},
            "id": UUID(int=1),
            "nested": {"z": [1, 2.5, None, True], "é": "ü"},
        },
        schema_version=2,
        event_id="ev-x",
        causation_id="cmd-1",
        correlation_id="corr-1",
        recorded_at=FIXED_TIME,
    )
    (recorded,) = store.append("loan-1", [event], expected_version=None)
    assert store.read_stream("loan-1") == [recorded]
    assert store.read_all() == [recorded]
    assert recorded.data == {
        "amount": "10.50",
        "due": "2024-02-01",
        "at": "2024-01-01T12:30:00",
        "tags": ["a", "b"],
        "id": "00000000-0000-0000-0000-000000000001",
        "nested": {"z": [1, 2.5, None, True], "é": "ü"},
    }
    assert (recorded.schema_version, recorded.causation_id, recorded.correlation_id) == (
        2,
        "cmd-1",
        "corr-1",
    )
    assert recorded.recorded_at == FIXED_TIME


def test_wrong_expected_version_raises_and_writes_nothing(
    store: EventStore, new_event: Make
) -> None:
    store.append("book-1", [new_event(), new_event(), new_event()], expected_version=0)
    store.append("book-1", [new_event()], expected_version=3)
    with pytest.raises(ConcurrencyError) as caught:
        store.append("book-1", [new_event(), new_event()], expected_version=3)
    assert str(caught.value) == "stream 'book-1': expected version 3, actual 4"
    assert (caught.value.stream_id, caught.value.expected, caught.value.actual) == ("book-1", 3, 4)
    with pytest.raises(ConcurrencyError, match="expected version 9, actual 4"):
        store.append("book-1", [new_event()], expected_version=9)
    with pytest.raises(ConcurrencyError, match="expected version 0, actual 4"):
        store.append("book-1", [new_event()], expected_version=0)
    assert store.stream_version("book-1") == 4
    assert len(store.read_all()) == 4


def test_expected_version_none_appends_at_the_end(store: EventStore, new_event: Make) -> None:
    store.append("s", [new_event()], expected_version=None)
    recorded = store.append("s", [new_event(), new_event()], expected_version=None)
    assert [e.version for e in recorded] == [2, 3]


def test_empty_append_checks_the_version_and_writes_nothing(
    store: EventStore, new_event: Make
) -> None:
    assert store.append("s", [], expected_version=0) == []
    store.append("s", [new_event()], expected_version=0)
    with pytest.raises(ConcurrencyError):
        store.append("s", [], expected_version=0)
    assert store.head_position() == 1


def test_bad_arguments_are_refused(store: EventStore, new_event: Make) -> None:
    with pytest.raises(ValueError, match="expected_version"):
        store.append("s", [new_event()], expected_version=-1)
    bad = NewEvent(type="X", data=[1, 2], event_id="e", recorded_at=FIXED_TIME)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mapping"):
        store.append("s", [bad], expected_version=None)
    with pytest.raises(TypeError, match="cannot store"):
        store.append("s", [new_event(x=object())], expected_version=None)
    with pytest.raises(ValueError, match="limit"):
        store.read_all(0, 0)
    with pytest.raises(ValueError, match="stream_id"):
        store.append("", [new_event()], expected_version=None)
    untyped = NewEvent(type=None, data={}, event_id="e0", recorded_at=FIXED_TIME)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"events\[0\]\.type must be a non-empty string"):
        store.append("s", [untyped], expected_version=None)
    assert store.head_position() == 0


def test_duplicate_event_ids_are_refused_whole(store: EventStore) -> None:
    def ev(event_id: str) -> NewEvent:
        return NewEvent(type="T", data={}, event_id=event_id, recorded_at=FIXED_TIME)

    store.append("a", [ev("e1")], expected_version=0)
    with pytest.raises(DuplicateEventError) as caught:
        store.append("b", [ev("e2"), ev("e1")], expected_version=0)
    assert caught.value.event_id == "e1"
    with pytest.raises(DuplicateEventError, match="e3"):
        store.append("b", [ev("e3"), ev("e3")], expected_version=0)
    assert [e.event_id for e in store.read_all()] == ["e1"]
    assert store.stream_version("b") == 0


def test_read_stream_from_version(store: EventStore, new_event: Make) -> None:
    store.append("s", [new_event(n=i) for i in range(5)], expected_version=0)
    assert [e.version for e in store.read_stream("s", from_version=3)] == [3, 4, 5]
    assert store.read_stream("s", from_version=6) == []


def test_read_all_pages_and_iter_all(store: EventStore, new_event: Make) -> None:
    for i in range(7):
        store.append(f"s-{i % 3}", [new_event(n=i), new_event(n=i)], expected_version=None)
    everything = store.read_all(limit=1000)
    assert len(everything) == 14
    pages, position = [], 0
    while page := store.read_all(position, limit=4):
        pages.append(page)
        position = page[-1].position
    assert [len(p) for p in pages] == [4, 4, 4, 2]
    assert [e for p in pages for e in p] == everything
    for page_size in (1, 3, 14, 100):
        assert list(store.iter_all(page_size=page_size)) == everything
    middle = everything[5].position
    assert list(store.iter_all(middle, page_size=2)) == everything[6:]


def test_streams_summarise_each_stream(store: EventStore, new_event: Make) -> None:
    store.append("b", [new_event("Y"), new_event("X")], expected_version=0)
    store.append("a", [new_event("Z")], expected_version=0)
    store.append("b", [new_event("X")], expected_version=2)
    assert store.streams() == [
        StreamInfo("a", 1, 1, 3, 3, ("Z",)),
        StreamInfo("b", 3, 3, 1, 4, ("X", "Y")),
    ]


# -- transactions ----------------------------------------------------------------------


def test_transaction_groups_everything_and_commits_once(
    store: EventStore, new_event: Make, backend: str, tmp_path: Path
) -> None:
    other = None if backend == "memory" else open_backend(backend, tmp_path)
    with store.transaction():
        store.append("a", [new_event()], expected_version=0)
        store.append("b", [new_event(), new_event()], expected_version=0)
        store.append("a", [new_event()], expected_version=1)
        store.save_checkpoint("proj", 4)
        if other is not None:  # another connection sees nothing before the commit
            assert other.head_position() == 0
            assert other.checkpoint("proj") == 0
    assert [(e.stream_id, e.version, e.position) for e in store.read_all()] == [
        ("a", 1, 1),
        ("b", 1, 2),
        ("b", 2, 3),
        ("a", 2, 4),
    ]
    if other is not None:
        assert other.head_position() == 4
        assert other.checkpoint("proj") == 4
        other.close()


def test_an_exception_rolls_back_the_whole_transaction(store: EventStore, new_event: Make) -> None:
    store.ensure_projection_table("Counts", {"id": "str", "n": "int"}, ["id"])
    with pytest.raises(RuntimeError), store.transaction():
        store.append("a", [new_event()], expected_version=0)
        store.upsert_row("Counts", {"id": "a"}, {"n": 1})
        store.save_checkpoint("proj", 1)
        store.inbox_add("proj", "ev-1")
        raise RuntimeError("boom")
    assert store.head_position() == 0
    assert store.rows("Counts") == []
    assert store.checkpoint("proj") == 0
    assert not store.inbox_seen("proj", "ev-1")
    assert not store.in_transaction
    # and the store carries on normally
    assert store.append("a", [new_event()], expected_version=0)[0].position == 1


def test_nested_transactions_join_the_outer_one(store: EventStore, new_event: Make) -> None:
    with store.transaction():
        store.append("a", [new_event()], expected_version=0)
        with store.transaction():
            store.append("a", [new_event()], expected_version=1)
            assert store.in_transaction
        with pytest.raises(KeyError), store.transaction():  # inner failure, caught outside it
            store.append("a", [new_event(), new_event()], expected_version=2)
            store.save_checkpoint("c", 4)
            raise KeyError("inner")
        # only the failed inner block was undone; versions and positions carry on
        assert store.stream_version("a") == 2
        assert store.checkpoint("c") == 0
        recorded = store.append("a", [new_event()], expected_version=2)
        assert (recorded[0].version, recorded[0].position) == (3, 3)
    assert [(e.version, e.position) for e in store.read_stream("a")] == [(1, 1), (2, 2), (3, 3)]


def test_failures_inside_a_transaction_undo_only_that_append(
    store: EventStore, new_event: Make
) -> None:
    store.append("z", [NewEvent(type="T", data={}, event_id="taken", recorded_at=FIXED_TIME)], 0)
    with store.transaction():
        store.append("a", [new_event()], expected_version=0)
        with pytest.raises(ConcurrencyError):
            store.append("a", [new_event()], expected_version=0)
        dup = NewEvent(type="T", data={}, event_id="taken", recorded_at=FIXED_TIME)
        with pytest.raises(DuplicateEventError):
            store.append("b", [new_event(), new_event(), dup], expected_version=0)
        assert store.stream_version("b") == 0
        recorded = store.append("b", [new_event()], expected_version=0)
        assert (recorded[0].version, recorded[0].position) == (1, 3)
    assert [(e.stream_id, e.version, e.position) for e in store.read_all()] == [
        ("z", 1, 1),
        ("a", 1, 2),
        ("b", 1, 3),
    ]
    assert _stream_numbers(store) == [(1, "z"), (2, "a"), (3, "b")]


def _stream_numbers(store: EventStore) -> list[tuple[int, str]]:
    return store.connection.execute(
        "SELECT stream_no, stream_id FROM streams ORDER BY stream_no"
    ).fetchall()


class Interrupt(Exception):
    """Stands for what a signal handler may raise between any two statements."""


def test_an_interrupt_right_after_numbering_a_stream_undoes_the_number(
    store: EventStore, new_event: Make
) -> None:
    real_run = store._run

    def interrupted(sql: str, *params: Any) -> Any:
        cursor = real_run(sql, *params)
        if sql.startswith("INSERT INTO streams"):
            raise Interrupt  # the stream is numbered, its event not written yet
        return cursor

    with store.transaction():
        store.append("a", [new_event()], expected_version=0)
        store._run = interrupted  # type: ignore[method-assign]
        try:
            with pytest.raises(Interrupt):
                store.append("b", [new_event()], expected_version=0)
        finally:
            store._run = real_run  # type: ignore[method-assign]
        store.append("c", [new_event()], expected_version=0)
    assert _stream_numbers(store) == [(1, "a"), (2, "c")]
    assert store.stream_version("b") == 0


def test_streams_are_numbered_by_first_event_and_no_number_is_given_twice(
    store: EventStore, new_event: Make
) -> None:
    store.append("a", [new_event()], expected_version=0)
    with pytest.raises(RuntimeError), store.transaction():
        store.append("x", [new_event()], expected_version=0)  # numbered 2, then undone
        raise RuntimeError("boom")
    with store.transaction():
        store.append("a", [new_event()], expected_version=1)
        with pytest.raises(KeyError), store.transaction():
            store.append("y", [new_event()], expected_version=0)  # undone by its block
            raise KeyError("inner")
        store.append("b", [new_event()], expected_version=0)
    store.append("x", [new_event(), new_event()], expected_version=0)
    assert _stream_numbers(store) == [(1, "a"), (2, "b"), (3, "x")]
    assert [len(store.read_stream(s)) for s in ("a", "b", "x", "y")] == [2, 1, 2, 0]
    assert [(s.stream_id, s.event_count) for s in store.streams()] == [
        ("a", 2),
        ("b", 1),
        ("x", 2),
    ]
    numbered = store.connection.execute(
        "SELECT e.stream_id = s.stream_id FROM events e JOIN streams s USING (stream_no)"
    ).fetchall()
    assert numbered == [(1,)] * 5


# -- snapshots, checkpoints, dead letters, inbox, runs ----------------------------------


def test_snapshots_latest_per_stream(store: EventStore, new_event: Make) -> None:
    assert store.latest_snapshot("a") is None
    store.append("a", [new_event() for _ in range(5)], expected_version=0)
    store.save_snapshot(Snapshot("a", 2, {"n": 2}, FIXED_TIME))
    store.save_snapshot(Snapshot("a", 4, {"n": 4, "d": Decimal("1.5")}, FIXED_TIME))
    store.save_snapshot(Snapshot("a", 3, {"n": 3}, FIXED_TIME))
    assert store.latest_snapshot("a") == Snapshot("a", 4, {"n": 4, "d": "1.5"}, FIXED_TIME)
    store.save_snapshot(Snapshot("a", 4, {"n": 44}, FIXED_TIME))  # same version replaces
    latest = store.latest_snapshot("a")
    assert latest is not None and latest.state == {"n": 44}
    assert [s.version for s in store.snapshots("a")] == [2, 3, 4]
    with pytest.raises(ValueError, match="version 6"):
        store.save_snapshot(Snapshot("a", 6, {}, FIXED_TIME))
    with pytest.raises(ValueError):
        store.save_snapshot(Snapshot("ghost", 1, {}, FIXED_TIME))


def test_checkpoints(store: EventStore, new_event: Make) -> None:
    store.append("s", [new_event() for _ in range(7)], expected_version=0)
    assert store.checkpoint("proj") == 0
    store.save_checkpoint("proj", 5)
    store.save_checkpoint("proj", 7, updated_at="2024-05-05T00:00:00+00:00")
    store.save_checkpoint("other", 1)
    assert store.checkpoint("proj") == 7
    assert [(c.consumer, c.position, c.updated_at) for c in store.checkpoints()] == [
        ("other", 1, FIXED_TIME),
        ("proj", 7, "2024-05-05T00:00:00+00:00"),
    ]
    with pytest.raises(ValueError):
        store.save_checkpoint("proj", -1)


def test_dead_letters(store: EventStore) -> None:
    first = store.add_dead_letter("proj", 3, "ev-3", "KeyError: 'x'", attempts=3)
    second = store.add_dead_letter("mail", 4, "ev-4", "boom")
    assert [d.id for d in store.dead_letters()] == [first, second]
    (letter,) = store.dead_letters("proj")
    assert (letter.position, letter.event_id, letter.error, letter.attempts) == (
        3,
        "ev-3",
        "KeyError: 'x'",
        3,
    )
    assert letter.recorded_at == FIXED_TIME and letter.replayed_at is None
    store.mark_replayed(first, replayed_at="2024-02-02T00:00:00+00:00")
    assert store.dead_letters("proj")[0].replayed_at == "2024-02-02T00:00:00+00:00"
    assert [d.id for d in store.dead_letters(pending_only=True)] == [second]
    with pytest.raises(LookupError):
        store.mark_replayed(999)


def test_inbox_remembers_processed_events_per_consumer(store: EventStore) -> None:
    assert not store.inbox_seen("proj", "ev-1")
    assert store.inbox_add("proj", "ev-1") is True
    assert store.inbox_add("proj", "ev-1") is False
    assert store.inbox_seen("proj", "ev-1")
    assert not store.inbox_seen("other", "ev-1")


def test_runs(store: EventStore) -> None:
    run_id = store.start_run("library", seed=42, kind="simulation")
    other = store.start_run("library", started_at="2024-03-03T00:00:00+00:00")
    store.finish_run(run_id, {"events": 10, "total": Decimal("2.50")})
    first, second = store.runs()
    assert (first.id, first.model, first.seed, first.kind) == (run_id, "library", 42, "simulation")
    assert first.started_at == FIXED_TIME and first.finished_at == FIXED_TIME
    assert first.summary == {"events": 10, "total": "2.50"}
    assert (second.id, second.seed, second.finished_at, second.summary) == (other, None, None, None)
    with pytest.raises(LookupError):
        store.finish_run(999, {})


# -- the file --------------------------------------------------------------------------


def test_pragmas(store: EventStore, backend: str) -> None:
    conn = store.connection
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    if backend == "memory":
        return
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    expected = {"file-normal": 1, "file-full": 2}[backend]
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == expected
    assert store.synchronous == {"file-normal": "NORMAL", "file-full": "FULL"}[backend]


def test_reopening_a_file_keeps_everything(backend: str, tmp_path: Path, new_event: Make) -> None:
    if backend == "memory":
        pytest.skip("a memory store ends with its connection")
    with open_backend(backend, tmp_path) as store:
        store.append("a", [new_event(), new_event()], expected_version=0)
        store.save_checkpoint("p", 2)
        before = store.dump()
    with open_backend(backend, tmp_path) as store:
        assert store.dump() == before
        assert store.append("a", [new_event()], expected_version=2)[0].position == 3


def test_open_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        EventStore.open(tmp_path / "x.db", synchronous="EXTRA")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        EventStore.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with EventStore.open(tmp_path / "off.db", synchronous="OFF") as store:
        assert store.connection.execute("PRAGMA synchronous").fetchone()[0] == 0
        assert "off.db" in repr(store)
    with EventStore.open(tmp_path / "off.db", create=False, busy_timeout_ms=1234) as store:
        assert store.connection.execute("PRAGMA busy_timeout").fetchone()[0] == 1234


def test_busy_timeout_makes_a_second_writer_wait_then_fail_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = EventStore.open(path)
    waiter = EventStore.open(path, busy_timeout_ms=200)
    holder.append("s", [NewEvent(type="T", data={}, event_id="e1", recorded_at="t")], 0)
    with holder.transaction(), pytest.raises(sqlite3.OperationalError, match="locked"):
        waiter.save_checkpoint("c", 1)
    waiter.save_checkpoint("c", 1)  # lock released: goes through
    assert holder.checkpoint("c") == 1
    holder.close()
    waiter.close()


def test_errors_pickle_with_their_fields() -> None:
    error = pickle.loads(pickle.dumps(ConcurrencyError("book-1", 3, 4)))
    assert (error.stream_id, error.expected, error.actual, str(error)) == (
        "book-1",
        3,
        4,
        "stream 'book-1': expected version 3, actual 4",
    )
    assert pickle.loads(pickle.dumps(DuplicateEventError("e1"))).event_id == "e1"
