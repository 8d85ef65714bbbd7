"""Scenario input that cannot run is a load-time diagnostic, not a failing scenario.

Each case here used to load cleanly and then FAIL under ``workbench test``; the
runner's own message (its backstop for models nobody validated) is checked to agree,
so validation refuses exactly what the simulator would refuse.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tests.model.conftest import MINIMAL, mutate
from workbench.model.diagnostics import Diagnostic
from workbench.model.loader import load_model_text
from workbench.model.types import check_value, parse_type
from workbench.sim.scenarios import ScenarioRunner

WHEN = "      Increment: {counter_id: c1, by: 3}"
GIVEN = '      - Incremented: {counter_id: c1, by: 2, note: ""}\n    when'


def diagnostics(text: str, code: str) -> list[Diagnostic]:
    loaded = load_model_text(text, "m.yaml")
    return [d for d in loaded.diagnostics if d.code == code]


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def runtime_failures(text: str) -> list[str]:
    """What the runner says about each scenario of a model it runs unvalidated."""
    loaded = load_model_text(text, "m.yaml", validate=False)
    assert loaded.model is not None
    return [f.line() for r in ScenarioRunner(loaded.model).run_all() for f in r.failures]


# -- 1. required fields of the steps that run -------------------------------------------


def test_a_when_command_missing_a_field_is_reported_at_the_step() -> None:
    text = mutate(WHEN, "      Increment: {counter_id: c1}")
    (found,) = diagnostics(text, "WB505")
    assert found.message == "command 'Increment' needs field 'by' (int)"
    assert found.location.line == line_of(text, "Increment: {counter_id: c1}")
    assert found.location.column == 7


def test_a_null_when_command_names_every_missing_field() -> None:
    text = mutate(WHEN, "      Increment: null")
    (found,) = diagnostics(text, "WB505")
    assert found.message == "command 'Increment' needs fields 'counter_id' (uuid), 'by' (int)"
    assert found.location.line == line_of(text, "Increment: null")


def test_a_given_event_missing_fields_names_them_all() -> None:
    text = mutate(GIVEN, "      - Incremented: {counter_id: c1}\n    when")
    (found,) = diagnostics(text, "WB505")
    assert found.message == "event 'Incremented' needs fields 'by' (int), 'note' (str)"
    assert found.location.line == line_of(text, "- Incremented: {counter_id: c1}")


def test_a_given_event_without_its_stream_id_is_reported_once() -> None:
    text = mutate(GIVEN, '      - Incremented: {by: 2, note: ""}\n    when')
    assert [d.message for d in diagnostics(text, "WB505")] == [
        "event 'Incremented' needs field 'counter_id' (uuid)"
    ]
    assert not [d for d in diagnostics(text, "WB500") if "stream" in d.message]


def test_optional_fields_may_be_left_out_of_a_step() -> None:
    text = mutate(
        "fields: {counter_id: uuid, by: int, note: str}",
        'fields: {counter_id: uuid, by: int, note: "str?"}',
    )
    text = mutate(GIVEN, "      - Incremented: {counter_id: c1, by: 2}\n    when", text)
    assert diagnostics(text, "WB505") == []
    assert runtime_failures(text) == []


def test_a_command_field_with_a_default_may_be_left_out_and_takes_it() -> None:
    # The simulator fills a left-out field in from its default, so validation must
    # accept the step: what validates runs, and what runs validates.
    text = mutate(
        "fields: {counter_id: uuid, by: int}\n    rules",
        "fields: {counter_id: uuid, by: {type: int, default: 1}}\n    rules",
    )
    text = mutate(WHEN, "      Increment: {counter_id: c1}", text)
    text = mutate(
        "- Incremented: {counter_id: c1, by: 3}", "- Incremented: {counter_id: c1, by: 1}", text
    )
    assert diagnostics(text, "WB505") == []
    assert runtime_failures(text) == []


def test_expectations_under_then_may_be_partial() -> None:
    text = (
        MINIMAL
        + """  - name: a big increment asks for red paint
    when:
      Incremented: {counter_id: c1, by: 6, note: ""}
    then:
      commands:
        - Paint: {colour: red}
"""
    )
    assert diagnostics(text, "WB505") == []  # then.events in MINIMAL leaves out 'note' too
    assert runtime_failures(text) == []


def test_a_when_event_missing_a_field_is_reported() -> None:
    text = (
        MINIMAL
        + """  - name: a big increment asks for red paint
    when:
      Incremented: {counter_id: c1, by: 6}
    then:
      commands:
        - Paint: {colour: red}
"""
    )
    (found,) = diagnostics(text, "WB505")
    assert found.message == "event 'Incremented' needs field 'note' (str)"
    assert runtime_failures(text) == ["event 'Incremented' needs field 'note' (str)"]


# -- 2. the clock ----------------------------------------------------------------------


def test_a_scenario_at_that_is_not_a_date_is_reported_where_it_is() -> None:
    text = mutate("- name: increments add up\n", '- name: increments add up\n    at: "yesterday"\n')
    (found,) = diagnostics(text, "WB506")
    assert found.message == "'at: yesterday' is not an ISO date or date-time"
    assert found.location.line == line_of(text, 'at: "yesterday"')
    assert "'yesterday' is not an ISO date or date-time" in runtime_failures(text)


def test_a_step_at_that_is_not_a_date_is_reported() -> None:
    text = mutate(WHEN, "      Increment: {counter_id: c1, by: 3}\n      at: soon")
    (found,) = diagnostics(text, "WB506")
    assert found.location.line == line_of(text, "at: soon")


def test_iso_dates_and_date_times_are_accepted_for_at() -> None:
    text = mutate(
        "- name: increments add up\n", '- name: increments add up\n    at: "2030-01-25T09:30:00"\n'
    )
    text = mutate(
        GIVEN,
        '      - Incremented: {counter_id: c1, by: 2, note: ""}\n        at: 2030-01-26\n    when',
        text,
    )
    assert diagnostics(text, "WB506") == []
    assert runtime_failures(text) == []


# -- 3. numbers that are not numbers ---------------------------------------------------


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, Decimal("Infinity"), "inf", "NaN"]
)
def test_a_decimal_refuses_infinity_and_nan(value: object) -> None:
    problem = check_value(value, parse_type("decimal"), enums={}, records={})
    assert problem is not None and problem.startswith("expected decimal, got ")
    assert problem.endswith(": a finite number, not infinity or NaN")


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_float_refuses_infinity_and_nan_too(value: object) -> None:
    problem = check_value([1.5, value], parse_type("list[float?]"), enums={}, records={})
    assert problem is not None and problem.startswith("item 1: expected float, got ")
    assert problem.endswith(": a finite number, not infinity or NaN")


@pytest.mark.parametrize("value", [1, 1.5, Decimal("2.50"), "0.25"])
def test_finite_numbers_still_fit_a_decimal(value: object) -> None:
    assert check_value(value, parse_type("decimal"), enums={}, records={}) is None


def test_an_infinite_scenario_value_is_a_load_time_error() -> None:
    model = mutate(
        "fields: {counter_id: uuid, by: int, note: str}",
        "fields: {counter_id: uuid, by: int, note: str, rate: float}",
    )
    model = mutate(
        GIVEN, '      - Incremented: {counter_id: c1, by: 2, note: "", rate: .inf}\n    when', model
    )
    (found,) = diagnostics(model, "WB501")
    assert "expected float, got inf: a finite number, not infinity or NaN" in found.message
    assert found.location.line == line_of(model, "rate: .inf")


# -- 4. one command or event under when ------------------------------------------------


def test_two_commands_under_when_say_when_takes_one() -> None:
    text = mutate(WHEN, WHEN + "\n      Paint: {counter_id: c1, colour: red}")
    loaded = load_model_text(text, "m.yaml")
    assert loaded.model is None
    (found,) = loaded.diagnostics
    assert found.code == "WB104"
    assert "'when' takes exactly one command or event, not 2 (Increment, Paint)" in found.message
    assert "message" not in found.message and found.hint is None
    assert found.location.line == line_of(text, WHEN.strip())


def test_a_list_or_nothing_under_when_is_explained() -> None:
    for when, expected in [
        (
            "      - Increment: {counter_id: c1, by: 3}",
            "'when' takes exactly one command or event, not a list",
        ),
        ("      {}", "'when' needs a command or event"),
    ]:
        loaded = load_model_text(mutate(WHEN, when), "m.yaml")
        messages = [d.message for d in loaded.diagnostics]
        assert len(messages) == 1 and expected in messages[0], messages


def test_two_names_in_one_given_step_are_explained() -> None:
    text = mutate(
        GIVEN,
        '      - Incremented: {counter_id: c1, by: 2, note: ""}\n        Increment: {counter_id: c1, by: 1}\n    when',
    )
    loaded = load_model_text(text, "m.yaml")
    messages = [d.message for d in loaded.diagnostics]
    assert messages == [
        "scenario 1 at given[0]: a step takes exactly one command or event, not 2"
        " (Incremented, Increment); give each its own step"
    ]


AUTOMATION = """\
workbench: 1
name: Loans
aggregates:
  Book: {id: book_id, state: {lent: {type: bool, default: false}}}
  Member: {id: member_id, state: {loans: {type: int, default: 0}}}
commands:
  LendBook: {aggregate: Book, fields: {book_id: uuid, member_id: uuid}, emits: [BookLent: {}]}
  RecordLoan: {aggregate: Member, fields: {member_id: uuid, book_id: uuid}, emits: [LoanRecorded: {}]}
events:
  BookLent: {aggregate: Book, fields: {book_id: uuid, member_id: uuid}, evolve: {lent: "True"}}
  LoanRecorded:
    aggregate: Member
    fields: {member_id: uuid, book_id: uuid}
    evolve: {loans: "state.loans + 1"}
policies:
  RecordLoans: {on: BookLent, issue: [RecordLoan: {}]}
scenarios:
  - name: the loan is recorded on the member
    when: {BookLent: {book_id: b1, member_id: m1}}
    then:
      commands: [RecordLoan: {member_id: m1, book_id: b1}]
      state: {aggregate: AGGREGATE, id: ID, fields: FIELDS}
"""


def test_an_automation_scenario_checking_a_state_its_commands_would_change_is_warned() -> None:
    """The issued RecordLoan is recorded, not run: Member's state is still as before."""
    text = AUTOMATION.replace("AGGREGATE", "Member").replace("ID", "m1")
    text = text.replace("FIELDS", "{loans: 1}")
    (warning,) = diagnostics(text, "WB507")
    assert warning.severity.value == "warning"
    assert "RecordLoan" in warning.message and "'BookLent'" in warning.message
    assert warning.location.line == line_of(text, "state: {aggregate")
    # the state of the event's own aggregate is fine: nothing issued changes it
    own = AUTOMATION.replace("AGGREGATE", "Book").replace("ID", "b1")
    assert diagnostics(own.replace("FIELDS", "{lent: true}"), "WB507") == []


def test_an_automation_scenario_expecting_a_command_nothing_issues_is_reported() -> None:
    text = AUTOMATION.replace(
        "      state: {aggregate: AGGREGATE, id: ID, fields: FIELDS}\n", ""
    ).replace(
        "commands: [RecordLoan: {member_id: m1, book_id: b1}]",
        "commands: [LendBook: {book_id: b1}]",
    )
    (found,) = [d for d in diagnostics(text, "WB500") if "nothing issues" in d.message]
    assert found.message == "nothing issues 'LendBook' in reaction to 'BookLent'"
    assert found.hint == "what reacts to it issues: RecordLoan"
    assert found.location.line == line_of(text, "commands: [LendBook")
