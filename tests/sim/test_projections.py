"""Read models: upsert/update/delete, keys across streams, lists and maps, checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from workbench.sim.engine import Engine

from .conftest import model_from
from .sample_models import SHOP

OpenEngine = Callable[..., Engine]
ALICE = "a11ce000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"
O1, O2, O3 = (f"0000000{n}-0000-4000-8000-000000000000" for n in (1, 2, 3))


def place(engine: Engine, order: str, customer: str, items: list[str], total: str) -> None:
    run = engine.execute(
        "PlaceOrder", {"order_id": order, "customer_id": customer, "items": items, "total": total}
    )
    assert run.result is not None and run.result.outcome == "accepted"


def test_upsert_creates_rows_from_defaults_and_update_changes_them(open_engine: OpenEngine) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen", "ink"], "3.50")
    engine.execute("ShipOrder", {"order_id": O1})
    assert engine.rows("Orders") == [
        {"order_id": O1, "items": ["pen", "ink"], "total": Decimal("3.50"), "status": "shipped"}
    ]


def test_update_of_a_missing_row_is_skipped_and_delete_removes_the_row(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen"], "1")
    engine.execute("CancelOrder", {"order_id": O1, "customer_id": ALICE})
    assert engine.rows("Orders") == []
    engine.execute("ShipOrder", {"order_id": O1})  # the row is gone: the update is skipped
    assert engine.rows("Orders") == []
    assert engine.problems == []


def test_one_row_per_customer_gathers_events_from_many_streams(open_engine: OpenEngine) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen"], "1.50")
    place(engine, O2, ALICE, ["ink"], "2.25")
    place(engine, O3, BOB, [], "4")
    engine.execute("CancelOrder", {"order_id": O1, "customer_id": ALICE})
    rows = {row["customer_id"]: row for row in engine.rows("Customers")}
    assert rows[ALICE] == {
        "customer_id": ALICE,
        "orders": 1,
        "spent": Decimal("3.75"),
        "by_order": {O2: Decimal("2.25")},
    }
    assert rows[BOB]["by_order"] == {O3: Decimal("4")}


def test_composite_keys_from_key_expressions_and_a_handler_condition(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen", "ink"], "1")
    place(engine, O2, ALICE, ["pen"], "1")
    place(engine, O3, BOB, [], "1")  # no first item: the condition skips it
    assert engine.rows("FirstItems") == [{"customer_id": ALICE, "item": "pen", "count": 2}]


def test_rows_live_in_typed_tables_and_the_checkpoint_is_the_head(open_engine: OpenEngine) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen"], "1.10")
    (total,) = engine.store.connection.execute("SELECT total FROM rm_orders").fetchone()
    assert total == "1.10"
    runner = engine.projections["Orders"]
    assert engine.store.checkpoint(runner.consumer) == engine.store.head_position() == 1
    assert runner.lag() == 0


def test_rebuild_from_scratch_gives_the_same_rows(open_engine: OpenEngine) -> None:
    engine = open_engine(SHOP)
    place(engine, O1, ALICE, ["pen"], "1")
    place(engine, O2, BOB, ["ink"], "2")
    engine.execute("CancelOrder", {"order_id": O1, "customer_id": ALICE})
    before = {name: engine.rows(name) for name in engine.projections}
    engine.rebuild_projections()
    assert {name: engine.rows(name) for name in engine.projections} == before


def test_projections_catch_up_only_at_the_end_of_a_batch(open_engine: OpenEngine) -> None:
    engine = open_engine(SHOP)
    with engine.batch():
        place(engine, O1, ALICE, ["pen"], "1")
        assert engine.rows("Orders") == []
    assert len(engine.rows("Orders")) == 1


def test_a_handler_that_fails_dead_letters_the_event_and_goes_on(open_engine: OpenEngine) -> None:
    broken = SHOP.replace("total: event.total,", 'total: "event.total / (len(event.items) - 1)",')
    engine = open_engine(model_from(broken))
    place(engine, O1, ALICE, ["pen"], "1")  # division by zero in Orders
    place(engine, O2, ALICE, ["pen", "ink"], "2")
    assert [row["order_id"] for row in engine.rows("Orders")] == [O2]
    (letter,) = engine.store.dead_letters("projection:Orders")
    assert letter.position == 1 and "division by zero" in letter.error
    assert [p.source for p in engine.problems] == ["projection 'Orders'"]


def test_a_new_projection_version_gets_its_own_table(open_engine: OpenEngine) -> None:
    engine = open_engine(
        SHOP.replace("  Orders:\n    key: order_id", "  Orders:\n    version: 2\n    key: order_id")
    )
    place(engine, O1, ALICE, ["pen"], "1")
    assert engine.projections["Orders"].table_name == "Orders_v2"
    assert engine.store.connection.execute("SELECT count(*) FROM rm_orders_v2").fetchone() == (1,)


TALLY = """\
workbench: 1
name: Tally
aggregates:
  Tally: {id: tally_id, state: {n: {type: int, default: 0}}}
commands:
  Add: {aggregate: Tally, fields: {tally_id: uuid, by: int}, emits: [Added: {}]}
events:
  Added: {aggregate: Tally, fields: {tally_id: uuid, by: int}, evolve: {n: "state.n + event.by"}}
projections:
  Totals:
    description: DESCRIPTION
    key: tally_id
    fields: {tally_id: uuid, total: int}
    on:
      Added: {upsert: {total: "row.total + HOW"}}
"""
T1 = "00000000-0000-4000-8000-000000000001"


def _totals_after_reopening(tmp_path: Path, description: str, how: str) -> int:
    path = tmp_path / "tally.db"
    first = Engine.open(
        model_from(TALLY.replace("DESCRIPTION", "Sums").replace("HOW", "event.by")), path
    )
    for by in (1, 2, 3):
        first.execute("Add", {"tally_id": T1, "by": by})
    first.store.upsert_row("Totals", {"tally_id": T1}, {"total": 1000})  # marks the rows
    first.close()
    text = TALLY.replace("DESCRIPTION", description).replace("HOW", how)
    again = Engine.open(model_from(text), path)
    try:
        again.project()
        (row,) = again.rows("Totals")
        return int(row["total"])
    finally:
        again.close()


def test_a_read_model_whose_handlers_changed_is_rebuilt_when_the_file_is_opened(
    tmp_path: Path,
) -> None:
    """Same columns, another handler and no version bump: the rows come from the log
    again, not from the old handler with the new one added on top."""
    assert _totals_after_reopening(tmp_path, "Sums", "event.by * 10") == 60
    (tmp_path / "tally.db").unlink()
    # a description is not how rows are computed: the rows (marked) stay as they are
    assert _totals_after_reopening(tmp_path, "Sums of all additions", "event.by") == 1000
