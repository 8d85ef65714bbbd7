"""The file's schema, built by numbered migrations recorded in ``_migrations``.

Why migrations rather than one ``CREATE TABLE IF NOT EXISTS`` script: files outlive the
program that wrote them. A file made by an older Event Workbench is upgraded step by
step when it is opened, and a new file is made by running the very same steps, so an
upgraded file and a fresh one have identical schemas. Each applied step is recorded
as a row ``(name, applied_at)`` in ``_migrations``; a recorded step is never run again,
so applying twice is harmless::

    >>> import sqlite3
    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> migrate(conn, now=lambda: "2024-01-01T00:00:00+00:00")
    ['0001_events_snapshots_checkpoints_runs', '0002_dead_letters_inbox', '0003_projections', '0004_scheduled', '0005_projection_handlers', '0006_stream_numbers']
    >>> migrate(conn, now=lambda: "2024-01-01T00:00:00+00:00")
    []

Tables are created with sqlite-utils (its ``Table.create`` and ``create_index``), which
keeps each step a few readable lines. sqlite-utils 4 has a ``Migrations`` class of its
own; we keep this small runner because the file records its steps in ``_migrations``
(name, applied_at), takes the time from the store's clock, refuses files from a newer
version, and upgrades under one ``BEGIN IMMEDIATE`` so two processes opening the same
new file cannot both create it (the second waits, then finds nothing left to do).

Add a step by appending to :data:`MIGRATIONS`; never edit or reorder a released one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import sqlite_utils

from .records import SchemaVersionError

__all__ = ["MIGRATIONS", "Migration", "applied_migrations", "migrate", "pending"]

#: A migration: its recorded name and the function applying it to the database.
Migration = tuple[str, Callable[[sqlite_utils.Database], None]]

MIGRATIONS_TABLE = "_migrations"


def _events_snapshots_checkpoints_runs(db: sqlite_utils.Database) -> None:
    """The event log itself and what a first simulation run needs around it."""
    db.table("events").create(
        {
            # INTEGER PRIMARY KEY is the rowid: the global order of the log.
            "position": int,
            "stream_id": str,
            "version": int,
            "type": str,
            "schema_version": int,
            "data": str,  # JSON
            "event_id": str,
            "causation_id": str,
            "correlation_id": str,
            "recorded_at": str,  # ISO-8601
        },
        pk="position",
        not_null=[
            "stream_id",
            "version",
            "type",
            "schema_version",
            "data",
            "event_id",
            "recorded_at",
        ],
    )
    # The optimistic-concurrency guard, and the index that makes "current version of
    # a stream" and "read a stream" cheap.
    db.table("events").create_index(["stream_id", "version"], "events_stream_version", unique=True)
    db.table("events").create_index(["event_id"], "events_event_id", unique=True)
    db.table("snapshots").create(
        {"stream_id": str, "version": int, "state": str, "recorded_at": str},
        pk=("stream_id", "version"),  # latest per stream = last entry of the key index
        not_null=["state", "recorded_at"],
    )
    db.table("checkpoints").create(
        {"consumer": str, "position": int, "updated_at": str},
        pk="consumer",
        not_null=["position", "updated_at"],
    )
    db.table("runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "model": str,
            "seed": int,
            "kind": str,
            "summary": str,  # JSON
        },
        pk="id",
        not_null=["started_at", "model", "kind"],
    )


def _dead_letters_inbox(db: sqlite_utils.Database) -> None:
    """What consumers need to survive poison events and to process effectively once."""
    db.table("dead_letters").create(
        {
            "id": int,
            "consumer": str,
            "position": int,
            "event_id": str,
            "error": str,
            "attempts": int,
            "recorded_at": str,
            "replayed_at": str,
        },
        pk="id",
        not_null=["consumer", "position", "event_id", "error", "attempts", "recorded_at"],
    )
    db.table("dead_letters").create_index(["consumer", "position"], "dead_letters_consumer")
    db.table("inbox").create({"consumer": str, "event_id": str}, pk=("consumer", "event_id"))


def _projections(db: sqlite_utils.Database) -> None:
    """The registry of read-model tables, so any process can decode their rows."""
    db.table("_projections").create(
        {
            "name": str,
            "table_name": str,
            "columns": str,  # JSON list of [column, field type]
            "key": str,  # JSON list of key columns
            "created_at": str,
        },
        pk="name",
        not_null=["table_name", "columns", "key", "created_at"],
    )
    db.table("_projections").create_index(["table_name"], "_projections_table_name", unique=True)


def _scheduled(db: sqlite_utils.Database) -> None:
    """Delayed commands a policy issued that are not due yet, so a run added to the file
    (``simulate --continue``) runs them when its clock gets there."""
    db.table("scheduled").create(
        {
            "id": int,  # the order they were scheduled in: ties of ``due`` run first in
            "due": str,
            "command": str,
            "fields": str,  # JSON
            "command_id": str,
            "causation_id": str,
            "correlation_id": str,
            "policy": str,
            "depth": int,
            "chain": str,  # JSON list
        },
        pk="id",
        not_null=["due", "command", "fields", "command_id", "correlation_id", "policy", "depth"],
    )


def _projection_handlers(db: sqlite_utils.Database) -> None:
    """A digest of how each read model computes its rows, beside its columns: a read
    model whose handlers changed with the same columns must be rebuilt too."""
    db.table("_projections").add_column("handlers", str)


def _stream_numbers(db: sqlite_utils.Database) -> None:
    """Number the streams, and guard versions by (stream number, version).

    The unique index that guards a stream's versions is written on every append. On
    the text stream id it was the dearest part of an insert (its keys are long, its
    pages fill fast); on an integer it costs a third as much, and a stream's id is
    kept once in ``streams``. ``events.stream_id`` stays, so SQL written against the
    log still reads naturally; lookups by stream go through ``streams``. Existing
    streams are numbered in the order of their first event, as appends number them.
    """
    db.table("streams").create(
        {"stream_no": int, "stream_id": str}, pk="stream_no", not_null=["stream_id"]
    )
    db.table("streams").create_index(["stream_id"], "streams_stream_id", unique=True)
    db.execute(
        "INSERT INTO streams (stream_id) "
        "SELECT stream_id FROM events GROUP BY stream_id ORDER BY MIN(position)"
    )
    # SQLite cannot add a NOT NULL column without a default, so the table is rebuilt.
    # No default on purpose: an insert that leaves the number out (an older Event
    # Workbench still writing the file, hand-written SQL) fails loudly instead of
    # adding rows no stream lookup finds. By hand rather than with sqlite-utils'
    # ``transform``, whose introspection made opening a fresh store (once per scenario)
    # twice as dear again.
    db.table("events_numbered").create(
        {
            "position": int,
            "stream_id": str,
            "stream_no": int,
            "version": int,
            "type": str,
            "schema_version": int,
            "data": str,
            "event_id": str,
            "causation_id": str,
            "correlation_id": str,
            "recorded_at": str,
        },
        pk="position",
        not_null=[
            "stream_id",
            "stream_no",
            "version",
            "type",
            "schema_version",
            "data",
            "event_id",
            "recorded_at",
        ],
    )
    db.execute(
        "INSERT INTO events_numbered SELECT e.position, e.stream_id, s.stream_no, e.version, "
        "e.type, e.schema_version, e.data, e.event_id, e.causation_id, e.correlation_id, "
        "e.recorded_at FROM events e JOIN streams s ON s.stream_id = e.stream_id "
        "ORDER BY e.position"
    )
    db.execute("DROP TABLE events")  # and its indexes
    db.execute("ALTER TABLE events_numbered RENAME TO events")
    db.table("events").create_index(["event_id"], "events_event_id", unique=True)
    db.table("events").create_index(
        ["stream_no", "version"], "events_stream_no_version", unique=True
    )


#: Every migration, in the order they are applied. Append only.
MIGRATIONS: tuple[Migration, ...] = (
    ("0001_events_snapshots_checkpoints_runs", _events_snapshots_checkpoints_runs),
    ("0002_dead_letters_inbox", _dead_letters_inbox),
    ("0003_projections", _projections),
    ("0004_scheduled", _scheduled),
    ("0005_projection_handlers", _projection_handlers),
    ("0006_stream_numbers", _stream_numbers),
)


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in the file, in the order they were applied.

    >>> applied_migrations(sqlite3.connect(":memory:"))
    []
    """
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if exists is None:
        return []
    rows = conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid").fetchall()
    return [name for (name,) in rows]


def pending(
    applied: Sequence[str], migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """The migrations still to run; refuse a file that knows steps we don't."""
    known = {name for name, _ in migrations}
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise SchemaVersionError(
            f"the file has migrations this version does not know ({', '.join(unknown)}): "
            "it was written by a newer Event Workbench"
        )
    done = set(applied)
    return [m for m in migrations if m[0] not in done]


def migrate(
    conn: sqlite3.Connection,
    *,
    now: Callable[[], str],
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[str]:
    """Apply the pending ``migrations`` in one transaction; return the names applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``) and outside a
    transaction. The cheap check runs first without taking the write lock, so opening
    an up-to-date file never waits for a busy writer. Pass a prefix of
    :data:`MIGRATIONS` to build an older file (the upgrade tests do).
    """
    if conn.in_transaction:
        raise RuntimeError("migrate() must be called outside a transaction")
    if not pending(applied_migrations(conn), migrations):
        return []
    db = sqlite_utils.Database(conn, recursive_triggers=False, execute_plugins=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the lock: look again.
        todo = pending(applied_migrations(conn), migrations)
        if todo:
            db.table(MIGRATIONS_TABLE).create(
                {"name": str, "applied_at": str},
                pk="name",
                not_null=["applied_at"],
                if_not_exists=True,
            )
        for name, apply in todo:
            apply(db)
            conn.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                (name, now()),
            )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return [name for name, _ in todo]
