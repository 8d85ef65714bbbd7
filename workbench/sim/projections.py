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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.model.types import TypeRef
from workbench.sim.aggregates import EventDecoder
from workbench.sim.compiled import (
    CompiledHandler,
    CompiledModel,
    CompiledProjection,
    ModelingProblem,
    convert_result,
)
from workbench.sim.messages import DomainEvent, ReactionProblem
from workbench.store import EventStore, ProjectionSchemaError


def column_type(t: TypeRef, enums: Mapping[str, Any]) -> str:
    """The store column type for a field type; enums are stored as plain text."""
    if t.kind == "optional":
        return column_type(t.args[0], enums) + "?"
    if t.kind == "named" and t.name in enums:
        return "str"
    return str(t)


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
        try:
            store.ensure_projection_table(self.table_name, self.columns, projection.key_fields)
        except ProjectionSchemaError:
            self.rebuild(catch_up=False)

    @property
    def name(self) -> str:
        return self.projection.name

    def lag(self) -> int:
        """How many positions the read model is behind the head of the log."""
        return self.store.head_position() - self.store.checkpoint(self.consumer)

    def catch_up(self) -> list[ReactionProblem]:
        """Apply every event after the checkpoint; return the problems met on the way.

        An event a handler cannot apply (a modeling problem: an expression failed)
        goes to the dead-letter table with its error and is skipped, so one bad
        event does not stop the read model; it can be inspected and replayed later.
        """
        problems = []
        with self.store.transaction():
            start = self.store.checkpoint(self.consumer)
            last = start
            for recorded in self.store.iter_all(start):
                last = recorded.position
                if recorded.type not in self.projection.handlers:
                    continue
                try:
                    self.apply(self.decoder.decode(recorded))
                except ModelingProblem as problem:
                    now = self.now_text()
                    self.store.add_dead_letter(
                        self.consumer,
                        recorded.position,
                        recorded.event_id,
                        problem.message,
                        recorded_at=now,
                    )
                    problems.append(ReactionProblem(f"projection '{self.name}'", problem.message))
            if last != start:
                self.store.save_checkpoint(self.consumer, last, updated_at=self.now_text())
        return problems

    def rebuild(self, *, catch_up: bool = True) -> None:
        """Empty the table and reset the checkpoint (one transaction), then replay the log."""
        self.store.rebuild_projection(
            self.table_name, self.columns, list(self.projection.key_fields), consumer=self.consumer
        )
        if catch_up:
            self.catch_up()

    def apply(self, event: DomainEvent) -> None:
        """Apply one event to the read model (no checkpoint: :meth:`catch_up` owns that)."""
        handler = self.projection.handlers.get(event.type)
        if handler is None:
            return
        what = f"projection '{self.name}' on '{event.type}'"
        now = event.time
        # A condition on the event alone is checked before the key is computed, so it
        # can guard the key expression (``when: len(event.items) > 0``).
        early = handler.when is not None and "row" not in handler.when.compiled.roots
        if (
            early
            and handler.when is not None
            and not handler.when(self.compiled.env(event=event.data), now)
        ):
            return
        key = self._key(handler, event, what)
        existing = self._get(key)
        if handler.action != "upsert" and existing is None:
            return
        row = existing if existing is not None else {**self.projection_defaults(), **key}
        env = self.compiled.env(event=event.data, row=row)
        if not early and handler.when is not None and not handler.when(env, now):
            return
        if handler.action == "delete":
            self.store.delete_row(self.table_name, self._plain(key))
            return
        new_row = dict(row)
        for name, expr in handler.assignments.items():
            t = self.projection.types[name]
            new_row[name] = convert_result(
                self.compiled.values, expr(env, now), t, f"field '{name}' of {what}"
            )
        values = self._plain({k: v for k, v in new_row.items() if k not in key})
        if handler.action == "upsert":
            self.store.upsert_row(self.table_name, self._plain(key), values)
        else:
            self.store.update_row(self.table_name, self._plain(key), values)

    def projection_defaults(self) -> dict[str, Any]:
        return dict(self.projection.defaults)

    def rows(self) -> list[dict[str, Any]]:
        """Every row as typed values, ordered by key."""
        return [self._typed(row) for row in self.store.rows(self.table_name)]

    def _key(self, handler: CompiledHandler, event: DomainEvent, what: str) -> dict[str, Any]:
        fields = self.projection.key_fields
        if handler.key is None:
            missing = [f for f in fields if f not in event.data]
            if missing:
                raise ModelingProblem(
                    f"{what}: the event has no field '{missing[0]}' to find the row by"
                )
            values = [event.data[f] for f in fields]
        else:
            env = self.compiled.env(event=event.data)
            values = [expr(env, event.time) for expr in handler.key]
        key = {}
        for name, value in zip(fields, values, strict=True):
            converted = convert_result(
                self.compiled.values, value, self.projection.types[name], f"key '{name}' of {what}"
            )
            if converted is None:
                raise ModelingProblem(f"{what}: the row key '{name}' is empty")
            key[name] = converted
        return key

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        row = self.store.get_row(self.table_name, self._plain(key))
        return None if row is None else self._typed(row)

    def _plain(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return self.compiled.values.plain_fields(values, self.projection.types)

    def _typed(self, row: Mapping[str, Any]) -> dict[str, Any]:
        values = self.compiled.values
        return {
            name: values.convert(
                row.get(name), t, where=f"read model '{self.name}' column '{name}'"
            )
            for name, t in self.projection.types.items()
        }
