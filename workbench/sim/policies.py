"""Policies and translations: events that make the system issue commands.

A policy reacts to one event type; if its ``when`` holds, each ``issue`` entry builds a
command (fanning out with ``for_each``), with fields from expressions over ``event``
(and the loop variable) and every other command field copied by name from the event.

Issued commands carry the chain they belong to: ``causation_id`` is the triggering
event's id and ``correlation_id`` the event's correlation id, so every command and
event started by one outside command shares one correlation id.

A delayed policy (``after: 24h``) does not issue at once: its commands go into the
:class:`Schedule` due at the event's time plus the delay, and the engine runs them
when the simulated clock passes that point.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable
from typing import Any

from workbench.model.types import TypeRef
from workbench.sim.commands import loop_items
from workbench.sim.compiled import (
    CompiledIssue,
    CompiledModel,
    CompiledPolicy,
    Expr,
    ModelingProblem,
    convert_result,
)
from workbench.sim.converters import Miss, converter
from workbench.sim.messages import CommandMessage, DomainEvent, IssuedCommand, ReactionProblem
from workbench.sim.values import fresh_default

#: One field of an issued command, planned: name, expression (``None``: copied from the
#: event field of that name), fast converter, type, where, whether it may stay unset.
_CommandField = tuple[str, Expr | None, Callable[[Any], Any], TypeRef, str, bool]


class PolicyRunner:
    """Turns one event into the commands every policy reacting to it issues.

    How each issue builds its command's fields is planned on first use, so reacting
    to an event only evaluates expressions.
    """

    def __init__(self, compiled: CompiledModel, new_id: Callable[[], str]) -> None:
        self.compiled = compiled
        self.new_id = new_id
        self._plans: dict[tuple[str, str, int], tuple[_CommandField, ...]] = {}
        self._by_event: dict[str, tuple[CompiledPolicy, ...]] = {}

    def react(
        self, event: DomainEvent, cause: CommandMessage | None = None
    ) -> tuple[list[IssuedCommand], list[ReactionProblem]]:
        """The commands issued in reaction to ``event`` (emitted by ``cause``, if known).

        A policy whose expression fails issues nothing and is reported as a problem;
        the other policies still run.
        """
        policies = self._by_event.get(event.type)
        if policies is None:
            policies = self._by_event[event.type] = tuple(self.compiled.policies_on(event.type))
        if not policies:
            return [], []
        issued: list[IssuedCommand] = []
        problems: list[ReactionProblem] = []
        for policy in policies:
            try:
                issued.extend(self._policy(policy, event, cause))
            except ModelingProblem as problem:
                problems.append(ReactionProblem(f"{policy.kind} '{policy.name}'", problem.message))
        return issued, problems

    def _policy(
        self, policy: CompiledPolicy, event: DomainEvent, cause: CommandMessage | None
    ) -> list[IssuedCommand]:
        now = event.time
        if policy.when is not None and policy.when_check.first_false(now, event.data) >= 0:
            return []
        env = {**self.compiled.constants, "event": event.data}
        due = now + policy.delay if policy.delay is not None else None
        out = []
        for index, issue in enumerate(policy.issue):
            items: list[Any] = [None]
            if issue.for_each is not None:
                items = loop_items(issue.for_each(env, now), issue.for_each.what)
            for item in items:
                inner = dict(env)
                if issue.for_each is not None:
                    inner[issue.loop_variable] = item
                if issue.when is not None and not issue.when(inner, now):
                    continue
                message = self._message(policy, index, issue, inner, event, cause, now)
                out.append(IssuedCommand(policy.name, message, due))
        return out

    def _plan(
        self, policy: CompiledPolicy, index: int, issue: CompiledIssue
    ) -> tuple[_CommandField, ...]:
        command = self.compiled.commands[issue.command]
        values = self.compiled.values
        plan = tuple(
            (
                name,
                issue.fields.get(name),
                converter(values, t),
                t,
                f"field '{name}' of command '{issue.command}' issued by {policy.kind} '{policy.name}'",
                t.kind in ("optional", "any"),
            )
            for name, t in command.types.items()
        )
        self._plans[(policy.kind, policy.name, index)] = plan
        return plan

    def _message(
        self,
        policy: CompiledPolicy,
        index: int,
        issue: CompiledIssue,
        env: dict[str, Any],
        event: DomainEvent,
        cause: CommandMessage | None,
        now: dt.datetime,
    ) -> CommandMessage:
        plan = self._plans.get((policy.kind, policy.name, index))
        if plan is None:
            plan = self._plan(policy, index, issue)
        data = event.data
        values = self.compiled.values
        defaults = self.compiled.commands[issue.command].defaults
        fields: dict[str, Any] = {}
        for name, expr, fast, t, where, may_be_unset in plan:
            if expr is not None:
                value = expr(env, now)
            elif name in data:
                value = data[name]
            elif name in defaults:
                fields[name] = fresh_default(defaults[name])
                continue
            elif may_be_unset:
                fields[name] = None
                continue
            else:
                raise ModelingProblem(
                    f"{where}: nothing sets it (no expression, no event field of that name)"
                )
            try:
                fields[name] = fast(value)
            except Miss:
                fields[name] = convert_result(values, value, t, where)
        chain = (*(cause.chain if cause else ()), event.type, issue.command)
        return CommandMessage(
            name=issue.command,
            fields=fields,
            command_id=self.new_id(),
            correlation_id=event.correlation_id or event.event_id,
            causation_id=event.event_id,
            issued_by=policy.name,
            depth=(cause.depth + 1) if cause else 1,
            chain=chain,
        )


class Schedule:
    """Delayed commands waiting for the simulated clock, in due order (ties: first in).

    Each command gets a sequence number when added (its place among ties). The
    schedule also remembers what changed since :meth:`saved` was last called, so
    the engine can keep a copy in the store by writing only the changes.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[dt.datetime, int, IssuedCommand]] = []
        self._counter = itertools.count()
        self._added: dict[int, IssuedCommand] = {}
        self._removed: set[int] = set()

    def add(self, issued: IssuedCommand) -> None:
        if issued.due is None:
            raise ValueError("only delayed commands are scheduled")
        sequence = next(self._counter)
        heapq.heappush(self._heap, (issued.due, sequence, issued))
        self._added[sequence] = issued

    def restore(self, entries: list[tuple[int, IssuedCommand]]) -> None:
        """Put back commands saved earlier with their sequence numbers (not a change)."""
        for sequence, issued in entries:
            if issued.due is None:
                raise ValueError("only delayed commands are scheduled")
            heapq.heappush(self._heap, (issued.due, sequence, issued))
        if self._heap:
            self._counter = itertools.count(max(entry[1] for entry in self._heap) + 1)

    def next_due(self) -> dt.datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, instant: dt.datetime) -> IssuedCommand | None:
        """The earliest command due at or before ``instant``, removed; ``None`` if none."""
        if self._heap and self._heap[0][0] <= instant:
            _, sequence, issued = heapq.heappop(self._heap)
            if self._added.pop(sequence, None) is None:
                self._removed.add(sequence)
            return issued
        return None

    def changes(self) -> tuple[list[tuple[int, IssuedCommand]], list[int]]:
        """Added (with sequence numbers) and removed since the last :meth:`saved`."""
        return sorted(self._added.items()), sorted(self._removed)

    def changed(self) -> bool:
        return bool(self._added or self._removed)

    def saved(self) -> None:
        """The changes are stored: forget them."""
        self._added.clear()
        self._removed.clear()

    def pending(self) -> list[IssuedCommand]:
        return [entry[2] for entry in sorted(self._heap)]

    def __len__(self) -> int:
        return len(self._heap)
