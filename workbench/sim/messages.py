"""What flows through the simulator: commands, typed events and the outcome of each command.

Why explicit result types rather than exceptions: in a dry run, a rejected command is
as ordinary an outcome as an accepted one, and a command that emits nothing is
*ignored*, which is different again. Each outcome is its own small frozen record, so
callers branch with ``isinstance`` (or on :attr:`CommandResult.outcome`) and nothing
needs a ``try``:

* :class:`Accepted` — events were appended;
* :class:`Rejected` — a rule (or the stream expectation) said no, with an error name;
* :class:`Ignored` — every emit was skipped: nothing happened, and that is fine;
* :class:`ModelingError` — the model is wrong: an expression failed or a value did not
  fit; :class:`InvariantViolation` is the case where an invariant broke;
* :class:`Conflict` — another writer appended to the stream first.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Outcome = Literal["accepted", "rejected", "ignored", "modeling-error", "conflict"]


@dataclass(frozen=True)
class CommandMessage:
    """A command with typed field values and its place in a chain of causes.

    ``correlation_id`` is shared by every command and event of one chain (the first
    command's own id); ``causation_id`` is the id of the event that made a policy issue
    this command (``None`` for a command from outside). ``depth`` counts the commands of
    the chain up to this one; ``chain`` names the commands and events that led here,
    for the depth guard's message.
    """

    name: str
    fields: dict[str, Any]
    command_id: str
    correlation_id: str
    causation_id: str | None = None
    issued_by: str | None = None
    depth: int = 1
    chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainEvent:
    """A stored event with its data as typed values of the event's current version."""

    type: str
    data: dict[str, Any]
    stream_id: str
    version: int
    position: int
    event_id: str
    causation_id: str | None
    correlation_id: str | None
    recorded_at: str

    @functools.cached_property
    def time(self) -> dt.datetime:
        """``recorded_at`` as a datetime, parsed once (policies and read models ask)."""
        return dt.datetime.fromisoformat(self.recorded_at)


def domain_event(
    type: str,
    data: dict[str, Any],
    stream_id: str,
    version: int,
    position: int,
    event_id: str,
    causation_id: str | None,
    correlation_id: str | None,
    recorded_at: str,
    time: dt.datetime,
) -> DomainEvent:
    """``DomainEvent(...)`` for the engine, which builds one per appended event.

    The same object the constructor makes, built faster: a frozen dataclass sets each
    field through ``object.__setattr__``, while this fills the instance's dict at once
    (which is also where :attr:`DomainEvent.time` is cached: ``time`` must be the
    instant ``recorded_at`` spells, as the clock that wrote it knows).
    """
    event = object.__new__(DomainEvent)
    event.__dict__.update(
        type=type,
        data=data,
        stream_id=stream_id,
        version=version,
        position=position,
        event_id=event_id,
        causation_id=causation_id,
        correlation_id=correlation_id,
        recorded_at=recorded_at,
        time=time,
    )
    return event


@dataclass(frozen=True, kw_only=True)
class CommandResult:
    """The outcome of handling one command."""

    outcome: ClassVar[Outcome]
    command: CommandMessage
    stream_id: str

    @property
    def events(self) -> tuple[DomainEvent, ...]:
        return ()


@dataclass(frozen=True, kw_only=True)
class Accepted(CommandResult):
    outcome: ClassVar[Outcome] = "accepted"
    appended: tuple[DomainEvent, ...]
    state: dict[str, Any] = field(repr=False)

    @property
    def events(self) -> tuple[DomainEvent, ...]:
        return self.appended


@dataclass(frozen=True, kw_only=True)
class Rejected(CommandResult):
    outcome: ClassVar[Outcome] = "rejected"
    error: str
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class Ignored(CommandResult):
    outcome: ClassVar[Outcome] = "ignored"


@dataclass(frozen=True, kw_only=True)
class ModelingError(CommandResult):
    outcome: ClassVar[Outcome] = "modeling-error"
    message: str


@dataclass(frozen=True, kw_only=True)
class InvariantViolation(ModelingError):
    """An invariant was false after the command's events: a rule is missing in the model."""

    invariant: str
    state: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class Conflict(CommandResult):
    outcome: ClassVar[Outcome] = "conflict"
    expected_version: int
    actual_version: int


@dataclass(frozen=True)
class IssuedCommand:
    """A command a policy (or translation) issued; ``due`` is set for delayed policies."""

    policy: str
    message: CommandMessage
    due: dt.datetime | None = None


@dataclass(frozen=True)
class ReactionProblem:
    """Something went wrong around commands rather than in one: a policy's expression
    failed, or a chain of policies ran deeper than the limit."""

    source: str
    message: str


@dataclass
class Run:
    """Everything one engine call did: the commands it handled and what they caused.

    ``result`` is the outcome of the command the caller submitted (``None`` for calls
    that only moved the clock); ``results`` holds every handled command in order,
    follow-ups from policies and due delayed commands included.
    """

    result: CommandResult | None = None
    results: list[CommandResult] = field(default_factory=list)
    issued: list[IssuedCommand] = field(default_factory=list)
    problems: list[ReactionProblem] = field(default_factory=list)

    @property
    def events(self) -> list[DomainEvent]:
        """Every event appended during the run, in order."""
        return [event for result in self.results for event in result.events]

    def extend(self, other: Run) -> None:
        self.results.extend(other.results)
        self.issued.extend(other.issued)
        self.problems.extend(other.problems)
