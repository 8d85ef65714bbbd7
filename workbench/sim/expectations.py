"""Checking a scenario's ``then`` against what its ``when`` did.

Each part of ``then`` is checked on its own and reports every difference it finds, so
one run of ``workbench test`` shows the whole picture:

* ``events`` — the when-command's own events (not those of follow-up commands), in
  order, each with a partial field set;
* ``error`` — the when-command was rejected with that error name;
* ``nothing`` — the command was ignored (or, when an event, no command was issued);
* ``state`` — partial fields of one aggregate's state (the when-command's, by default);
  a stream with no events fails as such, not as differences from the defaults;
* ``read_models`` — each read model holds exactly the listed rows, matched by key in
  any order, each with a partial field set; a row not found shows the closest rows;
* ``commands`` — the commands policies issued, in order, partial fields.

Expected values are converted by field type like any input, with placeholders
resolved, so they compare with the typed values the engine produced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.model.schema import StateExpectation, Step, Then
from workbench.model.types import TypeRef
from workbench.sim.engine import Engine
from workbench.sim.matching import (
    Failure,
    Spelling,
    compare_fields,
    equivalent,
    matches,
    show,
)
from workbench.sim.messages import (
    Accepted,
    CommandResult,
    Conflict,
    DomainEvent,
    Ignored,
    InvariantViolation,
    IssuedCommand,
    ModelingError,
    Rejected,
)
from workbench.sim.placeholders import Placeholders
from workbench.sim.values import ValueConversionError

#: How many existing rows a missing expected row's failure shows.
_ROWS_SHOWN = 3


@dataclass
class WhenOutcome:
    """What the scenario's ``when`` did: a command's result, or an event and what it issued."""

    result: CommandResult | None = None
    event: DomainEvent | None = None
    issued: list[IssuedCommand] = field(default_factory=list)


class ExpectationError(Exception):
    """An expectation that cannot even be checked (a value that does not fit its field)."""


def describe(result: CommandResult) -> str:
    """What happened to a command, in words: "rejected with BookAlreadyLent"."""
    if isinstance(result, Accepted):
        return "accepted, emitting " + ", ".join(e.type for e in result.events)
    if isinstance(result, Rejected):
        return f"rejected with {result.error}" + (f" ({result.message})" if result.message else "")
    if isinstance(result, Ignored):
        return "ignored (it emitted nothing)"
    if isinstance(result, InvariantViolation):
        return f"a modeling error: {result.message}, with state {show(result.state)}"
    if isinstance(result, ModelingError):
        return f"a modeling error: {result.message}"
    if isinstance(result, Conflict):
        return f"a concurrency conflict (expected version {result.expected_version}, actual {result.actual_version})"
    return result.outcome


class ThenChecker:
    """Checks one scenario's ``then``; every ``check_*`` returns the failures it found."""

    def __init__(self, engine: Engine, placeholders: Placeholders, outcome: WhenOutcome) -> None:
        self.engine = engine
        self.compiled = engine.compiled
        self.placeholders = placeholders
        self.outcome = outcome

    def check(self, then: Then) -> list[Failure]:
        failures: list[Failure] = []
        result = self.outcome.result
        if isinstance(result, ModelingError | Conflict):
            failures.append(Failure("when", f"the command was {describe(result)}"))
        else:
            if then.error is not None:
                failures += self.check_error(then.error)
            if then.events is not None:
                failures += self.check_events(then.events)
            if then.nothing:
                failures += self.check_nothing()
        if then.commands is not None:
            failures += self.check_commands(then.commands)
        if then.state is not None:
            failures += self.check_state(then.state)
        for projection, rows in (then.read_models or {}).items():
            failures += self.check_rows(projection, rows)
        return failures

    # -- helpers -------------------------------------------------------------------

    def shown(self, value: Any) -> str:
        return show(self.placeholders.show(value))

    def expected(
        self, values: Mapping[str, Any], types: Mapping[str, TypeRef], owner: str
    ) -> dict[str, Any]:
        """Expected values converted by type (placeholders resolved); unknown fields fail."""
        out = {}
        for name, value in values.items():
            t = types.get(name)
            if t is None:
                raise ExpectationError(f"{owner} has no field '{name}'")
            try:
                out[name] = self.compiled.values.convert(
                    value, t, where=f"{owner} field '{name}'", uuid_hook=self.placeholders.resolve
                )
            except ValueConversionError as error:
                raise ExpectationError(str(error)) from None
        return out

    # -- the parts of then ---------------------------------------------------------

    def check_error(self, error: str) -> list[Failure]:
        result = self.outcome.result
        if result is None:
            return [Failure("then.error", "an error is expected, but the scenario ran no command")]
        if isinstance(result, Rejected) and result.error == error:
            return []
        actual = (
            f"{result.error}"
            if isinstance(result, Rejected)
            else f"the command was {describe(result)}"
        )
        return [Failure("then.error", expected=error, actual=actual)]

    def check_events(self, steps: Sequence[Step]) -> list[Failure]:
        result = self.outcome.result
        if result is None:
            return [Failure("then.events", "events are expected, but the scenario ran no command")]
        if isinstance(result, Rejected | Ignored):
            return [
                Failure(
                    "then.events", f"events are expected, but the command was {describe(result)}"
                )
            ]
        actual = list(result.events)
        failures = []
        for index, step in enumerate(steps):
            where = f"then.events[{index}] {step.message}"
            if index >= len(actual):
                failures.append(Failure(where, expected=step.message, actual="no such event"))
                continue
            event = actual[index]
            if event.type != step.message:
                failures.append(
                    Failure(where, field="type", expected=step.message, actual=event.type)
                )
                continue
            types = self.compiled.events[event.type].types
            expected = self.expected(step.fields, types, f"event '{step.message}'")
            failures += compare_fields(
                expected, event.data, where, self.shown, self.placeholders.show
            )
        for index in range(len(steps), len(actual)):
            extra = actual[index]
            failures.append(
                Failure(
                    f"then.events[{index}]",
                    expected="no more events",
                    actual=f"{extra.type} {self.shown(extra.data)}",
                )
            )
        return failures

    def check_nothing(self) -> list[Failure]:
        result = self.outcome.result
        if result is None:
            if self.outcome.issued:
                issued = ", ".join(i.message.name for i in self.outcome.issued)
                return [Failure("then.nothing", expected="no commands", actual=issued)]
            return []
        if isinstance(result, Ignored):
            return []
        return [
            Failure(
                "then.nothing",
                expected="nothing to happen",
                actual=f"the command was {describe(result)}",
            )
        ]

    def check_commands(self, steps: Sequence[Step]) -> list[Failure]:
        actual = [issued.message for issued in self.outcome.issued]
        failures = []
        for index, step in enumerate(steps):
            where = f"then.commands[{index}] {step.message}"
            if index >= len(actual):
                failures.append(Failure(where, expected=step.message, actual="no such command"))
                continue
            message = actual[index]
            if message.name != step.message:
                failures.append(
                    Failure(where, field="command", expected=step.message, actual=message.name)
                )
                continue
            types = self.compiled.commands[message.name].types
            expected = self.expected(step.fields, types, f"command '{step.message}'")
            failures += compare_fields(
                expected, message.fields, where, self.shown, self.placeholders.show
            )
        for index in range(len(steps), len(actual)):
            extra = actual[index]
            failures.append(
                Failure(
                    f"then.commands[{index}]",
                    expected="no more commands",
                    actual=f"{extra.name} {self.shown(extra.fields)}",
                )
            )
        return failures

    def check_state(self, expectation: StateExpectation) -> list[Failure]:
        aggregate_name, id_value = self._state_target(expectation)
        aggregate = self.compiled.aggregates[aggregate_name]
        expected = self.expected(
            expectation.fields, aggregate.state_types, f"state of '{aggregate_name}'"
        )
        actual = self.engine.state(aggregate_name, id_value)
        where = f"then.state ({aggregate_name} {self.shown(id_value)})"
        failures = compare_fields(expected, actual, where, self.shown, self.placeholders.show)
        if failures and not self._stream_exists(aggregate_name, id_value):
            # The differences would be against the defaults of a state nobody built:
            # the id is wrong, or the history never reached this stream.
            return [
                Failure(
                    where,
                    f"{aggregate_name} {self.shown(id_value)} has no events: its stream does not exist",
                )
            ]
        return failures

    def _stream_exists(self, aggregate_name: str, id_value: Any) -> bool:
        stream_id = self.engine.stream_id(aggregate_name, id_value)
        return self.engine.store.stream_version(stream_id) > 0

    def _state_target(self, expectation: StateExpectation) -> tuple[str, Any]:
        result = self.outcome.result
        command = self.compiled.commands[result.command.name] if result is not None else None
        aggregate_name = expectation.aggregate or (command.aggregate if command else None)
        if aggregate_name is None or aggregate_name not in self.compiled.aggregates:
            raise ExpectationError(
                "then.state needs 'aggregate' (and 'id') when the scenario runs no command"
            )
        aggregate = self.compiled.aggregates[aggregate_name]
        if expectation.id is not None:
            try:
                return aggregate_name, self.compiled.values.convert(
                    expectation.id,
                    aggregate.id_type,
                    where="then.state id",
                    uuid_hook=self.placeholders.resolve,
                )
            except ValueConversionError as error:
                raise ExpectationError(str(error)) from None
        if result is not None and command is not None and command.aggregate == aggregate_name:
            return aggregate_name, result.command.fields.get(aggregate.id_field)
        event = self.outcome.event
        if event is not None and aggregate.id_field in event.data:
            return aggregate_name, event.data[aggregate.id_field]
        raise ExpectationError(f"then.state needs 'id' to know which {aggregate_name} to look at")

    def check_rows(self, projection: str, rows: Sequence[Mapping[str, Any]]) -> list[Failure]:
        runner = self.engine.projections.get(projection)
        where = f"then.read_models.{projection}"
        if runner is None:
            return [Failure(where, f"the model has no read model '{projection}'")]
        types = runner.projection.types
        key_fields = runner.projection.key_fields
        actual = runner.rows()
        unmatched = list(range(len(actual)))
        spelling = self.placeholders.show
        failures: list[Failure] = []
        for index, row in enumerate(rows):
            expected = self.expected(row, types, f"read model '{projection}'")
            row_where = f"{where}[{index}]"
            key = {k: expected[k] for k in key_fields if k in expected}
            wanted = key if len(key) == len(key_fields) else expected
            found = next((i for i in unmatched if matches(wanted, actual[i], spelling)), None)
            if found is None:
                failures.append(
                    Failure(
                        row_where,
                        self._rows_there(expected, key_fields, [actual[i] for i in unmatched]),
                        expected=self.shown(expected),
                        actual="no such row",
                    )
                )
                continue
            unmatched.remove(found)
            failures += compare_fields(
                expected, actual[found], f"{row_where} {self.shown(key)}", self.shown, spelling
            )
        if len(actual) != len(rows):
            extra = "; ".join(self.shown(actual[i]) for i in unmatched)
            failures.append(
                Failure(
                    where,
                    f"unexpected: {extra}" if extra else "",
                    field="rows",
                    expected=str(len(rows)),
                    actual=str(len(actual)),
                )
            )
        return failures

    def _rows_there(
        self,
        expected: Mapping[str, Any],
        key_fields: Sequence[str],
        candidates: Sequence[Mapping[str, Any]],
    ) -> str:
        """The rows a missing expected row could have meant, closest first, so the
        mismatch shows (a wrong id, a total off by one) without opening the store.

        Closest means most expected fields equal; each row is shown with its key and
        the expected fields only, the columns the reader is comparing.
        """
        if not candidates:
            return "the read model has no other rows"
        spelling = self.placeholders.show
        ranked = sorted(candidates, key=lambda row: -_agreeing(expected, row, spelling))
        shown_fields = [*key_fields, *(f for f in expected if f not in key_fields)]
        closest = "; ".join(
            self.shown({f: row[f] for f in shown_fields if f in row})
            for row in ranked[:_ROWS_SHOWN]
        )
        if len(candidates) > _ROWS_SHOWN:
            return f"closest of {len(candidates)} rows: {closest}"
        return f"rows there: {closest}"


def _agreeing(expected: Mapping[str, Any], row: Mapping[str, Any], spelling: Spelling) -> int:
    """How many expected fields ``row`` has with the expected value."""
    return sum(
        name in row and equivalent(value, row[name], spelling) for name, value in expected.items()
    )
