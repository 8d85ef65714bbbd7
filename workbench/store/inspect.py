"""Listings for ``workbench store streams|events|stream ID|read-model NAME|snapshots``.

Why pure functions returning rows: the CLI only picks a function and a format, tests
check the rows without parsing text, and every format (aligned table, JSON, CSV) shows
the same columns in the same order. Each function returns a list of dicts whose keys
are in display order::

    >>> from workbench.store import EventStore, NewEvent
    >>> store = EventStore.open(":memory:")
    >>> _ = store.append("book-1", [NewEvent(type="BookAdded", data={"title": "Dune"},
    ...     event_id="e1", recorded_at="2024-01-01T00:00:00Z")], expected_version=0)
    >>> print(format_rows(streams_rows(store), "table"))
    stream_id  version  events  first_position  last_position  types
    ---------  -------  ------  --------------  -------------  ---------
    book-1           1       1               1              1  BookAdded
    >>> print(format_rows(streams_rows(store), "csv"))
    stream_id,version,events,first_position,last_position,types
    book-1,1,1,1,1,BookAdded
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from .codec import encode
from .eventstore import EventStore
from .records import RecordedEvent

__all__ = [
    "EVENT_COLUMNS",
    "checkpoints_rows",
    "dead_letters_rows",
    "events_rows",
    "format_rows",
    "read_model_rows",
    "runs_rows",
    "snapshots_rows",
    "stream_rows",
    "streams_rows",
]

Row = dict[str, Any]
Format = Literal["table", "json", "csv"]

#: The columns of :func:`events_rows` and :func:`stream_rows`, in order.
EVENT_COLUMNS = (
    "position",
    "stream_id",
    "version",
    "type",
    "schema_version",
    "event_id",
    "causation_id",
    "correlation_id",
    "recorded_at",
    "data",
)


def streams_rows(store: EventStore) -> list[Row]:
    """One row per stream: id, version, event count, first/last position, event types."""
    return [
        {
            "stream_id": s.stream_id,
            "version": s.version,
            "events": s.event_count,
            "first_position": s.first_position,
            "last_position": s.last_position,
            "types": ", ".join(s.types),
        }
        for s in store.streams()
    ]


def _event_row(e: RecordedEvent) -> Row:
    return {
        "position": e.position,
        "stream_id": e.stream_id,
        "version": e.version,
        "type": e.type,
        "schema_version": e.schema_version,
        "event_id": e.event_id,
        "causation_id": e.causation_id,
        "correlation_id": e.correlation_id,
        "recorded_at": e.recorded_at,
        "data": e.data,
    }


def events_rows(
    store: EventStore, *, from_position: int = 0, limit: int | None = None
) -> list[Row]:
    """Events of the whole log after ``from_position`` (at most ``limit``), by position."""
    if limit is not None:
        return [_event_row(e) for e in store.read_all(from_position, limit)]
    return [_event_row(e) for e in store.iter_all(from_position)]


def stream_rows(store: EventStore, stream_id: str, *, from_version: int = 1) -> list[Row]:
    """Events of one stream, by version."""
    return [_event_row(e) for e in store.read_stream(stream_id, from_version)]


def read_model_rows(store: EventStore, name: str) -> list[Row]:
    """The rows of projection ``name`` as Python values, columns in table order."""
    return store.rows(name)


def snapshots_rows(store: EventStore, stream_id: str | None = None) -> list[Row]:
    """Snapshots (of one stream, if given), by stream id then version."""
    return [
        {
            "stream_id": s.stream_id,
            "version": s.version,
            "recorded_at": s.recorded_at,
            "state": s.state,
        }
        for s in store.snapshots(stream_id)
    ]


def checkpoints_rows(store: EventStore) -> list[Row]:
    """Each consumer's checkpoint and how far behind the head of the log it is."""
    head = store.head_position()
    return [
        {
            "consumer": c.consumer,
            "position": c.position,
            "behind": head - c.position,
            "updated_at": c.updated_at,
        }
        for c in store.checkpoints()
    ]


def dead_letters_rows(store: EventStore, consumer: str | None = None) -> list[Row]:
    """Dead letters (of one consumer, if given), by id."""
    return [
        {
            "id": d.id,
            "consumer": d.consumer,
            "position": d.position,
            "event_id": d.event_id,
            "attempts": d.attempts,
            "recorded_at": d.recorded_at,
            "replayed_at": d.replayed_at,
            "error": d.error,
        }
        for d in store.dead_letters(consumer)
    ]


def runs_rows(store: EventStore) -> list[Row]:
    """Recorded runs, oldest first."""
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "model": r.model,
            "seed": r.seed,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "summary": r.summary,
        }
        for r in store.runs()
    ]


# -- formatting ----------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A value as one line of text: JSON for containers, ISO for times, '' for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _cell(value.value)
    return encode(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    seen: dict[str, None] = {}
    for row in rows:  # rows normally share keys; union keeps any extra, in first-seen order
        seen.update(dict.fromkeys(row))
    return list(seen)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=encode)
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot show a value of type {type(value).__name__}")


def format_rows(
    rows: Sequence[Mapping[str, Any]],
    fmt: Format,
    *,
    columns: Sequence[str] | None = None,
) -> str:
    """Render rows as an aligned ``table``, a ``json`` array of objects, or ``csv``.

    Columns come from the rows' keys in order (or ``columns``, needed to print a
    header for no rows). The result has no trailing newline. In a table, numbers are
    right-aligned and newlines in a cell are shown as ``\\n`` so a row stays one line::

        >>> print(format_rows([{"id": "a", "n": 10}, {"id": "bb", "n": 2}], "table"))
        id   n
        --  --
        a   10
        bb   2
        >>> print(format_rows([{"id": "a", "n": 10}], "json"))
        [
          {
            "id": "a",
            "n": 10
          }
        ]
    """
    names = _columns(rows, columns)
    if fmt == "json":
        objects = [{c: row.get(c) for c in names} for row in rows]
        return json.dumps(objects, indent=2, ensure_ascii=False, default=_json_default)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if names:
            writer.writerow(names)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in names])
        return out.getvalue().rstrip("\n")
    if fmt == "table":
        if not names:
            return "(no rows)"
        cells = [[_cell(row.get(c)).replace("\n", "\\n") for c in names] for row in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(names)]
        right = [
            bool(rows) and all(_is_number(row.get(c)) or row.get(c) is None for row in rows)
            for c in names
        ]

        def line(values: Sequence[str]) -> str:
            parts = [
                v.rjust(w) if r else v.ljust(w)
                for v, w, r in zip(values, widths, right, strict=True)
            ]
            return "  ".join(parts).rstrip()

        out_lines = [line(names), line(["-" * w for w in widths])]
        out_lines += [line(r) for r in cells]
        return "\n".join(out_lines)
    raise ValueError(f"unknown format {fmt!r}: use table, json or csv")
