"""The store's small, immutable records and its errors.

Why frozen records: like the ``eventsourcing`` library, the store hands out plain values
that cannot be changed behind its back, so an event read twice is the same event, and a
record can be shared between the simulator, the projections and the CLI without copies.
``slots=True`` keeps them small and quick to build, which matters on the append path.

Example::

    >>> e = NewEvent(type="BookAdded", data={"title": "Dune"}, event_id="ev-1",
    ...              recorded_at="2024-01-01T00:00:00+00:00")
    >>> e.schema_version
    1
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class NewEvent:
    """An event the caller wants to append, before the store gives it a place.

    The caller supplies ``event_id`` and ``recorded_at`` because the simulator has a
    seeded id generator and a deterministic clock: two runs with the same seed must
    write byte-identical databases, so the store never invents ids or reads the wall
    clock for events. Keyword-only so that two strings (``event_id``, ``recorded_at``)
    can never be swapped silently by position.
    """

    type: str
    data: Mapping[str, Any]
    schema_version: int = 1
    event_id: str
    causation_id: str | None = None
    correlation_id: str | None = None
    recorded_at: str


#: A :class:`NewEvent`'s fields as a plain tuple, in its field order: ``(type, data,
#: schema_version, event_id, causation_id, correlation_id, recorded_at)``. What
#: :meth:`~.eventstore.EventStore.append_positions` takes: building a frozen record
#: per event cost the simulator 4% of a command, for values it passes straight on.
EventFields = tuple[str, Mapping[str, Any], int, str, str | None, str | None, str]


def event_fields(event: NewEvent) -> EventFields:
    """``event``'s fields as :data:`EventFields`.

    >>> event_fields(NewEvent(type="Opened", data={}, event_id="e1", recorded_at="t"))
    ('Opened', {}, 1, 'e1', None, None, 't')
    """
    return (
        event.type,
        event.data,
        event.schema_version,
        event.event_id,
        event.causation_id,
        event.correlation_id,
        event.recorded_at,
    )


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: its global ``position`` and its ``version`` in its stream.

    ``position`` orders every event of the file and only ever increases (SQLite admits
    one writer at a time, so positions are committed in order, and a reader that pages
    by ``position > last_seen`` never skips an event committed later). ``data`` is the
    decoded JSON, exactly what a later read returns, so live processing and a replay
    see the same values (a ``Decimal`` written comes back as its string, for example).
    """

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    event_id: str
    causation_id: str | None
    correlation_id: str | None
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An aggregate's state as of ``version`` of its stream, to skip replaying from 1."""

    stream_id: str
    version: int
    state: dict[str, Any]
    recorded_at: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a consumer gave up on, kept so it can be inspected and replayed later."""

    id: int
    consumer: str
    position: int
    event_id: str
    error: str
    attempts: int
    recorded_at: str
    replayed_at: str | None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """How far a consumer has processed the log: every event up to ``position``."""

    consumer: str
    position: int
    updated_at: str


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """A summary of one stream, for ``workbench store streams``."""

    stream_id: str
    version: int
    event_count: int
    first_position: int
    last_position: int
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One simulation (or other) run recorded in the file, so results stay attributable."""

    id: int
    started_at: str
    finished_at: str | None
    model: str
    seed: int | None
    kind: str
    summary: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ProjectionTable:
    """A read model's table: its name, SQL table, typed columns and key columns.

    ``columns`` keeps the caller's field types (``decimal``, ``date?``, ``list[str]``...)
    because the SQLite declared types alone cannot tell a decimal from a string; the
    store needs them to decode rows back to Python values.
    """

    name: str
    table: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    #: A digest of the handlers that compute the rows (``None``: not recorded): the
    #: same columns filled another way make other rows.
    handlers: str | None = None

    @property
    def column_types(self) -> dict[str, str]:
        """The columns as a dict, in table order: ``{"id": "str", "copies": "int"}``."""
        return dict(self.columns)


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


class ConcurrencyError(StoreError):
    """Someone appended to the stream since the caller read it.

    Carries both versions so the caller can decide: reload and retry, or report.

    >>> str(ConcurrencyError("book-1", 3, 4))
    "stream 'book-1': expected version 3, actual 4"
    """

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id!r}: expected version {expected}, actual {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual

    def __reduce__(self) -> tuple[type[ConcurrencyError], tuple[str, int, int]]:
        # Exceptions pickle by their args; ours differ from the message, so say how.
        return (type(self), (self.stream_id, self.expected, self.actual))


class DuplicateEventError(StoreError):
    """An event with this ``event_id`` is already stored (ids are unique file-wide)."""

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event id {event_id!r} is already stored")
        self.event_id = event_id

    def __reduce__(self) -> tuple[type[DuplicateEventError], tuple[str]]:
        return (type(self), (self.event_id,))


class SchemaVersionError(StoreError):
    """The file was written by a newer Event Workbench (it has migrations we don't know)."""


class ProjectionSchemaError(StoreError):
    """A projection table exists with another definition, or a row doesn't fit it."""


class UnknownProjectionError(StoreError, LookupError):
    """No projection table of that name exists in this file."""
