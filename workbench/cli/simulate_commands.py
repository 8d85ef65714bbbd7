"""``workbench simulate`` (dry-run a workload into a store file) and ``workbench store``
(look inside such a file).

``simulate MODEL`` runs a workload file (``--workload FILE``) or N generated commands
(``--commands N``, 1,000 if neither is given) against a real SQLite event store, then
prints what happened: commands by outcome, events by type, streams, read-model rows,
time and rates. The store is kept: by default ``<model-stem>.sim.db`` in the current
directory, next to where the user works, so ``workbench store ... <model-stem>.sim.db``
is the obvious next command. An existing file is never overwritten by surprise: it is
used only if it is empty, else the run is refused unless ``--force`` (replace) or
``--continue`` (add to it) says otherwise.

``store streams|events|stream|read-model|snapshots|checkpoints|dead-letters|runs DB``
lists what a file holds, as an aligned table, JSON or CSV. It opens the file
read-only: inspecting never creates, migrates or changes a file.

Exit codes: 0 fine; 1 the run met modeling errors or problems (a rule is missing,
an expression failed, a policy or read model could not handle an event); 2 bad usage
or input (a model, workload or store file that cannot be used).
"""

from __future__ import annotations

import random
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from workbench.cli.output import echo_diagnostic, echo_json
from workbench.model.diagnostics import did_you_mean
from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.sim.clock import DEFAULT_START
from workbench.sim.compiled import ModelNotRunnable
from workbench.sim.engine import Engine, InputError
from workbench.sim.generate import CommandGenerator
from workbench.sim.messages import Run
from workbench.sim.placeholders import Placeholders
from workbench.sim.simulation import (
    DEFAULT_BATCH,
    DatabaseRefused,
    Simulation,
    check_database,
    generated_items,
    id_seed,
    remove_database,
    resume_start,
)
from workbench.sim.summary import Summary
from workbench.sim.workload import Workload, WorkloadError, WorkloadItem, load_workload
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

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Commands generated when neither --workload nor --commands is given.
DEFAULT_COMMANDS = 1000
#: Runs with at least this many commands show a progress bar on a terminal.
PROGRESS_FROM = 1000


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_BAD_INPUT)


# -------------------------------------------------------------------------- simulate


@click.command("simulate")
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--workload",
    "workload_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A workload file: a YAML list of commands, advances and repeats.",
)
@click.option(
    "--commands",
    "command_count",
    type=click.IntRange(min=0),
    help=f"Run N generated valid commands instead (default {DEFAULT_COMMANDS} without --workload).",
)
@click.option(
    "--unchecked",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of generated commands submitted as drawn, without checking first that "
    "the model accepts them (keeps some of the errors people make).",
)
@click.option("--seed", type=int, help="Seed for ids and generated values [workload's seed or 0].")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    help="The store file to write [<model-stem>.sim.db in the current directory].",
)
@click.option("--force", is_flag=True, help="Replace an existing --db file.")
@click.option("--continue", "resume", is_flag=True, help="Add to an existing --db file.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    help=f"Commands per transaction; 1 = one per command [workload's batch or {DEFAULT_BATCH}].",
)
@click.option(
    "--synchronous",
    type=click.Choice(["OFF", "NORMAL", "FULL"], case_sensitive=False),
    default="NORMAL",
    show_default=True,
    help="How hard each commit tries to reach the disk.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def simulate_command(
    model_path: Path,
    workload_path: Path | None,
    command_count: int | None,
    unchecked: float,
    seed: int | None,
    db_path: Path | None,
    force: bool,
    resume: bool,
    batch: int | None,
    synchronous: str,
    output_format: str,
) -> None:
    """Dry-run MODEL: a workload file or generated commands into a kept SQLite store.

    Prints commands accepted, rejected (by error), ignored and failing, events by
    type, streams, read-model rows, elapsed time and rates. Exit 0 when the run met
    no modeling errors or problems, 1 when it did, 2 for unusable input.
    """
    if workload_path is not None and command_count is not None:
        _fail("give either --workload FILE or --commands N, not both")
    if workload_path is not None and unchecked:
        _fail("--unchecked is for generated commands; a workload file runs as written")
    if force and resume:
        _fail("give either --force (replace the file) or --continue (add to it), not both")
    model = _load_model(model_path)
    workload = _load_workload(workload_path, model) if workload_path is not None else None
    seed = seed if seed is not None else (workload.seed if workload and workload.seed else 0)
    batch = batch or (workload.batch if workload and workload.batch else DEFAULT_BATCH)
    db = db_path or Path(f"{model_path.stem}.sim.db")
    if not db.parent.is_dir():
        _fail(f"{db}: the folder {db.parent} does not exist; create it or choose another --db")
    try:
        existing = check_database(db, force=force, resume=resume)
    except DatabaseRefused as refused:
        _fail(str(refused))
    if force:
        remove_database(db)
    start = resume_start(workload.start if workload and workload.start else DEFAULT_START, existing)
    previous_runs = existing.runs if existing is not None else 0
    try:
        engine = Engine.open(
            model,
            db,
            seed=id_seed(seed, previous_runs),
            start=start,
            synchronous=synchronous.upper(),  # type: ignore[arg-type]
        )
    except ModelNotRunnable as error:
        _fail(f"{model_path}: the model cannot be run: {error}")
    except (OSError, sqlite3.Error, StoreError) as error:
        _fail(f"{db}: cannot open the store: {error}")
    try:
        summary, total, items, placeholders, observe = _plan(
            engine, model, workload, command_count, seed, unchecked
        )
        summary.batch, summary.synchronous = batch, synchronous.upper()
        with _progress(total) as progress:
            Simulation(
                engine,
                summary,
                batch=batch,
                stop_on_invalid=workload is not None,
                placeholders=placeholders,
                progress=progress,
                observe=observe,
            ).run(items)
    finally:
        engine.close()
    if output_format == "json":
        echo_json({"database": str(db), **summary.as_json()})
    else:
        for line in summary.text_lines():
            click.echo(line)
        click.echo(f"database        {db} (inspect: workbench store streams {db})")
    if summary.stopped and summary.stopped.startswith("interrupted"):
        sys.exit(EXIT_INTERRUPTED)
    if summary.stopped:
        click.echo(f"the run stopped at {summary.stopped}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    failing = summary.modeling_errors or summary.problems or summary.invalid_input
    sys.exit(EXIT_PROBLEMS if failing else EXIT_OK)


def _load_model(path: Path) -> Model:
    loaded = load_model(path)
    if loaded.model is None or not loaded.ok:
        click.echo(
            click.style(f"{path}: cannot simulate this model", fg="red", bold=True), err=True
        )
        source = _source_lines(path)
        for diagnostic in loaded.diagnostics.errors or list(loaded.diagnostics):
            echo_diagnostic(diagnostic, source)
        sys.exit(EXIT_BAD_INPUT)
    return loaded.model


def _source_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def _load_workload(path: Path, model: Model) -> Workload:
    try:
        return load_workload(path, model)
    except WorkloadError as error:
        _fail(f"{error.render()}")
        raise  # pragma: no cover - _fail exits


def _plan(
    engine: Engine,
    model: Model,
    workload: Workload | None,
    command_count: int | None,
    seed: int,
    unchecked: float = 0.0,
) -> tuple[Summary, int, Iterator[WorkloadItem], Placeholders | None, Callable[[Run], None] | None]:
    """The summary to fill, the number of commands, the items, their placeholders, and
    who watches each run's outcome (the generator, to aim at streams that exist)."""
    if workload is not None:
        source = f"workload {Path(workload.path).name}"
        summary = Summary(model.name, source, seed, DEFAULT_BATCH, "NORMAL")
        placeholders = Placeholders(engine.ids.new)
        return summary, workload.command_count(), workload.items(), placeholders, None
    count = DEFAULT_COMMANDS if command_count is None else command_count
    summary = Summary(model.name, f"{count:,} generated commands", seed, DEFAULT_BATCH, "NORMAL")
    generator = _generator(engine, model, seed)

    def accepts(name: str, fields: dict[str, Any]) -> bool:
        try:
            return engine.decide(name, fields).outcome == "accepted"
        except InputError:
            return False

    def next_command() -> tuple[str, dict[str, Any]]:
        return generator.next_accepted_command(accepts, unchecked=unchecked)

    items = generated_items(next_command, count)
    return summary, count, items, None, generator.observe_run


def _generator(engine: Engine, model: Model, seed: int) -> CommandGenerator:
    """Generated commands a person would issue, from a random stream seeded by ``seed``.

    Each is one the model accepts at that moment (the engine decides a draft before it
    is submitted), unless ``--unchecked`` lets a share through as drawn.
    """
    rng = random.Random(f"simulate/{seed}")
    return CommandGenerator(model, rng, now=lambda: engine.clock.now)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for long runs on a terminal; nothing otherwise."""
    stream = sys.stderr
    if total < PROGRESS_FROM or not stream.isatty():
        yield None
        return
    with click.progressbar(
        length=total, label="simulating", file=stream, show_pos=True, show_eta=True
    ) as bar:
        update: Callable[[int], None] = bar.update
        yield update


# ----------------------------------------------------------------------------- store

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
