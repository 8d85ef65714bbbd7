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
from typing import Any

from workbench.model.schema import STREAM_EXISTS_ERROR, STREAM_MISSING_ERROR
from workbench.sim.aggregates import AggregateRepository, evolve, stream_id_for, violated_invariant
from workbench.sim.clock import SimClock
from workbench.sim.compiled import (
    CompiledAggregate,
    CompiledCommand,
    CompiledEmit,
    CompiledModel,
    ModelingProblem,
    convert_result,
)
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
)
from workbench.store import ConcurrencyError, EventStore, NewEvent


def loop_items(value: Any, what: str) -> list[Any]:
    """What ``for_each`` iterates: a list's items, a dict's keys; ``None`` is no items."""
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise ModelingProblem(f"{what} gave {type(value).__name__}, not a list to iterate")


class CommandHandler:
    """Decides one command against its aggregate and appends what it emits."""

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

    def handle(self, message: CommandMessage) -> CommandResult:
        command = self.compiled.commands[message.name]
        aggregate = self.compiled.aggregates[command.aggregate]
        stream_id = stream_id_for(aggregate.name, message.fields.get(aggregate.id_field))
        try:
            return self._handle(message, command, aggregate, stream_id)
        except ModelingProblem as problem:
            return ModelingError(command=message, stream_id=stream_id, message=problem.message)

    def _handle(
        self,
        message: CommandMessage,
        command: CompiledCommand,
        aggregate: CompiledAggregate,
        stream_id: str,
    ) -> CommandResult:
        now = self.clock.now
        loaded = self.repository.load(aggregate, stream_id)
        if command.stream == "new" and loaded.exists:
            return Rejected(
                command=message,
                stream_id=stream_id,
                error=STREAM_EXISTS_ERROR,
                message=f"{stream_id} already exists",
            )
        if command.stream == "existing" and not loaded.exists:
            return Rejected(
                command=message,
                stream_id=stream_id,
                error=STREAM_MISSING_ERROR,
                message=f"{stream_id} does not exist",
            )
        env = self.compiled.env(command=message.fields, state=loaded.state)
        for require, error, text in command.rules:
            if not require(env, now):
                return Rejected(command=message, stream_id=stream_id, error=error, message=text)

        state = loaded.state
        built: list[tuple[str, dict[str, Any]]] = []
        for emit in command.emits:
            items: list[Any] = [None]
            if emit.for_each is not None:
                env = self.compiled.env(command=message.fields, state=state)
                items = loop_items(emit.for_each(env, now), emit.for_each.what)
            for item in items:
                # Rebuilt per event: the condition and fields see the state so far.
                env = self.compiled.env(command=message.fields, state=state)
                if emit.for_each is not None:
                    env[emit.loop_variable] = item
                if emit.when is not None and not emit.when(env, now):
                    continue
                data = self._event_data(emit, message, env, now)
                built.append((emit.event, data))
                state = evolve(self.compiled, aggregate, state, emit.event, data, now)
        if not built:
            return Ignored(command=message, stream_id=stream_id)

        broken = violated_invariant(self.compiled, aggregate, state, now)
        if broken is not None:
            return InvariantViolation(
                command=message,
                stream_id=stream_id,
                message=f"invariant '{broken}' of {aggregate.name} is false after command '{message.name}'",
                invariant=broken,
                state=state,
            )
        return self._append(message, aggregate, stream_id, loaded.version, built, state)

    def _event_data(
        self, emit: CompiledEmit, message: CommandMessage, env: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        """An emitted event's fields: its expressions, else the command's field of that name."""
        event = self.compiled.events[emit.event]
        data: dict[str, Any] = {}
        for name, t in event.types.items():
            where = f"field '{name}' of event '{emit.event}'"
            if name in emit.fields:
                data[name] = convert_result(
                    self.compiled.values, emit.fields[name](env, now), t, where
                )
            elif name in message.fields:
                data[name] = convert_result(self.compiled.values, message.fields[name], t, where)
            elif t.kind in ("optional", "any"):
                data[name] = None
            else:
                raise ModelingProblem(
                    f"{where}: nothing sets it (no expression, no command field of that name)"
                )
        return data

    def _append(
        self,
        message: CommandMessage,
        aggregate: CompiledAggregate,
        stream_id: str,
        expected_version: int,
        built: list[tuple[str, dict[str, Any]]],
        state: dict[str, Any],
    ) -> CommandResult:
        recorded_at = self.clock.text()
        new_events = []
        for event_type, data in built:
            event = self.compiled.events[event_type]
            new_events.append(
                NewEvent(
                    type=event_type,
                    data=self.compiled.values.plain_fields(data, event.types),
                    schema_version=event.version,
                    event_id=self.new_id(),
                    causation_id=message.command_id,
                    correlation_id=message.correlation_id,
                    recorded_at=recorded_at,
                )
            )
        try:
            recorded = self.store.append(stream_id, new_events, expected_version)
        except ConcurrencyError as error:
            return Conflict(
                command=message,
                stream_id=stream_id,
                expected_version=error.expected,
                actual_version=error.actual,
            )
        self.repository.remember(
            aggregate, stream_id, expected_version, recorded[-1].version, state, recorded_at
        )
        appended = tuple(
            DomainEvent(
                type=r.type,
                data=data,
                stream_id=r.stream_id,
                version=r.version,
                position=r.position,
                event_id=r.event_id,
                causation_id=r.causation_id,
                correlation_id=r.correlation_id,
                recorded_at=r.recorded_at,
            )
            for r, (_, data) in zip(recorded, built, strict=True)
        )
        return Accepted(command=message, stream_id=stream_id, appended=appended, state=state)
