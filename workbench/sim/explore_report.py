"""From a shrunk failing sequence to what the user reads: the story and a scenario.

The scenario follows Event Modeling: *given* the events that were in the store before
the failing command, *when* that command, *then* what the command actually did: the
events it emitted (for a broken invariant, the events that broke it), ``nothing: true``
where it appended nothing, or the error it was rejected with. A ``# TODO`` comment says
what broke and that the user decides what should happen instead. So the scenario loads
as pasted, and ``workbench test`` fails on it with the finding until the model is fixed
(the runner fails a scenario whose command breaks an invariant or an expression,
whatever its ``then`` says). Writing
the history as events rather than replaying the commands keeps the scenario short and
independent of policies; the failing command itself is the *when*, even where a policy
issued it or the clock made it due, because that is the command that needs a rule.

Which command is "the failing one" is plain for a broken invariant or a failed
expression. For a policy or projection failure it is a command whose events the
reaction failed on; each candidate scenario is run through the scenario runner and
the first one that fails the same way is kept. A scenario that could not be confirmed
this way is still shown, marked as not reproduced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.model.schema import Model, Scenario
from workbench.model.types import TypeRef
from workbench.model.yamlio import DocumentError, parse_document
from workbench.sim.clock import DEFAULT_START, parse_duration
from workbench.sim.compiled import CompiledModel, compile_model
from workbench.sim.engine import Engine
from workbench.sim.expectations import describe
from workbench.sim.explore import Executed, Found, Trace, stable_part
from workbench.sim.explore_scenario import (
    Message,
    ScenarioText,
    Spelling,
    flow,
    then_commands,
    then_events,
)
from workbench.sim.messages import (
    Accepted,
    CommandResult,
    DomainEvent,
    Ignored,
    InvariantViolation,
    IssuedCommand,
    ModelingError,
    Rejected,
    Run,
)
from workbench.sim.scenarios import ScenarioRunner

#: The comment above the ``then`` of a failing command: what broke, and what to do.
TODO_DECIDE = "# TODO: decide what should happen — the command {what}"
#: A jump of the clock larger than this between two steps is written as ``at``.
CLOCK_JUMP = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class StepLine:
    """One step of the minimal sequence, as shown: what ran and what came of it."""

    action: str
    name: str
    fields: dict[str, Any]
    outcome: str
    follow_ups: tuple[str, ...] = ()

    def text(self) -> str:
        if self.action == "advance":
            return f"advance {self.name}  -> {self.outcome}"
        arrives = "event " if self.action == "event" else ""
        return f"{arrives}{self.name} {flow(self.fields)}  -> {self.outcome}"

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "name": self.name,
            "fields": _json(self.fields),
            "outcome": self.outcome,
            "follow_ups": list(self.follow_ups),
        }


@dataclass
class FailureReport:
    """One finding, ready to print: what broke, the state, the steps, the scenario."""

    kind: str
    label: str
    command: str
    message: str
    source: str
    issued_by: str | None
    state_of: str | None
    state: dict[str, Any] | None
    steps: list[StepLine] = field(default_factory=list)
    scenario: str = ""
    reproduced: bool = False
    traceback: str | None = None

    @property
    def title(self) -> str:
        return f"{self.label} in {self.command}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "command": self.command,
            "message": self.message,
            "source": self.source,
            "issued_by": self.issued_by,
            "state_of": self.state_of,
            "state": _json(self.state),
            "steps": [step.as_json() for step in self.steps],
            "scenario": self.scenario,
            "reproduced": self.reproduced,
            "traceback": self.traceback,
        }


def _json(value: Any) -> Any:
    """Literals as JSON: quoted and bare text become plain strings."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Candidate:
    """A way to write the failure as a scenario.

    *given* the ``events`` (history) and the ``steps`` (replayed as commands), *when*
    a ``command`` or an ``event`` named ``name`` (or no when: a state view), *then*
    what ``result`` or ``issued`` say happened.
    """

    events: Sequence[DomainEvent] = ()
    steps: Sequence[Executed] = ()
    when: Literal["command", "event"] | None = None
    name: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime = DEFAULT_START
    result: CommandResult | None = None
    issued: tuple[IssuedCommand, ...] = ()


class ReportWriter:
    """Turns :class:`~workbench.sim.explore.Found` findings into :class:`FailureReport`."""

    def __init__(self, model: Model, compiled: CompiledModel, seed: int) -> None:
        self.model = model
        self.compiled = compiled
        self.seed = seed
        #: Scenario names taken, by the model or by earlier findings: names are unique.
        self._names = {scenario.name for scenario in model.scenarios}
        #: The model without invariants, to see the events that broke one.
        self._lenient: CompiledModel | None = None

    def report(self, found: Found) -> FailureReport:
        finding, trace = found.finding, found.trace
        best: tuple[_Candidate, Spelling, str, bool] | None = None
        for candidate in self._candidates(found):
            spelling = Spelling(self.model)
            text = self._scenario(found, candidate, spelling).render()
            if self._reproduces(text, found):
                best = (candidate, spelling, text, True)
                break
            best = best or (candidate, spelling, text, False)
        assert best is not None, "a finding always has a last step"
        chosen, spelling, text, reproduced = best
        self._names.add(self._name(found, chosen))
        result = chosen.result
        command = finding.command if result is None else result.command.name
        if finding.kind in ("policy-failure", "projection-failure"):
            command = finding.source.split("'")[1] if "'" in finding.source else finding.source
        report = FailureReport(
            kind=finding.kind,
            label=finding.label,
            command=command,
            message="",
            source=finding.source,
            issued_by=result.command.issued_by if result is not None else None,
            state_of=None,
            state=None,
            scenario=text,
            reproduced=reproduced,
            traceback=finding.traceback,
        )
        report.steps = self._steps(trace, spelling)
        self._state(report, found, spelling)
        report.message = spelling.text(finding.message)
        return report

    # -- candidates ------------------------------------------------------------------

    def _candidates(self, found: Found) -> list[_Candidate]:
        """The ways to write this finding, most precise first (see the module docstring)."""
        finding, trace = found.finding, found.trace
        last = trace.executed[-1]
        step, run = last.step, last.run
        before = trace.events[: last.events_before]
        out: list[_Candidate] = []
        if run is not None:
            times = _result_times(last, trace)
            offset = last.events_before + (step.action == "event")
            for index, result in enumerate(run.results):
                wanted = (
                    result is finding.result
                    if finding.result is not None
                    else isinstance(result, Accepted)
                )
                if wanted:
                    out.append(
                        _Candidate(
                            events=trace.events[:offset],
                            when="command",
                            name=result.command.name,
                            fields=result.command.fields,
                            at=times[index],
                            result=result,
                        )
                    )
                offset += len(result.events)
        if step.action == "command":
            out.append(
                _Candidate(
                    events=before if run is None else (),
                    steps=() if run is None else _replayable(trace.executed[:-1]),
                    when="command",
                    name=step.name,
                    fields=self._typed(step.name, step.fields),
                    at=last.started,
                    result=run.result if run is not None else None,
                )
            )
        if step.action == "event":
            out.append(
                _Candidate(
                    events=before,
                    when="event",
                    name=step.name,
                    fields=self._typed(step.name, step.fields),
                    at=last.started,
                    issued=tuple(run.issued) if run is not None else (),
                )
            )
        # The last resort: every step that took effect, the last one too, as history.
        out.append(_Candidate(steps=[*_replayable(trace.executed[:-1]), last]))
        return out

    def _typed(self, message: str, fields: dict[str, Any]) -> dict[str, Any]:
        """A generated step's fields as the engine holds them (decimals, dates, ids)."""
        try:
            return self.compiled.values.fields(fields, self._types(message), owner=message)
        except ValueError:
            return dict(fields)

    def _types(self, message: str) -> dict[str, TypeRef]:
        command = self.compiled.commands.get(message)
        return command.types if command is not None else self.compiled.events[message].types

    # -- the scenario ----------------------------------------------------------------

    def _scenario(self, found: Found, candidate: _Candidate, spelling: Spelling) -> ScenarioText:
        scenario = ScenarioText(self._name(found, candidate))
        clock = _Clock()
        for event in candidate.events:
            types = self.compiled.events[event.type].types
            fields = spelling.fields(event.data, types)
            scenario.given.append(Message(event.type, fields, clock.jump(event.time)))
        for executed in candidate.steps:
            step = executed.step
            if step.action == "advance":
                scenario.given.append(Message("advance", advance=step.name))
                clock.now = executed.started + parse_duration(step.name)
                continue
            fields = spelling.fields(self._typed(step.name, step.fields), self._types(step.name))
            scenario.given.append(Message(step.name, fields, clock.jump(executed.started)))
        if candidate.when is not None:
            fields = spelling.fields(candidate.fields, self._types(candidate.name))
            scenario.when = Message(candidate.name, fields, clock.jump(candidate.at))
        scenario.comments.append(
            f"found by `workbench explore --seed {self.seed}`: "
            + spelling.text(found.finding.message)
        )
        scenario.then = self._then(found, candidate, spelling)
        return scenario

    def _name(self, found: Found, candidate: _Candidate) -> str:
        """The title, numbered if the model or an earlier finding already has it."""
        title = self._title(found, candidate)
        name, number = title, 1
        while name in self._names:
            number += 1
            name = f"{title} ({number})"
        return name

    def _title(self, found: Found, candidate: _Candidate) -> str:
        """``explore found <kind> in <command>`` (or in the policy or projection that failed)."""
        source = found.finding.source
        element = candidate.name or found.finding.command
        if found.finding.kind in ("policy-failure", "projection-failure") and "'" in source:
            element = source.split("'")[1]
        return f"explore found {found.finding.label} in {element}"

    def _then(self, found: Found, candidate: _Candidate, spelling: Spelling) -> list[str]:
        label = found.finding.label
        if candidate.when is None:
            return [f"read_models: {{}}  # TODO: fix the {label}, then say what should be there"]
        if candidate.when == "event":
            issued = [
                Message(
                    item.message.name,
                    spelling.fields(item.message.fields, self._types(item.message.name)),
                )
                for item in candidate.issued
            ]
            return [
                f"# TODO: fix the {label}; these are the commands that were issued",
                *(then_commands(issued) if issued else ["commands: []"]),
            ]
        result = candidate.result
        if isinstance(result, Accepted):
            return [
                f"# TODO: fix the {label}; these are the events the command emitted",
                *then_events(self._messages(result.events, spelling)),
            ]
        if isinstance(result, Ignored):
            return [f"# TODO: fix the {label}", "nothing: true"]
        if isinstance(result, Rejected):
            return [f"# TODO: fix the {label}", f"error: {result.error}"]
        if isinstance(result, InvariantViolation):
            todo = TODO_DECIDE.format(what=f"broke invariant '{result.invariant}'")
            emitted = self._emitted(candidate)
            if emitted:
                return [
                    f"{todo}; these are the events it emitted",
                    *then_events(self._messages(emitted, spelling)),
                ]
            return [todo, "nothing: true"]
        if isinstance(result, ModelingError):
            what = f"hit a modeling error: {spelling.text(stable_part(result.message))}"
            return [TODO_DECIDE.format(what=what), "nothing: true"]
        return [TODO_DECIDE.format(what=f"ran into the {label}"), "nothing: true"]

    def _messages(self, events: Sequence[DomainEvent], spelling: Spelling) -> list[Message]:
        return [
            Message(e.type, spelling.fields(e.data, self.compiled.events[e.type].types))
            for e in events
        ]

    def _emitted(self, candidate: _Candidate) -> tuple[DomainEvent, ...]:
        """The events a command emitted before an invariant refused them: the candidate
        replayed on the model without invariants (none if that fails)."""
        if self._lenient is None:
            aggregates = {
                name: aggregate.model_copy(update={"invariants": ()})
                for name, aggregate in self.model.aggregates.items()
            }
            self._lenient = compile_model(self.model.model_copy(update={"aggregates": aggregates}))
        lenient = self._lenient
        engine = Engine.open(lenient.model, ":memory:", seed=self.seed, compiled=lenient)
        try:
            for event in candidate.events:
                engine.clock.set(max(engine.clock.now, event.time))
                engine.append_event(event.type, event.data)
            for executed in candidate.steps:
                step = executed.step
                engine.clock.set(max(engine.clock.now, executed.started))
                if step.action == "advance":
                    engine.advance(parse_duration(step.name))
                elif step.action == "event":
                    engine.react(engine.append_event(step.name, step.fields))
                else:
                    engine.execute(step.name, step.fields)
            engine.clock.set(max(engine.clock.now, candidate.at))
            run: Run = engine.execute(candidate.name, candidate.fields)
        except Exception:  # a best effort: the scenario falls back to ``nothing: true``
            return ()
        finally:
            engine.close()
        return run.result.events if isinstance(run.result, Accepted) else ()

    def _reproduces(self, text: str, found: Found) -> bool:
        """Whether the scenario, parsed back from its text and run, fails the same way."""
        try:
            document = parse_document("scenarios:\n" + text, "explore.yaml")
            scenario = Scenario.model_validate(document.data["scenarios"][0])
        except (DocumentError, ValueError, KeyError, IndexError, TypeError):
            return False
        runner = ScenarioRunner(self.model, seed=self.seed, compiled=self.compiled)
        result = runner.run(scenario)
        markers = found.finding.markers
        return any(
            all(marker in f"{failure.where}: {failure.line()}" for marker in markers)
            for failure in result.failures
        )

    # -- the story -------------------------------------------------------------------

    def _steps(self, trace: Trace, spelling: Spelling) -> list[StepLine]:
        lines = []
        for index, executed in enumerate(trace.executed):
            step, run = executed.step, executed.run
            if step.action == "advance":
                ran = ", ".join(r.command.name for r in run.results) if run else ""
                outcome = f"clock moved, ran {ran}" if ran else "clock moved"
                if run is None:
                    outcome = "raised an exception"
                lines.append(StepLine("advance", step.name, {}, outcome))
                continue
            fields = spelling.fields(self._typed(step.name, step.fields), self._types(step.name))
            if run is None:
                outcome = "raised an exception"
            elif run.result is not None:
                outcome = _outcome(run.result, spelling)
            else:
                outcome = "appended" + (
                    f", {len(run.results)} issued command(s) ran" if run.results else ""
                )
            follow_ups: tuple[str, ...] = ()
            if run is not None and index == len(trace.executed) - 1:
                follow_ups = tuple(
                    f"{r.command.name} (issued by {r.command.issued_by}): {_outcome(r, spelling)}"
                    for r in run.results
                    if r is not run.result
                )
            lines.append(StepLine(step.action, step.name, fields, outcome, follow_ups))
        return lines

    def _state(self, report: FailureReport, found: Found, spelling: Spelling) -> None:
        result = found.finding.result
        state = found.trace.state
        if result is None or state is None:
            return
        aggregate = self.compiled.commands[result.command.name].aggregate
        compiled = self.compiled.aggregates[aggregate]
        id_value = result.command.fields.get(compiled.id_field)
        shown = spelling.literal(id_value, compiled.id_type, compiled.id_field)
        when = " after the command's events" if found.trace.state_after else ""
        report.state_of = f"{aggregate} {flow(shown)}{when}"
        report.state = spelling.fields(state, compiled.state_types)


class _Clock:
    """The scenario's clock while writing it: a step gets ``at`` where time jumped."""

    def __init__(self) -> None:
        self.now = DEFAULT_START

    def jump(self, instant: dt.datetime) -> dt.datetime | None:
        jumped = instant - self.now > CLOCK_JUMP
        self.now = max(self.now, instant)
        return instant if jumped else None


def _outcome(result: CommandResult, spelling: Spelling) -> str:
    if isinstance(result, InvariantViolation):
        return f"invariant '{result.invariant}' broken"
    if isinstance(result, ModelingError):
        return "modeling error"
    if isinstance(result, Rejected):
        return f"rejected with {result.error}"
    return spelling.text(describe(result))


def _replayable(executed: Sequence[Executed]) -> list[Executed]:
    """The earlier steps a scenario can give as commands: those that were not refused."""
    return [
        e
        for e in executed
        if e.step.action == "advance"
        or (e.run is not None and isinstance(e.run.result, Accepted | Ignored))
    ]


def _result_times(executed: Executed, trace: Trace) -> list[dt.datetime]:
    """When each command of a step ran: the clock ticks after each, and a delayed
    command runs no earlier than it was due."""
    assert executed.run is not None
    clock = executed.started
    times = []
    for result in executed.run.results:
        due = trace.due.get(result.command.command_id)
        if due is not None and due > clock:
            clock = due
        times.append(clock)
        clock += trace.tick
    return times
