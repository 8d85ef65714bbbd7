"""The event store: one SQLite file holding the event log and everything around it.

Why SQLite: a dry run must leave a single file a user can copy, diff, query with SQL or
open in Datasette, with no server to start. Why this shape: as in the ``eventsourcing``
library, persistence hides behind a small interface (:meth:`EventStore.append`,
:meth:`~EventStore.read_stream`, :meth:`~EventStore.read_all`) that deals in small frozen
records (:class:`NewEvent` in, :class:`RecordedEvent` out).

A session, by example::

    >>> store = EventStore.open(":memory:", clock=lambda: "2024-01-01T00:00:00+00:00")
    >>> ev = NewEvent(type="BookAdded", data={"title": "Dune"}, event_id="e1",
    ...               recorded_at="2024-01-01T00:00:00+00:00")
    >>> [(e.position, e.version) for e in store.append("book-1", [ev], expected_version=0)]
    [(1, 1)]
    >>> store.append("book-1", [ev], expected_version=0)
    Traceback (most recent call last):
    ...
    workbench.store.records.ConcurrencyError: stream 'book-1': expected version 0, actual 1
    >>> store.read_stream("book-1")[0].data
    {'title': 'Dune'}

Speed: the append path talks to :mod:`sqlite3` directly with fixed SQL texts (prepared
once, then served from the connection's statement cache) and ``executemany``;
sqlite-utils only creates and migrates the schema, and creates projection tables.

Transactions: the connection runs in autocommit mode and the store issues ``BEGIN
IMMEDIATE`` itself, so the write lock is taken *before* the stream's version is read:
two processes can never both see version 3 and both write version 4. The loser of a
race waits up to ``busy_timeout`` for the lock, then reads version 4 and raises
:class:`ConcurrencyError`. Positions are given out under that same lock, so they are
committed in increasing order and a consumer paging by position never misses an event.

One :class:`EventStore` is one connection: use it from one thread; open another store
(on the same file) per thread or process.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, get_args

import sqlite_utils

from .codec import decode, encode
from .projections import CompiledProjection, define, quote
from .records import (
    Checkpoint,
    ConcurrencyError,
    DeadLetter,
    DuplicateEventError,
    EventFields,
    NewEvent,
    ProjectionSchemaError,
    ProjectionTable,
    RecordedEvent,
    RunInfo,
    Snapshot,
    StoreError,
    StreamInfo,
    UnknownProjectionError,
    event_fields,
)
from .schema import applied_migrations, migrate, pending

__all__ = ["EventStore", "Synchronous", "utc_now"]

#: How hard each commit tries to reach the disk; see :meth:`EventStore.open`.
Synchronous = Literal["OFF", "NORMAL", "FULL"]

#: Concurrent writers wait this long for the lock before giving up (milliseconds).
DEFAULT_BUSY_TIMEOUT_MS = 30_000

_EVENT_COLUMNS = (
    "position, stream_id, version, type, schema_version, data, event_id, "
    "causation_id, correlation_id, recorded_at"
)
#: An event row: the record's columns, then the stream's number (see ``_stream_numbers``
#: in :mod:`.schema`), so an inserted row reads back as a record without it.
_INSERT_EVENT = (
    f"INSERT INTO events ({_EVENT_COLUMNS}, stream_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_FIND_STREAM = "SELECT stream_no FROM streams WHERE stream_id = ?"
_ADD_STREAM = "INSERT INTO streams (stream_id) VALUES (?)"
_NUMBERED_VERSION = "SELECT version FROM events WHERE stream_no = ? ORDER BY version DESC LIMIT 1"
_HEAD = "SELECT MAX(position) FROM events"
_READ_ALL = f"SELECT {_EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?"


_STREAM_SUMMARY = (
    "MAX(e.version), COUNT(*), MIN(e.position), MAX(e.position), json_group_array(DISTINCT e.type)"
)


@dataclasses.dataclass(frozen=True)
class StreamQueries:
    """How to find a stream's events in this file's format.

    A file has numbered its streams since migration ``0006_stream_numbers``; an older
    file opened read-only (it cannot be upgraded then) is found by ``stream_id``.
    ``where`` is a condition on ``events`` taking the stream id as its one parameter;
    ``version`` selects the stream's version and ``read`` its events from a version
    (both by stream id); ``ids`` selects every stream id, sorted; ``summaries``
    selects, per stream by id, its id, version, event count, first and last position
    and event types (JSON).
    """

    where: str
    ids: str
    summaries: str
    version: str
    read: str

    @classmethod
    def _finding(cls, where: str, ids: str, summaries: str) -> StreamQueries:
        return cls(
            where=where,
            ids=ids,
            summaries=summaries,
            version=f"SELECT version FROM events WHERE {where} ORDER BY version DESC LIMIT 1",
            read=(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE {where} AND version >= ? "
                "ORDER BY version"
            ),
        )

    @classmethod
    def of(cls, conn: sqlite3.Connection) -> StreamQueries:
        """The queries for the file ``conn`` is open on."""
        numbered = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'streams'"
        ).fetchone()
        if numbered:
            return cls._finding(
                where="stream_no = (SELECT stream_no FROM streams WHERE stream_id = ?)",
                ids="SELECT stream_id FROM streams ORDER BY stream_id",
                summaries=(
                    f"SELECT s.stream_id, {_STREAM_SUMMARY} FROM streams s "
                    "JOIN events e ON e.stream_no = s.stream_no "
                    "GROUP BY s.stream_no ORDER BY s.stream_id"
                ),
            )
        return cls._finding(
            where="stream_id = ?",
            ids="SELECT DISTINCT stream_id FROM events ORDER BY stream_id",
            summaries=(
                f"SELECT e.stream_id, {_STREAM_SUMMARY} FROM events e "
                "GROUP BY e.stream_id ORDER BY e.stream_id"
            ),
        )


#: Columns left out of :meth:`EventStore.dump`: when the file was maintained, not what
#: it holds (a file upgraded from an old version and a fresh one hold the same data).
_DUMP_SKIP = {"_migrations": {"applied_at"}, "_projections": {"created_at"}}


#: The range of an SQLite integer: a Python int past it cannot be bound to a query.
SQLITE_MIN_INT, SQLITE_MAX_INT = -(2**63), 2**63 - 1


def _clamp(value: int) -> int:
    """``value`` within SQLite's integer range: a bound, such as a limit of 2**64,
    means the same clamped (no position or count gets near 2**63), and unclamped
    would raise ``OverflowError``."""
    return min(max(value, SQLITE_MIN_INT), SQLITE_MAX_INT)


def utc_now() -> str:
    """The default clock: the current UTC time as ISO-8601 text."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")


def _enable_wal(conn: sqlite3.Connection, name: str, busy_timeout_ms: int) -> None:
    """Put the file in WAL mode, waiting for other processes opening it at the same time.

    Switching a new file to WAL needs it to ourselves for a moment, and SQLite reports
    "database is locked" at once, without its busy handler, while another process is
    doing the same. So retry within the busy timeout. Once a file is in WAL mode it
    stays so, and later opens only read the mode.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
    if str(mode).lower() != "wal":
        raise StoreError(f"cannot put {name} in WAL mode (journal_mode is {mode})")


def _refuse_a_non_store(conn: sqlite3.Connection, name: str, *, read_only: bool = False) -> None:
    """Raise :class:`StoreError` unless the file behind ``conn`` is an event store.

    Run before anything touches the file (a writable open would switch it to WAL and
    add tables): a foreign database, or a text file given by mistake, is refused as it
    is. An SQLite file with nothing in it (no tables, or no bytes at all) counts as
    empty: a writable open makes it a store, a read-only one refuses it. A file from
    a newer Event Workbench raises :class:`SchemaVersionError`.
    """
    try:
        applied = applied_migrations(conn)  # "file is not a database" surfaces here
        empty = not applied and conn.execute("SELECT 1 FROM sqlite_master").fetchone() is None
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if code not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            raise
        raise StoreError(_not_a_store(name, f"not an event store ({exc})", read_only)) from exc
    if not applied and not (empty and not read_only):
        raise StoreError(
            _not_a_store(name, "an SQLite database, but not an event store", read_only)
        )
    pending(applied)  # refuses a file from a newer version


def _not_a_store(name: str, why: str, read_only: bool) -> str:
    """The message of :func:`_refuse_a_non_store`: the CLI prefixes read-only ones with the
    file's name itself; a writable open says whose file it left alone."""
    return why if read_only else f"{name}: {why}; it was left unchanged"


def _read_only_connection(
    file: Path, busy_timeout_ms: int, *, immutable: bool
) -> sqlite3.Connection:
    """A ``mode=ro`` connection to ``file`` (``immutable=1`` too, if asked)."""
    uri = file.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    conn = sqlite3.connect(
        uri, uri=True, timeout=busy_timeout_ms / 1000, isolation_level=None, cached_statements=256
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


def _blocked_by_read_only_folder(exc: sqlite3.OperationalError, file: Path) -> bool:
    """Whether a read-only open failed only because SQLite cannot make ``file``'s
    ``-shm`` in its folder, so that reading the file alone is safe (see
    :meth:`EventStore._open_read_only`); refuse clearly if it is not safe.

    SQLite says so with ``SQLITE_READONLY_DIRECTORY`` when there is no ``-wal``,
    and with ``SQLITE_CANTOPEN`` when there is one it cannot pair with a ``-shm``.
    """
    code = getattr(exc, "sqlite_errorcode", None)  # None if not raised by SQLite
    folder_read_only = code == sqlite3.SQLITE_READONLY_DIRECTORY or (
        code == sqlite3.SQLITE_CANTOPEN and not os.access(file.parent, os.W_OK)
    )
    if not folder_read_only:
        return False
    wal = Path(f"{file}-wal")
    if wal.is_file() and wal.stat().st_size > 0:
        raise StoreError(
            f"cannot read {file}: its folder is read-only and it has uncheckpointed "
            f"changes in {wal}"
        ) from exc
    return True


def _check_append(stream_id: object, events: Sequence[object], expected_version: object) -> None:
    """Refuse arguments of :meth:`EventStore.append` the file would take badly.

    Why here and not in the insert: some would fail there as a bare
    ``sqlite3.IntegrityError`` naming a column, and some would be stored as they are
    (an int ``event_id``, ``True`` as a version). One combined test per event keeps
    the cost small; only an event failing it is looked at field by field.
    """
    if not isinstance(stream_id, str) or not stream_id.strip():
        raise ValueError(f"stream_id must be a non-empty string, not {stream_id!r}")
    if expected_version is not None and (
        type(expected_version) is bool or not isinstance(expected_version, int)
    ):
        raise TypeError(
            f"expected_version must be an int or None, not {type(expected_version).__name__}"
        )
    for index, event in enumerate(events):
        if not (
            type(event) is NewEvent
            and type(event.type) is str
            and event.type.strip()
            and type(event.event_id) is str
            and event.event_id
            and type(event.recorded_at) is str
            and event.recorded_at
            and type(event.schema_version) is int
            and event.schema_version > 0
            and (event.causation_id is None or type(event.causation_id) is str)
            and (event.correlation_id is None or type(event.correlation_id) is str)
        ):
            _check_event(index, event)


def _check_event(index: int, event: object) -> None:
    """Raise, naming the field, unless ``event`` is a well-formed :class:`NewEvent`.

    Reached only when the quick test of :func:`_check_append` failed; it may still
    pass (a ``str`` subclass as a type, say).
    """
    if not isinstance(event, NewEvent):
        raise TypeError(f"events[{index}] must be a NewEvent, not {type(event).__name__}")
    for field in ("type", "event_id", "recorded_at"):
        value = getattr(event, field)
        if not isinstance(value, str):
            raise TypeError(f"events[{index}].{field} must be a non-empty string, not {value!r}")
        if not (value.strip() if field == "type" else value):
            raise ValueError(f"events[{index}].{field} must be a non-empty string, not {value!r}")
    version = event.schema_version
    if type(version) is bool or not isinstance(version, int):
        raise TypeError(f"events[{index}].schema_version must be an int, not {version!r}")
    if version < 1:
        raise ValueError(f"events[{index}].schema_version must be 1 or more, not {version}")
    for field in ("causation_id", "correlation_id"):
        value = getattr(event, field)
        if value is not None and not isinstance(value, str):
            raise TypeError(f"events[{index}].{field} must be a string or None, not {value!r}")


def _to_events(rows: Sequence[Sequence[Any]]) -> list[RecordedEvent]:
    return [
        RecordedEvent(p, s, v, t, sv, decode(d), e, c, r, at)
        for (p, s, v, t, sv, d, e, c, r, at) in rows
    ]


#: Savepoint names by nesting depth, made once: one is taken per simulated command.
_SAVEPOINTS = tuple(f"wb_{depth}" for depth in range(8))
#: Their ``SAVEPOINT`` and ``RELEASE`` statements, by name.
_TAKE = {name: f"SAVEPOINT {name}" for name in _SAVEPOINTS}
_RELEASE = {name: f"RELEASE {name}" for name in _SAVEPOINTS}


class _Transaction:
    """One ``with store.transaction():`` block (see :meth:`EventStore.transaction`).

    A class rather than a generator-based context manager: the simulator opens one
    (nested) block per command, and this costs a third of the other's overhead.
    """

    __slots__ = ("_savepoint", "_store")

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._savepoint: str | None = None

    def __enter__(self) -> None:
        store = self._store
        if store._depth == 0:
            store._begin()
            store._depth = 1
        else:
            depth = store._depth
            savepoint = self._savepoint = (
                _SAVEPOINTS[depth] if depth < len(_SAVEPOINTS) else f"wb_{depth}"
            )
            store._run(_TAKE.get(savepoint) or f"SAVEPOINT {savepoint}")
            store._depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        store = self._store
        conn = store._conn
        savepoint = self._savepoint
        if savepoint is None:
            store._depth = 0
            if exc_type is not None:
                store._forget()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                return
            try:
                conn.execute("COMMIT")
            except BaseException:
                store._forget()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return
        store._depth -= 1
        if exc_type is not None:
            store._forget()
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {savepoint}")
                conn.execute(f"RELEASE {savepoint}")
            return
        store._run(_RELEASE.get(savepoint) or f"RELEASE {savepoint}")


def _dump_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    raise TypeError(type(value).__name__)  # pragma: no cover - SQLite has no other types


class EventStore:
    """The event log, snapshots, checkpoints, read models and runs of one SQLite file.

    Create it with :meth:`open`; close it with :meth:`close` or a ``with`` block.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        path: str,
        synchronous: Synchronous,
        clock: Callable[[], str],
    ) -> None:
        """Wrap an open, migrated connection; use :meth:`open` instead."""
        self._conn = conn
        # One cursor for the statements that return nothing and run once per simulated
        # command (savepoints, single appends): ``conn.execute`` makes a cursor each time.
        self._run = conn.cursor().execute
        self.path = path
        self.synchronous = synchronous
        self._clock = clock
        self._depth = 0  # nesting of transaction(); 0 = autocommit
        self._head: int | None = None  # see _forget()
        self._versions: dict[str, int] = {}
        self._stream_numbers: dict[str, int] = {}  # never change once committed
        self.stream_queries = StreamQueries.of(conn)
        self._data_version: int | None = None  # see _begin()
        self._generation = 0  # bumped whenever what the store remembers is dropped
        self._row_writes: dict[str, int] = {}  # writes to each read model's rows
        self._checkpoint_writes: dict[str, int] = {}  # saves of each consumer's checkpoint
        self._projections: dict[str, CompiledProjection] = {}
        self._db: sqlite_utils.Database | None = None

    # -- opening and closing -------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        clock: Callable[[], str] | None = None,
        create: bool = True,
        read_only: bool = False,
        cache_kib: int | None = None,
        wal_autocheckpoint: int | None = None,
    ) -> EventStore:
        """Open (creating and migrating as needed) the store in the file at ``path``.

        The file is put in WAL mode: readers never block the writer and the writer
        never blocks readers, so the CLI can inspect a file while a run writes to it.
        ``synchronous`` is chosen per use:

        * ``"FULL"``: every commit is on disk before :meth:`append` returns, even if
          the machine loses power. For files that must not lose a committed event.
        * ``"NORMAL"`` (default, for simulation runs): in WAL mode a commit survives a
          crash or kill of the process, but the last commits may be lost if the whole
          machine goes down. Much faster: no disk flush per commit.
        * ``"OFF"``: no flushes at all; for throwaway benchmark or scratch files only.

        ``busy_timeout_ms`` makes a process wait for another's write lock rather than
        fail at once. ``clock`` gives the times the store itself records (checkpoint
        updates, runs, migrations); pass the simulator's clock for reproducible files.
        ``create=False`` refuses to create a missing file (for inspection commands).
        ``cache_kib`` sizes the connection's page cache (SQLite's default: 2 MiB) and
        ``wal_autocheckpoint`` says how many pages the WAL may hold before SQLite copies
        them into the database (default 1,000); a long simulation raises both (see
        :mod:`workbench.sim.engine`). A larger WAL at ``NORMAL`` means a machine crash
        may lose more of the last commits; a killed process still loses none.
        ``read_only=True`` opens an existing file for reading only, for inspection: it
        is neither created, nor put in WAL mode, nor migrated (writes fail); a file in
        a folder nobody may write to is read as it is (see :meth:`_open_read_only`).
        Either way, an existing file that is not an event store raises
        :class:`StoreError` before anything in it is changed; an SQLite file with no
        tables at all counts as empty, and a writable open makes it a store.
        ``":memory:"`` gives a private in-memory store, for tests.
        """
        if synchronous not in get_args(Synchronous):
            raise ValueError(
                f"synchronous must be one of {get_args(Synchronous)}, not {synchronous!r}"
            )
        name = str(path)
        memory = name == ":memory:"
        if read_only:
            return cls._open_read_only(name, busy_timeout_ms, clock or utc_now)
        if not memory and not create and not Path(name).exists():
            raise FileNotFoundError(f"no event store at {name}")
        conn = sqlite3.connect(
            name,
            timeout=busy_timeout_ms / 1000,
            isolation_level=None,  # autocommit: the store says BEGIN and COMMIT itself
            cached_statements=256,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not memory:
                _refuse_a_non_store(conn, name)
                _enable_wal(conn, name, busy_timeout_ms)
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            if cache_kib is not None:
                conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
            if wal_autocheckpoint is not None and not memory:
                conn.execute(f"PRAGMA wal_autocheckpoint = {int(wal_autocheckpoint)}")
            migrate(conn, now=clock or utc_now)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path=name, synchronous=synchronous, clock=clock or utc_now)

    @classmethod
    def _open_read_only(
        cls, name: str, busy_timeout_ms: int, clock: Callable[[], str]
    ) -> EventStore:
        """Open an existing file with a ``mode=ro`` connection and check it is a store.

        A read-only connection to a WAL-mode file still needs its ``-shm`` file, and
        SQLite cannot create one in a folder it may not write to. Nobody can be
        writing the file then (a writer needs its ``-wal`` and ``-shm`` there too), so
        the file alone is the whole store, and it is read with ``immutable=1``, which
        needs neither. Unless it has a ``-wal`` with content: those commits are not in
        the file yet, and ``immutable`` would silently leave them out.
        """
        file = Path(name)
        if not file.is_file():
            raise FileNotFoundError(f"no event store at {name}")
        conn = _read_only_connection(file, busy_timeout_ms, immutable=False)
        try:
            try:
                _refuse_a_non_store(conn, name, read_only=True)
            except sqlite3.OperationalError as exc:
                if not _blocked_by_read_only_folder(exc, file):
                    raise
                conn.close()
                conn = _read_only_connection(file, busy_timeout_ms, immutable=True)
                _refuse_a_non_store(conn, name, read_only=True)
            (synchronous,) = conn.execute("PRAGMA synchronous").fetchone()
        except BaseException:
            conn.close()
            raise
        level = {0: "OFF", 1: "NORMAL"}.get(int(synchronous), "FULL")
        return cls(conn, path=name, synchronous=level, clock=clock)  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the connection; an unfinished transaction is rolled back."""
        self._conn.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventStore({self.path!r}, synchronous={self.synchronous!r})"

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for read-only SQL the store has no method for."""
        return self._conn

    # -- transactions --------------------------------------------------------------

    def transaction(self) -> _Transaction:
        """Group appends, projection writes and checkpoint updates into one transaction.

        A workload batching commands commits once per batch instead of once per
        command. Nested use joins the outer transaction (nothing is committed until
        the outermost block ends) through a savepoint: an exception leaving a block
        rolls back everything done inside that block, and, if it leaves the outermost
        block, everything. The write lock is taken at the start (``BEGIN IMMEDIATE``),
        so versions read inside the block stay true until it ends.

        >>> store = EventStore.open(":memory:")
        >>> with store.transaction():
        ...     store.save_checkpoint("c", 0)
        """
        return _Transaction(self)

    @property
    def in_transaction(self) -> bool:
        """Whether a :meth:`transaction` block is open."""
        return self._depth > 0

    # -- the event log -------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        expected_version: int | None,
    ) -> list[RecordedEvent]:
        """Append ``events`` to the stream, all or none; return them as recorded.

        ``expected_version`` is the stream's current version as the caller knows it
        (``0``: the stream must not exist yet); if the stream has moved on, nothing is
        written and :class:`ConcurrencyError` tells the actual version. ``None`` skips
        the check. Versions start at 1 and have no gaps; an ``event_id`` already in the
        file raises :class:`DuplicateEventError`.

        Arguments are checked first, each refusal naming its field: a stream id or
        event ``type``, ``event_id`` or ``recorded_at`` that is not a non-empty
        string, a ``schema_version`` that is not a positive int, an
        ``expected_version`` that is not an int (``True`` is not a version), and
        ``data`` that is not a mapping or cannot be JSON (see :func:`~.codec.encode`).
        """
        if type(events) is not list and type(events) is not tuple:
            events = tuple(events)  # checked, then written: a generator is read once
        _check_append(stream_id, events, expected_version)
        rows = self._write(stream_id, [event_fields(e) for e in events], expected_version)
        return _to_events([row[:-1] for row in rows])  # without the stream number

    def append_positions(
        self,
        stream_id: str,
        events: Sequence[EventFields],
        expected_version: int | None,
    ) -> tuple[int, int]:
        """:meth:`append`, returning only the position and version of the first event.

        The events come as plain tuples (:data:`~.records.EventFields`), not records.

        For callers that already hold what they appended (the simulator keeps the
        typed data it built): the events take the positions and versions that follow
        these, and decoding every event's JSON back into a record would be wasted.
        ``(0, 0)`` when ``events`` is empty.

        It trusts its caller: the events' fields are not checked one by one as
        :meth:`append` checks them (the simulator builds its events itself, and this
        is its hot path). What the file's constraints refuse still fails, as raw
        :mod:`sqlite3` errors.
        """
        rows = self._write(stream_id, events, expected_version)
        return (rows[0][0], rows[0][2]) if rows else (0, 0)

    def _write(
        self,
        stream_id: str,
        events: Sequence[EventFields],
        expected_version: int | None,
    ) -> list[tuple[Any, ...]]:
        """Check and insert the rows of :meth:`append`; return them as inserted."""
        if expected_version is not None and expected_version < 0:
            raise ValueError(f"expected_version must be >= 0 or None, not {expected_version}")
        if not stream_id or not isinstance(stream_id, str):
            raise ValueError(f"stream_id must be a non-empty string, not {stream_id!r}")
        conn = self._conn
        outer = self._depth == 0
        written = -1  # head before our insert, once rows may be written: what to undo
        added = False  # whether this call numbered a new stream: undone with the rows
        if outer:
            self._begin()
        current = self._versions.get(stream_id)
        number = self._stream_numbers.get(stream_id)
        try:
            if number is None:
                found = conn.execute(_FIND_STREAM, (stream_id,)).fetchone()
                if found is not None:
                    number = self._stream_numbers[stream_id] = found[0]
            if current is None:
                row = None
                if number is not None:
                    row = conn.execute(_NUMBERED_VERSION, (number,)).fetchone()
                current = 0 if row is None else row[0]
            if expected_version is not None and expected_version != current:
                raise ConcurrencyError(stream_id, expected_version, current)
            rows = []
            if events:
                head = self._head
                if head is None:
                    (head,) = conn.execute(_HEAD).fetchone()
                    head = head or 0
                # Both set before anything is written: an exception from a signal
                # handler may arrive right after the insert, and must still undo it.
                position = written = head
                if number is None:
                    added = True
                    number = self._stream_numbers[stream_id] = int(
                        self._run(_ADD_STREAM, (stream_id,)).lastrowid or 0
                    )
                version = current
                for event_type, data, schema_version, event_id, cause, correlation, at in events:
                    if type(data) is not dict and not isinstance(data, Mapping):
                        raise TypeError(f"event data must be a mapping, not {type(data).__name__}")
                    version += 1
                    position += 1
                    rows.append(
                        (
                            position,
                            stream_id,
                            version,
                            event_type,
                            schema_version,
                            encode(data),
                            event_id,
                            cause,
                            correlation,
                            at,
                            number,
                        )
                    )
                if len(rows) == 1:
                    self._run(_INSERT_EVENT, rows[0])  # cheaper than executemany for one
                else:
                    conn.executemany(_INSERT_EVENT, rows)
                self._head = position
                self._versions[stream_id] = version
            else:
                self._versions[stream_id] = current
            if outer:
                conn.execute("COMMIT")
        except BaseException as exc:
            if outer:
                self._forget()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            elif written >= 0:
                self._forget()
                if conn.in_transaction:
                    # Inside a caller's transaction: undo just this append. We hold the
                    # write lock and gave out the positions, so the rows after
                    # ``written`` are exactly the ones this call wrote.
                    conn.execute("DELETE FROM events WHERE position > ?", (written,))
                    if added:
                        conn.execute("DELETE FROM streams WHERE stream_id = ?", (stream_id,))
            if isinstance(exc, sqlite3.IntegrityError):
                error = self._integrity_error(exc, stream_id, events, expected_version)
                if error is not exc:
                    raise error from exc
            if isinstance(exc, RecursionError):  # from encode(): no cost until it fails
                raise ValueError(
                    "event data cannot be stored as JSON: it contains itself, "
                    "or is nested too deeply"
                ) from exc
            raise
        return rows

    def _begin(self) -> None:
        """Start a write transaction; forget what was remembered if others wrote since.

        While this connection holds the write lock only it can append, so the head
        position and the versions of the streams it read or wrote stay true and need
        not be read again (a batch of commands saves two queries per append). Between
        its transactions another connection may write: SQLite's ``data_version``
        changes exactly then, so what was remembered is kept only while it has not.
        """
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        (data_version,) = conn.execute("PRAGMA data_version").fetchone()
        if data_version != self._data_version:
            self._forget()
            self._data_version = data_version

    def _forget(self) -> None:
        """Drop what the store remembered about the log (after a rollback, or when
        another connection wrote), so it is read again; see :meth:`_begin`."""
        self._head = None
        self._versions.clear()
        # A rollback may have undone the numbering of a new stream: a number kept
        # after that could be given again, to another stream.
        self._stream_numbers.clear()
        self._generation += 1

    def consumer_token(self, name: str, consumer: str) -> tuple[int, int, int]:
        """Changes whenever read model ``name``'s rows or ``consumer``'s checkpoint may
        have changed other than by the caller's own last writes: a consumer that keeps
        rows and its checkpoint in memory compares tokens to know they are still true.

        Writes through the store's methods count (any caller's), and so does any
        rollback and any write by another connection, as seen by the next transaction.
        """
        return (
            self._generation,
            self._row_writes.get(name, 0),
            self._checkpoint_writes.get(consumer, 0),
        )

    def _rows_written(self, name: str) -> None:
        self._row_writes[name] = self._row_writes.get(name, 0) + 1

    def _integrity_error(
        self,
        exc: sqlite3.IntegrityError,
        stream_id: str,
        events: Sequence[EventFields],
        expected_version: int | None,
    ) -> Exception:
        """Say which promise a failed insert broke, in the store's own words."""
        message = str(exc)
        if "events.event_id" in message:
            seen: set[str] = set()
            for event in events:
                event_id = event[3]
                if event_id in seen or self._event_id_exists(event_id):
                    return DuplicateEventError(event_id)
                seen.add(event_id)
        if "events.stream_no" in message:  # someone wrote the same version first
            actual = self.stream_version(stream_id)
            return ConcurrencyError(
                stream_id, actual if expected_version is None else expected_version, actual
            )
        return exc

    def _event_id_exists(self, event_id: str) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone()
            is not None
        )

    def stream_version(self, stream_id: str) -> int:
        """The stream's current version: its number of events, 0 if it doesn't exist.

        Inside a :meth:`transaction` a version read or written once is known without
        asking SQLite again (see :meth:`_forget`): a command loads its stream before
        deciding and appends to it after, and a batch of commands comes back to the
        same streams; each of those would otherwise be a query.
        """
        if self._depth:
            known = self._versions.get(stream_id)
            if known is None:
                row = self._conn.execute(self.stream_queries.version, (stream_id,)).fetchone()
                # True until the transaction ends: it holds the write lock.
                known = self._versions[stream_id] = 0 if row is None else int(row[0])
            return known
        row = self._conn.execute(self.stream_queries.version, (stream_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        """The stream's events with ``version >= from_version``, in version order."""
        rows = self._conn.execute(self.stream_queries.read, (stream_id, from_version)).fetchall()
        return _to_events(rows)

    def read_all(self, from_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """At most ``limit`` events with ``position > from_position``, in position order.

        Page through the log by passing the last position seen::

            >>> store = EventStore.open(":memory:")
            >>> store.read_all(from_position=0, limit=10)
            []
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit}")
        params = (_clamp(from_position), _clamp(limit))
        return _to_events(self._conn.execute(_READ_ALL, params).fetchall())

    def iter_all(self, from_position: int = 0, page_size: int = 1000) -> Iterator[RecordedEvent]:
        """Every event after ``from_position``, fetched ``page_size`` at a time.

        Memory stays bounded on long logs; each page is a fresh read, so events
        appended while iterating are included if they land before the last page.
        """
        position = from_position
        while True:
            page = self.read_all(position, page_size)
            yield from page
            if len(page) < page_size:
                return
            position = page[-1].position

    def iter_payloads(
        self,
        from_position: int = 0,
        types: Collection[str] | None = None,
        page_size: int = 1000,
    ) -> Iterator[tuple[int, str, str, int, Any, str]]:
        """``(position, stream_id, type, schema_version, data, recorded_at)`` of every
        event after ``from_position`` (of the given ``types`` only, if given), in order.

        For a consumer replaying the log: only the columns it needs, no record per
        event, and events of types it ignores are never decoded (nor read, with
        ``types``). ``data`` is decoded as :attr:`RecordedEvent.data` is.
        """
        where = ""
        params: list[Any] = []
        if types is not None:
            wanted = sorted(set(types))
            if not wanted:
                return
            where = f" AND type IN ({', '.join('?' for _ in wanted)})"
            params = list(wanted)
        sql = (
            "SELECT position, stream_id, type, schema_version, data, recorded_at FROM events "
            f"WHERE position > ?{where} ORDER BY position LIMIT ?"
        )
        position = _clamp(from_position)
        page_size = _clamp(page_size)
        execute = self._conn.execute
        while True:
            page = execute(sql, (position, *params, page_size)).fetchall()
            for p, s, t, v, d, at in page:
                yield p, s, t, v, decode(d), at
            if len(page) < page_size:
                return
            position = page[-1][0]

    def head_position(self) -> int:
        """The position of the last event in the file, 0 if there is none."""
        if self._depth and self._head is not None:
            return self._head  # known inside a transaction that appended (see _forget)
        (head,) = self._conn.execute(_HEAD).fetchone()
        return int(head or 0)

    def streams(self) -> list[StreamInfo]:
        """A summary of every stream, ordered by stream id."""
        rows = self._conn.execute(self.stream_queries.summaries).fetchall()
        return [
            StreamInfo(sid, version, count, first, last, tuple(sorted(decode(types))))
            for sid, version, count, first, last, types in rows
        ]

    # -- snapshots -----------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store a snapshot (replacing one of the same stream and version).

        Refused for a version the stream hasn't reached: a snapshot must describe
        events that exist, or loading it would skip events never written.
        """
        with self.transaction():
            current = self.stream_version(snapshot.stream_id)
            if not 1 <= snapshot.version <= current:
                raise ValueError(
                    f"snapshot of stream {snapshot.stream_id!r} at version {snapshot.version}, "
                    f"but the stream is at version {current}"
                )
            self._conn.execute(
                "INSERT OR REPLACE INTO snapshots (stream_id, version, state, recorded_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    snapshot.stream_id,
                    snapshot.version,
                    encode(snapshot.state),
                    snapshot.recorded_at,
                ),
            )

    def latest_snapshot(self, stream_id: str) -> Snapshot | None:
        """The stream's snapshot with the highest version, if any (one index probe)."""
        row = self._conn.execute(
            "SELECT stream_id, version, state, recorded_at FROM snapshots "
            "WHERE stream_id = ? ORDER BY version DESC LIMIT 1",
            (stream_id,),
        ).fetchone()
        return None if row is None else Snapshot(row[0], row[1], decode(row[2]), row[3])

    def snapshots(self, stream_id: str | None = None) -> list[Snapshot]:
        """Every snapshot (of one stream, if given), by stream id then version."""
        sql = "SELECT stream_id, version, state, recorded_at FROM snapshots"
        params: tuple[str, ...] = ()
        if stream_id is not None:
            sql += " WHERE stream_id = ?"
            params = (stream_id,)
        rows = self._conn.execute(sql + " ORDER BY stream_id, version", params).fetchall()
        return [Snapshot(s, v, decode(state), at) for s, v, state, at in rows]

    # -- checkpoints ---------------------------------------------------------------

    def checkpoint(self, consumer: str) -> int:
        """The last position ``consumer`` has processed; 0 if it never saved one."""
        row = self._conn.execute(
            "SELECT position FROM checkpoints WHERE consumer = ?", (consumer,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def save_checkpoint(
        self, consumer: str, position: int, *, updated_at: str | None = None
    ) -> None:
        """Record that ``consumer`` has processed every event up to ``position``.

        Save it in the same :meth:`transaction` as the consumer's own writes (a
        projection's rows, say) and the two can never disagree after a crash.
        A position past the head of the log is refused: the consumer would skip the
        events later appended up to it, never having seen them.
        """
        if type(position) is bool or not isinstance(position, int):
            raise TypeError(f"position must be an int, not {type(position).__name__}")
        if position < 0:
            raise ValueError(f"position must be >= 0, not {position}")
        if position > 0:
            head = self.head_position()  # known without a query inside a transaction
            if position > head:
                raise ValueError(
                    f"checkpoint of {consumer!r} at position {position}, "
                    f"but the log ends at position {head}"
                )
        self._checkpoint_writes[consumer] = self._checkpoint_writes.get(consumer, 0) + 1
        self._conn.execute(
            "INSERT INTO checkpoints (consumer, position, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, "
            "updated_at = excluded.updated_at",
            (consumer, position, updated_at or self._clock()),
        )

    def checkpoints(self) -> list[Checkpoint]:
        """Every consumer's checkpoint, by consumer name."""
        rows = self._conn.execute(
            "SELECT consumer, position, updated_at FROM checkpoints ORDER BY consumer"
        ).fetchall()
        return [Checkpoint(*row) for row in rows]

    # -- dead letters --------------------------------------------------------------

    def add_dead_letter(
        self,
        consumer: str,
        position: int,
        event_id: str,
        error: str,
        *,
        attempts: int = 1,
        recorded_at: str | None = None,
    ) -> int:
        """Park an event ``consumer`` failed on (after ``attempts`` tries); return its id.

        Why park rather than stop: one poison event should not halt a projection;
        it is kept with its error for inspection and a later :meth:`mark_replayed`.
        """
        cursor = self._conn.execute(
            "INSERT INTO dead_letters (consumer, position, event_id, error, attempts, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (consumer, position, event_id, error, attempts, recorded_at or self._clock()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def dead_letters(
        self, consumer: str | None = None, *, pending_only: bool = False
    ) -> list[DeadLetter]:
        """Dead letters (of one consumer, if given; not yet replayed, if asked), by id."""
        clauses, params = [], []
        if consumer is not None:
            clauses.append("consumer = ?")
            params.append(consumer)
        if pending_only:
            clauses.append("replayed_at IS NULL")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._conn.execute(
            "SELECT id, consumer, position, event_id, error, attempts, recorded_at, replayed_at "
            f"FROM dead_letters{where} ORDER BY id",
            params,
        ).fetchall()
        return [DeadLetter(*row) for row in rows]

    def mark_replayed(self, dead_letter_id: int, *, replayed_at: str | None = None) -> None:
        """Record that a dead letter was processed after all."""
        cursor = self._conn.execute(
            "UPDATE dead_letters SET replayed_at = ? WHERE id = ?",
            (replayed_at or self._clock(), dead_letter_id),
        )
        if cursor.rowcount == 0:
            raise LookupError(f"no dead letter with id {dead_letter_id}")

    # -- inbox ---------------------------------------------------------------------

    def inbox_seen(self, consumer: str, event_id: str) -> bool:
        """Whether ``consumer`` already processed the event ``event_id``."""
        row = self._conn.execute(
            "SELECT 1 FROM inbox WHERE consumer = ? AND event_id = ?", (consumer, event_id)
        ).fetchone()
        return row is not None

    def inbox_add(self, consumer: str, event_id: str) -> bool:
        """Mark the event processed by ``consumer``; ``False`` if it already was.

        For effectively-once consumers: in one :meth:`transaction`, call this and
        apply the event's effects only if it returns ``True``; a redelivered event is
        then recognised and skipped.
        """
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO inbox (consumer, event_id) VALUES (?, ?)", (consumer, event_id)
        )
        return cursor.rowcount > 0

    # -- runs ----------------------------------------------------------------------

    def start_run(
        self,
        model: str,
        *,
        seed: int | None = None,
        kind: str = "simulation",
        started_at: str | None = None,
    ) -> int:
        """Record the start of a run of ``model``; return the run's id."""
        cursor = self._conn.execute(
            "INSERT INTO runs (started_at, model, seed, kind) VALUES (?, ?, ?, ?)",
            (started_at or self._clock(), model, seed, kind),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(
        self, run_id: int, summary: Mapping[str, Any], *, finished_at: str | None = None
    ) -> None:
        """Record the end of run ``run_id`` with its ``summary`` (stored as JSON)."""
        cursor = self._conn.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
            (finished_at or self._clock(), encode(summary), run_id),
        )
        if cursor.rowcount == 0:
            raise LookupError(f"no run with id {run_id}")

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        rows = self._conn.execute(
            "SELECT id, started_at, finished_at, model, seed, kind, summary FROM runs ORDER BY id"
        ).fetchall()
        return [
            RunInfo(i, start, end, model, seed, kind, None if summary is None else decode(summary))
            for i, start, end, model, seed, kind, summary in rows
        ]

    # -- projections (read models) -------------------------------------------------

    def _schema_db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._db = sqlite_utils.Database(
                self._conn, recursive_triggers=False, execute_plugins=False
            )
        return self._db

    def _registered(self, name: str) -> ProjectionTable | None:
        # SELECT *: a file of an older format, opened read-only, has no ``handlers``.
        cursor = self._conn.execute("SELECT * FROM _projections WHERE name = ?", (name,))
        row = cursor.fetchone()
        if row is None:
            return None
        found = dict(zip((d[0] for d in cursor.description), row, strict=True))
        return ProjectionTable(
            name=found["name"],
            table=found["table_name"],
            columns=tuple((c, t) for c, t in decode(found["columns"])),
            key=tuple(decode(found["key"])),
            handlers=found.get("handlers"),
        )

    def _compiled(self, name: str) -> CompiledProjection:
        compiled = self._projections.get(name)
        if compiled is None:
            definition = self._registered(name)
            if definition is None:
                raise UnknownProjectionError(f"no projection named {name!r}")
            compiled = self._projections[name] = CompiledProjection(definition)
        return compiled

    def ensure_projection_table(
        self,
        name: str,
        columns: Mapping[str, str],
        key: Sequence[str],
        *,
        handlers: str | None = None,
    ) -> ProjectionTable:
        """Create the typed table of projection ``name`` unless it exists already.

        ``columns`` maps column names to field types (``str int float decimal bool
        date datetime uuid``, ``T?`` for optional, anything else stored as JSON);
        ``key`` names the primary-key columns. Calling it again with the same
        definition does nothing; with another definition it raises
        :class:`ProjectionSchemaError` (use :meth:`rebuild_projection`). ``handlers``
        is the caller's digest of how the rows are computed: given, a table recorded
        with another digest (or none) is another definition too.

        >>> store = EventStore.open(":memory:")
        >>> store.ensure_projection_table("BookInventory", {"id": "str", "copies": "int"}, ["id"]).table
        'rm_book_inventory'
        """
        wanted = dataclasses.replace(define(name, columns, key), handlers=handlers)
        self._rows_written(name)
        with self.transaction():
            existing = self._registered(name)
            if existing is not None:
                if (existing.columns, existing.key) != (wanted.columns, wanted.key):
                    raise ProjectionSchemaError(
                        f"projection {name!r} exists with another definition "
                        f"(columns {dict(existing.columns)}, key {list(existing.key)}); "
                        "rebuild_projection() replaces it"
                    )
                if handlers is not None and existing.handlers != handlers:
                    raise ProjectionSchemaError(
                        f"projection {name!r} exists, filled by other handlers; "
                        "rebuild_projection() replaces it"
                    )
                if not self._schema_db().table(existing.table).exists():
                    self._create_projection_table(existing)
                return existing
            self._create_projection_table(wanted)
            self._conn.execute(
                "INSERT INTO _projections (name, table_name, columns, key, created_at, handlers) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    wanted.name,
                    wanted.table,
                    encode([list(c) for c in wanted.columns]),
                    encode(list(wanted.key)),
                    self._clock(),
                    wanted.handlers,
                ),
            )
        self._projections.pop(name, None)
        return wanted

    def _create_projection_table(self, definition: ProjectionTable) -> None:
        owner = self._conn.execute(
            "SELECT name FROM _projections WHERE table_name = ? AND name != ?",
            (definition.table, definition.name),
        ).fetchone()
        if owner is not None:
            raise ProjectionSchemaError(
                f"projections {owner[0]!r} and {definition.name!r} would share table {definition.table!r}"
            )
        compiled = CompiledProjection(definition)
        self._schema_db().table(definition.table).create(
            {c: ct.sql_type for c, ct in compiled.types.items()},
            pk=definition.key[0] if len(definition.key) == 1 else definition.key,
            not_null=list(definition.key),
        )

    def projection(self, name: str) -> ProjectionTable:
        """The definition of projection ``name``."""
        return self._compiled(name).definition

    def projections(self) -> list[ProjectionTable]:
        """Every projection in the file, by name."""
        names = [n for (n,) in self._conn.execute("SELECT name FROM _projections ORDER BY name")]
        return [self.projection(n) for n in names]

    def drop_projection(self, name: str) -> None:
        """Drop the projection's table and forget it; nothing happens if it doesn't exist."""
        self._rows_written(name)
        with self.transaction():
            existing = self._registered(name)
            if existing is not None:
                self._conn.execute(f"DROP TABLE IF EXISTS {quote(existing.table)}")
                self._conn.execute("DELETE FROM _projections WHERE name = ?", (name,))
        self._projections.pop(name, None)

    def rebuild_projection(
        self,
        name: str,
        columns: Mapping[str, str] | None = None,
        key: Sequence[str] | None = None,
        *,
        consumer: str | None = None,
        handlers: str | None = None,
    ) -> ProjectionTable:
        """Empty the projection's table (recreating it, with a new definition if given).

        Read models are derived data: to change one, drop it and replay the log. Pass
        the projection's ``consumer`` to reset its checkpoint to 0 in the same
        transaction, so the table and the checkpoint never disagree.
        """
        with self.transaction():
            if columns is None or key is None:
                existing = self._registered(name)
                if existing is None:
                    raise UnknownProjectionError(f"no projection named {name!r}")
                columns = dict(existing.columns) if columns is None else columns
                key = existing.key if key is None else key
            self.drop_projection(name)
            definition = self.ensure_projection_table(name, columns, key, handlers=handlers)
            if consumer is not None:
                self.save_checkpoint(consumer, 0)
        return definition

    def upsert_row(
        self, name: str, key_values: Mapping[str, Any], values: Mapping[str, Any]
    ) -> None:
        """Insert a read-model row, or set ``values`` on the row with that key.

        >>> store = EventStore.open(":memory:")
        >>> _ = store.ensure_projection_table("Stock", {"id": "str", "n": "int?"}, ["id"])
        >>> store.upsert_row("Stock", {"id": "b1"}, {"n": 2})
        >>> store.rows("Stock")
        [{'id': 'b1', 'n': 2}]
        """
        self._rows_written(name)
        self._compiled(name).upsert(self._conn, key_values, values)

    def update_row(
        self, name: str, key_values: Mapping[str, Any], values: Mapping[str, Any]
    ) -> bool:
        """Set ``values`` on the row with that key; ``False`` if there is no such row."""
        self._rows_written(name)
        return self._compiled(name).update(self._conn, key_values, values)

    def write_rows(
        self,
        name: str,
        rows: Iterable[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
    ) -> None:
        """Write final row states: ``(key, values)`` upserts, ``(key, None)`` deletes.

        For a consumer that gathered a batch of changes in memory: one statement per
        shape for the whole batch. Each key at most once.
        """
        self._rows_written(name)
        self._compiled(name).write_many(self._conn, rows)

    def row_key(self, name: str, key_values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row key as stored (checked and converted): equal tuples, same row."""
        return tuple(self._compiled(name).key_params(key_values))

    def delete_row(self, name: str, key_values: Mapping[str, Any]) -> bool:
        """Delete the row with that key; ``False`` if there was none."""
        self._rows_written(name)
        return self._compiled(name).delete(self._conn, key_values)

    def get_row(self, name: str, key_values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The row with that key, as Python values (JSON parsed, bools as bool), or None."""
        return self._compiled(name).get(self._conn, key_values)

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Every row of the read model as Python values, ordered by key."""
        return self._compiled(name).rows(self._conn)

    # -- whole-file views ----------------------------------------------------------

    def dump(self) -> str:
        """Every table's columns and rows as text, identical for identical contents.

        Tables by name; rows ordered by all their columns; each row a JSON array.
        Left out: when migrations were applied and when projections were created,
        which record the file's history, not its contents. Tests compare two files
        with it byte for byte.
        """
        conn = self._conn
        encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_dump_default)
        lines: list[str] = []
        own = self._depth == 0
        if own:
            conn.execute("BEGIN")  # one read snapshot for the whole dump
        try:
            tables = [
                t
                for (t,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
                )
            ]
            for table in tables:
                skip = _DUMP_SKIP.get(table, set())
                info = conn.execute(f"PRAGMA table_info({quote(table)})").fetchall()
                cols = [(row[1], row[2]) for row in info if row[1] not in skip]
                lines.append(
                    f"## {table} (" + ", ".join(f"{c} {t}".rstrip() for c, t in cols) + ")"
                )
                select = ", ".join(quote(c) for c, _ in cols)
                order = ", ".join(str(i) for i in range(1, len(cols) + 1))
                for row in conn.execute(f"SELECT {select} FROM {quote(table)} ORDER BY {order}"):
                    lines.append(encoder.encode(list(row)))
        finally:
            if own:
                conn.execute("COMMIT")
        return "\n".join(lines) + "\n"
