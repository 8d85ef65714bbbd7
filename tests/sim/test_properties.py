"""Open-ended input: random command sequences never crash the engine."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.loader import load_model
from workbench.sim.engine import Engine

from .conftest import MINIMAL

MODEL = load_model(MINIMAL).model
COUNTERS = [f"c0000000-0000-4000-8000-00000000000{n}" for n in range(3)]
OUTCOMES = {"accepted", "rejected", "ignored", "modeling-error"}

commands = st.lists(
    st.tuples(
        st.sampled_from(["Increment", "Paint"]),
        st.sampled_from(COUNTERS),
        st.integers(-3, 12),
        st.sampled_from(["red", "green"]),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(commands=commands)
def test_random_command_sequences_end_in_a_known_outcome_and_consistent_state(
    commands: list[tuple[str, str, int, str]],
) -> None:
    assert MODEL is not None
    engine = Engine.open(MODEL)
    try:
        for name, counter, by, colour in commands:
            fields = (
                {"counter_id": counter, "by": by}
                if name == "Increment"
                else {"counter_id": counter, "colour": colour}
            )
            run = engine.execute(name, fields)
            assert {r.outcome for r in run.results} <= OUTCOMES
            assert run.result is not None and run.result.command.name == name
        aggregate = engine.compiled.aggregates["Counter"]
        totals = {row["counter_id"]: row for row in engine.rows("Totals")}
        for counter in COUNTERS:
            stream = engine.stream_id("Counter", counter)
            state = engine.repository.replay(aggregate, stream).state
            assert state == engine.state("Counter", counter)
            assert 0 <= state["value"] <= 10
            if counter in totals:
                assert totals[counter]["total"] == state["value"]
                assert totals[counter]["colour"] == state["colour"]
    finally:
        engine.close()
