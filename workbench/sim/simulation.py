"""A simulation run: many commands into one store file that is kept for inspection.

Why this layer between the CLI and the engine: the CLI, the benchmark's
million-event row and tests run the very same loop, and so could the TUI. :class:`Simulation` feeds the
engine commands from a workload file or a generator, ``batch`` commands per store
transaction (read models catch up at the end of each batch, so a batch is also the
unit of consistency between the log and the read models), counts every outcome in a
:class:`~workbench.sim.summary.Summary`, and records the run in the file's ``runs``
table with the deterministic part of that summary.

The store file: :func:`check_database` decides what may happen to an existing file
before anything is written. A new path, an empty file or an empty event store is
used as it is; a file holding events or runs is refused unless the caller asked to
replace it (``force``) or to add to it (``resume``). When adding, the engine opening
the file draws new ids and starts its clock after the file's latest time (see
:meth:`~workbench.sim.engine.Engine.open`), so ids stay unique and time never runs
backwards. Delayed commands still pending are saved in the store's
``scheduled`` table at every commit, so a continued run picks them up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench.model.diagnostics import Location
from workbench.sim.clock import DEFAULT_TICK
from workbench.sim.engine import Engine, InputError
from workbench.sim.messages import Run
from workbench.sim.placeholders import Placeholders
from workbench.sim.summary import Summary
from workbench.sim.workload import WorkloadItem
from workbench.store import EventStore, StoreError
from workbench.store.projections import quote

__all__ = [
    "DEFAULT_BATCH",
    "DatabaseRefused",
    "ExistingStore",
    "Simulation",
    "blank_sqlite_file",
    "check_database",
    "clear_abandoned_scratch",
    "frozen_heap",
    "generated_items",
    "lock_for_run",
    "remove_database",
    "replace_or_discard",
    "scratch_path",
    "stream_creations",
]

#: Commands per transaction unless the workload file or the caller says otherwise:
#: large enough that each transaction's index pages are shared by many commands (a
#: million-event run is a third faster than at 500), small enough to keep read models
#: close behind and the progress bar moving.
DEFAULT_BATCH = 2000


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep the garbage collector's full passes off what is alive when a run starts.

    A run allocates a few short-lived objects per command, and now and then the
    collector walks *every* object: the model, its compiled functions, the imported
    modules (about 240,000 of them), all of which outlive the run anyway. Freezing them
    (:func:`gc.freeze`) leaves those passes only the run's own objects; a 200,000-command
    run spends 3% less time. They are unfrozen when the run ends, so a process that goes
    on afterwards (a test, the TUI) collects as before.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class DatabaseRefused(Exception):
    """The ``--db`` file exists with content this run must not overwrite or cannot use."""


@dataclass(frozen=True)
class ExistingStore:
    """What an existing event store file holds, as far as a new run cares."""

    events: int
    runs: int
    #: The names of the models whose runs the file holds, in order of their first run.
    models: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.events == 0 and self.runs == 0


def lock_for_run(path: Path) -> BinaryIO | None:
    """Hold ``path`` for one run until the returned handle is closed (or the process ends).

    Two runs adding to one file would each load the pending delayed commands and
    both run them, and number what they save the same way. The lock is an ``flock``
    on the file itself, which SQLite's own byte-range locks do not see, so readers
    (``workbench store``) are not affected, and it goes with the process, even a
    killed one. It creates an empty file if there is none: a store may start from
    that. ``None`` where the platform has no ``flock``.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    handle = open(os.open(path, os.O_RDONLY | os.O_CREAT, 0o644), "rb")  # noqa: SIM115
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DatabaseRefused(
            f"{path} is being written by another run; wait for it to finish or choose another --db"
        ) from None
    except OSError:  # a file system without flock (some network mounts): run unguarded
        handle.close()
        return None
    return handle


def blank_sqlite_file(path: Path) -> bool:
    """Whether ``path`` is an SQLite database with no tables at all (a run killed as it
    created the file leaves one): nothing to keep, so it counts as empty."""
    try:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return False
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            (tables,) = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return False
    return int(tables) == 0


def check_database(
    path: Path, *, force: bool, resume: bool, model: str | None = None
) -> ExistingStore | None:
    """What is at ``path`` (``None``: nothing to keep), or :class:`DatabaseRefused`.

    Never writes: the file is opened read-only, so refusing leaves it untouched.
    Adding to a file that holds runs of another model (``model`` names this one) is
    refused: its read models and streams would mix two designs.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return None
    if path.is_dir():
        raise DatabaseRefused(f"{path} is a directory; give --db a file name")
    if force or blank_sqlite_file(path):
        return None
    try:
        with EventStore.open(path, read_only=True) as store:
            existing = _existing(store)
    except (StoreError, sqlite3.Error) as error:
        raise DatabaseRefused(
            f"{path} exists and is not an event store ({error}); "
            "choose another --db or pass --force to replace it"
        ) from None
    if resume and model is not None and existing.models and model not in existing.models:
        others = ", ".join(repr(name) for name in existing.models)
        raise DatabaseRefused(
            f"{path} holds runs of model {others}, not {model!r}; "
            "choose another --db, or pass --force to replace it"
        )
    if resume or existing.empty:
        return existing
    raise DatabaseRefused(
        f"{path} already holds {_count(existing.events, 'event')} from "
        f"{_count(existing.runs, 'run')}; "
        "pass --continue to add to it, --force to replace it, or choose another --db"
    )


def _existing(store: EventStore) -> ExistingStore:
    conn = store.connection
    (events,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
    (runs,) = conn.execute("SELECT COUNT(*) FROM runs").fetchone()
    models = tuple(
        str(name)
        for (name,) in conn.execute("SELECT model FROM runs GROUP BY model ORDER BY MIN(id)")
    )
    return ExistingStore(int(events), int(runs), models)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


#: The files SQLite keeps beside a store in WAL mode.
SIDECARS = ("-wal", "-shm")


def remove_database(path: Path) -> None:
    """Delete a store file and its WAL companions (for ``--force``)."""
    for suffix in ("", *SIDECARS):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def clear_abandoned_scratch(db: Path) -> None:
    """Remove the scratch stores of ``--force`` runs that were killed (their process is
    gone): nothing else would ever delete them."""
    for scratch in db.parent.glob(f".{db.name}.*.new"):
        pid = scratch.name[len(db.name) + 2 : -len(".new")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            remove_database(scratch)
        except OSError:  # it exists but is not ours to signal: leave it
            continue


def scratch_path(db: Path) -> Path:
    """Where a ``--force`` run builds its store: hidden, beside ``db``, one per process."""
    return db.with_name(f".{db.name}.{os.getpid()}.new")


def replace_or_discard(scratch: Path, db: Path, completed: bool) -> None:
    """Put a completed ``--force`` run's store in place of ``db``; else drop it.

    The old file's WAL companions go first: left beside the new file, SQLite would
    read the old WAL into it. The engine closed the scratch store, so it has none.
    """
    if not completed:
        remove_database(scratch)
        return
    for suffix in SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{db}{suffix}")
    os.replace(scratch, db)


class Simulation:
    """Runs a stream of workload items through ``engine``, ``batch`` commands at a time.

    ``stop_on_invalid``: a command whose values do not fit the model stops the run
    (a workload file is wrong, and says where); otherwise it is counted and skipped
    (a generator produced it, and the run goes on). ``progress`` is told how many
    commands each batch submitted; ``observe`` sees every run's outcome (a command
    generator uses it to aim later commands at streams that exist).
    """

    def __init__(
        self,
        engine: Engine,
        summary: Summary,
        *,
        batch: int = DEFAULT_BATCH,
        stop_on_invalid: bool = True,
        placeholders: Placeholders | None = None,
        progress: Callable[[int], None] | None = None,
        observe: Callable[[Run], None] | None = None,
    ) -> None:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self.engine = engine
        self.summary = summary
        self.batch = batch
        self.stop_on_invalid = stop_on_invalid
        self.placeholders = placeholders
        self.progress = progress
        self.observe = observe
        #: The summary's counters as of the last commit (see :meth:`Summary.counts`);
        #: taken when :meth:`run` starts and at every commit.
        self._committed: dict[str, object] = {}
        if placeholders is not None:
            summary.spell = placeholders.show_text

    def _record(self, run: Run, where: Location | None = None) -> None:
        self.summary.add_run(run, where)  # spelled out only for a modeling error
        if self.observe is not None:
            self.observe(run)

    def run(self, items: Iterable[WorkloadItem]) -> Summary:
        """Run every item, record the run in the store, and return the summary."""
        engine, summary = self.engine, self.summary
        store = engine.store
        summary.clock_start = engine.clock.text()
        run_id = store.start_run(
            summary.model, seed=summary.seed, kind="simulation", started_at=engine.clock.text()
        )
        started = time.perf_counter()
        self._committed = summary.counts()
        try:
            with frozen_heap():
                self._drive(iter(items))
        except KeyboardInterrupt:
            # The batch under way was rolled back: count only what the file holds.
            summary.restore(self._committed)
            summary.stopped = "interrupted; the last batch was rolled back"
        summary.elapsed = time.perf_counter() - started
        self._collect(store)
        store.finish_run(run_id, summary.outcome(), finished_at=engine.clock.text())
        return summary

    def _drive(self, items: Iterator[WorkloadItem]) -> None:
        engine, summary = self.engine, self.summary
        hook = self.placeholders.resolve if self.placeholders is not None else None
        finished = False
        while not finished:
            submitted = 0
            # Nothing inside is caught but a command's invalid input, raised before it
            # writes: an error ends the batch, so calls need no savepoint each.
            with engine.batch(isolate_calls=False):
                while submitted < self.batch:
                    item = next(items, None)
                    if item is None:
                        finished = True
                        break
                    if item.advance is not None:
                        self._record(engine.advance(item.advance), item.location)
                        continue
                    assert item.command is not None
                    try:
                        message = engine.command_message(item.command, item.fields, uuid_hook=hook)
                    except InputError as error:
                        if self.stop_on_invalid:
                            summary.stopped = f"{item.location}: {self._spell(str(error))}"
                            finished = True
                            break
                        summary.add_invalid_input(item.command, str(error))
                        continue
                    summary.submitted += 1
                    submitted += 1
                    self._record(engine.submit(message), item.location)
            # Counted per batch (read models report theirs when they catch up, at
            # its end), then dropped: a long run must not keep every one in memory.
            summary.add_problems(engine.problems)
            engine.problems.clear()
            self._committed = summary.counts()
            if self.progress is not None and submitted:
                self.progress(submitted)

    def _spell(self, text: str) -> str:
        return self.placeholders.show_text(text) if self.placeholders is not None else text

    def _collect(self, store: EventStore) -> None:
        engine, summary = self.engine, self.summary
        conn = store.connection
        summary.clock_end = engine.clock.text()
        summary.pending_delayed = len(engine.schedule)
        (summary.store_events,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        (summary.streams,) = conn.execute("SELECT COUNT(*) FROM streams").fetchone()
        (summary.dead_letters,) = conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()
        for name, runner in engine.projections.items():
            table = store.projection(runner.table_name).table
            (rows,) = conn.execute(f"SELECT COUNT(*) FROM {quote(table)}").fetchone()
            summary.read_models[name] = int(rows)


def generated_items(
    next_command: Callable[[], tuple[str, dict[str, object]]],
    count: int,
    every: dt.timedelta | None = None,
) -> Iterator[WorkloadItem]:
    """``count`` generated commands as workload items, ``every`` apart in simulated time.

    The clock ticks a second per command by itself; ``every`` adds an advance after
    each command for the rest of the gap, so delayed policies (a reminder a day later,
    a fine after three weeks) come due during the run as they would in use.
    """
    extra = every - DEFAULT_TICK if every is not None and every > DEFAULT_TICK else None
    for number in range(1, count + 1):
        name, fields = next_command()
        where = Location("generated command", number)
        yield WorkloadItem(where, command=name, fields=fields)
        if extra is not None and number < count:
            yield WorkloadItem(where, advance=extra)


def stream_creations(store: EventStore) -> Iterator[tuple[str, dict[str, object]]]:
    """The first event of every stream in ``store`` (type and data), in log order.

    A run added to a file (``--continue``) shows them to its command generator, so new
    commands meet the streams earlier runs made, not only the ones it makes itself.
    """
    rows = store.connection.execute(
        "SELECT type, data FROM events WHERE version = 1 ORDER BY position"
    )
    for event_type, data in rows:
        decoded = json.loads(data)
        if isinstance(decoded, dict):
            yield str(event_type), decoded
