"""The shipped example models are realistic: each meets the bar the foundation issue sets.

These tests keep the examples honest as they evolve: 5+ commands, a versioned event with
an upcast, read models, a policy, slices and 10+ scenarios each — and, together, the
public samples users compare us with, modelled without Python code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.resources import example_models

EXAMPLES = example_models()


def load(path: Path) -> Model:
    loaded = load_model(path)
    assert loaded.model is not None and not loaded.diagnostics.errors, [
        d.render() for d in loaded.diagnostics
    ]
    return loaded.model


def test_at_least_three_examples_ship() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_meets_the_bar(path: Path) -> None:
    model = load(path)
    assert len(model.commands) >= 5
    assert any(
        e.history and any(s.upcast or s.rename for s in e.history.values())
        for e in model.events.values()
    )
    assert model.projections
    assert model.policies or model.translations
    assert model.slices and all(s.chapter for s in model.slices)
    assert len(model.scenarios) >= 10
    kinds = {("when" if s.when else "view") for s in model.scenarios}
    assert kinds == {"when", "view"}, "state-change and state-view scenarios"
    assert any(s.then.commands for s in model.scenarios), "an automation scenario"
    assert path.read_text(encoding="utf-8").lstrip().startswith("#"), (
        "a header comment says what it models"
    )


def _models() -> list[Model]:
    return [load(p) for p in EXAMPLES]


def test_the_public_samples_are_expressible() -> None:
    models = _models()
    state_types = [
        f.type.replace(" ", "")
        for m in models
        for a in m.aggregates.values()
        for f in a.state.values()
    ]
    assert any(t.startswith("dict[str,int]") for t in state_types), (
        "a cart holding a map of product quantities"
    )
    fan_outs = [e for m in models for c in m.commands.values() for e in c.emits if e.for_each]
    fan_outs += [i for m in models for p in m.policies.values() for i in p.issue if i.for_each]
    assert fan_outs, "a group checkout fanning out one command per guest"
    pending_checks = [
        e.when
        for m in models
        for c in m.commands.values()
        for e in c.emits
        if e.when and "pending" in e.when
    ]
    assert pending_checks, "completes when none is pending"
    overdraft = [
        r.require
        for m in models
        for c in m.commands.values()
        for r in c.rules
        if "overdraft" in r.require
    ]
    assert overdraft, "a bank account with an overdraft limit"
    delayed = [p for m in models for p in m.policies.values() if p.after]
    assert delayed, "a delayed policy"
    assert any(m.translations for m in models) and any(m.externals for m in models), (
        "events from outside"
    )
    assert any(any(t.fields for t in m.types.values()) for m in models), (
        "a record type (value object)"
    )
    assert any(any(t.enum for t in m.types.values()) for m in models), "an enum"
    names = {n.lower() for m in models for n in m.aggregates}
    assert any("gift" in n for n in names) and any("stay" in n for n in names)
    assert any("inventory" in n or "stock" in n or "bin" in n for n in names)
