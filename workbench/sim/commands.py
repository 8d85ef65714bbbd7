"""Handling one command: load, decide, build events, apply, check, append.

The steps, in the order the design fixes them:

1. load the aggregate's stream (snapshot + later events, upcast);
2. check the stream expectation (``new`` -> ``AlreadyExists``, ``existing`` -> ``NotFound``);
3. check the rules in order; the first false ``require`` rejects with its error;
4. build the emitted events, emit by emit (``for_each`` fans out, ``when`` skips),
   applying each built event to a working state at once, so a later emit's condition
   and fields see the earlier events of the same command;
5. no events -> the command is *ignored*;
6. check the invariants on the final state (a violation is a modeling error, nothing
   is appended);
7. append with the version loaded as the expected version, so a concurrent writer is
   caught as a :class:`~workbench.sim.messages.Conflict`.

An emitted event's fields come from the emit's expressions; every other field of the
event is copied by name from the command, and optional ones nobody sets are ``None``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.model.schema import STREAM_EXISTS_ERROR, STREAM_MISSING_ERROR
from workbench.model.types import TypeRef
from workbench.sim.aggregates import AggregateRepository, Evolver, stream_id_for
from workbench.sim.clock import SimClock
from workbench.sim.compiled import (
    CompiledAggregate,
    CompiledCommand,
    CompiledEmit,
    CompiledModel,
    Expr,
    ModelingProblem,
    convert_result,
)
from workbench.sim.converters import Miss, converter, fields_plainer, plain_as_is
from workbench.sim.messages import (
    Accepted,
    CommandMessage,
    CommandResult,
    Conflict,
    DomainEvent,
    Ignored,
    InvariantViolation,
    ModelingError,
    Rejected,
    domain_event,
)
from workbench.sim.values import fresh_default, set_in_order
from workbench.store import ConcurrencyError, EventFields, EventStore


def loop_items(value: Any, what: str) -> list[Any]:
    """What ``for_each`` iterates: a list's items, a dict's keys; ``None`` is no items."""
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return set_in_order(value)
    raise ModelingProblem(f"{what} gave {type(value).__name__}, not a list to iterate")


#: The environment handed to ``_event_data`` for an event copied from its command:
#: nothing is evaluated then, so none is built.
_NO_ENV: dict[str, Any] = {}

#: One field of an emitted event, planned: name, its expression (``None``: copied from
#: the command field of that name), fast converter, type, where (for error messages) and
#: whether it may stay unset (optional and ``any`` fields become ``None``).
_EventField = tuple[str, Expr | None, Callable[[Any], Any], TypeRef, str, bool]


@dataclass(frozen=True)
class _EmitPlan:
    """What one emit does, worked out once: its fields and how its event is stored."""

    emit: CompiledEmit
    fields: tuple[_EventField, ...]
    plain: Callable[[Any], Any]
    version: int
    #: The event's field names when each is the command's field of that name and of
    #: the same scalar type: the command's input converter already made the value
    #: what the event needs, so building the event is copying (``None``: convert).
    copied: tuple[str, ...] | None = None
    #: The event's declared field defaults: what a field takes that nothing else sets.
    defaults: dict[str, Any] = field(default_factory=dict)


class CommandHandler:
    """Decides one command against its aggregate and appends what it emits.

    Each command's emits are planned on first use (which field comes from which
    expression, with which converter), so handling a command only evaluates.
    """

    def __init__(
        self,
        store: EventStore,
        compiled: CompiledModel,
        repository: AggregateRepository,
        clock: SimClock,
        new_id: Callable[[], str],
    ) -> None:
        self.store = store
        self.compiled = compiled
        self.repository = repository
        self.clock = clock
        self.new_id = new_id
        self.evolver = Evolver(compiled)
        self._plans: dict[str, tuple[_EmitPlan, ...]] = {}

    def handle(self, message: CommandMessage) -> CommandResult:
        """Decide ``message`` against its stream and, if accepted, append its events."""
        return self._outcome(message, append=True)

    def decide(self, message: CommandMessage) -> CommandResult:
        """What :meth:`handle` would do now, without writing anything.

        The rules, emits and invariants run on the stream's current state; nothing is
        appended and no id is used. An acceptance comes back as ``Accepted`` with
        nothing in ``appended`` and the state the events would lead to. A generator
        uses it to offer only commands the model accepts at that moment.
        """
        return self._outcome(message, append=False)

    def _outcome(self, message: CommandMessage, *, append: bool) -> CommandResult:
        command = self.compiled.commands[message.name]
        aggregate = self.compiled.aggregates[command.aggregate]
        stream_id = stream_id_for(aggregate.name, message.fields.get(aggregate.id_field))
        try:
            return self._handle(message, command, aggregate, stream_id, append=append)
        except ModelingProblem as problem:
            return ModelingError(command=message, stream_id=stream_id, message=problem.message)

    def _plan(self, command: CompiledCommand) -> tuple[_EmitPlan, ...]:
        values = self.compiled.values
        plans = []
        for emit in command.emits:
            event = self.compiled.events[emit.event]
            fields = tuple(
                (
                    name,
                    emit.fields.get(name),
                    converter(values, t),
                    t,
                    f"field '{name}' of event '{emit.event}'",
                    t.kind in ("optional", "any"),
                )
                for name, t in event.types.items()
            )
            # Event data is only encoded by the store: when its values are their own
            # plain form it is handed over as it is (the plain form would be a copy).
            plain = (
                _same if plain_as_is(values, event.types) else fields_plainer(values, event.types)
            )
            copied = (
                tuple(event.types)
                if all(
                    emit.fields.get(name) is None
                    and command.types.get(name) == t
                    and _scalar_type(t)
                    for name, t in event.types.items()
                )
                else None
            )
            plans.append(_EmitPlan(emit, fields, plain, event.version, copied, event.defaults))
        self._plans[command.name] = planned = tuple(plans)
        return planned

    def _handle(
        self,
        message: CommandMessage,
        command: CompiledCommand,
        aggregate: CompiledAggregate,
        stream_id: str,
        *,
        append: bool = True,
    ) -> CommandResult:
        now = self.clock.now
        loaded = self.repository.load(aggregate, stream_id)
        exists = loaded.version > 0  # ``loaded.exists``
        if command.stream == "new" and exists:
            return Rejected(
                command=message,
                stream_id=stream_id,
                error=STREAM_EXISTS_ERROR,
                message=f"{stream_id} already exists",
            )
        if command.stream == "existing" and not exists:
            return Rejected(
                command=message,
                stream_id=stream_id,
                error=STREAM_MISSING_ERROR,
                message=f"{stream_id} does not exist",
            )
        constants = self.compiled.constants
        fields = message.fields
        state = loaded.state
        rules = command.rules
        if rules:
            failed = command.rule_checks.first_false(now, fields, state)
            if failed >= 0:
                _, error, text = rules[failed]
                return Rejected(command=message, stream_id=stream_id, error=error, message=text)

        plans = self._plans.get(command.name)
        if plans is None:
            plans = self._plan(command)
        if len(plans) == 1 and plans[0].emit.for_each is None and plans[0].emit.when is None:
            # One plain emit (the common case): the loop below, unrolled.
            plan = plans[0]
            # Fields copied from the command need no environment (see _event_data).
            env = (
                _NO_ENV
                if plan.copied is not None
                else {**constants, "command": fields, "state": state}
            )
            data = self._event_data(plan, fields, env, now)
            state = self.evolver.evolve(aggregate, state, plan.emit.event, data, now)
            return self._conclude(
                message, aggregate, stream_id, loaded.version, [(plan, data)], state, now, append
            )
        built: list[tuple[_EmitPlan, dict[str, Any]]] = []
        env = {**constants, "command": fields, "state": state}
        clean = True  # env holds exactly the constants, the command and ``state``
        for plan in plans:
            emit = plan.emit
            items: list[Any] = [None]
            if emit.for_each is not None:
                if not clean or env["state"] is not state:
                    env = {**constants, "command": fields, "state": state}
                    clean = True
                items = loop_items(emit.for_each(env, now), emit.for_each.what)
            for item in items:
                # The condition and fields see the state so far.
                if not clean or env["state"] is not state:
                    env = {**constants, "command": fields, "state": state}
                    clean = True
                if emit.for_each is not None:
                    env[emit.loop_variable] = item
                    clean = False
                if emit.when is not None and not emit.when(env, now):
                    continue
                data = self._event_data(plan, fields, env, now)
                built.append((plan, data))
                state = self.evolver.evolve(aggregate, state, emit.event, data, now)
        if not built:
            return Ignored(command=message, stream_id=stream_id)

        return self._conclude(
            message, aggregate, stream_id, loaded.version, built, state, now, append
        )

    def _conclude(
        self,
        message: CommandMessage,
        aggregate: CompiledAggregate,
        stream_id: str,
        expected_version: int,
        built: list[tuple[_EmitPlan, dict[str, Any]]],
        state: dict[str, Any],
        now: dt.datetime,
        append: bool,
    ) -> CommandResult:
        """After the events were built and applied: check the invariants, then append
        them (or, deciding only, say the command would be accepted)."""
        broken = self.evolver.violated_invariant(aggregate, state, now)
        if broken is not None:
            return InvariantViolation(
                command=message,
                stream_id=stream_id,
                message=f"invariant '{broken}' of {aggregate.name} is false after command '{message.name}'",
                invariant=broken,
                state=state,
            )
        if not append:
            return _accepted(message, stream_id, (), state)
        return self._append(message, aggregate, stream_id, expected_version, built, state)

    def _event_data(
        self, plan: _EmitPlan, given: dict[str, Any], env: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        """An emitted event's fields: its expressions, else the command's field of that name."""
        copied = plan.copied
        if copied is not None:
            return {name: given[name] for name in copied}
        data: dict[str, Any] = {}
        for name, expr, fast, t, where, may_be_unset in plan.fields:
            if expr is not None:
                value = expr.call(env, now)
            elif name in given:
                value = given[name]
            elif name in plan.defaults:
                data[name] = fresh_default(plan.defaults[name])
                continue
            elif may_be_unset:
                data[name] = None
                continue
            else:
                raise ModelingProblem(
                    f"{where}: nothing sets it (no expression, no command field of that name)"
                )
            try:
                data[name] = fast(value)
            except Miss:
                data[name] = convert_result(self.compiled.values, value, t, where)
        return data

    def _append(
        self,
        message: CommandMessage,
        aggregate: CompiledAggregate,
        stream_id: str,
        expected_version: int,
        built: list[tuple[_EmitPlan, dict[str, Any]]],
        state: dict[str, Any],
    ) -> CommandResult:
        recorded_at = self.clock.text()
        new_id = self.new_id
        command_id, correlation_id = message.command_id, message.correlation_id
        if len(built) == 1:  # the common case, without the loops below
            plan, data = built[0]
            event_type = plan.emit.event
            event_id = new_id()
            new = (
                event_type,
                plan.plain(data),
                plan.version,
                event_id,
                command_id,
                correlation_id,
                recorded_at,
            )
            try:
                position, version = self.store.append_positions(stream_id, (new,), expected_version)
            except ConcurrencyError as error:
                return Conflict(
                    command=message,
                    stream_id=stream_id,
                    expected_version=error.expected,
                    actual_version=error.actual,
                )
            self.repository.remember(
                aggregate, stream_id, expected_version, version, state, recorded_at
            )
            # ``_accepted`` and ``domain_event``, inlined.
            event = object.__new__(DomainEvent)
            event.__dict__.update(
                type=event_type,
                data=data,
                stream_id=stream_id,
                version=version,
                position=position,
                event_id=event_id,
                causation_id=command_id,
                correlation_id=correlation_id,
                recorded_at=recorded_at,
                time=self.clock.now,
            )
            result = object.__new__(Accepted)
            result.__dict__.update(
                command=message, stream_id=stream_id, appended=(event,), state=state
            )
            return result
        new_events: list[EventFields] = [
            (
                plan.emit.event,
                plan.plain(data),
                plan.version,
                new_id(),
                command_id,
                correlation_id,
                recorded_at,
            )
            for plan, data in built
        ]
        try:
            position, version = self.store.append_positions(stream_id, new_events, expected_version)
        except ConcurrencyError as error:
            return Conflict(
                command=message,
                stream_id=stream_id,
                expected_version=error.expected,
                actual_version=error.actual,
            )
        last = version + len(new_events) - 1
        self.repository.remember(aggregate, stream_id, expected_version, last, state, recorded_at)
        now = self.clock.now  # what ``recorded_at`` says: no need to parse it again
        appended = tuple(
            domain_event(
                new[0],
                data,
                stream_id,
                version + i,
                position + i,
                new[3],
                command_id,
                correlation_id,
                recorded_at,
                now,
            )
            for i, (new, (_, data)) in enumerate(zip(new_events, built, strict=True))
        )
        return _accepted(message, stream_id, appended, state)


def _accepted(
    message: CommandMessage,
    stream_id: str,
    appended: tuple[DomainEvent, ...],
    state: dict[str, Any],
) -> Accepted:
    """``Accepted(...)``, the same object built faster (see :func:`domain_event`)."""
    result = object.__new__(Accepted)
    result.__dict__.update(command=message, stream_id=stream_id, appended=appended, state=state)
    return result


def _scalar_type(t: TypeRef) -> bool:
    """A primitive type, or an optional one: values that are never shared mutable objects."""
    if t.kind == "optional":
        return _scalar_type(t.args[0])
    return t.kind == "primitive"


def _same(data: Any) -> Any:
    return data
