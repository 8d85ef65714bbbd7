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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.evolution.upcast import Upcaster
from workbench.sim.compiled import CompiledAggregate, CompiledModel, ModelingProblem, convert_result
from workbench.sim.messages import DomainEvent
from workbench.sim.values import ValueConversionError
from workbench.store import EventStore, RecordedEvent, Snapshot


def stream_id_for(aggregate: str, id_value: Any) -> str:
    """The stream of one aggregate instance: ``"Book-3f2a..."``."""
    return f"{aggregate}-{id_value}"


class EventDecoder:
    """Stored events as :class:`DomainEvent` with typed data of the current version."""

    def __init__(self, upcaster: Upcaster) -> None:
        self.upcaster = upcaster

    def decode(self, recorded: RecordedEvent) -> DomainEvent:
        try:
            now = dt.datetime.fromisoformat(recorded.recorded_at)
        except ValueError:
            now = None
        try:
            data = self.upcaster.decode(
                recorded.type, recorded.schema_version, recorded.data, now=now
            )
        except ModelingProblem as problem:
            raise ModelingProblem(
                f"event {recorded.position} in stream '{recorded.stream_id}': {problem.message}"
            ) from None
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


def evolve(
    compiled: CompiledModel,
    aggregate: CompiledAggregate,
    state: Mapping[str, Any],
    event_type: str,
    data: Mapping[str, Any],
    now: dt.datetime | None,
) -> dict[str, Any]:
    """The state after one event; every assignment sees the same state from before it."""
    event = compiled.events.get(event_type)
    new_state = dict(state)
    if event is None or not event.evolve:
        return new_state
    env = compiled.env(state=state, event=data)
    for field_name, expr in event.evolve:
        t = aggregate.state_types.get(field_name)
        if t is None:
            raise ModelingProblem(
                f"evolve of '{event_type}' sets '{field_name}', which {aggregate.name} does not have"
            )
        new_state[field_name] = convert_result(
            compiled.values, expr(env, now), t, f"evolve '{field_name}' of event '{event_type}'"
        )
    return new_state


def violated_invariant(
    compiled: CompiledModel,
    aggregate: CompiledAggregate,
    state: Mapping[str, Any],
    now: dt.datetime | None,
) -> str | None:
    """The name (or text) of the first invariant ``state`` breaks, if any."""
    env = compiled.env(state=state)
    for name, expr in aggregate.invariants:
        if not expr(env, now):
            return name
    return None


@dataclass(frozen=True)
class LoadedStream:
    """A stream's state and version as loaded; version 0 means the stream does not exist."""

    stream_id: str
    state: dict[str, Any]
    version: int

    @property
    def exists(self) -> bool:
        return self.version > 0


class AggregateRepository:
    """Loads aggregate state from the store (snapshot + tail) and saves snapshots."""

    def __init__(self, store: EventStore, compiled: CompiledModel, decoder: EventDecoder) -> None:
        self.store = store
        self.compiled = compiled
        self.decoder = decoder
        self._cache: dict[str, tuple[int, dict[str, Any]]] = {}

    def load(self, aggregate: CompiledAggregate, stream_id: str) -> LoadedStream:
        """The stream's current state, folding only what the cache or a snapshot lacks."""
        version = self.store.stream_version(stream_id)
        cached = self._cache.get(stream_id)
        if cached is not None and cached[0] <= version:
            start_version, state = cached
        else:
            start_version, state = self._from_snapshot(aggregate, stream_id)
        if start_version < version:
            state = self._fold(
                aggregate, state, self.store.read_stream(stream_id, start_version + 1)
            )
        self._cache[stream_id] = (version, state)
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
        self._cache[stream_id] = (new_version, state)
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
        for recorded in events:
            event = self.decoder.decode(recorded)
            state = evolve(self.compiled, aggregate, state, event.type, event.data, event.time)
        return state
