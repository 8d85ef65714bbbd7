"""What the engine and the store remember between transactions (stream versions, read-model
rows, checkpoints) is dropped whenever it may have become untrue: another connection
wrote, a transaction rolled back, or someone wrote through the store's own methods."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.model.schema import Model
from workbench.sim.engine import Engine
from workbench.store import EventStore, NewEvent

from .conftest import model_from

TALLY = """\
workbench: 1
name: Tally
aggregates:
  Tally:
    id: tally_id
    state: {n: {type: int, default: 0}}
commands:
  Add: {aggregate: Tally, fields: {tally_id: uuid, by: int}, emits: [Added: {}]}
events:
  Added:
    aggregate: Tally
    fields: {tally_id: uuid, by: int}
    evolve: {n: "state.n + event.by"}
projections:
  Totals:
    key: tally_id
    fields: {tally_id: uuid, total: int, events: int}
    on:
      Added: {upsert: {total: "row.total + event.by", events: "row.events + 1"}}
"""
T1 = "00000000-0000-4000-8000-000000000001"
STREAM = f"Tally-{T1}"
CONSUMER = "projection:Totals"


@pytest.fixture
def model() -> Model:
    return model_from(TALLY)


def add(engine: Engine, by: int) -> None:
    engine.execute("Add", {"tally_id": T1, "by": by})


def totals(engine: Engine) -> tuple[int, int]:
    (row,) = engine.rows("Totals")
    return row["total"], row["events"]


def test_appends_by_another_connection_are_seen(model: Model, tmp_path: Path) -> None:
    engine = Engine.open(model, tmp_path / "t.db")
    add(engine, 1)
    with EventStore.open(tmp_path / "t.db") as other:
        other.append(
            STREAM,
            [
                NewEvent(
                    type="Added",
                    data={"tally_id": T1, "by": 10},
                    event_id="other-1",
                    recorded_at="2030-01-01T09:00:05",
                )
            ],
            expected_version=1,
        )
    add(engine, 100)
    assert engine.state("Tally", T1) == {"n": 111}
    assert [e.version for e in engine.store.read_stream(STREAM)] == [1, 2, 3]
    assert totals(engine) == (111, 3)
    engine.close()


def test_rows_changed_by_another_connection_are_read_again(model: Model, tmp_path: Path) -> None:
    engine = Engine.open(model, tmp_path / "t.db")
    add(engine, 1)
    with EventStore.open(tmp_path / "t.db") as other:
        other.upsert_row("Totals", {"tally_id": T1}, {"total": 50, "events": 7})
    add(engine, 2)
    assert totals(engine) == (52, 8)
    engine.close()


def test_rows_and_checkpoints_written_through_the_same_store_are_read_again(
    model: Model,
) -> None:
    engine = Engine.open(model)
    add(engine, 1)
    engine.store.upsert_row("Totals", {"tally_id": T1}, {"total": 40, "events": 4})
    add(engine, 2)
    assert totals(engine) == (42, 5)
    engine.store.save_checkpoint(CONSUMER, 0)  # replay everything onto the rows as they are
    add(engine, 3)
    assert totals(engine) == (42 + 1 + 2 + 3, 5 + 3)
    engine.close()


@pytest.mark.parametrize("isolate_calls", [True, False], ids=["savepoints", "no-savepoints"])
def test_a_rolled_back_batch_leaves_nothing_remembered(model: Model, isolate_calls: bool) -> None:
    """Also when calls run without a savepoint each (``simulate``): the batch's rollback
    takes back every call in it and the engine forgets the states they left."""
    engine = Engine.open(model)
    add(engine, 1)
    with pytest.raises(RuntimeError), engine.batch(isolate_calls=isolate_calls):
        add(engine, 5)
        add(engine, 10)
        engine.project()  # rows and checkpoint written, then the batch fails
        raise RuntimeError("boom")
    assert totals(engine) == (1, 1)
    add(engine, 100)
    assert totals(engine) == (101, 2)
    assert engine.state("Tally", T1) == {"n": 101}
    assert engine.store.stream_version(STREAM) == 2
    engine.close()


def test_a_rebuilt_read_model_is_not_served_from_memory(model: Model) -> None:
    engine = Engine.open(model)
    for by in (1, 2, 3):
        add(engine, by)
    engine.store.rebuild_projection("Totals")  # emptied, checkpoint left where it was
    add(engine, 4)
    assert totals(engine) == (4, 1)  # the empty table got the new event only
    engine.rebuild_projections()
    assert totals(engine) == (10, 4)
    engine.close()
