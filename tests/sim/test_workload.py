"""Workload files: parsing, placeholders, repeats with counters, advances, errors with
``file:line``, and the summary of a small hand-computed run on the library model."""

from __future__ import annotations

import datetime as dt
import gc
import textwrap
from pathlib import Path

import pytest

from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.model.yamlio import parse_document
from workbench.sim.engine import Engine
from workbench.sim.messages import Run
from workbench.sim.placeholders import Placeholders
from workbench.sim.simulation import Simulation
from workbench.sim.summary import Summary
from workbench.sim.workload import (
    CommandStep,
    Workload,
    WorkloadError,
    load_workload,
    parse_workload,
)

from .conftest import REPO_ROOT

LIBRARY = REPO_ROOT / "models" / "library.yaml"
EXAMPLE_WORKLOAD = REPO_ROOT / "models" / "workloads" / "library.workload.yaml"

#: Hand-computed below: 9 commands submitted, 2 more issued by policies.
SMALL = """\
seed: 3
start: 2030-01-01T09:00:00
batch: 4
steps:
  - JoinLibrary: {member_id: m1, name: Ada}
  - repeat:
      times: 3
      steps:
        - RegisterBook: {book_id: "b{i}", title: "Book {i}", genre: fiction}
  - LendBook: {book_id: b1, member_id: m1}
  - LendBook: {book_id: b1, member_id: m2}
  - LendBook: {book_id: b9, member_id: m1}
  - RegisterBook: {book_id: b2, title: Again, genre: fiction}
  - advance: 30d
  - ReturnBook: {book_id: b1}
"""


@pytest.fixture(scope="module")
def library() -> Model:
    model = load_model(LIBRARY).model
    assert model is not None
    return model


def parse(text: str, model: Model) -> Workload:
    return parse_workload(parse_document(textwrap.dedent(text), "w.yaml"), model)


def error_of(text: str, model: Model) -> WorkloadError:
    with pytest.raises(WorkloadError) as caught:
        parse(text, model)
    return caught.value


# -- parsing -----------------------------------------------------------------------------


def test_settings_and_steps_are_read(library: Model) -> None:
    workload = parse(SMALL, library)
    assert (workload.seed, workload.batch) == (3, 4)
    assert workload.start == dt.datetime(2030, 1, 1, 9)
    assert workload.command_count() == 9
    items = list(workload.items())
    assert [i.command or "advance" for i in items] == [
        "JoinLibrary",
        "RegisterBook",
        "RegisterBook",
        "RegisterBook",
        "LendBook",
        "LendBook",
        "LendBook",
        "RegisterBook",
        "advance",
        "ReturnBook",
    ]
    assert items[8].advance == dt.timedelta(days=30)
    assert [items[i].fields["book_id"] for i in (1, 2, 3)] == ["b1", "b2", "b3"]
    assert items[3].fields["title"] == "Book 3"
    assert items[4].location.line == 10 and items[4].location.file == "w.yaml"


def test_settings_are_optional(library: Model) -> None:
    workload = parse("steps:\n  - JoinLibrary: {member_id: m1, name: Ada}\n", library)
    assert (workload.seed, workload.start, workload.batch) == (None, None, None)
    assert workload.command_count() == 1


def test_nested_repeats_name_their_counters(library: Model) -> None:
    workload = parse(
        """\
        steps:
          - repeat:
              times: 2
              as: shelf
              steps:
                - repeat:
                    times: 3
                    steps:
                      - RegisterBook: {book_id: "s{shelf}-b{i}", title: "{{draft}} {shelf}.{i}", genre: science}
                - advance: 1h
        """,
        library,
    )
    assert workload.command_count() == 6
    items = list(workload.items())
    books = [i.fields["book_id"] for i in items if i.command]
    assert books == ["s1-b1", "s1-b2", "s1-b3", "s2-b1", "s2-b2", "s2-b3"]
    assert items[0].fields["title"] == "{draft} 1.1"
    assert sum(1 for i in items if i.advance) == 2


def test_repeat_zero_times_and_huge_repeats_cost_nothing_up_front(library: Model) -> None:
    workload = parse(
        """\
        steps:
          - repeat: {times: 0, steps: [{JoinLibrary: {member_id: m, name: x}}]}
          - repeat:
              times: 1000000000
              steps:
                - JoinLibrary: {member_id: "m{i}", name: x}
        """,
        library,
    )
    assert workload.command_count() == 1_000_000_000
    first = next(workload.items())
    assert first.fields == {"member_id": "m1", "name": "x"}


def test_a_command_without_fields_may_omit_its_mapping() -> None:
    from .conftest import model_from

    model = model_from(
        """\
        workbench: 1
        name: Bell
        aggregates:
          Bell: {id: bell_id, id_type: str, state: {rings: {type: int, default: 0}}}
        commands:
          Ring: {aggregate: Bell, fields: {bell_id: "str?"}, emits: [Rung: {}]}
        events:
          Rung: {aggregate: Bell, fields: {bell_id: "str?"}, evolve: {rings: "state.rings + 1"}}
        """
    )
    workload = parse("steps:\n  - Ring:\n  - Ring: {}\n", model)
    assert [i.fields for i in workload.items()] == [{}, {}]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("stepz: []\n", 1, 1, "unknown key 'stepz' in a workload"),
        ("seed: 1\n", 1, 1, "a workload needs 'steps'"),
        ("seed: x\nsteps: []\n", 1, 7, "'seed' must be a whole number"),
        ("batch: 0\nsteps: []\n", 1, 8, "'batch' must be a whole number of at least 1"),
        ("start: soon\nsteps: []\n", 1, 8, "'start' must be an ISO date"),
        ("steps: {a: 1}\n", 1, 8, "'steps' must be a list"),
        ("steps:\n  - LendBok: {book_id: b1, member_id: m1}\n", 2, 5, "'LendBok' is not a command"),
        ("steps:\n  - BookLent: {book_id: b1}\n", 2, 5, "'BookLent' is an event"),
        (
            "steps:\n  - LendBook: {book_id: b1, membr_id: m1}\n",
            2,
            29,
            "command 'LendBook' has no field 'membr_id'",
        ),
        ("steps:\n  - LendBook: {book_id: b1}\n", 2, 15, "needs field 'member_id' (uuid)"),
        ("steps:\n  - LendBook: [b1]\n", 2, 15, "must be a mapping"),
        ("steps:\n  - advance: tomorrow\n", 2, 14, "'tomorrow' is not a duration"),
        ("steps:\n  - 42\n", 2, 5, "a step is one of"),
        ("steps:\n  - {advance: 1h, LendBook: {}}\n", 2, 5, "a step is one of"),
        ("steps:\n  - repeat: {steps: []}\n", 2, 13, "'times' must be a whole number"),
        ("steps:\n  - repeat: {times: -1, steps: []}\n", 2, 21, "at least 0"),
        ("steps:\n  - repeat: {times: 2}\n", 2, 13, "'repeat' needs 'steps'"),
        ("steps:\n  - repeat: {times: 2, step: []}\n", 2, 24, "unknown key 'step' in a repeat"),
        ("steps:\n  - repeat: {times: 2, as: 'a b', steps: []}\n", 2, 28, "'as' names the counter"),
        (
            "steps:\n  - repeat:\n      times: 2\n      steps:\n"
            '        - JoinLibrary: {member_id: "m{I}", name: x}\n',
            5,
            36,
            "'{I}' is not a repeat counter (counters: {i})",
        ),
        (
            'steps:\n  - JoinLibrary: {member_id: "m{i}", name: x}\n',
            2,
            30,
            "counters: none here",
        ),
        (
            "steps:\n  - repeat:\n      times: 2\n      steps:\n"
            "        - repeat: {times: 2, steps: []}\n",
            5,
            19,
            "already used by an enclosing repeat",
        ),
    ],
)
def test_bad_workloads_say_where_and_what(
    library: Model, text: str, line: int, column: int, message: str
) -> None:
    error = error_of(text, library)
    assert message in error.message, error.render()
    assert (error.location.file, error.location.line, error.location.column) == (
        "w.yaml",
        line,
        column,
    ), error.render()
    assert error.render().startswith(f"w.yaml:{line}:{column}: ")


def test_hints_suggest_the_name_meant(library: Model) -> None:
    assert error_of("steps:\n  - LendBok: {}\n", library).hint == "did you mean 'LendBook'?"
    assert error_of("stepz: []\n", library).hint == "did you mean 'steps'?"


def test_unreadable_files_are_workload_errors(tmp_path: Path, library: Model) -> None:
    with pytest.raises(WorkloadError) as missing:
        load_workload(tmp_path / "nope.yaml", library)
    assert "no such file" in missing.value.render()
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - [unclosed\n", encoding="utf-8")
    with pytest.raises(WorkloadError) as syntax:
        load_workload(bad, library)
    assert syntax.value.location.file == str(bad) and syntax.value.location.line >= 2


def test_the_example_workload_loads(library: Model) -> None:
    workload = load_workload(EXAMPLE_WORKLOAD, library)
    assert workload.command_count() == 106


# -- running -----------------------------------------------------------------------------


def simulate(model: Model, text: str, path: str | Path = ":memory:") -> tuple[Engine, Summary]:
    workload = parse(text, model)
    engine = Engine.open(
        model, path, seed=workload.seed or 0, start=workload.start or dt.datetime(2030, 1, 1, 9)
    )
    summary = Summary(model.name, "test", workload.seed or 0, workload.batch or 500, "NORMAL")
    placeholders = Placeholders(engine.ids.new)
    Simulation(engine, summary, batch=workload.batch or 500, placeholders=placeholders).run(
        workload.items()
    )
    return engine, summary


def test_summary_numbers_of_a_small_library_run(library: Model) -> None:
    engine, summary = simulate(library, SMALL)
    try:
        assert summary.submitted == 9
        assert summary.handled == 11  # + RecordLoan and RecordReturn from the policies
        assert summary.issued_by_policies == 2
        assert summary.accepted == 8
        assert dict(summary.rejected) == {"BookAlreadyLent": 1, "NotFound": 1, "AlreadyExists": 1}
        assert (summary.ignored, summary.modeling_errors, summary.conflicts) == (0, 0, 0)
        assert dict(summary.events) == {
            "MemberJoined": 1,
            "BookRegistered": 3,
            "BookLent": 1,
            "MemberBorrowed": 1,
            "BookReturned": 1,
            "MemberReturned": 1,
            "FineCharged": 1,  # 30 days out, due after 21: 9 days late
        }
        assert summary.event_count == 9 == summary.store_events
        assert summary.streams == 4  # member m1, books b1-b3
        assert summary.read_models == {"AvailableBooks": 3, "LoansPerMember": 1}
        assert (summary.problems, summary.dead_letters, summary.pending_delayed) == (0, 0, 0)
        assert summary.clock_start == "2030-01-01T09:00:00"
        assert summary.clock_end.startswith("2030-01-31T09:00:")
        (member,) = engine.rows("LoansPerMember")
        assert (member["name"], member["loans"], str(member["fines"])) == ("Ada", 0, "2.25")
        outcome = summary.outcome()
        assert outcome["commands"]["rejected"] == {
            "AlreadyExists": 1,
            "BookAlreadyLent": 1,
            "NotFound": 1,
        }
        assert outcome["events"]["total"] == 9
        assert "timing" not in outcome and "timing" in summary.as_json()
        (run,) = engine.store.runs()
        assert run.kind == "simulation" and run.summary == outcome
        assert (run.started_at, run.finished_at) == (summary.clock_start, summary.clock_end)
    finally:
        engine.close()


def test_placeholders_are_one_id_each_for_the_whole_run(library: Model) -> None:
    engine, summary = simulate(
        library,
        """\
        steps:
          - repeat:
              times: 4
              steps:
                - JoinLibrary: {member_id: "m{i}", name: "M{i}"}
          - JoinLibrary: {member_id: m2, name: again}
        """,
    )
    try:
        assert summary.accepted == 4 and dict(summary.rejected) == {"AlreadyExists": 1}
        names = sorted(r["name"] for r in engine.rows("LoansPerMember"))
        assert names == ["M1", "M2", "M3", "M4"]
    finally:
        engine.close()


def test_a_value_that_does_not_fit_stops_the_run_at_its_step(library: Model) -> None:
    # the loader refuses such values; a Workload built in code can still hold one
    good = parse("steps:\n  - JoinLibrary: {member_id: m1, name: Ada}\n", library)
    step = good.steps[0]
    assert isinstance(step, CommandStep)
    bad = CommandStep("PayFine", {"member_id": "m1", "amount": "lots"}, step.location)
    workload = Workload("w.yaml", (step, bad, step))
    engine = Engine.open(library, ":memory:", seed=0, start=dt.datetime(2030, 1, 1, 9))
    summary = Summary(library.name, "test", 0, 10, "NORMAL")
    Simulation(engine, summary, batch=10, placeholders=Placeholders(engine.ids.new)).run(
        workload.items()
    )
    try:
        assert summary.stopped is not None
        assert "amount" in summary.stopped and "decimal" in summary.stopped
        assert summary.submitted == 1
        assert engine.store.head_position() == 1  # what ran before the bad step is kept
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("step", "column", "expected"),
    [
        ("PayFine: {member_id: m1, amount: lots}", 38, "field 'amount': expected decimal"),
        (
            "RegisterBook: {book_id: b1, title: 42, genre: fiction}",
            40,
            "field 'title': expected str",
        ),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused_when_loaded(
    library: Model, step: str, column: int, expected: str
) -> None:
    error = error_of(
        f"steps:\n  - JoinLibrary: {{member_id: m1, name: Ada}}\n  - {step}\n", library
    )
    assert str(error.location) == f"w.yaml:3:{column}"
    assert expected in error.message


def test_values_with_counters_are_checked_with_the_counter_filled_in(library: Model) -> None:
    text = """\
    steps:
      - repeat:
          times: 2
          steps:
            - RegisterBook: {book_id: "b{i}", title: "Book {i}", genre: fiction}
            - PayFine: {member_id: "m{i}", amount: "{i}.50"}
    """
    assert parse(text, library).command_count() == 4
    error = error_of(text.replace('"{i}.50"', '"x{i}"'), library)
    assert "expected decimal" in error.message


def test_modeling_errors_are_counted_with_their_first_messages() -> None:
    from .conftest import model_from

    model = model_from(
        """\
        workbench: 1
        name: Counter
        aggregates:
          Counter:
            id: counter_id
            state: {n: {type: int, default: 0}}
            invariants: ["state.n <= 2"]
        commands:
          Add: {aggregate: Counter, fields: {counter_id: uuid}, emits: [Added: {}]}
        events:
          Added: {aggregate: Counter, fields: {counter_id: uuid}, evolve: {n: "state.n + 1"}}
        """
    )
    engine, summary = simulate(
        model, "steps:\n  - repeat: {times: 9, steps: [{Add: {counter_id: c1}}]}\n"
    )
    try:
        assert summary.accepted == 2 and summary.modeling_errors == 7
        assert len(summary.modeling_messages) == 1  # distinct messages; all are counted
        assert "invariant 'state.n <= 2'" in summary.modeling_messages[0]
    finally:
        engine.close()


def test_a_plain_list_of_steps_is_a_workload(library: Model, tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "- JoinLibrary: {member_id: m1, name: Ada}\n"
        "- advance: 2d\n"
        "- repeat: {times: 2, steps: [RegisterBook: {book_id: 'b{i}', title: T, genre: fiction}]}\n",
        encoding="utf-8",
    )
    workload = load_workload(path, library)
    assert workload.command_count() == 3
    assert [item.command for item in workload.items()] == [
        "JoinLibrary",
        None,
        "RegisterBook",
        "RegisterBook",
    ]
    path.write_text("- JoinLibrary: {member_id: m1, nme: Ada}\n", encoding="utf-8")
    with pytest.raises(WorkloadError) as caught:
        load_workload(path, library)
    assert str(caught.value.location) == f"{path}:1:32"
    assert "has no field 'nme'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("just text\n", "the top level of a workload file must be a list of steps or a mapping"),
        ("!!set {a: 1}\n", "a workload file holds plain data only"),
    ],
)
def test_messages_about_a_workload_file_say_workload_file(
    library: Model, tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkloadError) as caught:
        load_workload(path, library)
    assert expected in caught.value.message
    assert "model file" not in caught.value.message


def test_a_run_freezes_the_heap_only_while_it_runs(library: Model) -> None:
    """The collector skips what was alive at the start (see ``frozen_heap``), and a
    process going on after the run, or after a run that failed, collects as before."""
    seen: list[int] = []
    engine = Engine.open(library, ":memory:", seed=0)
    summary = Summary(library.name, "test", 0, 500, "NORMAL")

    def observe(run: Run) -> None:
        seen.append(gc.get_freeze_count())
        if len(seen) == 2:
            raise RuntimeError("stop")

    items = parse(SMALL, library).items()
    placeholders = Placeholders(engine.ids.new)
    simulation = Simulation(engine, summary, placeholders=placeholders, observe=observe)
    try:
        with pytest.raises(RuntimeError, match="stop"):
            simulation.run(items)
    finally:
        engine.close()
    assert seen[0] > 1000  # the model, the modules: everything alive at the start
    assert gc.get_freeze_count() == 0
