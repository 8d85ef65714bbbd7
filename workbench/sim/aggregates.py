"""Aggregate state: folding events into state, checking invariants, loading streams.

An aggregate's state is never stored as such; it is the left fold of its stream's events
through each event's ``evolve`` expressions, starting from the state's defaults. Loading
starts from the latest snapshot (if any) and folds only the events after it. Events are
decoded to typed values and upcast to their current version before ``evolve`` sees
them, so old events in the log fold exactly like new ones.

The :class:`AggregateRepository` also keeps the last state it saw of each stream: within
a run, the next command on the same stream then folds only the events appended since
(usually none), which is what makes long workloads cheap. The cache is checked against
the stream's version in the store on every load, so a write by anyone else (a scenario
appending a given event, another process) is picked up.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.evolution.upcast import Upcaster
from workbench.model.types import TypeRef
from workbench.sim.compiled import (
    CompiledAggregate,
    CompiledModel,
    Expr,
    ModelingProblem,
    convert_result,
    fuse_assignments,
)
from workbench.sim.converters import Miss, converter, record_converter
from workbench.sim.messages import DomainEvent
from workbench.sim.values import ValueConversionError
from workbench.store import EventStore, RecordedEvent, Snapshot


def stream_id_for(aggregate: str, id_value: Any) -> str:
    """The stream of one aggregate instance: ``"Book-3f2a..."``."""
    return f"{aggregate}-{id_value}"


class EventDecoder:
    """Stored events as :class:`DomainEvent` with typed data of the current version.

    Events stored at the model's current version need no upcasting, only their values
    converted; that common case goes through a converter compiled per event type,
    which falls back to the upcaster (and its exact errors) for anything unusual.
    """

    def __init__(self, upcaster: Upcaster) -> None:
        self.upcaster = upcaster
        #: event type -> (current version, fast converter), or None for unknown types
        self._current: dict[str, tuple[int, Callable[[Any], Any]] | None] = {}

    def _fast(self, event_type: str) -> tuple[int, Callable[[Any], Any]] | None:
        upcaster = self.upcaster
        try:
            version = upcaster.current_version(event_type)
        except KeyError:
            found = None
        else:
            found = (
                version,
                record_converter(upcaster.values, upcaster.types(event_type, version)),
            )
        self._current[event_type] = found
        return found

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        data = self.decode_data(
            recorded.type,
            recorded.schema_version,
            recorded.data,
            recorded.position,
            recorded.stream_id,
            recorded.recorded_at,
        )
        return DomainEvent(
            type=recorded.type,
            data=data,
            stream_id=recorded.stream_id,
            version=recorded.version,
            position=recorded.position,
            event_id=recorded.event_id,
            causation_id=recorded.causation_id,
            correlation_id=recorded.correlation_id,
            recorded_at=recorded.recorded_at,
        )

    def fast_converter(self, event_type: str, schema_version: int) -> Callable[[Any], Any]:
        """The fast path of :meth:`decode_data` for events of this type and version: it
        raises :class:`~workbench.sim.converters.Miss` where ``decode_data`` must decide."""
        current = (
            self._current[event_type] if event_type in self._current else self._fast(event_type)
        )
        if current is not None and current[0] == schema_version:
            return current[1]
        return _always_miss

    def decode_data(
        self,
        event_type: str,
        schema_version: int,
        raw: Any,
        position: int,
        stream_id: str,
        recorded_at: str,
    ) -> dict[str, Any]:
        """The typed data of a stored event at the current version (what :meth:`decode`
        puts in the event), for consumers that need no :class:`DomainEvent`."""
        current = (
            self._current[event_type] if event_type in self._current else self._fast(event_type)
        )
        if current is not None and current[0] == schema_version:
            try:
                data: dict[str, Any] = current[1](raw)
                return data
            except Miss:
                pass
        try:
            now = dt.datetime.fromisoformat(recorded_at)
        except ValueError:
            now = None
        try:
            return self.upcaster.decode(event_type, schema_version, raw, now=now)
        except ModelingProblem as problem:
            raise ModelingProblem(
                f"event {position} in stream '{stream_id}': {problem.message}"
            ) from None


def _always_miss(raw: Any) -> Any:
    raise Miss


def evolve(
    compiled: CompiledModel,
    aggregate: CompiledAggregate,
    state: Mapping[str, Any],
    event_type: str,
    data: Mapping[str, Any],
    now: dt.datetime | None,
) -> dict[str, Any]:
    """The state after one event; every assignment sees the same state from before it."""
    return Evolver(compiled).evolve(aggregate, state, event_type, data, now)


def violated_invariant(
    compiled: CompiledModel,
    aggregate: CompiledAggregate,
    state: Mapping[str, Any],
    now: dt.datetime | None,
) -> str | None:
    """The name (or text) of the first invariant ``state`` breaks, if any."""
    return Evolver(compiled).violated_invariant(aggregate, state, now)


#: One evolve assignment, planned: state field, expression, fast converter, type, where
#: (for the error message), and the problem to raise instead if the field is unknown.
_Assignment = tuple[str, Expr, Callable[[Any], Any], TypeRef | None, str, str | None]


class Evolver:
    """Folds events into state and checks invariants, with each event's work planned once.

    What an event's ``evolve`` does depends only on the model, so the assignments, their
    converters and the texts of their possible errors are worked out on first use per
    aggregate and event type; folding then only evaluates and converts.
    """

    def __init__(self, compiled: CompiledModel) -> None:
        self.compiled = compiled
        self._plans: dict[tuple[str, str], tuple[_Assignment, ...]] = {}
        #: The plan as one generated function (see ``fuse_assignments``), or None.
        self._fused: dict[tuple[str, str], Callable[..., dict[str, Any]] | None] = {}

    def _plan(self, aggregate: CompiledAggregate, event_type: str) -> tuple[_Assignment, ...]:
        event = self.compiled.events.get(event_type)
        plan: list[_Assignment] = []
        for field_name, expr in event.evolve if event is not None else ():
            t = aggregate.state_types.get(field_name)
            problem = None
            if t is None:
                problem = (
                    f"evolve of '{event_type}' sets '{field_name}', "
                    f"which {aggregate.name} does not have"
                )
            fast = converter(self.compiled.values, t) if t is not None else _never
            where = f"evolve '{field_name}' of event '{event_type}'"
            plan.append((field_name, expr, fast, t, where, problem))
        key = (aggregate.name, event_type)
        self._fused[key] = (
            fuse_assignments(
                [(name, expr, fast) for name, expr, fast, _, _, _ in plan],
                ("state", "event"),
                self.compiled.constants,
            )
            if plan and all(problem is None for *_, problem in plan)
            else None
        )
        self._plans[key] = planned = tuple(plan)
        return planned

    def evolve(
        self,
        aggregate: CompiledAggregate,
        state: Mapping[str, Any],
        event_type: str,
        data: Mapping[str, Any],
        now: dt.datetime | None,
    ) -> dict[str, Any]:
        """The state after one event; every assignment sees the same state from before it."""
        key = (aggregate.name, event_type)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(aggregate, event_type)
        fused = self._fused[key]
        if fused is not None:
            try:
                return fused(state, state, data, now)
            except Exception:
                pass
        new_state = dict(state)
        if not plan:
            return new_state
        compiled = self.compiled
        env = {**compiled.constants, "state": state, "event": data}
        for field_name, expr, fast, t, where, problem in plan:
            if problem is not None:
                raise ModelingProblem(problem)
            value = expr.call(env, now)
            try:
                new_state[field_name] = fast(value)
            except Miss:
                assert t is not None
                new_state[field_name] = convert_result(compiled.values, value, t, where)
        return new_state

    def violated_invariant(
        self, aggregate: CompiledAggregate, state: Mapping[str, Any], now: dt.datetime | None
    ) -> str | None:
        """The name (or text) of the first invariant ``state`` breaks, if any."""
        broken = aggregate.invariant_checks.first_false(now, state)
        return None if broken < 0 else aggregate.invariants[broken][0]


def _never(value: Any) -> Any:  # pragma: no cover - its assignment raises first
    raise Miss


@dataclass(frozen=True)
class LoadedStream:
    """A stream's state and version as loaded; version 0 means the stream does not exist."""

    stream_id: str
    state: dict[str, Any]
    version: int

    @property
    def exists(self) -> bool:
        return self.version > 0


#: How many streams' states the repository keeps; past it, the oldest half is dropped
#: (a dropped state is simply loaded again), so memory stays bounded on huge runs.
MAX_CACHED_STREAMS = 50_000


class AggregateRepository:
    """Loads aggregate state from the store (snapshot + tail) and saves snapshots."""

    def __init__(self, store: EventStore, compiled: CompiledModel, decoder: EventDecoder) -> None:
        self.store = store
        self.compiled = compiled
        self.decoder = decoder
        self.evolver = Evolver(compiled)
        self._cache: dict[str, tuple[int, dict[str, Any]]] = {}

    def _keep(self, stream_id: str, version: int, state: dict[str, Any]) -> None:
        cache = self._cache
        if len(cache) >= MAX_CACHED_STREAMS and stream_id not in cache:
            for oldest in list(itertools.islice(cache, MAX_CACHED_STREAMS // 2)):
                del cache[oldest]
        cache[stream_id] = (version, state)

    def load(self, aggregate: CompiledAggregate, stream_id: str) -> LoadedStream:
        """The stream's current state, folding only what the cache or a snapshot lacks."""
        version = self.store.stream_version(stream_id)
        cached = self._cache.get(stream_id)
        if cached is not None and cached[0] == version:
            # Up to date and already kept: the common case, without the steps below.
            loaded = object.__new__(LoadedStream)
            loaded.__dict__.update(stream_id=stream_id, state=cached[1], version=version)
            return loaded
        if cached is not None and cached[0] <= version:
            start_version, state = cached
        else:
            start_version, state = self._from_snapshot(aggregate, stream_id)
        if start_version < version:
            state = self._fold(
                aggregate, state, self.store.read_stream(stream_id, start_version + 1)
            )
        self._keep(stream_id, version, state)
        return LoadedStream(stream_id, state, version)

    def replay(self, aggregate: CompiledAggregate, stream_id: str) -> LoadedStream:
        """The state from every event of the stream, ignoring snapshots and the cache."""
        events = self.store.read_stream(stream_id)
        state = self._fold(aggregate, aggregate.initial_state(), events)
        return LoadedStream(stream_id, state, events[-1].version if events else 0)

    def from_snapshot(self, aggregate: CompiledAggregate, stream_id: str) -> LoadedStream:
        """The state from the latest snapshot plus the events after it, ignoring the cache."""
        start_version, state = self._from_snapshot(aggregate, stream_id)
        events = self.store.read_stream(stream_id, start_version + 1)
        state = self._fold(aggregate, state, events)
        return LoadedStream(stream_id, state, events[-1].version if events else start_version)

    def remember(
        self,
        aggregate: CompiledAggregate,
        stream_id: str,
        old_version: int,
        new_version: int,
        state: dict[str, Any],
        recorded_at: str,
    ) -> None:
        """Keep the state a command produced, and snapshot it when a multiple of
        ``snapshot_every`` events was crossed."""
        cache = self._cache
        if stream_id in cache:  # ``_keep``, short: nothing to drop for a kept stream
            cache[stream_id] = (new_version, state)
        else:
            self._keep(stream_id, new_version, state)
        every = aggregate.snapshot_every
        if every and old_version // every != new_version // every:
            plain = self.compiled.values.plain_fields(state, aggregate.state_types)
            self.store.save_snapshot(Snapshot(stream_id, new_version, plain, recorded_at))

    def forget(self) -> None:
        """Drop cached states (after a rolled-back transaction)."""
        self._cache.clear()

    def _from_snapshot(
        self, aggregate: CompiledAggregate, stream_id: str
    ) -> tuple[int, dict[str, Any]]:
        snapshot = self.store.latest_snapshot(stream_id) if aggregate.snapshot_every else None
        if snapshot is not None and set(snapshot.state) == set(aggregate.state_types):
            try:
                state = self.compiled.values.fields(
                    snapshot.state, aggregate.state_types, owner="snapshot"
                )
            except ValueConversionError:
                pass  # a snapshot from an older state shape: replay instead
            else:
                return snapshot.version, state
        return 0, aggregate.initial_state()

    def _fold(
        self, aggregate: CompiledAggregate, state: dict[str, Any], events: list[RecordedEvent]
    ) -> dict[str, Any]:
        fold = self.evolver.evolve
        for recorded in events:
            event = self.decoder.decode(recorded)
            state = fold(aggregate, state, event.type, event.data, event.time)
        return state
