"""A ``default:`` on a command or event field applies to input that leaves the field out.

Everywhere input enters (the engine's commands and appended events, scenario steps,
workload files) a field with a declared default may be left out and takes that default,
converted to the field's type; a field without one is refused as before. Validation
agrees with the simulator, and checks each default against its field's type.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.model.loader import load_model_text
from workbench.sim.engine import Engine, InputError
from workbench.sim.placeholders import Placeholders
from workbench.sim.scenarios import ScenarioRunner

from .conftest import model_from

OpenEngine = Callable[..., Engine]

TALLY = "9b2c4e0a-7d1f-4c55-9a0e-2f6b8c3d1e4a"

MODEL = """\
workbench: 1
name: Tally
aggregates:
  Tally:
    id: tally_id
    state:
      total: {type: int, default: 0}
commands:
  Add:
    aggregate: Tally
    fields:
      tally_id: uuid
      amount: decimal
      by: {type: int, default: 1}
      label: {type: str, default: plain}
      tags: {type: "list[str]", default: []}
      price: {type: decimal, default: "1.50"}
      day: {type: date, default: 2030-01-01}
      note: {type: "str?", default: none given}
      extra: "str?"
    rules:
      - {require: "command.by > 0", error: NotPositive}
    emits:
      - Added: {source: "'command'", seen: "[command.by]"}
events:
  Added:
    aggregate: Tally
    fields:
      tally_id: uuid
      amount: decimal
      by: int
      label: str
      tags: "list[str]"
      price: decimal
      day: date
      note: "str?"
      extra: "str?"
      source: {type: str, default: history}
      seen: {type: "list[int]", default: [1, 2]}
    evolve: {total: "state.total + event.by"}
"""

SCENARIOS = """\
scenarios:
  - name: a left-out field takes its default
    given:
      - Added: {tally_id: t1, amount: 1, by: 2, label: x, tags: [], price: 1, day: 2030-01-01}
    when:
      Add: {tally_id: t1, amount: 5}
    then:
      events:
        - Added: {tally_id: t1, by: 1, label: plain, note: none given, source: command}
      state: {total: 3}
"""


def test_an_executed_command_takes_the_defaults_of_the_fields_it_leaves_out(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(MODEL)
    run = engine.execute("Add", {"tally_id": TALLY, "amount": Decimal(5)})
    assert run.result is not None and run.result.outcome == "accepted", run.result
    (event,) = run.result.events
    assert event.data == {
        "tally_id": TALLY,
        "amount": Decimal(5),
        "by": 1,
        "label": "plain",
        "tags": [],
        "price": Decimal("1.50"),  # converted to the field's type, not the text "1.50"
        "day": dt.date(2030, 1, 1),
        "note": "none given",  # an optional field's default wins over None
        "extra": None,  # optional, no default: None as before
        "source": "command",
        "seen": [1],
    }
    assert engine.state("Tally", TALLY) == {"total": 1}


def test_given_fields_win_over_their_defaults(open_engine: OpenEngine) -> None:
    engine = open_engine(MODEL)
    given = {"tally_id": TALLY, "amount": Decimal(5), "by": 3, "label": "x", "tags": ["a"]}
    message = engine.command_message("Add", {**given, "note": None})
    assert {name: message.fields[name] for name in given} == given
    assert message.fields["note"] is None  # null given on purpose is not "left out"


def test_two_messages_do_not_share_a_list_default(open_engine: OpenEngine) -> None:
    engine = open_engine(MODEL)
    first = engine.command_message("Add", {"tally_id": TALLY, "amount": Decimal(1)})
    second = engine.command_message("Add", {"tally_id": TALLY, "amount": Decimal(2)})
    assert first.fields["tags"] == second.fields["tags"] == []
    assert first.fields["tags"] is not second.fields["tags"]
    first.fields["tags"].append("changed")
    third = engine.command_message("Add", {"tally_id": TALLY, "amount": Decimal(3)})
    assert third.fields["tags"] == []
    assert engine.compiled.commands["Add"].defaults["tags"] == []


def test_defaults_fill_in_on_every_input_path(open_engine: OpenEngine) -> None:
    """Text to convert, a placeholder hook and ``decide`` take the slower paths."""
    engine = open_engine(MODEL)
    hook = Placeholders(engine.ids.message_id).resolve
    with_text = engine.command_message("Add", {"tally_id": TALLY, "amount": "2.5"})
    with_hook = engine.command_message("Add", {"tally_id": "t1", "amount": 1}, uuid_hook=hook)
    for message in (with_text, with_hook):
        assert (message.fields["by"], message.fields["label"]) == (1, "plain")
    decided = engine.decide("Add", {"tally_id": TALLY, "amount": 1, "by": 0})
    assert decided.outcome == "rejected" and decided.error == "NotPositive"
    assert engine.decide("Add", {"tally_id": TALLY, "amount": 1}).outcome == "accepted"


@pytest.mark.parametrize("hooked", [False, True])
def test_a_missing_field_without_a_default_is_still_refused(
    open_engine: OpenEngine, hooked: bool
) -> None:
    engine = open_engine(MODEL)
    hook = Placeholders(engine.ids.message_id).resolve if hooked else None
    with pytest.raises(InputError, match=r"^command 'Add' needs field 'amount' \(decimal\)$"):
        engine.execute("Add", {"tally_id": TALLY}, uuid_hook=hook)
    with pytest.raises(InputError, match=r"^event 'Added' needs field 'label' \(str\)$"):
        engine.append_event(
            "Added",
            {"tally_id": TALLY, "amount": 1, "by": 1, "tags": [], "price": 1, "day": "2030-01-01"},
            uuid_hook=hook,
        )


def test_an_appended_event_takes_the_defaults_of_the_fields_it_leaves_out(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(MODEL)
    given = {"tally_id": TALLY, "amount": 1, "by": 2, "label": "x", "tags": []}
    first = engine.append_event("Added", {**given, "price": 1, "day": "2030-01-01"})
    second = engine.append_event("Added", {**given, "price": 1, "day": "2030-01-01"})
    assert (first.data["source"], first.data["seen"]) == ("history", [1, 2])
    assert first.data["seen"] is not second.data["seen"]
    assert engine.state("Tally", TALLY) == {"total": 4}
    # the stored event holds the default too, so replaying it gives the same state
    stored = engine.store.read_stream(first.stream_id)[0]
    assert stored.data["source"] == "history"


def test_a_scenario_may_leave_defaulted_fields_out_of_given_and_when() -> None:
    text = MODEL + SCENARIOS
    loaded = load_model_text(text, "tally.yaml")
    assert loaded.ok and not [d for d in loaded.diagnostics if d.code == "WB505"], [
        str(d) for d in loaded.diagnostics
    ]
    assert loaded.model is not None
    (result,) = ScenarioRunner(loaded.model).run_all()
    assert result.failures == [], [f.line() for f in result.failures]


def test_a_scenario_step_missing_a_field_without_a_default_is_still_wb505() -> None:
    text = MODEL + SCENARIOS.replace("Add: {tally_id: t1, amount: 5}", "Add: {tally_id: t1}")
    text = text.replace("by: 2, label: x, ", "by: 2, ")
    found = [d for d in load_model_text(text, "tally.yaml").diagnostics if d.code == "WB505"]
    assert [d.message for d in found] == [
        "event 'Added' needs field 'label' (str)",
        "command 'Add' needs field 'amount' (decimal)",
    ]


def _simulate(tmp_path: Path, steps: str) -> tuple[int, str]:
    model = tmp_path / "tally.yaml"
    model.write_text(MODEL, encoding="utf-8")
    workload = tmp_path / "w.yaml"
    workload.write_text(textwrap.dedent(steps), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["simulate", str(model), "--workload", str(workload), "--db", str(tmp_path / "r.db")]
    )
    return result.exit_code, result.output


def test_a_workload_may_leave_defaulted_fields_out(tmp_path: Path) -> None:
    code, output = _simulate(
        tmp_path,
        """\
        - Add: {tally_id: t1, amount: 5}
        - Add: {tally_id: t1, amount: 5, by: 4}
        """,
    )
    assert code == 0, output
    text = " ".join(output.split())
    assert "accepted 2" in text and "Added 2" in text


def test_a_workload_missing_a_field_without_a_default_is_still_refused(tmp_path: Path) -> None:
    code, output = _simulate(tmp_path, "- Add: {tally_id: t1, by: 2}\n")
    assert code != 0
    assert "w.yaml:1:8: command 'Add' needs field 'amount' (decimal)" in output


@pytest.mark.parametrize(
    ("default", "problem"),
    [
        ('"x"', "default 'x' does not fit type int: expected int, got 'x'"),
        ("null", "default None does not fit type int: expected int, got null"),
        ("[1]", "default [1] does not fit type int: expected int, got a list"),
    ],
)
def test_a_default_that_does_not_fit_its_command_field_is_a_validation_error(
    tmp_path: Path, default: str, problem: str
) -> None:
    text = MODEL.replace("by: {type: int, default: 1}", f"by: {{type: int, default: {default}}}")
    loaded = load_model_text(text, "tally.yaml")
    (found,) = [d for d in loaded.diagnostics if d.code == "WB403"]
    assert found.message == problem
    line = text[: text.index(f"default: {default}}}")].count("\n") + 1
    column = text.splitlines()[line - 1].index(default) + 1
    assert (found.location.line, found.location.column) == (line, column)
    path = tmp_path / "tally.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code != 0
    assert f"tally.yaml:{line}:{column}" in result.output and "WB403" in result.output


def test_a_null_default_fits_an_optional_field() -> None:
    text = MODEL.replace(
        'note: {type: "str?", default: none given}', 'note: {type: "str?", default: null}'
    )
    model = model_from(text)
    assert (
        Engine.open(model).command_message("Add", {"tally_id": TALLY, "amount": 1}).fields["note"]
        is None
    )


PAINT = """\
workbench: 1
name: Paint
aggregates:
  Wall: {id: wall_id, state: {coats: {type: int, default: 0}, colours: {type: "list[str]", default: []}}}
commands:
  Build: {aggregate: Wall, stream: new, fields: {wall_id: uuid}, emits: [Built: {}]}
  Paint:
    aggregate: Wall
    fields: {wall_id: uuid, coats: {type: int, default: 2}, colour: {type: str, default: white}}
    emits: [Painted: {}]
events:
  Built:
    aggregate: Wall
    fields: {wall_id: uuid, finish: {type: str, default: matt}}
  Painted:
    aggregate: Wall
    fields: {wall_id: uuid, coats: int, colour: str, tags: {type: "list[str]", default: [fresh]}}
    evolve: {coats: "state.coats + event.coats", colours: "state.colours + [event.colour]"}
policies:
  PaintNewWalls: {on: Built, issue: [Paint: {}]}
"""


def test_emitted_events_and_policy_commands_take_defaults_nothing_else_sets(
    open_engine: OpenEngine,
) -> None:
    """``Built`` gets its ``finish`` from its default (the command has no such field),
    and the policy's ``Paint`` its coats and colour (the event has neither)."""
    from workbench.model.loader import load_model_text

    loaded = load_model_text(PAINT, "paint.yaml")
    assert loaded.ok, [d.render() for d in loaded.diagnostics]  # no WB400 / WB409
    engine = open_engine(PAINT)
    run = engine.execute("Build", {"wall_id": TALLY})
    built, painted = run.events
    assert built.data == {"wall_id": TALLY, "finish": "matt"}
    assert painted.data == {"wall_id": TALLY, "coats": 2, "colour": "white", "tags": ["fresh"]}
    again = engine.execute("Paint", {"wall_id": TALLY}).result
    assert again is not None and again.events[0].data["tags"] == ["fresh"]
    assert again.events[0].data["tags"] is not painted.data["tags"]  # not shared
    assert engine.state("Wall", TALLY) == {"coats": 4, "colours": ["white", "white"]}


def test_a_field_without_a_default_that_nothing_sets_is_still_wb400_and_wb409() -> None:
    from workbench.model.loader import load_model_text

    text = PAINT.replace("finish: {type: str, default: matt}", "finish: str").replace(
        "coats: {type: int, default: 2}", "coats: int"
    )
    loaded = load_model_text(text, "paint.yaml")
    codes = sorted(d.code for d in loaded.diagnostics.errors)
    assert codes == ["WB400", "WB409"], [d.render() for d in loaded.diagnostics]
