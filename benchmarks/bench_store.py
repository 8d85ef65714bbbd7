"""How fast does the event store append, next to what SQLite itself allows?

Rows, all measured in the same run, on the same machine and disk, with the same events:

* ``raw sqlite3``: the practical limit. Plain ``sqlite3`` inserts of the same rows with
  the same transaction shape, the JSON encoding of each event's data included (any
  store must produce that text); versions and positions come from Python dicts, with
  no reads, no checks and nothing built for the caller.
* ``EventStore``: :meth:`workbench.store.EventStore.append`, one call per command,
  with its version check, position assignment and returned records.
* ``eventsourcing``: the ``eventsourcing`` library's SQLite persistence
  (``PERSISTENCE_MODULE=eventsourcing.sqlite``, ``SQLITE_DBNAME=<file>``), a
  ``BankAccount`` aggregate (opened, then deposits), one ``save`` per command.
  The library has no setting for ``synchronous``: its connections keep SQLite's
  default, which is FULL (the row says what ``PRAGMA synchronous`` reported). The
  ``NORMAL`` rows patch its connection factory to run ``PRAGMA synchronous=NORMAL``,
  for comparison only. Its ``vs_raw`` covers more work than the inserts (it builds
  and saves aggregates): it places the library, it does not compare like with like.

Each row is the best of :data:`REPEAT` runs, the three implementations alternating so
drift hits all alike.

Transaction shapes (:data:`SHAPES`): ``command`` commits once per command of ``k``
events; ``batched`` commits once per 100 commands (``EventStore.transaction()``, one
``executemany`` per command for raw, ``save(*aggregates)`` for eventsourcing). Commands
go round-robin over 100 streams; each appends with its expected version.

Run ``python benchmarks/bench_store.py [--quick]``; :func:`run` returns the rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(_ROOT))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402
from eventsourcing.sqlite import SQLiteConnectionPool  # noqa: E402

from workbench.store import EventStore, NewEvent, encode  # noqa: E402
from workbench.store.inspect import format_rows  # noqa: E402

#: Transaction shapes: (name, events per command, commands per transaction).
SHAPES = (("command", 5, 1), ("batched", 5, 100), ("command", 1, 1))
STREAMS = 100
REPEAT = 3  # best of, to damp noise

Command = tuple[str, list[NewEvent]]


class BankAccount(Aggregate):
    """The eventsourcing side of the workload: opened once, then deposits."""

    @event("Opened")
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = 0

    @event("Deposited")
    def deposit(self, amount: int) -> None:
        self.balance += amount


def make_commands(n_commands: int, k: int) -> list[Command]:
    """The workload: commands round-robin over ``STREAMS`` accounts, ``k`` events each."""
    commands: list[Command] = []
    for i in range(n_commands):
        stream = f"account-{i % STREAMS}"
        events = [
            NewEvent(
                type="Opened" if i < STREAMS and j == 0 else "Deposited",
                data={"account": stream, "amount": 100 + j, "note": "paycheck", "n": i},
                event_id=f"ev-{i}-{j}",
                correlation_id=f"cmd-{i}",
                causation_id=f"cmd-{i}",
                recorded_at="2024-01-01T00:00:00.000000+00:00",
            )
            for j in range(k)
        ]
        commands.append((stream, events))
    return commands


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def bench_raw(
    path: Path,
    sync: str,
    commands: list[Command],
    batch: int,
    configure: Callable[[sqlite3.Connection], None] | None = None,
) -> float:
    """Plain sqlite3, same table and indexes as the store, same transaction shape.

    ``configure`` sets further pragmas so the baseline matches the side it is compared
    with (the engine benchmark uses the simulator's page cache and WAL size).
    """
    _fresh(path)
    EventStore.open(path, synchronous="OFF").close()  # same schema and indexes
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA synchronous = {sync}")
    if configure is not None:
        configure(conn)
    insert = (
        "INSERT INTO events (stream_id, stream_no, version, type, schema_version, data, "
        "event_id, causation_id, correlation_id, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    versions: dict[str, int] = {}
    numbers: dict[str, int] = {}  # each stream's number, given as the store gives them
    start = time.perf_counter()
    for i, (stream, events) in enumerate(commands):
        if i % batch == 0:
            conn.execute("BEGIN IMMEDIATE")
        v = versions.get(stream, 0)
        number = numbers.get(stream)
        if number is None:
            cursor = conn.execute("INSERT INTO streams (stream_id) VALUES (?)", (stream,))
            number = numbers[stream] = cursor.lastrowid
        conn.executemany(
            insert,
            [
                (
                    stream,
                    number,
                    v + n,
                    e.type,
                    e.schema_version,
                    encode(e.data),
                    e.event_id,
                    e.causation_id,
                    e.correlation_id,
                    e.recorded_at,
                )
                for n, e in enumerate(events, 1)
            ],
        )
        versions[stream] = v + len(events)
        if i % batch == batch - 1 or i == len(commands) - 1:
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench_store(path: Path, sync: str, commands: list[Command], batch: int) -> float:
    """EventStore.append with expected versions, one call per command."""
    _fresh(path)
    store = EventStore.open(path, synchronous=sync)  # type: ignore[arg-type]
    versions: dict[str, int] = {}
    start = time.perf_counter()
    if batch == 1:
        for stream, events in commands:
            recorded = store.append(stream, events, versions.get(stream, 0))
            versions[stream] = recorded[-1].version
    else:
        for b in range(0, len(commands), batch):
            with store.transaction():
                for stream, events in commands[b : b + batch]:
                    recorded = store.append(stream, events, versions.get(stream, 0))
                    versions[stream] = recorded[-1].version
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


@contextlib.contextmanager
def _eventsourcing_synchronous(level: str | None) -> Iterator[None]:
    """Make new eventsourcing SQLite connections use ``level`` (None: leave the default)."""
    if level is None:
        yield
        return
    original = SQLiteConnectionPool._create_connection

    def create(self: SQLiteConnectionPool) -> Any:
        connection = original(self)
        connection._sqlite_conn.execute(f"PRAGMA synchronous = {level}")
        return connection

    SQLiteConnectionPool._create_connection = create  # type: ignore[method-assign]
    try:
        yield
    finally:
        SQLiteConnectionPool._create_connection = original  # type: ignore[method-assign]


def bench_eventsourcing(
    path: Path, sync: str, commands: list[Command], batch: int
) -> tuple[float, str]:
    """The eventsourcing library: BankAccount aggregates, one save per command."""
    _fresh(path)
    patch = None if sync == "FULL" else sync
    with _eventsourcing_synchronous(patch):
        app: Application[Any] = Application(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        )
        datastore = app.recorder.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("PRAGMA synchronous")
            level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
        accounts: dict[str, BankAccount] = {}
        pending: dict[str, BankAccount] = {}
        start = time.perf_counter()
        for i, (stream, events) in enumerate(commands):
            account = accounts.get(stream)
            todo = len(events)
            if account is None:
                account = accounts[stream] = BankAccount(owner=stream)
                todo -= 1
            for j in range(todo):
                account.deposit(100 + j)
            pending[stream] = account
            if i % batch == batch - 1 or i == len(commands) - 1:
                app.save(*pending.values())
                pending.clear()
        elapsed = time.perf_counter() - start
        app.close()
    return elapsed, level


def _eventsourcing_seconds(
    path: Path, sync: str, commands: Any, batch: int, levels: list[str]
) -> float:
    """:func:`bench_eventsourcing`'s time; the level it ran at goes into ``levels``."""
    seconds, level = bench_eventsourcing(path, sync, commands, batch)
    levels.append(level)
    return seconds


def _best_of_interleaved(*runs: Callable[[], float]) -> list[float]:
    """Best time of each run over ``REPEAT`` rounds, alternating so drift hits all alike."""
    best = [float("inf")] * len(runs)
    for _ in range(REPEAT):
        for i, fn in enumerate(runs):
            best[i] = min(best[i], fn())
    return best


def run(quick: bool) -> list[dict[str, Any]]:
    """Measure every implementation at NORMAL and FULL, for each of :data:`SHAPES`."""
    n_events = 5_000 if quick else 50_000
    rows: list[dict[str, Any]] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        path = tmp / "bench.db"
        for sync in ("NORMAL", "FULL"):
            for shape, k, batch in SHAPES:
                count = n_events // k
                if sync == "FULL" and batch == 1:
                    count //= 5  # one disk flush per commit: fewer commits, same signal
                commands = make_commands(count, k)
                levels: list[str] = []
                raw, ours, es_time = _best_of_interleaved(
                    partial(bench_raw, path, sync, commands, batch),
                    partial(bench_store, path, sync, commands, batch),
                    # best of as many runs as the others, interleaved with them
                    partial(_eventsourcing_seconds, path, sync, commands, batch, levels),
                )
                es_level = levels[-1]
                label = f"{shape} (k={k}" + (f", {batch}/tx)" if batch > 1 else ")")
                for impl, seconds, level in (
                    ("raw sqlite3", raw, sync),
                    ("EventStore", ours, sync),
                    ("eventsourcing", es_time, es_level + ("" if sync == "FULL" else " (patched)")),
                ):
                    rows.append(
                        {
                            "sync": level,
                            "shape": label,
                            "impl": impl,
                            "events": count * k,
                            "seconds": round(seconds, 4),
                            "events_per_s": round(count * k / seconds),
                            "vs_raw": round(raw / seconds, 2),
                        }
                    )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def main(quick: bool = False) -> None:
    """Print the table (the entry point ``benchmarks/run.py`` calls)."""
    print(format_rows(run(quick=quick), "table"))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
