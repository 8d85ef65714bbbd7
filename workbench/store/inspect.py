"""Listings for ``workbench store streams|events|stream ID|read-model NAME|snapshots``.

Why pure functions returning rows: the CLI only picks a function and a format, tests
check the rows without parsing text, and every format (aligned table, JSON, CSV) shows
the same columns in the same order. Each function returns a list of dicts whose keys
are in display order; the event log can be far longer than memory allows, so its
listings also come as iterators (:func:`iter_events_rows`, :func:`iter_stream_rows`)
that read SQLite a page at a time, and :func:`render_rows` turns any iterable of rows
into JSON or CSV text chunk by chunk::

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
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from .codec import decode, encode
from .eventstore import SQLITE_MAX_INT, EventStore
from .records import ProjectionTable, UnknownProjectionError
from .schema import MIGRATIONS, applied_migrations

__all__ = [
    "EVENT_COLUMNS",
    "checkpoints_rows",
    "count_events",
    "dead_letters_rows",
    "event_types",
    "events_rows",
    "format_rows",
    "has_event_type",
    "iter_events_rows",
    "iter_stream_rows",
    "no_leftover_sidecars",
    "read_model_rows",
    "read_models",
    "render_rows",
    "runs_rows",
    "snapshots_rows",
    "store_format",
    "stream_ids",
    "stream_rows",
    "streams_rows",
    "streams_with_id",
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


# -- files from an older version ----------------------------------------------------


def store_format(store: EventStore) -> tuple[int, int]:
    """The file's store format and the current one: migrations applied, and known.

    A read-only look cannot upgrade an older file, so it reads the file as it is:
    a table a later migration adds is not there yet (see :func:`has_table`).
    """
    return len(applied_migrations(store.connection)), len(MIGRATIONS)


def has_table(store: EventStore, table: str) -> bool:
    """Whether the file has ``table``: one an older file lacks is listed as empty."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return store.connection.execute(sql, (table,)).fetchone() is not None


def read_models(store: EventStore) -> list[ProjectionTable]:
    """Every read model of the file, by name; none in a file older than read models."""
    return store.projections() if has_table(store, "_projections") else []


# -- listings ------------------------------------------------------------------------


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


#: The events table's columns in :data:`EVENT_COLUMNS` order.
_SELECT_EVENTS = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"

#: Events read from SQLite per query: enough to make paging cheap, few enough that
#: memory stays flat however long the log is.
PAGE_SIZE = 1000


def _event_row(row: Sequence[Any]) -> Row:
    """A row of :data:`_SELECT_EVENTS` as a listing row, ``data`` decoded."""
    values = dict(zip(EVENT_COLUMNS, row, strict=True))
    values["data"] = decode(values["data"])
    return values


def _paged_events(
    store: EventStore,
    key: Literal["position", "version"],
    after: int,
    where: str,
    params: tuple[Any, ...],
    limit: int | None,
    page_size: int,
) -> Iterator[Row]:
    """Events with ``key > after`` matching ``where``, by ``key``, one page per query.

    Keyset paging (``key > last seen``) rather than OFFSET: each page is an index
    seek, so reading the whole log stays linear, and only a page is held at a time.
    """
    sql = f"{_SELECT_EVENTS} WHERE {key} > ?{where} ORDER BY {key} LIMIT ?"
    column = EVENT_COLUMNS.index(key)
    after = min(after, SQLITE_MAX_INT)  # beyond the last possible event: none
    remaining = limit
    while remaining is None or remaining > 0:
        size = page_size if remaining is None else min(page_size, remaining)
        page = store.connection.execute(sql, (after, *params, size)).fetchall()
        for row in page:
            yield _event_row(row)
        if len(page) < size:
            return
        after = page[-1][column]
        if remaining is not None:
            remaining -= len(page)


def iter_events_rows(
    store: EventStore,
    *,
    from_position: int = 0,
    limit: int | None = None,
    event_type: str | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[Row]:
    """Events after ``from_position`` (of one type, at most ``limit``), by position.

    Read ``page_size`` at a time, so an export of any length holds one page.
    """
    where, params = ("", ()) if event_type is None else (" AND type = ?", (event_type,))
    return _paged_events(store, "position", from_position, where, params, limit, page_size)


def events_rows(
    store: EventStore,
    *,
    from_position: int = 0,
    limit: int | None = None,
    event_type: str | None = None,
) -> list[Row]:
    """Events of the whole log after ``from_position`` (at most ``limit``), by position."""
    return list(
        iter_events_rows(store, from_position=from_position, limit=limit, event_type=event_type)
    )


def count_events(
    store: EventStore, *, from_position: int = 0, event_type: str | None = None
) -> int:
    """How many events :func:`iter_events_rows` would list without a limit."""
    sql = "SELECT COUNT(*) FROM events WHERE position > ?"
    params: tuple[Any, ...] = (min(from_position, SQLITE_MAX_INT),)
    if event_type is not None:
        sql, params = sql + " AND type = ?", (*params, event_type)
    (count,) = store.connection.execute(sql, params).fetchone()
    return int(count)


def iter_stream_rows(
    store: EventStore, stream_id: str, *, from_version: int = 1, page_size: int = PAGE_SIZE
) -> Iterator[Row]:
    """Events of one stream, by version, read ``page_size`` at a time."""
    params = (stream_id,)
    return _paged_events(
        store,
        "version",
        from_version - 1,
        f" AND {store.stream_queries.where}",
        params,
        None,
        page_size,
    )


def stream_rows(store: EventStore, stream_id: str, *, from_version: int = 1) -> list[Row]:
    """Events of one stream, by version."""
    return list(iter_stream_rows(store, stream_id, from_version=from_version))


# -- what filters can name -----------------------------------------------------------


def has_event_type(store: EventStore, event_type: str) -> bool:
    """Whether any event of the log has this type (wherever it is)."""
    sql = "SELECT 1 FROM events WHERE type = ? LIMIT 1"
    return store.connection.execute(sql, (event_type,)).fetchone() is not None


def event_types(store: EventStore) -> list[str]:
    """The distinct event types of the log, sorted."""
    rows = store.connection.execute("SELECT DISTINCT type FROM events ORDER BY type")
    return [t for (t,) in rows]


def stream_ids(store: EventStore) -> list[str]:
    """Every stream id, sorted (from the streams' index, without reading events)."""
    rows = store.connection.execute(store.stream_queries.ids)
    return [s for (s,) in rows]


def streams_with_id(store: EventStore, bare_id: str) -> list[str]:
    """The streams whose id part is ``bare_id``, sorted.

    Stream ids are ``"{Aggregate}-{id}"`` and read models show the bare id, which
    itself may hold dashes (a UUID does), so the id part is all after the first dash::

        >>> from workbench.store import NewEvent
        >>> store = EventStore.open(":memory:")
        >>> _ = store.append("Member-4a-1c", [NewEvent(type="Joined", data={},
        ...     event_id="e1", recorded_at="2024-01-01T00:00:00Z")], expected_version=0)
        >>> streams_with_id(store, "4a-1c"), streams_with_id(store, "1c")
        (['Member-4a-1c'], [])
    """
    sql = (
        f"SELECT stream_id FROM ({store.stream_queries.ids}) WHERE instr(stream_id, '-') > 0 "
        "AND substr(stream_id, instr(stream_id, '-') + 1) = ? ORDER BY stream_id"
    )
    return [s for (s,) in store.connection.execute(sql, (bare_id,))]


def read_model_rows(store: EventStore, name: str) -> list[Row]:
    """The rows of projection ``name`` as Python values, columns in table order."""
    if not has_table(store, "_projections"):  # an older file: it has no read models
        raise UnknownProjectionError(f"no projection named {name!r}")
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
    """Dead letters (of one consumer, if given), by id; none in a file older than them."""
    if not has_table(store, "dead_letters"):
        return []
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


def render_rows(
    rows: Iterable[Mapping[str, Any]],
    fmt: Literal["json", "csv"],
    *,
    columns: Sequence[str],
    chunk_rows: int = PAGE_SIZE,
) -> Iterator[str]:
    """The ``json`` or ``csv`` text of ``rows``, in chunks of ``chunk_rows`` rows.

    Why chunks: an export of the whole log must not hold the whole log, so rows are
    turned into text as they are read and each chunk can be written out at once. The
    chunks joined are :func:`format_rows` of the same rows plus a final newline, byte
    for byte: JSON is still one array (each object indented as ``json.dumps`` of the
    whole list would), CSV one header and a line per row::

        >>> list(render_rows(iter([{"id": "a"}, {"id": "b"}]), "csv", columns=["id"],
        ...     chunk_rows=1))
        ['id\\na\\n', 'b\\n']
    """
    if fmt == "json":
        return _render_json(rows, columns, chunk_rows)
    if fmt == "csv":
        return _render_csv(rows, columns, chunk_rows)
    raise ValueError(f"unknown format {fmt!r}: use json or csv")


def _render_json(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], chunk_rows: int
) -> Iterator[str]:
    parts: list[str] = []
    count = 0
    for row in rows:
        text = json.dumps(
            {c: row.get(c) for c in columns}, indent=2, ensure_ascii=False, default=_json_default
        )
        # JSON text has no raw newline inside a string, so every newline starts a line.
        parts.append(("[\n  " if count == 0 else ",\n  ") + text.replace("\n", "\n  "))
        count += 1
        if count % chunk_rows == 0:
            yield "".join(parts)
            parts.clear()
    parts.append("\n]\n" if count else "[]\n")
    yield "".join(parts)


def _render_csv(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], chunk_rows: int
) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if columns:
        writer.writerow(columns)
    count = 0
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(c)) for c in columns])
        if count % chunk_rows == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if count == 0 and not columns:
        yield "\n"  # nothing at all is still one (empty) line, as an echo of "" is
    elif out.tell():
        yield out.getvalue()


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
    if fmt in ("json", "csv"):
        text = "".join(render_rows(rows, fmt, columns=names, chunk_rows=max(len(rows), 1)))
        return text.removesuffix("\n")
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


# -- leaving no trace ----------------------------------------------------------------


def _sidecars(path: Path) -> tuple[Path, Path]:
    """The WAL and shared-memory files SQLite keeps next to a database in WAL mode."""
    return Path(f"{path}-wal"), Path(f"{path}-shm")


@contextmanager
def no_leftover_sidecars(path: Path) -> Iterator[None]:
    """Around a read-only look at ``path``: remove the empty ``-wal``/``-shm`` it made.

    A read-only connection to a WAL-mode file creates both files when they are
    missing but cannot delete them on close (only a connection that may checkpoint
    does that), so every look would leave an empty WAL and a 32 KiB wal-index next to
    a file that had none. They are removed only if neither existed before and the WAL
    is still empty: then it holds nothing. Even so, another process may have opened
    the file meanwhile and be using them, so the removal is left to SQLite itself: a
    connection that reads nothing and closes deletes them only if it can lock the file
    exclusively, i.e. if it was the last one open (it checkpoints an empty WAL, which
    writes nothing to the database).
    """
    existed = any(p.exists() for p in _sidecars(path))
    try:
        yield
    finally:
        if not existed:
            _remove_empty_sidecars(path)


def _remove_empty_sidecars(path: Path) -> None:
    wal, _ = _sidecars(path)
    try:
        if not path.is_file() or not wal.is_file() or wal.stat().st_size != 0:
            return
        conn = sqlite3.connect(
            path.resolve().as_uri() + "?mode=rw", uri=True, timeout=0, isolation_level=None
        )
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()  # opens the WAL
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        pass  # tidying is a courtesy: a file we may not write keeps its sidecars
