"""The CLI's listings: rows with stable columns, and their table, JSON and CSV forms."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from workbench.store import EventStore, NewEvent, Snapshot
from workbench.store.inspect import (
    EVENT_COLUMNS,
    checkpoints_rows,
    count_events,
    dead_letters_rows,
    event_types,
    events_rows,
    format_rows,
    has_event_type,
    iter_events_rows,
    iter_stream_rows,
    no_leftover_sidecars,
    read_model_rows,
    render_rows,
    runs_rows,
    snapshots_rows,
    stream_ids,
    stream_rows,
    streams_rows,
    streams_with_id,
)

from .conftest import FIXED_TIME, fixed_clock


@pytest.fixture
def filled() -> EventStore:
    store = EventStore.open(":memory:", clock=fixed_clock)

    def ev(n: int, type_: str, **data: object) -> NewEvent:
        return NewEvent(type=type_, data=data, event_id=f"e{n}", recorded_at=FIXED_TIME)

    store.append("book-1", [ev(1, "BookAdded", title="Dune"), ev(2, "BookLent", to="m1")], 0)
    store.append("book-2", [ev(3, "BookAdded", title="Emma, a novel")], 0)
    store.save_snapshot(Snapshot("book-1", 2, {"lent": True}, FIXED_TIME))
    store.save_checkpoint("stock", 2)
    store.ensure_projection_table(
        "Stock", {"id": "str", "copies": "int", "price": "decimal?"}, ["id"]
    )
    store.upsert_row("Stock", {"id": "book-1"}, {"copies": 0, "price": Decimal("9.50")})
    store.upsert_row("Stock", {"id": "book-2"}, {"copies": 12, "price": None})
    store.add_dead_letter("mailer", 2, "e2", "line one\nline two")
    store.finish_run(store.start_run("library", seed=1), {"events": 3})
    return store


def test_rows_have_stable_columns(filled: EventStore) -> None:
    assert streams_rows(filled) == [
        {
            "stream_id": "book-1",
            "version": 2,
            "events": 2,
            "first_position": 1,
            "last_position": 2,
            "types": "BookAdded, BookLent",
        },
        {
            "stream_id": "book-2",
            "version": 1,
            "events": 1,
            "first_position": 3,
            "last_position": 3,
            "types": "BookAdded",
        },
    ]
    events = events_rows(filled)
    assert [list(r) for r in events] == [list(EVENT_COLUMNS)] * 3
    assert [r["event_id"] for r in events] == ["e1", "e2", "e3"]
    assert [r["event_id"] for r in events_rows(filled, from_position=1, limit=1)] == ["e2"]
    assert [r["version"] for r in stream_rows(filled, "book-1")] == [1, 2]
    assert stream_rows(filled, "book-1", from_version=2)[0]["data"] == {"to": "m1"}
    assert read_model_rows(filled, "Stock") == [
        {"id": "book-1", "copies": 0, "price": Decimal("9.50")},
        {"id": "book-2", "copies": 12, "price": None},
    ]
    assert snapshots_rows(filled) == [
        {"stream_id": "book-1", "version": 2, "recorded_at": FIXED_TIME, "state": {"lent": True}}
    ]
    assert checkpoints_rows(filled) == [
        {"consumer": "stock", "position": 2, "behind": 1, "updated_at": FIXED_TIME}
    ]
    assert list(dead_letters_rows(filled)[0]) == [
        "id",
        "consumer",
        "position",
        "event_id",
        "attempts",
        "recorded_at",
        "replayed_at",
        "error",
    ]
    assert runs_rows(filled)[0]["summary"] == {"events": 3}


def test_table_format_aligns_columns(filled: EventStore) -> None:
    assert format_rows(read_model_rows(filled, "Stock"), "table") == (
        "id      copies  price\n------  ------  -----\nbook-1       0   9.50\nbook-2      12"
    )
    table = format_rows(dead_letters_rows(filled), "table")
    assert "line one\\nline two" in table and len(table.splitlines()) == 3
    events = format_rows(stream_rows(filled, "book-1"), "table")
    assert events.splitlines()[2].endswith('{"title":"Dune"}')


def test_json_format_keeps_values_and_column_order(filled: EventStore) -> None:
    text = format_rows(read_model_rows(filled, "Stock"), "json")
    assert json.loads(text) == [
        {"id": "book-1", "copies": 0, "price": "9.50"},
        {"id": "book-2", "copies": 12, "price": None},
    ]
    assert text.index('"id"') < text.index('"copies"') < text.index('"price"')
    assert json.loads(format_rows(stream_rows(filled, "book-1"), "json"))[1]["data"] == {"to": "m1"}


def test_csv_format_quotes_what_needs_it(filled: EventStore) -> None:
    assert format_rows(streams_rows(filled), "csv") == (
        "stream_id,version,events,first_position,last_position,types\n"
        'book-1,2,2,1,2,"BookAdded, BookLent"\n'
        "book-2,1,1,3,3,BookAdded"
    )
    assert '"{""title"":""Emma, a novel""}"' in format_rows(stream_rows(filled, "book-2"), "csv")


def test_cells_of_every_kind() -> None:
    rows = [{"b": True, "n": None, "f": 1.5, "d": {"k": [1]}, "s": "x"}]
    assert format_rows(rows, "csv") == 'b,n,f,d,s\ntrue,,1.5,"{""k"":[1]}",x'


def test_empty_listings() -> None:
    assert format_rows([], "table") == "(no rows)"
    assert format_rows([], "table", columns=["a", "bb"]) == "a  bb\n-  --"
    assert format_rows([], "json") == "[]"
    assert format_rows([], "csv") == ""
    assert format_rows([], "csv", columns=["a", "b"]) == "a,b"
    with pytest.raises(ValueError, match="unknown format"):
        format_rows([], "yaml")  # type: ignore[arg-type]


@pytest.fixture
def paged() -> EventStore:
    """Seven streams of three events, types alternating, to page through in twos."""
    store = EventStore.open(":memory:", clock=fixed_clock)
    for s in range(7):
        events = [
            NewEvent(
                type="Even" if (3 * s + v) % 2 == 0 else "Odd",
                data={"n": 3 * s + v},
                event_id=f"e{s}-{v}",
                recorded_at=FIXED_TIME,
            )
            for v in range(3)
        ]
        store.append(f"Member-{s}-x", events, 0)
    return store


def test_paged_reads_cross_pages_with_filters_and_limits(paged: EventStore) -> None:
    every = [r["position"] for r in iter_events_rows(paged, page_size=2)]
    assert every == list(range(1, 22))
    assert list(iter_events_rows(paged, page_size=2)) == events_rows(paged)
    odd = list(iter_events_rows(paged, event_type="Odd", from_position=3, page_size=2))
    assert [r["data"]["n"] for r in odd] == list(range(3, 21, 2))
    assert {r["type"] for r in odd} == {"Odd"}
    limited = iter_events_rows(paged, event_type="Even", from_position=4, limit=5, page_size=2)
    assert [r["position"] for r in limited] == [5, 7, 9, 11, 13]
    assert [r["position"] for r in iter_events_rows(paged, limit=4, page_size=2)] == [1, 2, 3, 4]
    assert count_events(paged) == 21
    assert count_events(paged, from_position=3, event_type="Odd") == 9
    stream = list(iter_stream_rows(paged, "Member-2-x", from_version=2, page_size=1))
    assert [(r["version"], r["data"]) for r in stream] == [(2, {"n": 7}), (3, {"n": 8})]
    assert list(iter_stream_rows(paged, "Member-9-x")) == []


def test_what_filters_can_name(paged: EventStore) -> None:
    assert has_event_type(paged, "Odd") and not has_event_type(paged, "odd")
    assert event_types(paged) == ["Even", "Odd"]
    assert stream_ids(paged)[:2] == ["Member-0-x", "Member-1-x"]
    assert streams_with_id(paged, "3-x") == ["Member-3-x"]
    assert streams_with_id(paged, "x") == [] and streams_with_id(paged, "Member-3-x") == []


def test_render_rows_streams_the_same_text_format_rows_makes(filled: EventStore) -> None:
    rows = events_rows(filled) + [
        dict(r, data={"nested": [1, {"a": None}], "é": "ü\n"}) for r in events_rows(filled)
    ]
    before = json.dumps(rows, indent=2, ensure_ascii=False, default=str)  # what it was
    for chunk_rows in (1, 2, 1000):
        chunks = list(render_rows(iter(rows), "json", columns=EVENT_COLUMNS, chunk_rows=chunk_rows))
        assert "".join(chunks) == before + "\n"
        assert len(chunks) == len(rows) // chunk_rows + 1
        text = "".join(render_rows(iter(rows), "csv", columns=EVENT_COLUMNS, chunk_rows=chunk_rows))
        assert text == format_rows(rows, "csv") + "\n"
    assert "".join(render_rows(iter([]), "json", columns=EVENT_COLUMNS)) == "[]\n"
    assert "".join(render_rows(iter([]), "csv", columns=["a", "b"])) == "a,b\n"
    assert list(render_rows(iter([{"a": 1}, {"a": 2}]), "csv", columns=["a"], chunk_rows=2)) == [
        "a\n1\n2\n"
    ]
    with pytest.raises(ValueError, match="unknown format"):
        render_rows([], "table", columns=[])  # type: ignore[arg-type]


def sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != path.name)


def test_a_look_removes_the_empty_sidecars_it_made(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    EventStore.open(path, clock=fixed_clock).close()
    assert sidecars(path) == []
    with no_leftover_sidecars(path), EventStore.open(path, read_only=True) as store:
        store.head_position()
        assert sidecars(path) == ["store.db-shm", "store.db-wal"]
    assert sidecars(path) == []


def test_sidecars_in_use_or_there_before_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    EventStore.open(path, clock=fixed_clock).close()
    with no_leftover_sidecars(path):
        other = sqlite3.connect(path)  # opened by someone else during the look
        other.execute("SELECT COUNT(*) FROM events").fetchone()
        with EventStore.open(path, read_only=True) as store:
            store.head_position()
    assert sidecars(path) == ["store.db-shm", "store.db-wal"]  # empty, but in use
    other.close()

    writer = EventStore.open(path, clock=fixed_clock)
    writer.append("a-1", [NewEvent(type="T", data={}, event_id="e", recorded_at=FIXED_TIME)], 0)
    with no_leftover_sidecars(path), EventStore.open(path, read_only=True) as store:
        assert store.head_position() == 1
    assert path.with_name("store.db-wal").stat().st_size > 0  # the writer's, not ours
    writer.close()  # the last connection tidies up after itself
    assert sidecars(path) == []

    path.with_name("store.db-wal").touch()  # an empty WAL that was there before
    with no_leftover_sidecars(path), EventStore.open(path, read_only=True) as store:
        store.head_position()
    assert "store.db-wal" in sidecars(path)
