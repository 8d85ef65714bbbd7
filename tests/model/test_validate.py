"""Semantic validation: each rule reports its stable code at the right line."""

from __future__ import annotations

import pytest

from tests.model.conftest import MINIMAL, mutate
from workbench.model.diagnostics import Severity
from workbench.model.loader import load_model_text


def line_of(text: str, fragment: str) -> int:
    index = text.index(fragment)
    return text.count("\n", 0, index) + 1


def test_minimal_model_is_clean() -> None:
    loaded = load_model_text(MINIMAL, "model.yaml")
    assert loaded.model is not None
    assert [d.render() for d in loaded.diagnostics.errors] == []


# (old, new, code, fragment of the line the diagnostic must point at)
CASES = [
    (
        "aggregate: Counter\n    fields: {counter_id: uuid, by: int}",
        "aggregate: Countr\n    fields: {counter_id: uuid, by: int}",
        "WB200",
        "aggregate: Countr",
    ),
    ("      - Incremented: {note", "      - Incremnted: {note", "WB201", "Incremnted"),
    ("issue:\n      Paint:", "issue:\n      Pain:", "WB202", "Pain:"),
    (
        'colour: {type: "Colour?", default: null}',
        'colour: {type: "Color?", default: null}',
        "WB204",
        "Color?",
    ),
    (
        "value: {type: int, default: 0}",
        'value: {type: "list[int", default: 0}',
        "WB103",
        "list[int",
    ),
    (
        "value: {type: int, default: 0}",
        "value: {type: int, default: zero}",
        "WB403",
        "default: zero",
    ),
    ("command.by > 0", "command.bye > 0", "WB303", "command.bye"),
    ("command.by > 0", "comand.by > 0", "WB302", "comand.by"),
    ("command.by > 0", "command.by >", "WB300", "command.by >"),
    ("command.by > 0", "().__class__", "WB301", "().__class__"),
    (
        'evolve: {value: "state.value + event.by"}',
        'evolve: {valu: "state.value + event.by"}',
        "WB402",
        "valu:",
    ),
    (
        'evolve: {value: "state.value + event.by"}',
        "evolve: {value: \"'text'\"}",
        "WB305",
        "evolve: {value:",
    ),
    (
        "fields: {counter_id: uuid, by: int}\n    rules",
        "fields: {by: int}\n    rules",
        "WB404",
        "fields: {by: int}",
    ),
    ("upcast: {note: \"''\"}", "upcast: {}", "WB407", "1:"),
    (
        "        upcast: {note: \"''\"}\n",
        '        upcast: {note: "\'\'", nope: "1"}\n',
        "WB407",
        "upcast: {note",
    ),
    ("version: 2", "version: 1", "WB406", "1:"),
    (
        'Incremented: {upsert: {total: "row.total + event.by"}}',
        'Incremented: {upsert: {totl: "row.total + event.by"}}',
        "WB408",
        "totl",
    ),
    ("Paint: {colour: \"'red'\"}", "Paint: {color: \"'red'\"}", "WB409", "color"),
    (
        "    then:\n      events:\n        - Incremented: {counter_id: c1, by: 3}",
        "    then:\n      error: Nope",
        "WB503",
        "error: Nope",
    ),
    (
        "- name: totals are kept",
        "- name: increments add up",
        "WB504",
        '- name: increments add up\n    given:\n      - Incremented: {counter_id: c1, by: 2, note: ""}\n    then',
    ),
    (
        "Increment: {counter_id: c1, by: 3}",
        "Increment: {counter_id: c1, by: three}",
        "WB501",
        "by: three",
    ),
    (
        "Increment: {counter_id: c1, by: 3}",
        "Increment: {counter_id: c1, bye: 3}",
        "WB502",
        "bye: 3",
    ),
    (
        "          - {counter_id: c1, total: 2}",
        "          - {counter_id: c1, totl: 2}",
        "WB502",
        "totl: 2",
    ),
    ("key: counter_id", "key: counter", "WB212", "key: counter"),
]


@pytest.mark.parametrize(
    ("old", "new", "code", "fragment"), CASES, ids=[c[2] + ":" + c[1][:24] for c in CASES]
)
def test_rule_reports_code_at_line(old: str, new: str, code: str, fragment: str) -> None:
    text = mutate(old, new)
    loaded = load_model_text(text, "model.yaml")
    found = [d for d in loaded.diagnostics if d.code == code]
    assert found, f"expected {code}; got {[d.render() for d in loaded.diagnostics]}"
    assert found[0].location.file == "model.yaml"
    assert found[0].location.line == line_of(text, fragment), found[0].render()


def test_did_you_mean_for_unknown_event() -> None:
    loaded = load_model_text(
        mutate("      - Incremented: {note", "      - Incremnted: {note"), "m.yaml"
    )
    (diagnostic,) = [d for d in loaded.diagnostics if d.code == "WB201"]
    assert diagnostic.hint == "did you mean 'Incremented'?"


def test_expression_error_column_points_into_the_expression() -> None:
    text = mutate("command.by > 0", "command.bye > 0")
    loaded = load_model_text(text, "m.yaml")
    (diagnostic,) = [d for d in loaded.diagnostics if d.code == "WB303"]
    line = text.splitlines()[diagnostic.location.line - 1]
    assert line[diagnostic.location.column - 1 :].startswith("bye") or line[
        diagnostic.location.column - 1 :
    ].startswith("command.bye")


def test_unused_event_is_a_warning_not_an_error() -> None:
    text = mutate(
        "  Painted:\n    aggregate: Counter",
        "  Lost:\n    aggregate: Counter\n    fields: {counter_id: uuid}\n  Painted:\n    aggregate: Counter",
    )
    loaded = load_model_text(text, "m.yaml")
    codes = {(d.code, d.severity) for d in loaded.diagnostics}
    assert ("WB601", Severity.WARNING) in codes
    assert ("WB602", Severity.WARNING) in codes
    assert not loaded.diagnostics.errors


def test_policy_cycle_is_reported() -> None:
    text = mutate(
        '    on: Incremented\n    when: "event.by > 5"\n    issue:\n      Paint: {colour: "\'red\'"}',
        '    on: Incremented\n    issue:\n      Increment: {by: "event.by"}',
    )
    loaded = load_model_text(text, "m.yaml")
    cycles = [d for d in loaded.diagnostics if d.code == "WB605"]
    assert cycles and "Increment → Incremented → policy Recolour → Increment" in cycles[0].message


def test_read_model_field_never_set_is_reported() -> None:
    text = mutate('colour: "Colour?"}', 'colour: "Colour?", orphan: str}')
    loaded = load_model_text(text, "m.yaml")
    assert any(d.code == "WB603" and "orphan" in d.message for d in loaded.diagnostics)


def test_duplicate_name_across_sections() -> None:
    text = mutate("projections:\n  Totals:", "projections:\n  Increment:")
    loaded = load_model_text(text, "m.yaml")
    assert any(d.code == "WB205" for d in loaded.diagnostics)


def test_state_view_scenario_needs_read_models() -> None:
    text = mutate(
        "      read_models:\n        Totals:\n          - {counter_id: c1, total: 2}",
        "      nothing: true",
    )
    loaded = load_model_text(text, "m.yaml")
    assert any(d.code == "WB500" for d in loaded.diagnostics)
