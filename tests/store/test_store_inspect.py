"""The CLI's listings: rows with stable columns, and their table, JSON and CSV forms."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from workbench.store import EventStore, NewEvent, Snapshot
from workbench.store.inspect import (
    EVENT_COLUMNS,
    checkpoints_rows,
    dead_letters_rows,
    events_rows,
    format_rows,
    read_model_rows,
    runs_rows,
    snapshots_rows,
    stream_rows,
    streams_rows,
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
