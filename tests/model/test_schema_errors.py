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


def test_a_short_form_step_may_carry_its_own_keys() -> None:
    text = mutate(
        '      - Incremented: {counter_id: c1, by: 2, note: ""}\n    when:',
        '      - Incremented: {counter_id: c1, by: 2, note: ""}\n        at: "2030-01-02T10:00:00"\n    when:',
    )
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is not None, [d.render() for d in loaded.diagnostics]
    step = loaded.model.scenarios[0].given[0]
    assert step.message == "Incremented" and step.at == "2030-01-02T10:00:00"  # type: ignore[union-attr]


def test_an_emit_short_form_may_carry_a_condition() -> None:
    text = mutate(
        "      - Incremented: {note: \"'manual'\"}",
        '      - Incremented: {note: "\'manual\'"}\n        when: "command.by < 5"',
    )
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is not None
    assert loaded.model.commands["Increment"].emits[0].when == "command.by < 5"


def test_then_nothing_as_a_word() -> None:
    text = mutate(
        "    then:\n      events:\n        - Incremented: {counter_id: c1, by: 3}",
        "    then: nothing",
    )
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is not None
    assert loaded.model.scenarios[0].then.nothing


def test_field_names_must_be_plain_names() -> None:
    text = mutate(
        "fields: {counter_id: uuid, by: int}\n    rules",
        "fields: {counter_id: uuid, by: int, getränk: str}\n    rules",
    )
    loaded = load_model_text(text, "m.yaml")
    found = [d for d in loaded.diagnostics if d.code == "WB104" and "getränk" in d.message]
    assert found and found[0].location.line == text[: text.index("getränk")].count("\n") + 1
