"""The embedded SQLite event store: event log, snapshots, checkpoints and read models.

Everything a caller needs is exported here::

    from workbench.store import EventStore, NewEvent

    with EventStore.open("run.db") as store:
        store.append("book-1", [NewEvent(...)], expected_version=0)

See :mod:`workbench.store.eventstore` for the design, :mod:`.projections` for read-model
tables, :mod:`.schema` for migrations and :mod:`.inspect` for the CLI's listings.
"""

from .codec import decode, encode
from .eventstore import EventStore, Synchronous, utc_now
from .projections import column_type, projection_table_name, sql_type
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
    SchemaVersionError,
    Snapshot,
    StoreError,
    StreamInfo,
    UnknownProjectionError,
    event_fields,
)
from .schema import MIGRATIONS, applied_migrations, migrate

__all__ = [
    "MIGRATIONS",
    "Checkpoint",
    "ConcurrencyError",
    "DeadLetter",
    "DuplicateEventError",
    "EventFields",
    "EventStore",
    "NewEvent",
    "ProjectionSchemaError",
    "ProjectionTable",
    "RecordedEvent",
    "RunInfo",
    "SchemaVersionError",
    "Snapshot",
    "StoreError",
    "StreamInfo",
    "Synchronous",
    "UnknownProjectionError",
    "applied_migrations",
    "column_type",
    "decode",
    "encode",
    "event_fields",
    "migrate",
    "projection_table_name",
    "sql_type",
    "utc_now",
]
