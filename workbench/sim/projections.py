"""Projections: read models kept in typed tables, fed from the log in global order.

Each :class:`ProjectionRunner` is a consumer with its own checkpoint. ``catch_up`` reads
every event after the checkpoint, applies the handlers for the event types the
projection knows, and saves the new checkpoint **in the same transaction** as the row
writes, so after a crash the rows and the checkpoint always agree (effectively-once).

Handlers:

* ``upsert`` — the row is the existing one, or a new one made of each field's default
  (or zero value) with the key fields set from the key; assignments see ``event`` and
  ``row`` (the row before this event);
* ``update`` — like upsert, but only if the row exists (otherwise the event is skipped);
* ``delete`` — the row goes away (a deleted row is absent from the read model).

The row key is the handler's ``key`` expression(s), by default the event field named
like each key field; that lets one read model gather rows across many streams.

The table is named after the projection (and its version from 2 on, so a changed
definition is rebuilt beside the old one). A table whose stored definition no longer
matches the model is rebuilt from the log: read models are derived data.

Speed, without changing what is computed:

* a catch-up keeps the rows it touches in memory (:class:`_Rows`) and writes each
  one's final state once at its end, in the same transaction as the checkpoint; a
  row kept in memory is exactly the row a read from its table would give (values
  that could come back different, such as JSON columns, go through the same
  encoding and decoding in memory);
* the engine passes the events it has just appended (``fresh``); when they are
  exactly the events after the checkpoint, they are used instead of reading the log
  back, for every event type whose data survives storing unchanged
  (:func:`~workbench.sim.converters.round_trips`); other events are read back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.model.schema import Model
from workbench.model.types import TypeRef
from workbench.sim.aggregates import EventDecoder
from workbench.sim.compiled import (
    CompiledHandler,
    CompiledModel,
    CompiledProjection,
    Expr,
    ModelingProblem,
    convert_result,
    fuse_assignments,
)
from workbench.sim.converters import (
    Miss,
    converter,
    fields_plainer,
    plain_as_is,
    plainer,
    round_trips,
)
from workbench.sim.messages import DomainEvent, ReactionProblem
from workbench.sim.values import ValueConversionError
from workbench.store import EventStore, ProjectionSchemaError
from workbench.store import column_type as store_column_type


def column_type(t: TypeRef, enums: Mapping[str, Any]) -> str:
    """The store column type for a field type; enums are stored as plain text."""
    if t.kind == "optional":
        return column_type(t.args[0], enums) + "?"
    if t.kind == "named" and t.name in enums:
        return "str"
    return str(t)


#: One assignment of a handler: field, expression, fast converter, type (``None`` if the
#: read model has no such field) and where (for error messages).
_Assignment = tuple[str, Expr, Callable[[Any], Any], TypeRef | None, str]


@dataclass(frozen=True)
class _HandlerPlan:
    """A handler with everything that depends only on the model worked out."""

    handler: CompiledHandler
    what: str
    early: bool  # the condition reads only the event, so it is checked before the key
    keys: tuple[tuple[str, Callable[[Any], Any], TypeRef, str], ...]
    #: The key is the event's own fields, already of the key columns' scalar types.
    direct_key: bool
    #: The key's one field when ``direct_key`` (else None), and whether its values are
    #: stored as they are (text, numbers, uuids: the stored key is the value).
    single_key: str | None
    key_as_is: bool
    assignments: tuple[_Assignment, ...]
    #: The assignments as one generated function ``(row, event, row, now)`` (see
    #: ``fuse_assignments``); None where it cannot be made.
    fused: Callable[..., dict[str, Any]] | None = None


class _Unreadable:
    """A row that, once written, could not be read back (the read would raise this)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


def handlers_digest(model: Model, name: str) -> str:
    """What decides the rows of read model ``name``, as a short digest: its key, fields
    and handlers, and the model's constants its expressions may read.

    Recorded with the table, so a file opened with a model whose read model computes
    its rows differently (a handler edited without bumping ``version``) is rebuilt
    from the log instead of mixing rows of two definitions. Descriptions and tags do
    not count.
    """
    projection = model.projections[name]
    decisive = {
        "key": projection.key,
        "fields": {f: [spec.type, spec.default] for f, spec in projection.fields.items()},
        "on": {
            event: handler.model_dump(mode="json", exclude={"description", "tags"})
            for event, handler in projection.on.items()
        },
        "constants": {c: [const.type, const.value] for c, const in model.constants.items()},
    }
    text = json.dumps(decisive, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ProjectionRunner:
    """One read model: its table, its checkpoint, and the handlers that fill it."""

    def __init__(
        self,
        store: EventStore,
        compiled: CompiledModel,
        projection: CompiledProjection,
        decoder: EventDecoder,
        now_text: Callable[[], str],
    ) -> None:
        self.store = store
        self.now_text = now_text
        self.compiled = compiled
        self.projection = projection
        self.decoder = decoder
        self.table_name = (
            projection.name
            if projection.version == 1
            else f"{projection.name}_v{projection.version}"
        )
        self.consumer = f"projection:{self.table_name}"
        self.columns = {
            f: column_type(t, compiled.values.enums) for f, t in projection.types.items()
        }
        values = compiled.values
        self._plain = (
            dict  # its values are their own plain form: a copy is the plain form
            if plain_as_is(values, projection.types)
            else fields_plainer(values, projection.types)
        )
        self._columns = tuple(
            (name, t, converter(values, t), f"read model '{projection.name}' column '{name}'")
            for name, t in projection.types.items()
        )
        # Columns whose value can come back from the table different from what was
        # written (JSON columns; and a NaN float comes back NULL): a row kept in memory
        # goes through the same conversion. Scalar columns give back what they got.
        self._mirrored = {
            name: store_column_type(self.columns[name])
            for name, t in projection.types.items()
            if not _scalar(values, t)
        }
        self._floats = tuple(
            name for name, t in projection.types.items() if _base(t).name == "float"
        )
        self._reads_back_as_written = not self._mirrored and not self._floats
        self._plans: dict[str, _HandlerPlan] = {}
        self._exact: dict[str, bool] = {}
        # Rows (stored key -> typed key, row as read) and the checkpoint as the last
        # catch-up left them, true while the store's token for them has not changed.
        self._kept: dict[tuple[Any, ...], tuple[dict[str, Any], Any, Any]] = {}
        self._kept_checkpoint = 0
        self._kept_token: tuple[int, int, int] | None = None
        # Scalar key columns store their plain value as it is (text, numbers), so the
        # plain key is the stored key; other key columns ask the store.
        key_types = [projection.types[name] for name in projection.key_fields]
        self._key_plainers = (
            tuple(
                (name, plainer(values, t))
                for name, t in zip(projection.key_fields, key_types, strict=True)
            )
            if all(_scalar(values, t) for t in key_types)
            else None
        )
        self.handlers = handlers_digest(compiled.model, projection.name)
        try:
            store.ensure_projection_table(
                self.table_name, self.columns, projection.key_fields, handlers=self.handlers
            )
        except ProjectionSchemaError:  # other columns, or other handlers: rows of the past
            self.rebuild(catch_up=False)

    @property
    def name(self) -> str:
        return self.projection.name

    def lag(self) -> int:
        """How many positions the read model is behind the head of the log."""
        return self.store.head_position() - self.store.checkpoint(self.consumer)

    def catch_up(self, fresh: Sequence[DomainEvent] = ()) -> list[ReactionProblem]:
        """Apply every event after the checkpoint; return the problems met on the way.

        An event a handler cannot apply (a modeling problem: an expression failed)
        goes to the dead-letter table with its error and is skipped, so one bad
        event does not stop the read model; it can be inspected and replayed later.
        ``fresh`` are events the caller has just appended, typed, in position order;
        they are used when they are exactly what follows the checkpoint.
        """
        problems: list[ReactionProblem] = []
        store = self.store
        with store.transaction():
            if store.consumer_token(self.table_name, self.consumer) == self._kept_token:
                start = self._kept_checkpoint  # nobody touched the rows or checkpoint since
            else:
                self._kept = {}
                start = store.checkpoint(self.consumer)
            last = start
            rows = _Rows(self, self._kept)
            handlers = self.projection.handlers
            if (
                fresh
                and fresh[0].position == start + 1
                and fresh[-1].position - start == len(fresh)
                and fresh[-1].position == store.head_position()
            ):
                last = fresh[-1].position
                exact = self._exact
                for event in fresh:
                    if event.type not in handlers:
                        continue
                    try:
                        if not (exact.get(event.type) or self._round_trips(event.type)):
                            event = self._read_back(event.position)
                        self._apply(event.type, event.data, event.time, rows, typed=True)
                    except ModelingProblem as problem:
                        self._dead_letter(event.position, problem, problems)
            else:
                last = max(start, store.head_position())
                decode = self.decoder.decode_data
                fast = self.decoder.fast_converter
                apply = self._apply
                parsed: tuple[str, Any] = ("", None)
                for position, stream_id, event_type, version, raw, at in store.iter_payloads(
                    start, handlers
                ):
                    try:
                        try:  # decode_data, its fast path inlined: this is the replay loop
                            data = fast(event_type, version)(raw)
                        except Miss:
                            data = decode(event_type, version, raw, position, stream_id, at)
                        if parsed[0] != at:  # events of one command share their time
                            parsed = (at, dt.datetime.fromisoformat(at))
                        apply(event_type, data, parsed[1], rows, typed=True)
                    except ModelingProblem as problem:
                        self._dead_letter(position, problem, problems)
            rows.flush()
            if last != start:
                store.save_checkpoint(self.consumer, last, updated_at=self.now_text())
            if len(self._kept) > MAX_KEPT_ROWS:
                self._kept = {}
            self._kept_checkpoint = last
            self._kept_token = store.consumer_token(self.table_name, self.consumer)
        return problems

    def _dead_letter(
        self, position: int, problem: ModelingProblem, problems: list[ReactionProblem]
    ) -> None:
        (recorded,) = self.store.read_all(position - 1, 1)
        self.store.add_dead_letter(
            self.consumer, position, recorded.event_id, problem.message, recorded_at=self.now_text()
        )
        problems.append(ReactionProblem(f"projection '{self.name}'", problem.message))

    def _read_back(self, position: int) -> DomainEvent:
        """The event at ``position`` as decoded from the store."""
        (recorded,) = self.store.read_all(position - 1, 1)
        return self.decoder.decode(recorded)

    def _round_trips(self, event_type: str) -> bool:
        exact = self._exact.get(event_type)
        if exact is None:
            event = self.compiled.events.get(event_type)
            exact = event is not None and all(
                round_trips(self.compiled.values, t) for t in event.types.values()
            )
            self._exact[event_type] = exact
        return exact

    def rebuild(self, *, catch_up: bool = True) -> None:
        """Empty the table and reset the checkpoint (one transaction), then replay the log."""
        self.store.rebuild_projection(
            self.table_name,
            self.columns,
            list(self.projection.key_fields),
            consumer=self.consumer,
            handlers=self.handlers,
        )
        if catch_up:
            self.catch_up()

    def apply(self, event: DomainEvent) -> None:
        """Apply one event to the read model (no checkpoint: :meth:`catch_up` owns that)."""
        if event.type not in self.projection.handlers:
            return
        rows = _Rows(self)
        self._apply(event.type, event.data, event.time, rows, typed=False)
        rows.flush()

    def _plan(self, event_type: str) -> _HandlerPlan:
        handler = self.projection.handlers[event_type]
        types = self.projection.types
        values = self.compiled.values
        event = self.compiled.events.get(event_type)
        event_types = event.types if event is not None else {}
        what = f"projection '{self.name}' on '{event_type}'"
        key_fields = self.projection.key_fields
        direct = handler.key is None and all(
            event_types.get(name) == types[name] and _scalar(values, types[name])
            for name in key_fields
        )
        plan = _HandlerPlan(
            handler=handler,
            what=what,
            early=handler.when is not None and "row" not in handler.when.compiled.roots,
            keys=tuple(
                (name, converter(values, types[name]), types[name], f"key '{name}' of {what}")
                for name in self.projection.key_fields
            ),
            direct_key=direct,
            single_key=key_fields[0] if direct and len(key_fields) == 1 else None,
            key_as_is=plain_as_is(values, {f: types[f] for f in key_fields}),
            assignments=tuple(
                (
                    name,
                    expr,
                    converter(values, types[name]) if name in types else _never,
                    types.get(name),
                    f"field '{name}' of {what}",
                )
                for name, expr in handler.assignments.items()
            ),
        )
        if plan.assignments and all(t is not None for _, _, _, t, _ in plan.assignments):
            fused = fuse_assignments(
                [(name, expr, fast) for name, expr, fast, _, _ in plan.assignments],
                ("event", "row"),
                self.compiled.constants,
            )
            plan = dataclasses.replace(plan, fused=fused)
        self._plans[event_type] = plan
        return plan

    def _apply(
        self, event_type: str, data: dict[str, Any], now: dt.datetime, rows: _Rows, *, typed: bool
    ) -> None:
        """Apply one event's handler; ``typed``: ``data`` holds values of the event's
        field types (decoded or built by the engine), so a key taken straight from
        them needs no conversion."""
        plan = self._plans.get(event_type)
        if plan is None:
            plan = self._plan(event_type)
        handler = plan.handler
        constants = self.compiled.constants
        # A condition on the event alone is checked before the key is computed, so it
        # can guard the key expression (``when: len(event.items) > 0``).
        if plan.early:
            assert handler.when is not None
            if not handler.when({**constants, "event": data}, now):
                return
        single = plan.single_key
        value = data.get(single) if single is not None and typed and plan.key_as_is else None
        if single is not None and value is not None:
            # The common case, straight: one key field, taken from the event as it is
            # (of the key column's type already), stored as it is.
            key = {single: value}
            stored_key: tuple[Any, ...] = (value,)
        else:
            key = self._key(plan, data, now, typed and plan.direct_key)
            stored_key = self._stored_key(key)
        found = rows.rows.get(stored_key)
        if found is None:
            existing = rows.get(stored_key, key)
        else:
            existing = found[1]
            if isinstance(existing, _Unreadable):
                raise existing.error
        action = handler.action
        if action != "upsert" and existing is None:
            return
        row = existing if existing is not None else {**self.projection.defaults, **key}
        env = {**constants, "event": data, "row": row}
        if not plan.early and handler.when is not None and not handler.when.call(env, now):
            return
        if action == "delete":
            rows.put(stored_key, key, None)
            return
        new_row = None
        fused = plan.fused
        if fused is not None:
            try:
                new_row = fused(row, data, row, now)
            except Exception:  # the loop below does it again, for the exact error
                new_row = None
        if new_row is None:
            new_row = self._assigned(plan, row, env, now)
        if self._reads_back_as_written:
            rows.rows[stored_key] = (key, new_row, new_row)
            rows.changed[stored_key] = None
        else:
            rows.put(stored_key, key, new_row)

    def _assigned(
        self, plan: _HandlerPlan, row: dict[str, Any], env: dict[str, Any], now: dt.datetime
    ) -> dict[str, Any]:
        """The row after the handler's assignments, one by one."""
        new_row = dict(row)
        for name, expr, fast, t, where in plan.assignments:
            value = expr.call(env, now)
            if t is None:
                raise KeyError(name)
            try:
                new_row[name] = fast(value)
            except Miss:
                new_row[name] = convert_result(self.compiled.values, value, t, where)
        return new_row

    def projection_defaults(self) -> dict[str, Any]:
        return dict(self.projection.defaults)

    def rows(self) -> list[dict[str, Any]]:
        """Every row as typed values, ordered by key."""
        return [self._typed(row) for row in self.store.rows(self.table_name)]

    def _key(
        self, plan: _HandlerPlan, data: dict[str, Any], now: dt.datetime, direct: bool
    ) -> dict[str, Any]:
        handler, what = plan.handler, plan.what
        fields = self.projection.key_fields
        if direct and len(fields) == 1:
            value = data.get(fields[0])
            if value is not None:
                return {fields[0]: value}  # already of the key's scalar type
        if handler.key is None:
            missing = [f for f in fields if f not in data]
            if missing:
                raise ModelingProblem(
                    f"{what}: the event has no field '{missing[0]}' to find the row by"
                )
            given = [data[f] for f in fields]
        else:
            env = {**self.compiled.constants, "event": data}
            given = [expr(env, now) for expr in handler.key]
        key = {}
        values = self.compiled.values
        for (name, fast, t, where), value in zip(plan.keys, given, strict=True):
            try:
                converted = fast(value)
            except Miss:
                converted = convert_result(values, value, t, where)
            if converted is None:
                raise ModelingProblem(f"{what}: the row key '{name}' is empty")
            key[name] = converted
        return key

    def _stored_key(self, key: dict[str, Any]) -> tuple[Any, ...]:
        """The row's key as the table holds it: equal tuples, same row."""
        plainers = self._key_plainers
        if plainers is None:
            return self.store.row_key(self.table_name, self._plain(key))
        if len(plainers) == 1:
            name, plain = plainers[0]
            return (plain(key[name]),)
        return tuple([plain(key[name]) for name, plain in plainers])

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        row = self.store.get_row(self.table_name, self._plain(key))
        return None if row is None else self._typed(row)

    def _typed(self, row: Mapping[str, Any]) -> dict[str, Any]:
        values = self.compiled.values
        typed = {}
        for name, t, fast, where in self._columns:
            value = row.get(name)
            try:
                typed[name] = fast(value)
            except Miss:
                typed[name] = values.convert(value, t, where=where)
        return typed

    def _as_read_back(self, row: dict[str, Any]) -> dict[str, Any] | _Unreadable:
        """``row`` as reading it from the table after writing it would give it."""
        mirrored = self._mirrored
        nan = [n for n in self._floats if row[n] is not None and row[n] != row[n]]
        if not mirrored and not nan:
            return row  # scalar columns give back exactly what they were given
        values = self.compiled.values
        typed = dict(row)
        try:
            for name, column in mirrored.items():
                stored = column.from_sql(
                    column.to_sql(name, values.to_plain(row[name], self.projection.types[name]))
                )
                typed[name] = values.convert(
                    stored, self.projection.types[name], where=self._where(name)
                )
            for name in nan:  # SQLite stores a NaN float as NULL
                typed[name] = values.convert(
                    None, self.projection.types[name], where=self._where(name)
                )
        except ValueConversionError as error:
            return _Unreadable(error)
        return typed

    def _where(self, name: str) -> str:
        return f"read model '{self.name}' column '{name}'"


#: A row in :class:`_Rows` that was only read, not changed.
_UNCHANGED = object()


class _Rows:
    """The rows one catch-up touched, as it left them; written back by :meth:`flush`."""

    __slots__ = ("_runner", "changed", "rows")

    def __init__(
        self,
        runner: ProjectionRunner,
        known: dict[tuple[Any, ...], tuple[dict[str, Any], Any, Any]] | None = None,
    ) -> None:
        self._runner = runner
        #: stored key -> (typed key, the row as a read would now give it (None: no row),
        #: what to write: the row, None to delete it, or _UNCHANGED); ``known`` rows
        #: are the table's rows as they are (all _UNCHANGED)
        self.rows: dict[tuple[Any, ...], tuple[dict[str, Any], Any, Any]] = (
            {} if known is None else known
        )
        #: The stored keys of the rows to write, in the order first changed.
        self.changed: dict[tuple[Any, ...], None] = {}

    def get(self, stored_key: tuple[Any, ...], key: dict[str, Any]) -> dict[str, Any] | None:
        found = self.rows.get(stored_key)
        if found is None:
            row = self._runner._get(key)
            self.rows[stored_key] = (key, row, _UNCHANGED)
            return row
        read = found[1]
        if isinstance(read, _Unreadable):
            raise read.error
        return read  # type: ignore[no-any-return]

    def put(
        self, stored_key: tuple[Any, ...], key: dict[str, Any], row: dict[str, Any] | None
    ) -> None:
        runner = self._runner
        read = row if row is None or runner._reads_back_as_written else runner._as_read_back(row)
        self.rows[stored_key] = (key, read, row)
        self.changed[stored_key] = None

    def flush(self) -> None:
        """Write every changed row's final state (deletes and upserts) in one go."""
        runner = self._runner
        plain = runner._plain
        changes: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        rows = self.rows
        for stored_key in self.changed:
            key, read, written = rows[stored_key]
            if written is None:
                changes.append((plain(key), None))
            else:
                whole = plain(written) if plain is not dict else written
                changes.append(
                    (
                        {k: whole[k] for k in key},
                        {k: v for k, v in whole.items() if k not in key},
                    )
                )
            rows[stored_key] = (key, read, _UNCHANGED)
        self.changed.clear()
        if changes:
            runner.store.write_rows(runner.table_name, changes)


#: How many rows a read model keeps in memory between catch-ups (then it drops them).
MAX_KEPT_ROWS = 50_000


def _scalar(values: Any, t: TypeRef) -> bool:
    base = _base(t)
    return base.kind == "primitive" or (base.kind == "named" and base.name in values.enums)


def _base(t: TypeRef) -> TypeRef:
    return t.args[0] if t.kind == "optional" else t


def _never(value: Any) -> Any:  # pragma: no cover - an unknown field raises before
    raise Miss
