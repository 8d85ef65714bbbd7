"""Command handling: streams, rules, emits, evolve, invariants and the outcomes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.sim.aggregates import AggregateRepository, LoadedStream
from workbench.sim.commands import CommandHandler
from workbench.sim.compiled import CompiledAggregate
from workbench.sim.engine import Engine
from workbench.sim.messages import (
    Accepted,
    Conflict,
    Ignored,
    InvariantViolation,
    ModelingError,
    Rejected,
)
from workbench.store import EventStore, NewEvent

from .conftest import model_from
from .sample_models import HOTEL

OpenEngine = Callable[..., Engine]
GROUP = "5b1e2c3d-0000-4000-8000-000000000001"


def test_stream_new_fails_with_already_exists_and_existing_with_not_found(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    missing = engine.execute("CheckOut", {"group_id": GROUP, "guest": "Ann"}).result
    assert isinstance(missing, Rejected) and missing.error == "NotFound"
    assert isinstance(
        engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]}).result, Accepted
    )
    again = engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]}).result
    assert isinstance(again, Rejected) and again.error == "AlreadyExists"
    assert engine.store.stream_version(f"Group-{GROUP}") == 2


def test_rules_are_checked_in_order_and_the_first_failure_rejects(open_engine: OpenEngine) -> None:
    engine = open_engine(HOTEL)
    engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]})
    # Both the second and the third rule fail; the second one is reported.
    result = engine.execute("CheckOut", {"group_id": GROUP, "guest": "Bartholomew"}).result
    assert isinstance(result, Rejected)
    assert result.error == "UnknownGuest"
    empty = engine.execute(
        "RegisterGroup", {"group_id": GROUP.replace("1", "2"), "guests": []}
    ).result
    assert isinstance(empty, Rejected) and (empty.error, empty.message) == (
        "NoGuests",
        "A group needs guests.",
    )
    assert empty.events == ()


def test_fan_out_emits_one_event_per_item_with_the_loop_variable(open_engine: OpenEngine) -> None:
    engine = open_engine(HOTEL)
    result = engine.execute(
        "RegisterGroup", {"group_id": GROUP, "guests": ["Ann", "Bea", "Cy"]}
    ).result
    assert isinstance(result, Accepted)
    assert [(e.type, e.data.get("guest")) for e in result.events] == [
        ("GroupRegistered", None),
        ("GuestArrived", "Ann"),
        ("GuestArrived", "Bea"),
        ("GuestArrived", "Cy"),
    ]
    assert [e.version for e in result.events] == [1, 2, 3, 4]
    assert engine.state("Group", GROUP)["pending"] == ["Ann", "Bea", "Cy"]


def test_a_later_emit_sees_the_state_with_the_earlier_events_applied(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann", "Bea"]})
    first = engine.execute("CheckOut", {"group_id": GROUP, "guest": "Ann"}).result
    assert isinstance(first, Accepted) and [e.type for e in first.events] == ["GuestCheckedOut"]
    last = engine.execute("CheckOut", {"group_id": GROUP, "guest": "Bea"}).result
    assert isinstance(last, Accepted)
    assert [e.type for e in last.events] == ["GuestCheckedOut", "GroupCheckedOut"]
    assert engine.state("Group", GROUP) == {
        "pending": [],
        "checked_out": True,
        "swap_a": 1,
        "swap_b": 2,
    }


def test_a_command_whose_emits_are_all_skipped_is_ignored_not_rejected(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    result = engine.execute("Nudge", {"group_id": GROUP}).result
    assert isinstance(result, Ignored)
    assert result.outcome == "ignored" and result.events == ()
    assert engine.store.stream_version(f"Group-{GROUP}") == 0
    engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]})
    assert engine.execute("Nudge", {"group_id": GROUP}).result.outcome == "accepted"  # type: ignore[union-attr]


def test_evolve_assignments_all_read_the_state_from_before_the_event(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    engine.execute("Swap", {"group_id": GROUP})
    state = engine.state("Group", GROUP)
    assert (state["swap_a"], state["swap_b"]) == (2, 1)


def test_a_violated_invariant_is_reported_and_nothing_is_appended(open_engine: OpenEngine) -> None:
    engine = open_engine(HOTEL)
    engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]})
    result = engine.execute("ForceCheckOut", {"group_id": GROUP}).result
    assert isinstance(result, InvariantViolation)
    assert result.outcome == "modeling-error"
    assert result.invariant == "a group checks out only when every guest has"
    assert result.command.name == "ForceCheckOut"
    assert result.state["checked_out"] is True and result.state["pending"] == ["Ann"]
    assert "ForceCheckOut" in result.message
    assert engine.store.stream_version(f"Group-{GROUP}") == 2
    assert engine.state("Group", GROUP)["checked_out"] is False


def test_an_expression_failing_at_run_time_is_a_modeling_error_with_its_text(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    result = engine.execute("Split", {"group_id": GROUP, "parts": 0}).result
    assert isinstance(result, ModelingError)
    assert "division by zero" in result.message
    assert "len(state.pending) // command.parts >= 0" in result.message
    assert "rule 1 of command 'Split'" in result.message
    assert "Traceback" not in result.message


def test_events_carry_the_command_id_and_the_clock_ticks_per_command(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(HOTEL)
    run = engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]})
    second = engine.execute("Nudge", {"group_id": GROUP})
    assert run.result is not None and second.result is not None
    command = run.result.command
    assert command.correlation_id == command.command_id and command.causation_id is None
    assert {(e.causation_id, e.correlation_id) for e in run.events} == {
        (command.command_id, command.command_id)
    }
    assert run.events[0].recorded_at == "2030-01-01T09:00:00"
    assert second.events[0].recorded_at == "2030-01-01T09:00:01"


def test_bad_input_is_an_input_error_naming_the_field(open_engine: OpenEngine) -> None:
    import pytest

    from workbench.sim.engine import InputError

    engine = open_engine(HOTEL)
    with pytest.raises(InputError, match="needs field 'guests'"):
        engine.execute("RegisterGroup", {"group_id": GROUP})
    with pytest.raises(InputError, match="expected a uuid"):
        engine.execute("Nudge", {"group_id": "g1"})
    with pytest.raises(InputError, match="unknown command"):
        engine.execute("Dance", {})


def test_a_concurrent_writer_between_load_and_append_is_a_conflict(tmp_path: Path) -> None:
    """Another process appends after the command loaded its stream: nothing is written."""
    path = tmp_path / "run.db"
    engine = Engine.open(model_from(HOTEL), path)
    engine.execute("RegisterGroup", {"group_id": GROUP, "guests": ["Ann", "Bea"]})
    other = EventStore.open(path)

    class RacingRepository(AggregateRepository):
        def load(self, aggregate: CompiledAggregate, stream_id: str) -> LoadedStream:
            loaded = super().load(aggregate, stream_id)
            event = NewEvent(
                type="Nudged",
                data={"group_id": GROUP},
                event_id="other-1",
                recorded_at="2030-01-01",
            )
            other.append(stream_id, [event], expected_version=loaded.version)
            return loaded

    repository = RacingRepository(engine.store, engine.compiled, engine.decoder)
    handler = CommandHandler(
        engine.store, engine.compiled, repository, engine.clock, engine.ids.new
    )
    result = handler.handle(engine.command_message("CheckOut", {"group_id": GROUP, "guest": "Ann"}))
    assert isinstance(result, Conflict)
    assert (result.expected_version, result.actual_version) == (3, 4)
    assert [e.type for e in engine.store.read_stream(f"Group-{GROUP}")][-1] == "Nudged"
    other.close()
    engine.close()


def test_decide_tells_what_execute_would_do_and_writes_nothing(open_engine: OpenEngine) -> None:
    """``Engine.decide`` runs the rules, emits and invariants on the current state, and
    leaves the store, the ids and the clock as they were."""
    engine = open_engine(HOTEL, seed=4)
    twin = open_engine(HOTEL, seed=4)  # the same run without asking anything
    steps: list[tuple[str, dict[str, object]]] = [
        ("CheckOut", {"group_id": GROUP, "guest": "Ann"}),
        ("RegisterGroup", {"group_id": GROUP, "guests": []}),
        ("RegisterGroup", {"group_id": GROUP, "guests": ["Ann", "Bob"]}),
        ("RegisterGroup", {"group_id": GROUP, "guests": ["Ann"]}),
        ("CheckOut", {"group_id": GROUP, "guest": "Zed"}),
        ("CheckOut", {"group_id": GROUP, "guest": "Ann"}),
        ("ForceCheckOut", {"group_id": GROUP}),
        ("CheckOut", {"group_id": GROUP, "guest": "Bob"}),
        ("CheckOut", {"group_id": GROUP, "guest": "Bob"}),
    ]
    for name, fields in steps:
        before = engine.store.dump()
        now = engine.clock.now
        decided = engine.decide(name, fields)
        assert engine.store.dump() == before and engine.clock.now == now
        run = engine.execute(name, fields)
        twin.execute(name, fields)
        assert run.result is not None
        assert decided.outcome == run.result.outcome, name
        assert getattr(decided, "error", None) == getattr(run.result, "error", None)
        if isinstance(decided, Accepted):
            assert decided.appended == () and decided.state == run.result.state  # type: ignore[attr-defined]
    assert engine.store.dump() == twin.store.dump()  # asking used no id


def test_decide_refuses_input_that_does_not_fit(open_engine: OpenEngine) -> None:
    import pytest

    from workbench.sim.engine import InputError

    engine = open_engine(HOTEL)
    with pytest.raises(InputError, match="group_id"):
        engine.decide("RegisterGroup", {"group_id": "not an id", "guests": ["Ann"]})
    with pytest.raises(InputError, match="unknown command"):
        engine.decide("Fly", {})


def test_event_fields_copied_from_the_command_keep_the_events_own_types(
    open_engine: OpenEngine,
) -> None:
    """An event field of the command field's type is copied as it is; one of another
    type is converted (an int amount becomes the event's decimal)."""
    engine = open_engine(
        """\
workbench: 1
name: Copy
aggregates:
  Till: {id: till_id, state: {total: {type: decimal, default: 0}}}
commands:
  Ring:
    aggregate: Till
    fields: {till_id: uuid, amount: int, note: "str?"}
    emits: [Rung: {}, Noted: {}]
events:
  Rung:
    aggregate: Till
    fields: {till_id: uuid, amount: decimal}
    evolve: {total: "state.total + event.amount"}
  Noted: {aggregate: Till, fields: {till_id: uuid, note: "str?"}}
"""
    )
    till = "7a1e2c3d-0000-4000-8000-000000000001"
    result = engine.execute("Ring", {"till_id": till, "amount": 3}).result
    assert isinstance(result, Accepted)
    rung, noted = result.appended
    assert (
        rung.data == {"till_id": till, "amount": 3}
        and type(rung.data["amount"]).__name__ == "Decimal"
    )
    assert noted.data == {"till_id": till, "note": None}
    plans = engine.handler._plans["Ring"]
    assert [plan.copied for plan in plans] == [None, ("till_id", "note")]


def test_an_expression_reaching_infinity_or_nan_is_a_modeling_error_and_appends_nothing(
    open_engine: OpenEngine,
) -> None:
    """JSON cannot store inf or NaN, and a decimal Infinity could not be read back:
    a computed field or state that is not finite stops the command, as any misfit."""
    engine = open_engine(
        """\
workbench: 1
name: Inf
aggregates:
  A:
    id: a_id
    state: {f: {type: float, default: 0.0}, d: {type: decimal, default: "0"}}
commands:
  SetF: {aggregate: A, fields: {a_id: uuid, x: float}, emits: [FSet: {f: "command.x * 1e308 * 10"}]}
  SetD: {aggregate: A, fields: {a_id: uuid, s: str}, emits: [DSet: {d: "decimal(command.s)"}]}
  Grow: {aggregate: A, fields: {a_id: uuid, x: float}, emits: [Grown: {}]}
events:
  FSet: {aggregate: A, fields: {a_id: uuid, f: float}, evolve: {f: event.f}}
  DSet: {aggregate: A, fields: {a_id: uuid, d: decimal}, evolve: {d: event.d}}
  Grown: {aggregate: A, fields: {a_id: uuid, x: float}, evolve: {f: "state.f + event.x * 1e308 * 10"}}
"""
    )
    a1 = "7a1e2c3d-0000-4000-8000-0000000000a1"
    cases = [
        ("SetF", {"x": 1.0}, "expected a finite float, got inf"),
        ("SetD", {"s": "inf"}, "expected a finite decimal"),
        ("SetD", {"s": "nan"}, "expected a finite decimal"),
        ("Grow", {"x": 1.0}, "evolve 'f' of event 'Grown': expected a finite float"),
    ]
    for name, fields, message in cases:
        result = engine.execute(name, {"a_id": a1, **fields}).result
        assert isinstance(result, ModelingError), (name, fields, result)
        assert message in result.message
    assert engine.store.head_position() == 0
    assert isinstance(engine.execute("SetD", {"a_id": a1, "s": "1.5"}).result, Accepted)
