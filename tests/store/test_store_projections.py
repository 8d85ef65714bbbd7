"""Read-model tables: typed columns, values that round-trip, quoting, rebuild and drop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from workbench.store import (
    EventStore,
    NewEvent,
    ProjectionSchemaError,
    UnknownProjectionError,
    column_type,
    projection_table_name,
    sql_type,
)
from workbench.store.projections import quote

from .conftest import FIXED_TIME, open_backend

EVERY_TYPE = {
    "id": "str",
    "count": "int",
    "ratio": "float",
    "price": "decimal",
    "active": "bool",
    "due": "date",
    "at": "datetime",
    "ref": "uuid",
    "tags": "list[str]",
    "totals": "dict[str, int]",
    "loan": "Loan",
    "note": "str?",
    "maybe_price": "decimal?",
    "maybe_tags": "list[str]?",
}


@dataclass(frozen=True)
class Loan:
    member: str
    days: int


def _table_info(store: EventStore, table: str) -> dict[str, tuple[str, int, int]]:
    rows = store.connection.execute(f"PRAGMA table_info({quote(table)})").fetchall()
    return {name: (type_, notnull, pk) for _, name, type_, notnull, _, pk in rows}


def test_field_types_map_to_sqlite_types() -> None:
    assert {t: sql_type(t) for t in EVERY_TYPE.values()} == {
        "str": "TEXT",
        "int": "INTEGER",
        "float": "REAL",
        "decimal": "TEXT",
        "bool": "INTEGER",
        "date": "TEXT",
        "datetime": "TEXT",
        "uuid": "TEXT",
        "list[str]": "TEXT",
        "dict[str, int]": "TEXT",
        "Loan": "TEXT",
        "str?": "TEXT",
        "decimal?": "TEXT",
        "list[str]?": "TEXT",
    }
    assert sql_type("int ?") == "INTEGER" and column_type("int ?").optional
    assert column_type("list[int]").is_json and not column_type("int").is_json
    with pytest.raises(ValueError):
        column_type("?")


def test_table_names() -> None:
    assert projection_table_name("BookInventory") == "rm_book_inventory"
    assert projection_table_name("loans-per member") == "rm_loans_per_member"
    assert projection_table_name('Odd "name"') == 'rm_odd_"name"'
    with pytest.raises(ValueError):
        projection_table_name("  ")


def test_projection_tables_have_typed_columns(store: EventStore) -> None:
    table = store.ensure_projection_table("BookInventory", EVERY_TYPE, ["id"])
    assert table.table == "rm_book_inventory"
    info = _table_info(store, "rm_book_inventory")
    assert list(info) == list(EVERY_TYPE)  # column order kept
    assert {c: t for c, (t, _, _) in info.items()} == {
        c: sql_type(t) for c, t in EVERY_TYPE.items()
    }
    assert info["id"] == ("TEXT", 1, 1)
    assert info["count"][1:] == (0, 0)  # only key columns are NOT NULL in SQL


def test_rows_round_trip_every_type(store: EventStore) -> None:
    store.ensure_projection_table("BookInventory", EVERY_TYPE, ["id"])
    row = {
        "id": "b1",
        "count": 2**62,
        "ratio": 0.1,
        "price": Decimal("12.50"),
        "active": True,
        "due": date(2024, 2, 29),
        "at": datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC),
        "ref": UUID("12345678-1234-5678-1234-567812345678"),
        "tags": ["x", "y"],
        "totals": {"a": 1, "b": 2},
        "loan": {"member": "m1", "days": 14},
        "note": None,
        "maybe_price": None,
        "maybe_tags": None,
    }
    store.upsert_row("BookInventory", {"id": "b1"}, {k: v for k, v in row.items() if k != "id"})
    got = store.get_row("BookInventory", {"id": "b1"})
    assert got == row
    assert got is not None and type(got["active"]) is bool and type(got["price"]) is Decimal
    assert store.rows("BookInventory") == [row]
    # stored as SQL readers expect: decimals exact text, bools 0/1, JSON text
    raw = store.connection.execute(
        "SELECT price, active, due, tags, loan FROM rm_book_inventory"
    ).fetchone()
    assert raw == ("12.50", 1, "2024-02-29", '["x","y"]', '{"days":14,"member":"m1"}')
    # a dataclass record is stored as its JSON object; ISO text and strings are accepted
    store.upsert_row(
        "BookInventory",
        {"id": "b2"},
        {
            **{k: v for k, v in row.items() if k != "id"},
            "loan": Loan("m2", 7),
            "due": "2024-03-01",
            "price": "0.10",
            "ref": "12345678123456781234567812345678",
            "active": False,
            "maybe_price": 3,
        },
    )
    b2 = store.get_row("BookInventory", {"id": "b2"})
    assert b2 is not None
    assert (b2["loan"], b2["due"], b2["price"], b2["active"], b2["maybe_price"]) == (
        {"member": "m2", "days": 7},
        date(2024, 3, 1),
        Decimal("0.10"),
        False,
        Decimal(3),
    )
    assert b2["ref"] == UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("active", "yes", TypeError),
        ("active", 1, TypeError),
        ("count", True, TypeError),
        ("count", "3", TypeError),
        ("ratio", "0.5", TypeError),
        ("price", 0.1, TypeError),  # a float is not an exact decimal
        ("price", "ten", ValueError),
        ("due", datetime(2024, 1, 1), TypeError),
        ("due", "not a date", ValueError),
        ("ref", "not-a-uuid", ValueError),
        ("count", None, TypeError),  # not optional
        ("tags", {1, object()}, TypeError),
        ("nope", 1, ProjectionSchemaError),
    ],
)
def test_values_are_checked_against_the_column_type(
    store: EventStore, column: str, value: object, error: type[Exception]
) -> None:
    store.ensure_projection_table("BookInventory", EVERY_TYPE, ["id"])
    with pytest.raises(error):
        store.upsert_row("BookInventory", {"id": "b1"}, {column: value})
    assert store.rows("BookInventory") == []


def test_upsert_update_delete_get(store: EventStore) -> None:
    store.ensure_projection_table("Stock", {"id": "str", "copies": "int?", "title": "str?"}, ["id"])
    store.upsert_row("Stock", {"id": "b1"}, {"copies": 1, "title": "Dune"})
    store.upsert_row("Stock", {"id": "b1"}, {"copies": 2})  # only the given columns change
    assert store.get_row("Stock", {"id": "b1"}) == {"id": "b1", "copies": 2, "title": "Dune"}
    store.upsert_row("Stock", {"id": "b0"}, {})  # key only
    assert store.get_row("Stock", {"id": "b0"}) == {"id": "b0", "copies": None, "title": None}
    assert store.update_row("Stock", {"id": "b1"}, {"title": "Dune Messiah", "id": "b1"})
    assert not store.update_row("Stock", {"id": "ghost"}, {"copies": 1})
    assert store.update_row("Stock", {"id": "b1"}, {}) is True
    assert store.update_row("Stock", {"id": "ghost"}, {}) is False
    assert [r["id"] for r in store.rows("Stock")] == ["b0", "b1"]  # ordered by key
    assert store.delete_row("Stock", {"id": "b0"})
    assert not store.delete_row("Stock", {"id": "b0"})
    assert store.get_row("Stock", {"id": "b0"}) is None
    with pytest.raises(ProjectionSchemaError, match="keyed by"):
        store.get_row("Stock", {"title": "Dune"})
    with pytest.raises(ProjectionSchemaError, match="cannot change key"):
        store.upsert_row("Stock", {"id": "b1"}, {"id": "b2"})
    with pytest.raises(UnknownProjectionError):
        store.rows("Nope")


def test_composite_keys(store: EventStore) -> None:
    store.ensure_projection_table(
        "Loans", {"member": "str", "book": "str", "due": "date"}, ["member", "book"]
    )
    store.upsert_row("Loans", {"member": "m2", "book": "b1"}, {"due": date(2024, 1, 2)})
    store.upsert_row("Loans", {"member": "m1", "book": "b2"}, {"due": date(2024, 1, 3)})
    store.upsert_row("Loans", {"member": "m1", "book": "b1"}, {"due": date(2024, 1, 4)})
    assert [(r["member"], r["book"]) for r in store.rows("Loans")] == [
        ("m1", "b1"),
        ("m1", "b2"),
        ("m2", "b1"),
    ]
    info = _table_info(store, "rm_loans")
    assert (info["member"][2], info["book"][2]) == (1, 2)


def test_names_that_need_quoting(store: EventStore) -> None:
    name = 'Loans "by" member; DROP TABLE events'
    columns = {"due date": "date", 'we"ird': "int", "select": "str", "order": "bool?"}
    table = store.ensure_projection_table(name, columns, ["select"])
    store.upsert_row(
        name, {"select": "x"}, {"due date": date(2024, 1, 1), 'we"ird': 1, "order": True}
    )
    assert store.rows(name) == [
        {"due date": date(2024, 1, 1), 'we"ird': 1, "select": "x", "order": True}
    ]
    assert list(_table_info(store, table.table)) == list(columns)
    assert store.stream_version("anything") == 0  # events is still there


def test_definitions_are_checked(store: EventStore) -> None:
    with pytest.raises(ValueError, match="key column"):
        store.ensure_projection_table("P", {"id": "str"}, ["nope"])
    with pytest.raises(ValueError, match="optional"):
        store.ensure_projection_table("P", {"id": "str?"}, ["id"])
    with pytest.raises(ValueError, match="duplicate"):
        store.ensure_projection_table("P", {"id": "str", "ID": "int"}, ["id"])
    with pytest.raises(ValueError):
        store.ensure_projection_table("P", {"id": "str"}, [])
    with pytest.raises(ValueError):
        store.ensure_projection_table("P", {}, ["id"])
    store.ensure_projection_table("BookList", {"id": "str"}, ["id"])
    with pytest.raises(ProjectionSchemaError, match="share table"):
        store.ensure_projection_table("book list", {"id": "str"}, ["id"])
    assert [p.name for p in store.projections()] == ["BookList"]


def test_ensure_is_idempotent_and_a_changed_definition_needs_a_rebuild(store: EventStore) -> None:
    first = store.ensure_projection_table("Stock", {"id": "str", "n": "int"}, ["id"])
    store.upsert_row("Stock", {"id": "a"}, {"n": 1})
    assert store.ensure_projection_table("Stock", {"id": "str", "n": "int"}, ["id"]) == first
    assert store.rows("Stock") == [{"id": "a", "n": 1}]  # nothing was lost
    with pytest.raises(ProjectionSchemaError, match="another definition"):
        store.ensure_projection_table("Stock", {"id": "str", "n": "decimal"}, ["id"])

    event = NewEvent(type="Stocked", data={}, event_id="e1", recorded_at=FIXED_TIME)
    store.append("stock-a", [event], expected_version=0)
    store.save_checkpoint("stock-projector", 1)
    rebuilt = store.rebuild_projection(
        "Stock", {"id": "str", "n": "decimal"}, ["id"], consumer="stock-projector"
    )
    assert rebuilt.column_types == {"id": "str", "n": "decimal"}
    assert store.rows("Stock") == []
    assert store.checkpoint("stock-projector") == 0
    store.upsert_row("Stock", {"id": "a"}, {"n": Decimal("1.5")})
    assert store.rows("Stock") == [{"id": "a", "n": Decimal("1.5")}]

    store.rebuild_projection("Stock")  # same definition: just emptied
    assert store.rows("Stock") == [] and store.projection("Stock") == rebuilt

    store.drop_projection("Stock")
    store.drop_projection("Stock")  # harmless
    assert store.projections() == []
    with pytest.raises(UnknownProjectionError):
        store.upsert_row("Stock", {"id": "a"}, {"n": 1})
    with pytest.raises(UnknownProjectionError):
        store.rebuild_projection("Stock")
    assert "rm_stock" not in {
        r[0] for r in store.connection.execute("SELECT name FROM sqlite_master")
    }


def test_projection_writes_roll_back_with_the_transaction(store: EventStore) -> None:
    store.ensure_projection_table("Stock", {"id": "str", "n": "int"}, ["id"])
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_row("Stock", {"id": "a"}, {"n": 1})
        raise RuntimeError
    assert store.rows("Stock") == []


def test_another_process_reads_rows_with_their_types(tmp_path: Path) -> None:
    with open_backend("file-normal", tmp_path) as writer:
        writer.ensure_projection_table(
            "Prices", {"id": "str", "p": "decimal", "ok": "bool"}, ["id"]
        )
        writer.upsert_row("Prices", {"id": "x"}, {"p": Decimal("9.99"), "ok": True})
    with EventStore.open(tmp_path / "store.db", create=False) as reader:
        assert reader.rows("Prices") == [{"id": "x", "p": Decimal("9.99"), "ok": True}]
        assert reader.projection("Prices").key == ("id",)
