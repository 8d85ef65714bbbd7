"""Running a model's given/when/then scenarios, each on a fresh event store.

A scenario runs in three steps:

* **given** — history. Events are appended directly to their streams (the stream from
  the aggregate's id field in the step); they reach the read models but not the
  policies, because history has already been reacted to. Commands run through the
  engine, policies and all. ``advance: 24h`` moves the clock, running delayed policies
  that fall due. A step's ``at`` sets the clock first.
* **when** — a command runs with the chain of policies it causes; or an event is
  appended and the policies reacting to it are asked what they would issue (the issued
  commands are recorded, not run).
* **then** — see :mod:`workbench.sim.expectations`.

A given step that does not fit the model, or a given command that is rejected, fails
the scenario with a message saying which step: the history it describes did not happen.
Problems the engine reports on the way (a failing policy expression, the depth guard,
a read model that cannot apply an event) fail the scenario too.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.model.schema import Advance, Model, Scenario, Step
from workbench.sim.clock import DEFAULT_START, parse_duration, parse_instant
from workbench.sim.compiled import CompiledModel, compile_model
from workbench.sim.engine import Engine, InputError
from workbench.sim.expectations import ExpectationError, ThenChecker, WhenOutcome, describe
from workbench.sim.matching import Failure
from workbench.sim.messages import Accepted, DomainEvent, Ignored, Run
from workbench.sim.placeholders import Placeholders


@dataclass
class ScenarioResult:
    """The outcome of one scenario: passed when there are no failures."""

    name: str
    index: int
    location: str
    failures: list[Failure] = field(default_factory=list)
    duration: float = 0.0
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures


class ScenarioFailed(Exception):
    """Stops a scenario early: its given or when cannot be carried out."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.line())
        self.failure = failure


class ScenarioRunner:
    """Runs the scenarios of one model; ``locate`` turns a scenario's index into ``file:line``."""

    def __init__(
        self,
        model: Model,
        *,
        seed: int = 0,
        locate: Callable[[int], str] | None = None,
        compiled: CompiledModel | None = None,
    ) -> None:
        self.model = model
        self.seed = seed
        self.locate = locate or (lambda index: f"scenario {index + 1}")
        self.compiled = compiled or compile_model(model)

    def run_all(self, pattern: str | tuple[str, ...] | None = None) -> list[ScenarioResult]:
        """Every scenario whose name contains ``pattern`` (case-insensitive), in file order;
        several patterns select the scenarios that contain any of them."""
        patterns = (pattern,) if isinstance(pattern, str) else tuple(pattern or ())
        wanted = [p.lower() for p in patterns if p]
        return [
            self.run(scenario, index)
            for index, scenario in enumerate(self.model.scenarios)
            if not wanted or any(w in scenario.name.lower() for w in wanted)
        ]

    def run(self, scenario: Scenario, index: int = 0) -> ScenarioResult:
        started = time.perf_counter()
        result = ScenarioResult(scenario.name, index, self.locate(index))
        try:
            start = parse_instant(scenario.at) if scenario.at else DEFAULT_START
        except ValueError:
            result.failures.append(
                Failure("at", f"'{scenario.at}' is not an ISO date or date-time")
            )
            return result
        engine = Engine.open(
            self.model, ":memory:", seed=self.seed, start=start, compiled=self.compiled
        )
        placeholders = Placeholders(engine.ids.new)
        try:
            result.failures = _ScenarioRun(engine, placeholders, scenario).run()
        except ScenarioFailed as stop:
            result.failures = [stop.failure]
        except Exception as error:
            result.failures = [
                Failure("scenario", f"internal error: {type(error).__name__}: {error}")
            ]
        finally:
            engine.close()
        # Messages (a stream id in a rejection, a state in a modeling error) may
        # quote generated ids: print them as the scenario wrote them.
        result.failures = [_spelled(failure, placeholders) for failure in result.failures]
        result.placeholders = placeholders.mapping
        result.duration = time.perf_counter() - started
        return result


def _spelled(failure: Failure, placeholders: Placeholders) -> Failure:
    return dataclasses.replace(
        failure,
        message=placeholders.show_text(failure.message),
        expected=None if failure.expected is None else placeholders.show_text(failure.expected),
        actual=None if failure.actual is None else placeholders.show_text(failure.actual),
    )


class _ScenarioRun:
    """One scenario on one fresh engine."""

    def __init__(self, engine: Engine, placeholders: Placeholders, scenario: Scenario) -> None:
        self.engine = engine
        self.placeholders = placeholders
        self.scenario = scenario
        self.model = engine.model

    def run(self) -> list[Failure]:
        with self.engine.batch():
            for index, item in enumerate(self.scenario.given):
                self.given(item, f"given[{index}]")
        outcome = self.when(self.scenario.when) if self.scenario.when is not None else WhenOutcome()
        failures = [Failure(p.source, p.message) for p in self.engine.problems]
        try:
            failures += ThenChecker(self.engine, self.placeholders, outcome).check(
                self.scenario.then
            )
        except ExpectationError as error:
            failures.append(Failure("then", str(error)))
        return failures

    def given(self, item: Advance | Step, where: str) -> None:
        if isinstance(item, Advance):
            self.check_run(self.engine.advance(parse_duration(item.advance)), where)
            return
        self.set_clock(item, where)
        kind = self.model.message_kind(item.message)
        if kind == "event":
            self.append(item, where)
        elif kind == "command":
            run = self.execute(item, where)
            result = run.result
            if result is not None and not isinstance(result, Accepted | Ignored):
                raise ScenarioFailed(
                    Failure(where, f"given command {item.message} was {describe(result)}")
                )
            self.check_run(run, where)
        else:
            raise ScenarioFailed(
                Failure(where, f"'{item.message}' is neither a command nor an event")
            )

    def when(self, step: Step) -> WhenOutcome:
        self.set_clock(step, "when")
        kind = self.model.message_kind(step.message)
        if kind == "command":
            run = self.execute(step, "when")
            self.check_run(run, "when", follow_ups_only=True)
            return WhenOutcome(result=run.result, issued=run.issued)
        if kind == "event":
            event = self.append(step, "when")
            run = self.engine.react(event, execute=False)
            return WhenOutcome(event=event, issued=run.issued)
        raise ScenarioFailed(Failure("when", f"'{step.message}' is neither a command nor an event"))

    def set_clock(self, step: Step, where: str) -> None:
        if step.at is None:
            return
        try:
            self.engine.clock.set(parse_instant(step.at))
        except ValueError:
            raise ScenarioFailed(
                Failure(where, f"'{step.at}' is not an ISO date or date-time")
            ) from None

    def append(self, step: Step, where: str) -> DomainEvent:
        try:
            return self.engine.append_event(
                step.message, step.fields, uuid_hook=self.placeholders.resolve
            )
        except InputError as error:
            raise ScenarioFailed(Failure(where, str(error))) from None

    def execute(self, step: Step, where: str) -> Run:
        try:
            return self.engine.execute(
                step.message, step.fields, uuid_hook=self.placeholders.resolve
            )
        except InputError as error:
            raise ScenarioFailed(Failure(where, str(error))) from None

    def check_run(self, run: Run, where: str, *, follow_ups_only: bool = False) -> None:
        """Follow-up commands that hit a modeling error fail the scenario: the model is wrong."""
        results = run.results
        if follow_ups_only and run.result is not None:
            results = [r for r in results if r is not run.result]
        for result in results:
            if result.outcome in ("modeling-error", "conflict"):
                issued = (
                    f" (issued by {result.command.issued_by})" if result.command.issued_by else ""
                )
                raise ScenarioFailed(
                    Failure(where, f"command {result.command.name}{issued} was {describe(result)}")
                )
