"""``workbench simulate``: dry-run a workload into a store file.

``simulate MODEL`` runs a workload file (``--workload FILE``) or N generated commands
(``--commands N``, 1,000 if neither is given) against a real SQLite event store, then
prints what happened: commands by outcome, events by type, streams, read-model rows,
time and rates. The store is kept: by default ``<model-stem>.sim.db`` in the current
directory, next to where the user works, so ``workbench store ... <model-stem>.sim.db``
is the obvious next command. An existing file is never overwritten by surprise: it is
used only if it is empty, else the run is refused unless ``--force`` (replace) or
``--continue`` (add to it) says otherwise.

Look inside the file with ``workbench store`` (:mod:`workbench.cli.store_commands`).

Exit codes: 0 fine; 1 the run met modeling errors or problems (a rule is missing,
an expression failed, a policy or read model could not handle an event); 2 bad usage
or input (a model, workload or store file that cannot be used).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from workbench.cli.output import TEXT_OR_JSON, echo_json, exit_bad_input, exit_unusable_model
from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.sim.clock import DEFAULT_START, parse_duration
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
    clear_abandoned_scratch,
    generated_items,
    lock_for_run,
    remove_database,
    replace_or_discard,
    scratch_path,
    stream_creations,
)
from workbench.sim.summary import Summary
from workbench.sim.workload import Workload, WorkloadError, WorkloadItem, load_workload
from workbench.store import StoreError
from workbench.store.eventstore import SQLITE_MAX_INT, SQLITE_MIN_INT

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
#: Simulated time between generated commands unless ``--every`` says otherwise: 1,000
#: commands then span six weeks, long enough for delays of days to come due.
DEFAULT_EVERY = "1h"
#: Commands generated when neither --workload nor --commands is given.
DEFAULT_COMMANDS = 1000
#: Runs with at least this many commands show a progress bar on a terminal.
PROGRESS_FROM = 1000


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
@click.option(
    "--every",
    metavar="DURATION",
    default=DEFAULT_EVERY,
    show_default=True,
    help="Simulated time between generated commands (30s, 15m, 1h, 2d), so delayed "
    "policies come due during the run.",
)
@click.option(
    "--seed",
    type=click.IntRange(SQLITE_MIN_INT, SQLITE_MAX_INT),  # stored in the runs table
    help="Seed for ids and generated values [workload's seed or 0].",
)
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
@TEXT_OR_JSON
def simulate_command(
    model_path: Path,
    workload_path: Path | None,
    command_count: int | None,
    unchecked: float,
    every: str,
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
        exit_bad_input("give either --workload FILE or --commands N, not both")
    if workload_path is not None and unchecked:
        exit_bad_input("--unchecked is for generated commands; a workload file runs as written")
    if force and resume:
        exit_bad_input("give either --force (replace the file) or --continue (add to it), not both")
    try:
        pace = parse_duration(every)
    except ValueError as error:
        exit_bad_input(f"--every: {error}")
    if workload_path is not None and every != DEFAULT_EVERY:
        exit_bad_input("--every is for generated commands; a workload file moves the clock itself")
    model = _load_model(model_path)
    workload = _load_workload(workload_path, model) if workload_path is not None else None
    seed = seed if seed is not None else (workload.seed if workload and workload.seed else 0)
    batch = batch or (workload.batch if workload and workload.batch else DEFAULT_BATCH)
    db = db_path or Path(f"{model_path.stem}.sim.db")
    if not db.parent.is_dir():
        exit_bad_input(
            f"{db}: the folder {db.parent} does not exist; create it or choose another --db"
        )
    for role, path in (("model", model_path), ("workload", workload_path)):
        if path is not None and _same_file(db, path):
            exit_bad_input(f"--db {db} is the {role} file; choose another --db")
    if db.is_dir():
        exit_bad_input(f"{db} is a directory; give --db a file name")
    clear_abandoned_scratch(db)
    try:
        lock = lock_for_run(db)
        if lock is not None:  # released when the command ends, however it ends
            click.get_current_context().call_on_close(lock.close)
        check_database(db, force=force, resume=resume, model=model.name)
    except DatabaseRefused as refused:
        exit_bad_input(str(refused))
    except OSError as error:
        exit_bad_input(f"{db}: cannot use the file: {error.strerror or error}")
    # --force builds the new store beside the old one and replaces it only when the
    # run completes: a run that stops or fails leaves the old file as it was.
    target = scratch_path(db) if force and db.exists() else db
    if target != db:
        remove_database(target)
    start = workload.start if workload and workload.start else DEFAULT_START
    try:
        engine = Engine.open(
            model,
            target,
            seed=seed,  # a file with a history gets new ids and later times (Engine.open)
            start=start,
            synchronous=synchronous.upper(),  # type: ignore[arg-type]
        )
    except ModelNotRunnable as error:
        exit_bad_input(f"{model_path}: the model cannot be run: {error}")
    except (OSError, sqlite3.Error, StoreError) as error:
        exit_bad_input(f"{db}: cannot open the store: {error}")
    completed = False
    failure: str | None = None
    try:
        summary, total, items, placeholders, observe = _plan(
            engine, model, workload, command_count, seed, unchecked, pace
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
        completed = summary.stopped is None
    except sqlite3.Error as error:  # the disk is full, the file read-only, ...
        failure = f"{db}: cannot write the store: {error}"
    finally:
        engine.close()
        if target != db:
            replace_or_discard(target, db, completed)
    if failure is not None:
        exit_bad_input(failure + (f"; {db} was left as it was" if target != db else ""))
    if target != db and not completed:
        summary.stopped = (
            f"{summary.stopped or 'stopped'}; the new store was discarded and {db} left as it was"
        )
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


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (``--db`` must never be the model or workload)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _load_model(path: Path) -> Model:
    loaded = load_model(path)
    if loaded.model is None or not loaded.ok:
        exit_unusable_model(path, loaded, "simulate", err=True)
    return loaded.model


def _load_workload(path: Path, model: Model) -> Workload:
    try:
        return load_workload(path, model)
    except WorkloadError as error:
        exit_bad_input(f"{error.render()}")


def _plan(
    engine: Engine,
    model: Model,
    workload: Workload | None,
    command_count: int | None,
    seed: int,
    unchecked: float = 0.0,
    every: dt.timedelta | None = None,
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
    for event_type, data in stream_creations(engine.store):  # streams of earlier runs
        generator.observe(event_type, data)

    def accepts(name: str, fields: dict[str, Any]) -> bool:
        try:
            return engine.decide(name, fields).outcome == "accepted"
        except InputError:
            return False

    def next_command() -> tuple[str, dict[str, Any]]:
        return generator.next_accepted_command(accepts, unchecked=unchecked)

    items = generated_items(next_command, count, every)
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
