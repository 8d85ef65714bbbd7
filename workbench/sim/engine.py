"""The simulation engine: a model running against a real event store.

The :class:`Engine` wires the parts together and owns the run's clock and ids:

* :class:`~workbench.sim.commands.CommandHandler` decides each command;
* :class:`~workbench.sim.policies.PolicyRunner` turns appended events into commands,
  run breadth-first after the command that caused them (delayed ones wait in a
  :class:`~workbench.sim.policies.Schedule` for the clock);
* :class:`~workbench.sim.projections.ProjectionRunner` keeps each read model.

Usage::

    engine = Engine.open(model, "run.db", seed=7)
    run = engine.execute("RegisterBook", {"book_id": book, "title": "Dune", "genre": "fiction"})
    run.result.outcome            # "accepted"
    with engine.batch():          # many commands, one transaction
        for fields in workload:
            engine.execute("LendBook", fields)

Each call is one store transaction (a :meth:`batch` joins them into one). Read models
catch up at the end of each call, or of the batch. Determinism: the clock starts at a
fixed time and ticks after each command, ids come from a seeded generator, so the
same model, input and seed give a byte-identical store.

Speed (``benchmarks/bench_engine.py``), never at the cost of a different result:
everything that depends only on the model is planned once per command, event and
read model (see :mod:`.converters`); the events a call appends are handed to the
read models directly instead of being read back (``_fresh``); the repository, the
read models and the store remember states, rows, checkpoints and stream versions
between transactions for as long as nobody else can have changed them; and a long
run gets a bigger page cache and WAL (``STORE_CACHE_KIB``, ``STORE_WAL_PAGES``).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from workbench.evolution.upcast import Upcaster
from workbench.model.schema import Model
from workbench.sim.aggregates import AggregateRepository, EventDecoder, stream_id_for
from workbench.sim.clock import DEFAULT_START, DEFAULT_TICK, SimClock
from workbench.sim.commands import CommandHandler
from workbench.sim.compiled import CompiledModel, compile_model
from workbench.sim.converters import fields_converter
from workbench.sim.ids import IdGenerator
from workbench.sim.messages import (
    CommandMessage,
    CommandResult,
    DomainEvent,
    IssuedCommand,
    ReactionProblem,
    Run,
)
from workbench.sim.policies import PolicyRunner, Schedule
from workbench.sim.projections import ProjectionRunner
from workbench.sim.values import UuidHook, ValueConversionError
from workbench.store import EventStore, NewEvent, Synchronous
from workbench.store.codec import decode, encode

#: How many commands one chain of policies may run before the engine stops it.
DEFAULT_MAX_DEPTH = 20
#: How many commands one outside command may set off in all (its chain's breadth).
DEFAULT_MAX_CHAIN = 10_000
#: How many appended events the engine keeps for the read models between catch-ups.
MAX_FRESH_EVENTS = 100_000
#: The store's page cache for a run, in KiB (SQLite's default is 2 MiB). Appends insert
#: random event ids into a unique index: once the log outgrows the cache, each append
#: reads index pages back from the OS; 32 MiB keeps a million-event run's indexes close.
STORE_CACHE_KIB = 32 * 1024
#: Pages the WAL may hold before SQLite copies them into the database (default 1,000;
#: 30,000 pages is about 120 MB of WAL). A batch of commands touches pages all over the
#: indexes (event ids are random); checkpointing less often copies each page once for
#: many batches. At ``synchronous=NORMAL`` the WAL reaches the disk at checkpoints, so a
#: machine crash may lose more of the last commits of a dry run (a killed process loses
#: none; at ``FULL`` every commit is on disk).
STORE_WAL_PAGES = 30_000


def continued_seed(seed: int, head: int) -> int:
    """The id seed of an engine adding to a log of ``head`` events: ``seed`` and ``head``
    mixed, so reopening a file with the seed that made it gives new ids.

    >>> continued_seed(7, 120) == continued_seed(7, 120) != continued_seed(7, 121)
    True
    """
    digest = hashlib.sha256(f"{seed}@{head}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _latest_time(store: EventStore, *, aware: bool) -> dt.datetime | None:
    """The latest simulated time a store knows (its last event, or a run's end) that
    compares with a clock that is ``aware`` of time zones, or not."""
    conn = store.connection
    row = conn.execute("SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1").fetchone()
    (finished,) = conn.execute("SELECT MAX(finished_at) FROM runs").fetchone()
    times = []
    for text in (row[0] if row else None, finished):
        try:
            instant = dt.datetime.fromisoformat(str(text))
        except (TypeError, ValueError):
            continue
        if (instant.tzinfo is not None) == aware:
            times.append(instant)
    return max(times) if times else None


def describe_chain(chain: tuple[str, ...]) -> str:
    """A chain of commands and events for a message, its repeating part folded.

    >>> describe_chain(("Ping", "Pinged", "Ping", "Pinged", "Ping"))
    '(Ping -> Pinged) x 2 -> Ping'
    >>> describe_chain(("Open", "Opened", "Notify"))
    'Open -> Opened -> Notify'
    """
    for size in range(1, len(chain) // 2 + 1):
        unit = chain[:size]
        repeats = 1
        while chain[repeats * size : (repeats + 1) * size] == unit:
            repeats += 1
        rest = chain[repeats * size :]
        if repeats >= 2 and rest == unit[: len(rest)]:
            folded = f"({' -> '.join(unit)}) x {repeats}"
            return " -> ".join([folded, *rest]) if rest else folded
    return " -> ".join(chain)


class InputError(ValueError):
    """Input to the engine does not fit the model (unknown name, missing or bad field)."""


class _Unit:
    """One engine call: a store transaction (nested calls join the outer one) whose
    outermost level brings the read models up to date before it commits; if the call
    fails, cached states and fresh events are dropped, since the store rolled back.

    A class rather than a generator-based context manager: one is opened per command.
    A nested call gets a savepoint of its own, unless its batch waived that
    (``Engine.batch(isolate_calls=False)``).
    """

    __slots__ = ("_engine", "_outer", "_run", "_transaction")

    def __init__(self, engine: Engine, run: Run) -> None:
        self._engine = engine
        self._run = run
        self._outer = engine._depth == 0
        self._transaction = (
            engine.store.transaction() if self._outer or engine._isolate_calls else None
        )

    def __enter__(self) -> None:
        engine = self._engine
        engine._depth += 1
        if self._transaction is None:
            return
        try:
            self._transaction.__enter__()
        except BaseException:
            engine._depth -= 1
            engine.repository.forget()
            engine._fresh = []
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        engine = self._engine
        transaction = self._transaction
        try:
            saving = exc_type is None and self._outer and engine.schedule.changed()
            if exc_type is None and self._outer and (engine.project_inline or saving):
                try:
                    if engine.project_inline:
                        self._run.problems.extend(engine.project())
                    if saving:
                        engine._save_schedule()
                except BaseException as error:
                    if transaction is not None:
                        transaction.__exit__(type(error), error, error.__traceback__)
                    raise
            if transaction is not None:
                transaction.__exit__(exc_type, exc, tb)
            if saving:
                engine.schedule.saved()
        except BaseException:
            engine.repository.forget()
            engine._fresh = []  # part of them may be rolled back: read models read the log
            raise
        finally:
            engine._depth -= 1
        if exc_type is not None:
            engine.repository.forget()
            engine._fresh = []


class Engine:
    """Runs commands, policies and projections of one model against one store."""

    def __init__(
        self,
        model: Model,
        store: EventStore,
        *,
        seed: int = 0,
        clock: SimClock | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
        project_inline: bool = True,
        compiled: CompiledModel | None = None,
        max_chain: int = DEFAULT_MAX_CHAIN,
    ) -> None:
        self.model = model
        self.store = store
        self.clock = clock or SimClock()
        self.ids = IdGenerator(seed, self.clock)
        self.max_depth = max_depth
        self.max_chain = max_chain
        self.project_inline = project_inline
        self.compiled = compiled or compile_model(model)
        self.upcaster = Upcaster(model, self.compiled.values)
        self.decoder = EventDecoder(self.upcaster)
        self.repository = AggregateRepository(store, self.compiled, self.decoder)
        self.handler = CommandHandler(
            store, self.compiled, self.repository, self.clock, self.ids.message_id
        )
        self.policies = PolicyRunner(self.compiled, self.ids.message_id)
        self.schedule = Schedule()
        self.projections = {
            name: ProjectionRunner(store, self.compiled, projection, self.decoder, self.clock.text)
            for name, projection in self.compiled.projections.items()
        }
        #: Every problem any call reported, in order (policies, projections, depth guard).
        self.problems: list[ReactionProblem] = []
        self._depth = 0
        # Events appended since the read models last caught up, typed: the read models
        # use them instead of reading the log back (see ProjectionRunner.catch_up).
        self._fresh: list[DomainEvent] = []
        self._inputs: dict[str, Callable[..., dict[str, Any]]] = {}
        self._isolate_calls = True  # see batch()
        self._load_schedule()

    @classmethod
    def open(
        cls,
        model: Model,
        path: str | Path = ":memory:",
        *,
        seed: int = 0,
        start: dt.datetime = DEFAULT_START,
        tick: dt.timedelta = DEFAULT_TICK,
        synchronous: Synchronous = "NORMAL",
        max_depth: int = DEFAULT_MAX_DEPTH,
        project_inline: bool = True,
        compiled: CompiledModel | None = None,
        max_chain: int = DEFAULT_MAX_CHAIN,
    ) -> Engine:
        """Open (or create) the store at ``path`` with the simulated clock, and an engine on it.

        A store that already holds events or runs is added to: the clock starts after
        its latest time (if ``start`` is earlier), and the ids come from ``seed`` mixed
        with the log's length, so the same seed never makes an id the file already
        has. ``workbench simulate --continue`` relies on this.
        """
        clock = SimClock(start, tick)
        store = EventStore.open(
            path,
            synchronous=synchronous,
            clock=clock.text,
            cache_kib=STORE_CACHE_KIB,
            wal_autocheckpoint=STORE_WAL_PAGES,
        )
        head = store.head_position()
        if head:
            seed = continued_seed(seed, head)
        latest = _latest_time(store, aware=clock.now.tzinfo is not None)
        if latest is not None and clock.now <= latest:
            clock.set(latest + (tick or dt.timedelta(seconds=1)))
        return cls(
            model,
            store,
            seed=seed,
            clock=clock,
            max_depth=max_depth,
            project_inline=project_inline,
            compiled=compiled,
            max_chain=max_chain,
        )

    def close(self) -> None:
        self.store.close()

    # -- input ---------------------------------------------------------------------

    def command_message(
        self,
        name: str,
        fields: Mapping[str, Any] | None = None,
        *,
        uuid_hook: UuidHook | None = None,
    ) -> CommandMessage:
        """A new outside command: fields converted by type (one left out takes its declared
        default), a fresh id starting a new chain."""
        return self._outside_command(name, fields, uuid_hook, self.ids.message_id())

    def _outside_command(
        self,
        name: str,
        fields: Mapping[str, Any] | None,
        uuid_hook: UuidHook | None,
        command_id: str,
    ) -> CommandMessage:
        convert = self._inputs.get(name) or self._converter(name)
        try:
            typed = convert(fields or {}, uuid_hook)
        except ValueConversionError as error:
            raise InputError(str(error)) from None
        # ``CommandMessage(name, typed, command_id, correlation_id=command_id,
        # chain=(name,))``, the same object built faster (see ``domain_event``).
        message = object.__new__(CommandMessage)
        message.__dict__.update(
            name=name,
            fields=typed,
            command_id=command_id,
            correlation_id=command_id,
            causation_id=None,
            issued_by=None,
            depth=1,
            chain=(name,),
        )
        return message

    def decide(
        self,
        name: str,
        fields: Mapping[str, Any] | None = None,
        *,
        uuid_hook: UuidHook | None = None,
    ) -> CommandResult:
        """What :meth:`execute` would make of this command now, without running it.

        The command's rules, emits and invariants run on its stream's current state
        (inside a batch, what the batch appended so far counts); nothing is written,
        no id is used and the clock stays put, so a run that asks stays byte-identical
        to one that does not. Acceptance is ``Accepted`` with nothing appended. Not
        considered: delayed commands that fall due first, and policies the events
        would set off. ``InputError`` if the fields do not fit the command.
        """
        return self.handler.decide(self._outside_command(name, fields, uuid_hook, ""))

    # -- running -------------------------------------------------------------------

    def execute(
        self,
        name: str,
        fields: Mapping[str, Any] | None = None,
        *,
        uuid_hook: UuidHook | None = None,
    ) -> Run:
        """Run one outside command and the chain of policies it causes."""
        return self.submit(self.command_message(name, fields, uuid_hook=uuid_hook))

    def submit(self, message: CommandMessage) -> Run:
        """Run an already built command (and its chain); due delayed commands run first."""
        run = Run()
        if self._depth and not self._isolate_calls:
            # Inside a batch that waived savepoints there is nothing to open or close
            # per call: the batch's own unit commits, or rolls back and forgets.
            if self.schedule:
                self._run_due(self.clock.now, run)
            run.result = self._process(message, run)
            return run
        with _Unit(self, run):
            if self.schedule:
                self._run_due(self.clock.now, run)
            run.result = self._process(message, run)
        return run

    def append_event(
        self,
        name: str,
        fields: Mapping[str, Any] | None = None,
        *,
        uuid_hook: UuidHook | None = None,
    ) -> DomainEvent:
        """Append an event directly to its stream, as history: no command, no policies.

        The stream comes from the aggregate's id field in ``fields``; an event from an
        external system goes to a stream named after that system. A field left out
        takes its declared default, as a command's does.
        """
        event = self.compiled.events.get(name)
        if event is None:
            raise InputError(f"unknown event '{name}'")
        try:
            data = self.compiled.values.fields(
                fields or {},
                event.types,
                owner=f"event '{name}'",
                uuid_hook=uuid_hook,
                defaults=event.defaults,
            )
        except ValueConversionError as error:
            raise InputError(str(error)) from None
        if event.aggregate is not None:
            id_field = self.compiled.aggregates[event.aggregate].id_field
            if data.get(id_field) is None:
                raise InputError(
                    f"event '{name}' needs '{id_field}' to know which {event.aggregate} stream it belongs to"
                )
            stream_id = stream_id_for(event.aggregate, data[id_field])
        else:
            stream_id = event.external or name
        event_id = self.ids.message_id()
        new = NewEvent(
            type=name,
            data=self.compiled.values.plain_fields(data, event.types),
            schema_version=event.version,
            event_id=event_id,
            correlation_id=event_id,
            recorded_at=self.clock.text(),
        )
        with self._unit(Run()):
            (recorded,) = self.store.append(stream_id, [new], expected_version=None)
            appended = DomainEvent(
                type=name,
                data=data,
                stream_id=stream_id,
                version=recorded.version,
                position=recorded.position,
                event_id=event_id,
                causation_id=None,
                correlation_id=event_id,
                recorded_at=recorded.recorded_at,
            )
            self._remember_fresh((appended,))
        return appended

    def react(self, event: DomainEvent, *, execute: bool = True) -> Run:
        """Run the policies reacting to ``event``; with ``execute=False`` only record what
        they would issue (a scenario's "when an event, then commands")."""
        run = Run()
        with self._unit(run):
            issued, problems = self.policies.react(event)
            run.issued.extend(issued)
            self._problems(run, problems)
            if execute:
                for item in issued:
                    if item.due is None:
                        self._process(item.message, run)
                    else:
                        self.schedule.add(item)
        return run

    def advance(self, delta: dt.timedelta) -> Run:
        """Move the clock forward, running delayed commands as their time comes."""
        return self.advance_to(self.clock.now + delta)

    def advance_to(self, instant: dt.datetime) -> Run:
        run = Run()
        with self._unit(run):
            self._run_due(instant, run)
            if self.clock.now < instant:
                self.clock.set(instant)
        return run

    @contextmanager
    def batch(self, *, isolate_calls: bool = True) -> Iterator[None]:
        """Run many calls in one store transaction; read models catch up at the end.

        If the block raises, the store rolls everything back and cached states are
        dropped; commands already put on the delayed schedule stay scheduled (the
        schedule lives in memory; the store's copy, table ``scheduled``, is brought up
        to date when a transaction commits, and read back when an engine opens the file).

        Each call inside gets a savepoint, so a call that raises takes back what it
        wrote and a caller catching the error inside the block can go on. A caller
        that never does (an exception ends its batch) may pass ``isolate_calls=False``
        and save two statements per call: a call that raises then leaves its partial
        work in the transaction, and the block must not go on.
        """
        waive = not isolate_calls and self._depth == 0
        if waive:
            self._isolate_calls = False
        try:
            with self._unit(Run()):
                yield
        finally:
            if waive:
                self._isolate_calls = True

    # -- read side -----------------------------------------------------------------

    def project(self) -> list[ReactionProblem]:
        """Bring every read model up to the head of the log."""
        fresh, self._fresh = self._fresh, []
        problems: list[ReactionProblem] = []
        for runner in self.projections.values():
            problems.extend(runner.catch_up(fresh))
        self.problems.extend(problems)
        return problems

    def rebuild_projections(self) -> None:
        """Empty every read model and rebuild it from the whole log."""
        for runner in self.projections.values():
            runner.rebuild(catch_up=False)
        self.project()

    def rows(self, projection: str) -> list[dict[str, Any]]:
        return self.projections[projection].rows()

    def stream_id(self, aggregate: str, id_value: Any) -> str:
        return stream_id_for(aggregate, id_value)

    def state(self, aggregate: str, id_value: Any) -> dict[str, Any]:
        """The current state of one aggregate instance (defaults if it has no events)."""
        compiled = self.compiled.aggregates[aggregate]
        loaded = self.repository.load(compiled, stream_id_for(aggregate, id_value))
        return copy.deepcopy(loaded.state)

    # -- internals -----------------------------------------------------------------

    def _load_schedule(self) -> None:
        """Put the delayed commands an earlier run left pending back on the schedule."""
        try:
            rows = self.store.connection.execute(
                "SELECT id, due, command, fields, command_id, causation_id, correlation_id,"
                " policy, depth, chain FROM scheduled ORDER BY id"
            ).fetchall()
        except sqlite3.OperationalError:  # a read-only file from before the table
            return
        entries: list[tuple[int, IssuedCommand]] = []
        for (
            sequence,
            due,
            name,
            fields,
            command_id,
            causation,
            correlation,
            policy,
            depth,
            chain,
        ) in rows:
            try:
                typed = self._converter(name)(decode(fields), None)
            except (InputError, ValueConversionError) as error:
                self.problems.append(
                    ReactionProblem(
                        f"policy {policy}",
                        f"a delayed {name} saved in the file cannot run on this model: {error}",
                    )
                )
                continue
            message = CommandMessage(
                name,
                typed,
                command_id,
                correlation_id=correlation,
                causation_id=causation,
                issued_by=policy,
                depth=depth,
                chain=tuple(decode(chain)) if chain else (),
            )
            entries.append(
                (sequence, IssuedCommand(policy, message, dt.datetime.fromisoformat(due)))
            )
        self.schedule.restore(entries)

    def _save_schedule(self) -> None:
        """Write the schedule's changes to the store, inside the open transaction."""
        added, removed = self.schedule.changes()
        conn = self.store.connection
        if removed:
            conn.executemany("DELETE FROM scheduled WHERE id = ?", [(i,) for i in removed])
        if added:
            conn.executemany(
                "INSERT OR REPLACE INTO scheduled (id, due, command, fields, command_id,"
                " causation_id, correlation_id, policy, depth, chain)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        sequence,
                        issued.due.isoformat() if issued.due is not None else "",
                        issued.message.name,
                        encode(issued.message.fields),
                        issued.message.command_id,
                        issued.message.causation_id,
                        issued.message.correlation_id,
                        issued.policy,
                        issued.message.depth,
                        encode(list(issued.message.chain)),
                    )
                    for sequence, issued in added
                ],
            )

    def _converter(self, name: str) -> Callable[..., dict[str, Any]]:
        convert = self._inputs.get(name)
        if convert is None:
            command = self.compiled.commands.get(name)
            if command is None:
                raise InputError(f"unknown command '{name}'")
            convert = self._inputs[name] = fields_converter(
                self.compiled.values,
                command.types,
                owner=f"command '{name}'",
                defaults=command.defaults,
            )
        return convert

    def _unit(self, run: Run) -> _Unit:
        """One transaction per outermost call; read models catch up before it commits."""
        return _Unit(self, run)

    def _remember_fresh(self, events: tuple[DomainEvent, ...]) -> None:
        fresh = self._fresh
        if len(fresh) >= MAX_FRESH_EVENTS:
            fresh.clear()  # read models not caught up for long: they will read the log
        fresh.extend(events)

    def _problems(self, run: Run, problems: list[ReactionProblem]) -> None:
        run.problems.extend(problems)
        self.problems.extend(problems)

    def _run_due(self, instant: dt.datetime, run: Run) -> None:
        while (item := self.schedule.pop_due(instant)) is not None:
            assert item.due is not None
            if self.clock.now < item.due:
                self.clock.set(item.due)
            self._process(item.message, run)

    def _process(self, message: CommandMessage, run: Run) -> CommandResult | None:
        """Handle ``message`` and, breadth-first, every command its events cause.

        Two guards stop a runaway chain of policies, each reported once as a problem:
        depth (a loop, ``A -> B -> A ...``) and size (a loop that fans out, a policy
        issuing three commands that each set it off again, grows as 3^depth long
        before it gets deep).
        """
        queue = deque([message])
        first: CommandResult | None = None
        handled = 0
        too_deep = False
        while queue:
            current = queue.popleft()
            if current.depth > self.max_depth:
                if not too_deep:
                    too_deep = True
                    self._problems(
                        run,
                        [
                            ReactionProblem(
                                "depth guard",
                                f"a chain of policies ran more than {self.max_depth} commands "
                                f"deep and was stopped: {describe_chain(current.chain)}",
                            )
                        ],
                    )
                continue
            handled += 1
            if handled > self.max_chain:
                self._problems(
                    run,
                    [
                        ReactionProblem(
                            "depth guard",
                            f"a chain of policies ran more than {self.max_chain:,} commands for "
                            f"one command and was stopped, {len(queue) + 1:,} still queued: "
                            f"{describe_chain(current.chain)}",
                        )
                    ],
                )
                break
            result = self.handler.handle(current)
            self.clock.tick()
            run.results.append(result)
            first = first or result
            events = result.events
            if not events:
                continue
            fresh = self._fresh  # ``_remember_fresh``, inlined
            if len(fresh) >= MAX_FRESH_EVENTS:
                fresh.clear()
            fresh.extend(events)
            for event in events:
                issued, problems = self.policies.react(event, current)
                if problems:
                    self._problems(run, problems)
                if issued:
                    run.issued.extend(issued)
                    for item in issued:
                        if item.due is None:
                            queue.append(item.message)
                        else:
                            self.schedule.add(item)
        return first
