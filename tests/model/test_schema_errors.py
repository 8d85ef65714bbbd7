"""Shape errors: unknown keys with "did you mean", wrong types, missing keys — each located."""

from __future__ import annotations

from tests.model.conftest import MINIMAL, mutate
from workbench.model.loader import load_model_text


def only(text: str, code: str):  # type: ignore[no-untyped-def]
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is None
    found = [d for d in loaded.diagnostics if d.code == code]
    assert found, [d.render() for d in loaded.diagnostics]
    return found[0]


def test_unknown_key_suggests_the_right_one() -> None:
    text = mutate("    invariants:", "    invariant:")
    diagnostic = only(text, "WB100")
    assert "invariant" in diagnostic.message
    assert diagnostic.hint == "did you mean 'invariants'?"
    assert diagnostic.location.line == text[: text.index("invariant:")].count("\n") + 1


def test_unknown_key_in_a_nested_short_form() -> None:
    text = mutate(
        '        when: "state.colour != command.colour"',
        '        wen: "state.colour != command.colour"',
    )
    diagnostic = only(text, "WB100")
    assert diagnostic.hint == "did you mean 'when'?"


def test_wrong_type_is_reported_with_location() -> None:
    text = mutate("    invariants:", "    snapshot_every: often\n    invariants:")
    diagnostic = only(text, "WB104")
    assert "whole number" in diagnostic.message
    assert diagnostic.location.line == text[: text.index("often")].count("\n") + 1


def test_missing_required_key() -> None:
    text = mutate(
        "    aggregate: Counter\n    fields: {counter_id: uuid, by: int}",
        "    fields: {counter_id: uuid, by: int}",
    )
    diagnostic = only(text, "WB102")
    assert "'aggregate'" in diagnostic.message


def test_missing_format_version() -> None:
    loaded = load_model_text(MINIMAL.replace("workbench: 1\n", ""), "m.yaml")
    assert [d.code for d in loaded.diagnostics] == ["WB011"]


def test_bad_name_pattern() -> None:
    text = mutate("error: NotPositive", "error: not positive")
    diagnostic = only(text, "WB104")
    assert "not a valid name" in diagnostic.message


def test_short_forms_normalise() -> None:
    loaded = load_model_text(MINIMAL, "m.yaml")
    assert loaded.model is not None
    command = loaded.model.commands["Increment"]
    assert command.fields["by"].type == "int"
    assert command.emits[0].event == "Incremented"
    assert command.emits[0].fields == {"note": "'manual'"}
    policy = loaded.model.policies["Recolour"]
    assert policy.issue[0].command == "Paint"
    assert loaded.model.aggregates["Counter"].invariants[0].check == "state.value <= LIMIT"
    assert loaded.model.constants["LIMIT"].value == 10
    assert loaded.model.aggregates["Counter"].state["value"].has_default
    assert not loaded.model.projections["Totals"].fields["colour"].has_default


def test_yaml_scalars_in_expression_slots_become_python() -> None:
    text = mutate(
        "Painted: {upsert: {colour: event.colour}}",
        "Painted: {upsert: {colour: event.colour}, when: true}",
    )
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is not None
    assert loaded.model.projections["Totals"].on["Painted"].when == "True"
