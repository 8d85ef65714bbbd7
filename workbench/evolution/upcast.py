"""Upcasting: bring a stored event from the schema version it was written at to today's.

Why upcast on read: the event log is append-only, so an event written as ``BookLent``
v1 stays v1 forever. Code that folds state or fills read models should only ever see
the current shape, so each event is lifted one version at a time through the model's
``history`` steps as it is read::

    history:
      1:
        fields: {book_id: uuid, member_id: uuid}
        rename: {member_id: borrower_id}      # old name -> new name
        upcast: {due: "date(2000, 1, 1)"}     # new field -> expression over the old payload

Each step builds version ``v + 1`` from version ``v``: a field set by ``upcast`` takes
the expression's value (evaluated over the *old* payload, ``event``); otherwise a
renamed field takes the old field's value, and an unchanged field carries over; a new
optional field nobody sets is ``None``; fields the new version no longer has are
dropped. Values are converted to the new version's field types at every step, so a
later step's expressions see typed values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.model.expressions import EvaluationError, ExpressionError, compile_expression
from workbench.model.schema import Model
from workbench.model.types import TypeRef, parse_type
from workbench.sim.compiled import ModelingProblem, ModelNotRunnable, constant_values
from workbench.sim.values import ValueConversionError, ValueTypes


@dataclass(frozen=True)
class _Step:
    """How version ``version`` of an event becomes ``version + 1``."""

    version: int
    old_types: dict[str, TypeRef]
    new_types: dict[str, TypeRef]
    renamed_from: dict[str, str]  # new name -> old name
    upcast: dict[str, Any]  # new field -> compiled expression


class Upcaster:
    """Lifts event payloads of any stored version to the model's current version."""

    def __init__(self, model: Model, values: ValueTypes | None = None) -> None:
        self.values = values or ValueTypes(model)
        self.constants = constant_values(model, self.values)
        names = frozenset(self.constants) | {"event"}
        self._current: dict[str, int] = {}
        self._types: dict[tuple[str, int], dict[str, TypeRef]] = {}
        self._steps: dict[tuple[str, int], _Step] = {}
        for name, event in model.events.items():
            self._current[name] = event.version
            self._types[(name, event.version)] = {
                f: parse_type(s.type) for f, s in event.fields.items()
            }
            for version, step in event.history.items():
                self._types[(name, version)] = {
                    f: parse_type(s.type) for f, s in step.fields.items()
                }
        for name, event in model.events.items():
            for version, step in sorted(event.history.items()):
                newer = self._types.get((name, version + 1))
                if newer is None:
                    continue  # a gap in the history; reading such an event fails clearly
                upcast = {}
                for target, source in step.upcast.items():
                    try:
                        upcast[target] = compile_expression(source, names)
                    except ExpressionError as error:
                        raise ModelNotRunnable(
                            f"upcast '{target}' of event '{name}' v{version}: `{source}`: {error.message}"
                        ) from None
                self._steps[(name, version)] = _Step(
                    version,
                    self._types[(name, version)],
                    newer,
                    {new: old for old, new in step.rename.items()},
                    upcast,
                )

    def current_version(self, event: str) -> int:
        return self._current[event]

    def types(self, event: str, version: int) -> dict[str, TypeRef]:
        """The field types of ``event`` at schema ``version``; unknown versions are a problem."""
        types = self._types.get((event, version))
        if types is None:
            if event not in self._current:
                raise ModelingProblem(
                    f"the store holds an event of type '{event}', which the model does not define"
                )
            raise ModelingProblem(
                f"the store holds '{event}' v{version}, but the model knows versions "
                f"{', '.join(str(v) for (e, v) in sorted(self._types) if e == event)}"
            )
        return types

    def decode(
        self, event: str, version: int, raw: Mapping[str, Any], *, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Stored JSON of ``event`` at ``version`` as typed values of the current version."""
        types = self.types(event, version)
        # Keys the version does not declare (written by another tool) are ignored.
        known = {k: v for k, v in raw.items() if k in types}
        try:
            data = self.values.fields(known, types, owner=f"stored event '{event}' v{version}")
        except ValueConversionError as error:
            raise ModelingProblem(str(error)) from None
        return self.upcast(event, version, data, now=now)

    def upcast(
        self, event: str, version: int, data: Mapping[str, Any], *, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Typed ``data`` of ``event`` at ``version``, lifted step by step to the current version."""
        current = self._current.get(event)
        if current is None:
            raise ModelingProblem(
                f"the store holds an event of type '{event}', which the model does not define"
            )
        if version > current:
            raise ModelingProblem(
                f"'{event}' v{version} is newer than the model's version {current}"
            )
        payload = dict(data)
        while version < current:
            step = self._steps.get((event, version))
            if step is None:
                raise ModelingProblem(
                    f"the model has no history step to upcast '{event}' from v{version}"
                )
            payload = self._apply(event, step, payload, now)
            version += 1
        return payload

    def _apply(
        self, event: str, step: _Step, old: dict[str, Any], now: dt.datetime | None
    ) -> dict[str, Any]:
        # The old payload, plus each renamed field under its new name as well, so an
        # upcast expression may use either spelling.
        seen = dict(old)
        for new, old_name in step.renamed_from.items():
            if old_name in old:
                seen.setdefault(new, old[old_name])
        env = dict(self.constants)
        env["event"] = seen
        out: dict[str, Any] = {}
        where = f"upcast of '{event}' v{step.version} to v{step.version + 1}"
        for name, t in step.new_types.items():
            if name in step.upcast:
                compiled = step.upcast[name]
                try:
                    value = compiled.evaluate(env, now=now)
                except EvaluationError as error:
                    raise ModelingProblem(
                        f"{where}: `{compiled.source}` failed: {error.message}"
                    ) from None
            elif step.renamed_from.get(name, name) in old:
                value = old[step.renamed_from.get(name, name)]
            elif t.kind in ("optional", "any"):
                value = None
            else:
                raise ModelingProblem(f"{where}: nothing sets the new field '{name}'")
            try:
                out[name] = self.values.convert(value, t, where=f"{where}, field '{name}'")
            except ValueConversionError as error:
                raise ModelingProblem(str(error)) from None
        return out
