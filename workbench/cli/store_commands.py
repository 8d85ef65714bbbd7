"""``workbench store``: look inside an event store file.

``store streams|events|stream|read-model|snapshots|checkpoints|dead-letters|runs DB``
lists what a file holds, as an aligned table, JSON or CSV. It opens the file
read-only: inspecting never creates, migrates or changes a file.

Exit codes: 0 fine; 2 bad usage or a file that cannot be used as a store.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from workbench.model.diagnostics import did_you_mean
from workbench.store import EventStore, StoreError
from workbench.store.inspect import (
    EVENT_COLUMNS,
    checkpoints_rows,
    dead_letters_rows,
    events_rows,
    format_rows,
    read_model_rows,
    runs_rows,
    snapshots_rows,
    stream_rows,
    streams_rows,
)

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD_INPUT)


FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
DB_ARGUMENT = click.argument("db", type=click.Path(path_type=Path))


@click.group("store")
def store_group() -> None:
    """Look inside an event store file (read-only): streams, events, read models, runs."""


@contextmanager
def _inspect(db: Path) -> Iterator[EventStore]:
    """The store at ``db`` opened read-only; unusable files exit 2 with a clear message."""
    if db.is_dir():
        _fail(f"{db}: is a directory, not an event store file")
    if db.is_file() and db.stat().st_size == 0:
        _fail(f"{db}: the file is empty, not an event store")
    try:
        store = EventStore.open(db, read_only=True)
    except FileNotFoundError:
        _fail(f"{db}: no such file")
    except StoreError as error:
        _fail(f"{db}: {error}")
    except sqlite3.Error as error:
        _fail(f"{db}: not an event store ({error})")
    try:
        yield store
    except sqlite3.Error as error:
        _fail(f"{db}: cannot read the store ({error})")
    finally:
        store.close()


def _print(rows: list[dict[str, Any]], output_format: str, columns: Any = None) -> None:
    click.echo(format_rows(rows, output_format, columns=columns))  # type: ignore[arg-type]


@store_group.command("streams")
@DB_ARGUMENT
@FORMAT_OPTION
def streams_command(db: Path, output_format: str) -> None:
    """Every stream: version, event count, first and last position, event types."""
    with _inspect(db) as store:
        columns = ("stream_id", "version", "events", "first_position", "last_position", "types")
        _print(streams_rows(store), output_format, columns)


@store_group.command("events")
@DB_ARGUMENT
@click.option(
    "--from",
    "from_position",
    type=click.IntRange(min=0),
    default=0,
    help="Only events after this position.",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many events.")
@click.option("--type", "event_type", metavar="TYPE", help="Only events of this type.")
@FORMAT_OPTION
def events_command(
    db: Path, from_position: int, limit: int | None, event_type: str | None, output_format: str
) -> None:
    """The event log in position order."""
    with _inspect(db) as store:
        if event_type is None:
            rows = events_rows(store, from_position=from_position, limit=limit)
        else:
            rows = []
            for event in store.iter_all(from_position):
                if event.type == event_type:
                    rows.append(_event_row(event))
                    if limit is not None and len(rows) >= limit:
                        break
            if not rows:
                known = sorted({t for info in store.streams() for t in info.types})
                if event_type not in known:
                    hint = (
                        did_you_mean(event_type, known) or f"types in the store: {', '.join(known)}"
                    )
                    click.echo(f"no events of type {event_type!r} ({hint})", err=True)
        _print(rows, output_format, EVENT_COLUMNS)


def _event_row(event: Any) -> dict[str, Any]:
    return {column: getattr(event, column) for column in EVENT_COLUMNS}


@store_group.command("stream")
@DB_ARGUMENT
@click.argument("stream_id", metavar="ID")
@FORMAT_OPTION
def stream_command(db: Path, stream_id: str, output_format: str) -> None:
    """The events of one stream (its id as "store streams" shows it), by version."""
    with _inspect(db) as store:
        rows = stream_rows(store, stream_id)
        if not rows:
            _fail(f"{db}: no stream '{stream_id}' (see: workbench store streams {db})")
        _print(rows, output_format, EVENT_COLUMNS)


@store_group.command("read-model")
@DB_ARGUMENT
@click.argument("name")
@FORMAT_OPTION
def read_model_command(db: Path, name: str, output_format: str) -> None:
    """The rows of read model NAME (its name in the model, or its table)."""
    with _inspect(db) as store:
        definitions = store.projections()
        chosen = _choose_read_model(name, [(d.name, d.table) for d in definitions])
        if chosen is None:
            names = [d.name for d in definitions]
            hint = did_you_mean(name, names)
            listed = ", ".join(names) or "none"
            _fail(
                f"{db}: no read model '{name}' (read models: {listed})"
                + (f"; {hint}" if hint else "")
            )
            return  # pragma: no cover - _fail exits
        definition = store.projection(chosen)
        _print(read_model_rows(store, chosen), output_format, [c for c, _ in definition.columns])


def _choose_read_model(name: str, known: list[tuple[str, str]]) -> str | None:
    """The registered read model ``name`` means: by name, by table, or its latest version."""
    for registered, table in known:
        if name in (registered, table):
            return registered
    versions = [r for r, _ in known if r.startswith(f"{name}_v") and r[len(name) + 2 :].isdigit()]
    if versions:
        return max(versions, key=lambda r: int(r[len(name) + 2 :]))
    lowered = [r for r, _ in known if r.lower() == name.lower()]
    return lowered[0] if len(lowered) == 1 else None


@store_group.command("snapshots")
@DB_ARGUMENT
@click.option("--stream", "stream_id", metavar="ID", help="Only this stream's snapshots.")
@FORMAT_OPTION
def snapshots_command(db: Path, stream_id: str | None, output_format: str) -> None:
    """Aggregate snapshots, by stream and version."""
    with _inspect(db) as store:
        _print(
            snapshots_rows(store, stream_id),
            output_format,
            ("stream_id", "version", "recorded_at", "state"),
        )


@store_group.command("checkpoints")
@DB_ARGUMENT
@FORMAT_OPTION
def checkpoints_command(db: Path, output_format: str) -> None:
    """Each consumer's checkpoint and how far behind the head of the log it is."""
    with _inspect(db) as store:
        _print(
            checkpoints_rows(store), output_format, ("consumer", "position", "behind", "updated_at")
        )


@store_group.command("dead-letters")
@DB_ARGUMENT
@FORMAT_OPTION
def dead_letters_command(db: Path, output_format: str) -> None:
    """Events a consumer (a read model) gave up on, with the error."""
    with _inspect(db) as store:
        columns = (
            "id", "consumer", "position", "event_id", "attempts", "recorded_at", "replayed_at", "error",
        )  # fmt: skip
        _print(dead_letters_rows(store), output_format, columns)


@store_group.command("runs")
@DB_ARGUMENT
@FORMAT_OPTION
def runs_command(db: Path, output_format: str) -> None:
    """The runs recorded in the file, with their summaries."""
    with _inspect(db) as store:
        columns = ("id", "kind", "model", "seed", "started_at", "finished_at", "summary")
        _print(runs_rows(store), output_format, columns)
