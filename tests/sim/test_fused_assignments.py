"""An event's ``evolve``, a read model's handler, a command's rules, an aggregate's
invariants and a policy's condition run as one generated function each; they must
agree with the loops they replace.

The generated function (``compiled.fuse_assignments``) is a faster way to do exactly
what the loop over assignments does, falling back to the loop whenever it cannot do
something plainly. These tests hold the two to the same results: whole runs of every
example model give byte-identical stores, and a failing expression still fails with
the loop's own message.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import workbench.sim.aggregates as aggregates_module
import workbench.sim.compiled as compiled_module
import workbench.sim.projections as projections_module
from workbench.model.loader import load_model
from workbench.sim.engine import Engine
from workbench.sim.generate import CommandGenerator
from workbench.sim.messages import ModelingError

from .conftest import EXAMPLE_MODELS, model_from


def _dump_of_generated_run(path: Path, db: Path) -> str:
    model = load_model(path).model
    assert model is not None
    engine = Engine.open(model, db, seed=3)
    try:
        generator = CommandGenerator(
            model, random.Random(9), now=lambda: engine.clock.now, person_only=False
        )
        for _ in range(400):
            run = engine.execute(*generator.next_command())
            generator.observe_run(run)
        engine.advance_to(engine.clock.now.replace(year=engine.clock.now.year + 2))
        return engine.store.dump()
    finally:
        engine.close()


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_fused_and_looped_evolve_give_byte_identical_runs(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fused = _dump_of_generated_run(path, tmp_path / "fused.db")
    monkeypatch.setattr(aggregates_module, "fuse_assignments", lambda *args: None)
    monkeypatch.setattr(projections_module, "fuse_assignments", lambda *args: None)
    monkeypatch.setattr(compiled_module, "fuse_checks", lambda *args: None)
    looped = _dump_of_generated_run(path, tmp_path / "looped.db")
    assert fused == looped
    assert fused.count("\n[") > 100  # rows of events, states, read models


def test_a_failing_evolve_expression_fails_with_the_loops_message(tmp_path: Path) -> None:
    engine = Engine.open(
        model_from(
            """\
workbench: 1
name: Div
aggregates:
  A: {id: a_id, state: {share: {type: int, default: 0}, parts: {type: int, default: 0}}}
commands:
  Split: {aggregate: A, fields: {a_id: uuid, total: int, parts: int}, emits: [Split_: {}]}
events:
  Split_:
    aggregate: A
    fields: {a_id: uuid, total: int, parts: int}
    evolve: {share: "event.total // event.parts", parts: "event.parts"}
"""
        )
    )
    try:
        a1 = "7a1e2c3d-0000-4000-8000-0000000000a1"
        ok = engine.execute("Split", {"a_id": a1, "total": 10, "parts": 3}).result
        assert ok is not None and ok.outcome == "accepted"
        assert engine.state("A", a1) == {"share": 3, "parts": 3}
        bad = engine.execute("Split", {"a_id": a1, "total": 10, "parts": 0}).result
        assert isinstance(bad, ModelingError)
        assert bad.message == (
            "evolve 'share' of event 'Split_': `event.total // event.parts` failed: division by zero"
        )
        assert engine.state("A", a1) == {"share": 3, "parts": 3}  # nothing appended
    finally:
        engine.close()


def test_rules_and_invariants_that_fail_or_raise_give_the_loops_answers() -> None:
    engine = Engine.open(
        model_from(
            """\
workbench: 1
name: Rules
constants: {LIMIT: {value: 5, type: int}}
aggregates:
  A:
    id: a_id
    state: {n: {type: int, default: 0}}
    invariants: ["state.n <= LIMIT", {check: "100 // (state.n - 4) != 0", name: fours}]
commands:
  Add:
    aggregate: A
    fields: {a_id: uuid, by: int}
    rules:
      - {require: "command.by > 0", error: NotPositive}
      - {require: "10 // command.by > 1", error: TooBig}
    emits: [Added: {}]
events:
  Added: {aggregate: A, fields: {a_id: uuid, by: int}, evolve: {n: "state.n + event.by"}}
"""
        )
    )
    try:
        a1 = "7a1e2c3d-0000-4000-8000-0000000000a1"

        def outcome(by: int) -> tuple[str, str]:
            result = engine.execute("Add", {"a_id": a1, "by": by}).result
            assert result is not None
            return result.outcome, getattr(result, "error", "") or getattr(result, "message", "")

        assert outcome(-1) == ("rejected", "NotPositive")  # the first rule
        assert outcome(6) == ("rejected", "TooBig")  # the second
        assert outcome(0) == ("rejected", "NotPositive")  # 10 // 0 is never reached
        assert outcome(2)[0] == "accepted"
        assert outcome(2) == (  # n would be 4: the second invariant divides by zero
            "modeling-error",
            "invariant 'fours' of A: `100 // (state.n - 4) != 0` failed: division by zero",
        )
        assert outcome(4) == (
            "modeling-error",
            "invariant 'state.n <= LIMIT' of A is false after command 'Add'",
        )
    finally:
        engine.close()
