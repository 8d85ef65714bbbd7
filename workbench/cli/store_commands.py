"""``workbench store``: look inside an event store file.

``store streams|events|stream|read-model|snapshots|checkpoints|dead-letters|runs DB``
lists what a file holds, as an aligned table, JSON or CSV. It opens the file
read-only: inspecting never creates, migrates or changes a file, and leaves no
``-wal``/``-shm`` files behind that were not there before.

``events`` and ``stream`` write JSON and CSV as they read the log, a page at a time,
so an export of any length runs in constant memory. An aligned table needs every
width before its first line, so it shows at most :data:`TABLE_CAP` events unless
``--limit`` asks for more, and says so on stderr.

Exit codes: 0 fine; 2 bad usage, a file that cannot be used as a store, or a filter
naming a stream or event type the store does not hold.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

import click

from workbench.cli.output import exit_bad_input
from workbench.model.diagnostics import did_you_mean
from workbench.store import EventStore, StoreError
from workbench.store.inspect import (
    EVENT_COLUMNS,
    checkpoints_rows,
    count_events,
    dead_letters_rows,
    event_types,
    format_rows,
    has_event_type,
    iter_events_rows,
    iter_stream_rows,
    no_leftover_sidecars,
    read_model_rows,
    read_models,
    render_rows,
    runs_rows,
    snapshots_rows,
    store_format,
    stream_ids,
    streams_rows,
    streams_with_id,
)

#: At most this many events in a table without ``--limit``: its widths need every row
#: in memory first, and beyond this a table is no longer read, only searched.
TABLE_CAP = 10_000

#: At most this many streams named when a bare id matches several.
STREAMS_SUGGESTED = 3

#: A run's ``finished_at`` in a table when it has none: the run was killed, or is
#: still going. JSON and CSV keep the empty value, for programs reading them.
NOT_FINISHED = "(not finished)"


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
        exit_bad_input(f"{db}: is a directory, not an event store file")
    if db.is_file() and db.stat().st_size == 0:
        exit_bad_input(f"{db}: the file is empty, not an event store")
    with no_leftover_sidecars(db):
        try:
            store = EventStore.open(db, read_only=True)
        except FileNotFoundError:
            exit_bad_input(f"{db}: no such file")
        except StoreError as error:
            message = str(error)
            exit_bad_input(
                message if message.startswith(f"cannot read {db}:") else f"{db}: {message}"
            )
        except sqlite3.Error as error:
            exit_bad_input(f"{db}: not an event store ({error})")
        try:
            _note_older_format(store, db)
            yield store
        except sqlite3.Error as error:
            exit_bad_input(f"{db}: cannot read the store ({error})")
        finally:
            store.close()


def _note_older_format(store: EventStore, db: Path) -> None:
    """Say on stderr that ``db`` is from an older version, read as it is.

    Inspecting never migrates, so what later versions added (dead letters, read
    models...) is not in the file yet, and is listed as empty.
    """
    version, current = store_format(store)
    if version < current:
        click.echo(
            f"{db} uses store format {version} (current {current}): "
            "it is upgraded the next time it is written",
            err=True,
        )


def _print(rows: Sequence[Mapping[str, Any]], output_format: str, columns: Any = None) -> None:
    click.echo(format_rows(rows, output_format, columns=columns))  # type: ignore[arg-type]


def _print_events(
    rows: Iterable[Mapping[str, Any]],
    output_format: str,
    capped: bool,
    total: Callable[[], int],
    advice: str,
) -> None:
    """Events as they are read for JSON and CSV; as a table, the first TABLE_CAP if ``capped``.

    ``total`` is called only when a table is cut short, for the count in the note
    on stderr, which ends with ``advice`` on how to see the others.
    """
    if output_format != "table":
        for chunk in render_rows(rows, output_format, columns=EVENT_COLUMNS):  # type: ignore[arg-type]
            click.echo(chunk, nl=False)
        return
    shown = list(islice(rows, TABLE_CAP + 1) if capped else rows)
    if capped and len(shown) > TABLE_CAP:
        del shown[TABLE_CAP:]
        click.echo(f"showing the first {TABLE_CAP:,} of {total():,} events: {advice}", err=True)
    _print(shown, output_format, EVENT_COLUMNS)


def _unknown_stream(store: EventStore, db: Path, stream_id: str) -> str:
    """Why ``stream_id`` names no stream, with the streams it may have meant.

    Read models show an aggregate's bare id, while stream ids are
    ``"{Aggregate}-{id}"``: a bare id is answered with the streams of that id.
    """
    message = f"{db}: no stream '{stream_id}' (see: workbench store streams {db})"
    matches = streams_with_id(store, stream_id)
    if matches:
        quoted = [f"'{m}'" for m in matches[:STREAMS_SUGGESTED]]
        named = " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
        more = len(matches) - STREAMS_SUGGESTED
        return f"{message}; did you mean {named}" + (f" (or {more} more)?" if more > 0 else "?")
    hint = did_you_mean(stream_id, stream_ids(store))
    return f"{message}; {hint}" if hint else message


def _check_stream(store: EventStore, db: Path, stream_id: str) -> None:
    """Exit 2 unless the store holds a stream ``stream_id`` (one with events)."""
    if store.stream_version(stream_id) == 0:
        exit_bad_input(_unknown_stream(store, db, stream_id))


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
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help=f"At most this many events (a table shows at most {TABLE_CAP:,} without it).",
)
@click.option("--type", "event_type", metavar="TYPE", help="Only events of this type.")
@FORMAT_OPTION
def events_command(
    db: Path, from_position: int, limit: int | None, event_type: str | None, output_format: str
) -> None:
    """The event log in position order.

    JSON and CSV are written as the log is read, in constant memory: use them to
    export a log of any length. A table is aligned over all its rows, so without
    --limit it shows the first 10,000 events and says on stderr how many there are.
    A --type the store holds no event of exits 2.
    """
    with _inspect(db) as store:
        if event_type is not None and not has_event_type(store, event_type):
            known = event_types(store)
            listed = f"types in the store: {', '.join(known)}" if known else "the store is empty"
            hint = did_you_mean(event_type, known)
            exit_bad_input(
                f"{db}: no events of type {event_type!r} ({listed})" + (f"; {hint}" if hint else "")
            )
        rows = iter_events_rows(
            store, from_position=from_position, limit=limit, event_type=event_type
        )
        total = partial(count_events, store, from_position=from_position, event_type=event_type)
        advice = "choose others with --from and --limit, or export all with --format csv or json"
        _print_events(rows, output_format, limit is None, total, advice)


@store_group.command("stream")
@DB_ARGUMENT
@click.argument("stream_id", metavar="ID")
@FORMAT_OPTION
def stream_command(db: Path, stream_id: str, output_format: str) -> None:
    """The events of one stream (its id as "store streams" shows it), by version.

    JSON and CSV are written as the stream is read, in constant memory; a table shows
    its first 10,000 events (stderr says so). An id that names no stream exits 2,
    naming the streams of that id when given an aggregate's bare id.
    """
    with _inspect(db) as store:
        _check_stream(store, db, stream_id)
        rows = iter_stream_rows(store, stream_id)
        total = partial(store.stream_version, stream_id)
        _print_events(rows, output_format, True, total, "export all with --format csv or json")


@store_group.command("read-model")
@DB_ARGUMENT
@click.argument("name")
@FORMAT_OPTION
def read_model_command(db: Path, name: str, output_format: str) -> None:
    """The rows of read model NAME (its name in the model, or its table)."""
    with _inspect(db) as store:
        definitions = read_models(store)
        chosen = _choose_read_model(name, [(d.name, d.table) for d in definitions])
        if chosen is None:
            names = [d.name for d in definitions]
            hint = did_you_mean(name, names)
            listed = ", ".join(names) or "none"
            exit_bad_input(
                f"{db}: no read model '{name}' (read models: {listed})"
                + (f"; {hint}" if hint else "")
            )
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
    """Aggregate snapshots, by stream and version.

    A --stream the store holds no events of exits 2; a stream without snapshots
    lists none.
    """
    with _inspect(db) as store:
        if stream_id is not None:
            _check_stream(store, db, stream_id)
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
    """The runs recorded in the file, with their summaries.

    A run with no end time (killed, or still going) shows "(not finished)" in a
    table; JSON and CSV leave it empty.
    """
    with _inspect(db) as store:
        columns = ("id", "kind", "model", "seed", "started_at", "finished_at", "summary")
        rows = runs_rows(store)
        if output_format == "table":
            rows = [{**r, "finished_at": r["finished_at"] or NOT_FINISHED} for r in rows]
        _print(rows, output_format, columns)
