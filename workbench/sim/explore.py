"""Exploring a model: random command sequences searched for modeling bugs.

Scenarios check the cases someone thought of; ``explore`` looks for the ones nobody
did. It runs many generated command sequences, each on a fresh in-memory store, and
watches every step for what a correct model never does:

* an **invariant violation** — a command's events break an aggregate invariant, so a
  rule is missing;
* a **modeling error** — an expression failed at run time (a missing dict key, a
  division by zero) or a value does not fit its field;
* a **policy failure** or **projection failure** — a reaction to an event failed, or a
  chain of policies ran into the **depth guard**;
* an **internal error** — the engine itself raised: a bug in Event Workbench, reported
  apart from the model's findings, with its traceback.

A rejected or ignored command is an ordinary outcome, not a finding.

Why hypothesis: it shrinks. A failure found after thirty random steps usually needs
two or three of them; hypothesis replays the sequence with steps left out and values
made plainer until nothing more can go, so the report shows the essence of the bug.
Steps are drawn one at a time (:class:`~workbench.sim.generate.DrawChoices`) because a
step's ids depend on the steps before it; shrinking one finding takes at most
``shrink_budget`` replays, so a large model cannot keep it busy for minutes. Each step is one command; in a model with delayed
policies, sometimes an ``advance`` of the simulated clock so they fire; in a model
with translations, sometimes an event from the external system they listen to.
After hypothesis, the steps the finding does not need are left out and its numbers
made plain by replaying the concrete steps; :mod:`workbench.sim.explore_report` then
writes the minimal sequence as a scenario.

Determinism: the same model, options and seed give the same findings, byte for byte
(hypothesis runs seeded, with no example database).
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from workbench.model.schema import Model
from workbench.sim.clock import parse_duration
from workbench.sim.compiled import CompiledModel, compile_model
from workbench.sim.engine import Engine, InputError
from workbench.sim.generate import CommandGenerator, DrawChoices
from workbench.sim.messages import (
    CommandResult,
    Conflict,
    DomainEvent,
    InvariantViolation,
    ModelingError,
    Run,
)

if TYPE_CHECKING:
    from hypothesis.strategies import DataObject, DrawFn

Kind = Literal[
    "invariant-violation",
    "modeling-error",
    "policy-failure",
    "projection-failure",
    "depth-guard",
    "conflict",
    "internal-error",
]

#: How each kind of finding reads in a sentence.
KIND_LABELS: dict[str, str] = {
    "invariant-violation": "invariant violation",
    "modeling-error": "modeling error",
    "policy-failure": "policy failure",
    "projection-failure": "projection failure",
    "depth-guard": "depth guard",
    "conflict": "concurrency conflict",
    "internal-error": "internal error",
}

#: About one step in this many is skipped; it is how shrinking removes steps.
SKIP_ONE_IN = 16
#: Replays per finding while shrinking: enough to reach a minimal sequence in practice,
#: and counted rather than timed so that a seed always gives the same result.
SHRINK_BUDGET = 200
#: Clock steps tried in a model with delayed policies, besides the delays themselves.
EXTRA_ADVANCES: tuple[str, ...] = ("1h", "1d")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ExploreError(ValueError):
    """The exploration cannot start: an unknown command, a model that cannot run, no hypothesis."""


@dataclass(frozen=True)
class ExploreOptions:
    """What to explore: ``runs`` sequences of at most ``steps`` steps, from ``seed``."""

    seed: int = 0
    runs: int = 200
    steps: int = 30
    commands: tuple[str, ...] | None = None
    max_failures: int = 1
    #: How many replays shrinking one finding may take; then the smallest so far is kept.
    shrink_budget: int = SHRINK_BUDGET


@dataclass(frozen=True)
class Step:
    """One generated step: a command with its input, an advance of the clock, or an
    event from an external system (appended, then reacted to by translations)."""

    action: Literal["command", "advance", "event"]
    name: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How the step is named in a finding: ``WithdrawMoney``, ``advance 1d``."""
        return f"advance {self.name}" if self.action == "advance" else self.name


@dataclass
class Executed:
    """A step as it ran: when, how many events the store held before it, what it did."""

    step: Step
    started: dt.datetime
    events_before: int
    run: Run | None


@dataclass(frozen=True)
class Finding:
    """What went wrong in one step.

    ``source`` names the part of the model that failed (an invariant, an expression, a
    policy or projection), so two findings are the same bug when kind, command and
    source agree, whatever values triggered them.
    """

    kind: Kind
    command: str
    message: str
    source: str
    result: CommandResult | None = None
    traceback: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two findings the same bug. A reaction or the engine fails the same
        way whichever command led there, so only a failing command's own finding
        counts its command."""
        command = self.command if self.result is not None else ""
        return (self.kind, command, self.source)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def markers(self) -> tuple[str, ...]:
        """Texts a scenario failure reproducing this finding contains."""
        if self.kind in ("policy-failure", "projection-failure", "depth-guard"):
            return tuple(m for m in (self.source, stable_part(self.message)) if m)
        if self.kind == "internal-error":
            return ("internal error",)
        return (stable_part(self.message),)


@dataclass
class Trace:
    """Everything one sequence did, kept to write the scenario afterwards."""

    executed: list[Executed] = field(default_factory=list)
    events: list[DomainEvent] = field(default_factory=list)
    #: When each delayed command was due, by command id (to place it in time).
    due: dict[str, dt.datetime] = field(default_factory=dict)
    tick: dt.timedelta = dt.timedelta(seconds=1)
    #: The state of the failing command's aggregate, shown with the finding.
    state: dict[str, Any] | None = None
    state_after: bool = False


@dataclass
class Found:
    """A finding with the (shrunk) sequence that led to it."""

    finding: Finding
    trace: Trace


@dataclass
class Exploration:
    """The outcome of :func:`explore`: the findings and how much was explored."""

    model: str
    options: ExploreOptions
    sequences: int = 0
    commands: int = 0
    found: list[Found] = field(default_factory=list)

    @property
    def failures(self) -> list[Found]:
        return [f for f in self.found if f.finding.kind != "internal-error"]

    @property
    def internal_errors(self) -> list[Found]:
        return [f for f in self.found if f.finding.kind == "internal-error"]


#: Called after every explored sequence: (sequences so far, findings so far, shrinking).
Progress = Callable[[int, int, bool], None]


def stable_part(message: str) -> str:
    """The part of a failure message that names the failing thing, without the values.

    ``rule 2 of command 'X': `PRICES[command.sku]` failed: KeyError 'abc'`` becomes
    ``rule 2 of command 'X': `PRICES[command.sku]```: the same bug with another sku
    is the same finding.
    """
    for cut, keep in (("` failed: ", 1), (": expected ", 0), (": nothing sets it", 0)):
        at = message.find(cut)
        if at >= 0:
            return message[: at + keep]
    if message.startswith("a chain of policies ran more than"):
        return ""
    return _UUID.sub("…", message)


def classify(run: Run) -> Finding | None:
    """The first finding in what one engine call did, if any."""
    for result in run.results:
        name = result.command.name
        if isinstance(result, InvariantViolation):
            return Finding("invariant-violation", name, result.message, result.invariant, result)
        if isinstance(result, ModelingError):
            return Finding(
                "modeling-error", name, result.message, stable_part(result.message), result
            )
        if isinstance(result, Conflict):
            message = (
                f"command '{name}' expected version {result.expected_version} of "
                f"{result.stream_id}, found {result.actual_version}"
            )
            return Finding("conflict", name, message, "conflict", result)
    outside = run.result.command.name if run.result is not None else ""
    for problem in run.problems:
        if problem.source.startswith("projection"):
            kind: Kind = "projection-failure"
        elif problem.source == "depth guard":
            kind = "depth-guard"
        else:
            kind = "policy-failure"
        return Finding(kind, outside, problem.message, problem.source)
    return None


class _Sequence:
    """One generated sequence on its own engine and in-memory store."""

    def __init__(self, model: Model, compiled: CompiledModel, seed: int) -> None:
        self.engine = Engine.open(model, ":memory:", seed=seed, compiled=compiled)
        self.trace = Trace(tick=self.engine.clock.tick_size)
        #: How many of the trace's events the generator has been shown.
        self.seen = 0

    def perform(self, step: Step) -> Finding | None:
        engine = self.engine
        executed = Executed(step, engine.clock.now, len(self.trace.events), None)
        self.trace.executed.append(executed)
        try:
            if step.action == "advance":
                run = engine.advance(parse_duration(step.name))
            elif step.action == "event":
                event = engine.append_event(step.name, step.fields)
                self.trace.events.append(event)
                run = engine.react(event)
            else:
                run = engine.execute(step.name, step.fields)
        except InputError as error:
            return Finding(
                "internal-error",
                step.label,
                f"explore generated input the model refuses: {error}",
                "input",
                traceback=traceback.format_exc(),
            )
        except Exception as error:
            return Finding(
                "internal-error",
                step.label,
                f"{type(error).__name__}: {error}",
                f"{type(error).__name__} in {_raised_at(error)}",
                traceback=traceback.format_exc(),
            )
        executed.run = run
        for issued in run.issued:
            if issued.due is not None:
                self.trace.due[issued.message.command_id] = issued.due
        self.trace.events.extend(run.events)
        finding = classify(run)
        if finding is not None:
            self._keep_state(finding)
        return finding

    def _keep_state(self, finding: Finding) -> None:
        """The state to show: after the events for a broken invariant, else as it is now."""
        result = finding.result
        if isinstance(result, InvariantViolation):
            self.trace.state, self.trace.state_after = dict(result.state), True
            return
        if result is None:
            return
        command = self.engine.compiled.commands[result.command.name]
        id_field = self.engine.compiled.aggregates[command.aggregate].id_field
        try:
            self.trace.state = self.engine.state(
                command.aggregate, result.command.fields.get(id_field)
            )
        except Exception:  # the state may be what cannot be built; the finding says why
            self.trace.state = None

    def close(self) -> None:
        self.engine.close()


def _raised_at(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.name} ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"


class _ShrinkBudgetSpent(KeyboardInterrupt):
    """Stops hypothesis when shrinking took its budget.

    Hypothesis takes any other exception for a failure of the example (and checks
    that replaying it fails the same way); an interrupt it lets through untouched.
    Being a subclass, it is never mistaken for the user pressing Ctrl-C.
    """


class _FoundIt(Exception):
    """Raised inside a hypothesis example to say "this sequence fails"; carries the trace."""

    def __init__(self, found: Found) -> None:
        super().__init__(found.finding.message)
        self.found = found


class Explorer:
    """Runs the search: hypothesis proposes sequences, the engine runs them, we judge."""

    def __init__(
        self,
        model: Model,
        options: ExploreOptions,
        *,
        compiled: CompiledModel | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.model = model
        self.options = options
        self.compiled = compiled or compile_model(model)
        self.progress = progress
        unknown = [c for c in options.commands or () if c not in model.commands]
        if unknown:
            raise ExploreError(
                f"unknown command {', '.join(repr(c) for c in unknown)}; "
                f"the model has: {', '.join(model.commands) or 'no commands'}"
            )
        if not model.commands:
            raise ExploreError("the model has no commands to explore")
        self.advances = _advances(self.compiled)
        self.externals = () if options.commands else _externals(model)
        self.exploration = Exploration(model.name, options)
        self._known: set[tuple[str, str, str]] = set()
        self._shrinking = False
        self._shrink_calls = 0
        self._smallest: Found | None = None

    def run(self) -> Exploration:
        """Search until ``runs`` sequences were explored or ``max_failures`` were found."""
        search = 0
        while (
            self.exploration.sequences < self.options.runs
            and len(self.exploration.found) < self.options.max_failures
        ):
            before = self.exploration.sequences
            found = self._search(search, self.options.runs - before)
            search += 1
            if found is None:
                break
            found = self._with_plainer_numbers(
                self._with_causes_inlined(self._without_needless_steps(found))
            )
            self._known.add(found.finding.key)
            self.exploration.found.append(found)
        return self.exploration

    def _search(self, index: int, budget: int) -> Found | None:
        """One hypothesis search for a finding not seen yet; ``None`` if it found none."""
        try:
            from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
            from hypothesis import strategies as st
        except ImportError:  # pragma: no cover - hypothesis ships with the dev tools
            raise ExploreError(
                "workbench explore needs hypothesis: pip install hypothesis"
            ) from None

        self._shrinking = False
        self._shrink_calls = 0
        self._smallest = None

        @seed(self.options.seed * 1_000_003 + index)
        @settings(
            settings.get_profile("default"),
            max_examples=max(budget, 1),
            database=None,
            deadline=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @given(st.data())
        def probe(data: DataObject) -> None:
            self._probe(data)

        try:
            probe()
        except _FoundIt as stop:
            return stop.found
        except _ShrinkBudgetSpent:
            return self._smallest
        return None

    def _probe(self, data: DataObject) -> None:
        """One example: a fresh engine, steps until a new finding or ``steps`` ran."""
        if self._shrinking:
            self._shrink_calls += 1
            if self._shrink_calls > self.options.shrink_budget:
                raise _ShrinkBudgetSpent
        sequence = _Sequence(self.model, self.compiled, self.options.seed)
        # Every command, those only automations issue too: calling one directly is a
        # way into the model as well, and explore is after whatever breaks it.
        generator = CommandGenerator(
            self.model,
            commands=self.options.commands,
            now=lambda: sequence.engine.clock.now,
            person_only=False,
        )

        from hypothesis import strategies as st

        @st.composite
        def next_step(draw: DrawFn) -> Step | None:
            choices = DrawChoices(draw)
            # The plainest value of a step's first choice skips the step: hypothesis
            # shrinks a step to its plainest values whole, which removes it.
            if choices.integer(0, SKIP_ONE_IN - 1) == 0:
                return None
            if self.advances and choices.chance(0.1):
                return Step("advance", choices.pick(self.advances))
            if self.externals and choices.chance(0.1):
                event = choices.pick(self.externals)
                return Step("event", event, generator.event_fields(event, choices))
            name, fields = generator.next_command(choices)
            return Step("command", name, fields)

        strategy = next_step()
        commands = 0
        try:
            for _ in range(self.options.steps):
                step = data.draw(strategy)
                if step is None:
                    continue
                commands += step.action == "command"
                finding = sequence.perform(step)
                for event in sequence.trace.events[sequence.seen :]:
                    generator.observe(event.type, event.data)
                sequence.seen = len(sequence.trace.events)
                if finding is not None and finding.key not in self._known:
                    self._count(commands)
                    self._shrinking = True
                    found = Found(finding, sequence.trace)
                    self._keep_smallest(found)
                    raise _FoundIt(found)
            self._count(commands)
        finally:
            sequence.close()

    def _without_needless_steps(self, found: Found) -> Found:
        """Leave out every step the finding does not need, replaying the concrete steps.

        Hypothesis shrinks choices, and leaving out a step shifts the choices after it;
        here the steps keep their values (an id stays the same id), so a step that
        only looked necessary goes. Repeated until no single step can be left out.
        """
        steps = [executed.step for executed in found.trace.executed]
        changed = True
        while changed:
            changed = False
            for index in reversed(range(len(steps) - 1)):
                trial = steps[:index] + steps[index + 1 :]
                replayed = self._replay(trial, found.finding.key)
                if replayed is not None:
                    steps = [executed.step for executed in replayed.trace.executed]
                    found, changed = replayed, True
                    break
        return found

    def _with_causes_inlined(self, found: Found) -> Found:
        """Issue a policy's commands directly where that makes the sequence shorter.

        Deleting steps cannot shorten ``RegisterBook, LendBook`` (whose policy records
        the loan on the member) to the one ``RecordLoan`` the finding needs: the step
        must be *replaced* by the command it caused, and then the steps that only set
        it up go. Each replacement is kept only if, with needless steps left out, the
        sequence is shorter. Commands outside ``--command`` are never brought in.
        """
        allowed = self.options.commands
        improved = True
        while improved:
            improved = False
            executed = found.trace.executed
            steps = [item.step for item in executed]
            for index, item in enumerate(executed[:-1]):
                caused = [
                    Step("command", issued.message.name, dict(issued.message.fields))
                    for issued in (item.run.issued if item.run is not None else ())
                    if issued.due is None and (allowed is None or issued.message.name in allowed)
                ]
                if item.step.action != "command" or not caused:
                    continue
                trial = [*steps[:index], *caused, *steps[index + 1 :]]
                replayed = self._replay(trial, found.finding.key)
                if replayed is None:
                    continue
                shorter = self._without_needless_steps(replayed)
                if len(shorter.trace.executed) < len(steps):
                    found, improved = shorter, True
                    break
        return found

    def _with_plainer_numbers(self, found: Found) -> Found:
        """Make each number in the steps as plain as the finding allows (``-1.00`` rather
        than ``-15.14``): hypothesis may have stopped short of it, and plain numbers make
        the scenario read as the rule it lacks."""
        steps = [executed.step for executed in found.trace.executed]
        for index, step in enumerate(steps):
            for name, value in step.fields.items():
                for plainer in _plainer(value):
                    fields = {**steps[index].fields, name: plainer}
                    trial = [*steps[:index], replace(step, fields=fields), *steps[index + 1 :]]
                    replayed = self._replay(trial, found.finding.key)
                    if replayed is not None and len(replayed.trace.executed) == len(steps):
                        steps, found = trial, replayed
                        break
                step = steps[index]
        return found

    def _replay(self, steps: list[Step], key: tuple[str, str, str]) -> Found | None:
        """Run concrete ``steps``; the finding ``key`` if they reach it (stopping there)."""
        sequence = _Sequence(self.model, self.compiled, self.options.seed)
        try:
            for step in steps:
                finding = sequence.perform(step)
                if finding is not None and finding.key == key:
                    return Found(finding, sequence.trace)
            return None
        finally:
            sequence.close()

    def _keep_smallest(self, found: Found) -> None:
        """Remember the shortest failing sequence, in case shrinking runs out of budget."""
        smallest = self._smallest
        if smallest is None or len(found.trace.executed) <= len(smallest.trace.executed):
            self._smallest = found

    def _count(self, commands: int) -> None:
        """Count a sequence of the search (not a replay while shrinking) and report progress."""
        if not self._shrinking:
            self.exploration.sequences += 1
            self.exploration.commands += commands
        if self.progress is not None:
            self.progress(
                self.exploration.sequences,
                len(self.exploration.found) + self._shrinking,
                self._shrinking,
            )


def _plainer(value: Any) -> list[Any]:
    """Plainer numbers to try instead of ``value``, plainest first: zero, one, minus one,
    a cent either way; of those, the ones before ``value`` in that order, or for any
    other number, the ones shorter to write."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return []
    if isinstance(value, int):
        options: list[Any] = [0, 1, -1]
    else:
        options = [Decimal(text) for text in ("0.00", "1.00", "-1.00", "0.01", "-0.01")]
    if value in options:
        return options[: options.index(value)]
    return [option for option in options if len(str(option)) <= len(str(value))]


def _externals(model: Model) -> tuple[str, ...]:
    """Events from external systems that a policy or translation reacts to."""
    reacting = {p.on for p in (*model.policies.values(), *model.translations.values())}
    return tuple(
        name for name, event in model.events.items() if event.external and name in reacting
    )


def _advances(compiled: CompiledModel) -> tuple[str, ...]:
    """The clock steps worth trying: each delayed policy's delay, then an hour and a day."""
    delays: list[str] = []
    for policy in compiled.model.policies.values():
        if policy.after and policy.after not in delays:
            delays.append(policy.after)
    for policy in compiled.model.translations.values():
        if policy.after and policy.after not in delays:
            delays.append(policy.after)
    if not delays:
        return ()
    return (*delays, *(extra for extra in EXTRA_ADVANCES if extra not in delays))


def explore(
    model: Model,
    options: ExploreOptions | None = None,
    *,
    compiled: CompiledModel | None = None,
    progress: Progress | None = None,
) -> Exploration:
    """Search ``model`` for findings; raises :class:`ExploreError` if it cannot start."""
    return Explorer(model, options or ExploreOptions(), compiled=compiled, progress=progress).run()
