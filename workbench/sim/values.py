"""Runtime values: literals and stored JSON in, typed Python values out, and back.

Why one converter: a field value enters the simulator from many places (scenario
steps, workloads, defaults, constants, expression results, events read back from the
store) and each must become the *same* Python value, or a state rebuilt from the store
would differ from the state computed when the command ran. The mapping::

    decimal -> Decimal          date / datetime -> datetime.date / datetime.datetime
    uuid    -> str (canonical)  enum            -> str (checked against its values)
    record  -> dict             list / dict     -> list / dict, converted recursively
    T?      -> None or T        any             -> the value as given

Conversion is lenient only where nothing is lost (``2`` for a ``decimal``, ``"2030-01-22"``
for a ``date``, ``"1"`` as an ``int`` dict key read back from JSON) and otherwise raises
:class:`ValueConversionError` saying where and what was expected.

>>> from workbench.model.types import parse_type
>>> values = ValueTypes()
>>> values.convert("1.50", parse_type("decimal"))
Decimal('1.50')
>>> values.to_plain({"2030-01-02": 1}, parse_type("dict[date, int]"))
{'2030-01-02': 1}
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from workbench.model.schema import FieldSpec, Model
from workbench.model.types import TypeRef, parse_type

#: Turns a non-UUID text in a ``uuid`` position into an id (scenario placeholders).
UuidHook = Callable[[str], str]

#: The zero of ``date``/``datetime`` fields that have no default: the Unix epoch.
EPOCH = dt.datetime(1970, 1, 1)
#: The zero of ``uuid`` fields that have no default: the nil UUID.
NIL_UUID = "00000000-0000-0000-0000-000000000000"


class ValueConversionError(ValueError):
    """A value does not fit its field type; the message says where and why."""


def _show(value: object) -> str:
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(where: str, expected: object, value: object) -> ValueConversionError:
    return ValueConversionError(f"{where}: expected {expected}, got {_show(value)}")


class ValueTypes:
    """Converts values by field type, knowing the model's enums and records."""

    def __init__(self, model: Model | None = None) -> None:
        self.enums: dict[str, tuple[str, ...]] = dict(model.enums()) if model else {}
        self.records: dict[str, dict[str, TypeRef]] = {}
        self.record_specs: dict[str, dict[str, FieldSpec]] = {}
        for name, fields in (model.records() if model else {}).items():
            self.record_specs[name] = dict(fields)
            self.records[name] = {f: parse_type(spec.type) for f, spec in fields.items()}

    # -- into the simulator ------------------------------------------------------

    def convert(
        self, value: Any, t: TypeRef, *, where: str = "value", uuid_hook: UuidHook | None = None
    ) -> Any:
        """``value`` as the runtime value of type ``t``; raises :class:`ValueConversionError`."""
        kind = t.kind
        if kind == "any":
            return _plain_python(value)
        if kind == "optional":
            return (
                None
                if value is None
                else self.convert(value, t.args[0], where=where, uuid_hook=uuid_hook)
            )
        if value is None:
            raise _fail(where, t, value)
        if kind == "primitive":
            return _PRIMITIVES[t.name](value, where, uuid_hook)
        if kind == "list":
            if isinstance(value, set | frozenset):
                value = set_in_order(value)
            if not isinstance(value, list | tuple):
                raise _fail(where, t, value)
            item = t.args[0]
            return [
                self.convert(v, item, where=f"{where}[{i}]", uuid_hook=uuid_hook)
                for i, v in enumerate(value)
            ]
        if kind == "dict":
            if not isinstance(value, Mapping):
                raise _fail(where, t, value)
            key_type, item = t.args
            return {
                self._key(k, key_type, where, uuid_hook): self.convert(
                    v, item, where=f"{where}[{k!r}]", uuid_hook=uuid_hook
                )
                for k, v in value.items()
            }
        return self._named(value, t.name, where, uuid_hook)

    def _key(self, key: Any, t: TypeRef, where: str, uuid_hook: UuidHook | None) -> Any:
        # JSON object keys are always text: read "1" back as the int key 1.
        if t.kind == "primitive" and t.name == "int" and isinstance(key, str):
            try:
                return int(key)
            except ValueError:
                raise _fail(f"{where} key", "int", key) from None
        return self.convert(key, t, where=f"{where} key", uuid_hook=uuid_hook)

    def _named(self, value: Any, name: str, where: str, uuid_hook: UuidHook | None) -> Any:
        if name in self.enums:
            if isinstance(value, str) and value in self.enums[name]:
                return value
            raise _fail(where, f"one of {name} ({', '.join(self.enums[name])})", value)
        if name in self.records:
            if not isinstance(value, Mapping):
                raise _fail(where, f"a {name} record", value)
            return self.fields(
                value, self.records[name], owner=f"{where} ({name})", uuid_hook=uuid_hook
            )
        return _plain_python(value)

    def fields(
        self,
        values: Mapping[str, Any],
        types: Mapping[str, TypeRef],
        *,
        owner: str,
        uuid_hook: UuidHook | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Every field of a message or record: given ones converted, missing ones their
        entry in ``defaults`` (runtime values, see :func:`fresh_default`), else None if
        optional.

        A missing non-optional field without a default, or an unknown one, is an error
        naming ``owner``.
        """
        unknown = [name for name in values if name not in types]
        if unknown:
            raise ValueConversionError(
                f"{owner} has no field {', '.join(repr(u) for u in unknown)}"
            )
        out: dict[str, Any] = {}
        for name, t in types.items():
            if name in values:
                out[name] = self.convert(
                    values[name], t, where=f"{owner} field '{name}'", uuid_hook=uuid_hook
                )
            elif defaults is not None and name in defaults:
                out[name] = fresh_default(defaults[name])
            elif t.kind in ("optional", "any"):
                out[name] = None
            else:
                raise ValueConversionError(f"{owner} needs field '{name}' ({t})")
        return out

    # -- defaults ------------------------------------------------------------------

    def zero(self, t: TypeRef) -> Any:
        """The value of a field nobody set: 0, "", False, [], {}, None for optional ones."""
        kind = t.kind
        if kind in ("optional", "any"):
            return None
        if kind == "list":
            return []
        if kind == "dict":
            return {}
        if kind == "primitive":
            return _ZEROS[t.name]()
        if t.name in self.enums:
            return self.enums[t.name][0]
        if t.name in self.records:
            return {f: self.default(spec) for f, spec in self.record_specs[t.name].items()}
        return None

    def default(self, spec: FieldSpec) -> Any:
        """A field's declared default (converted), or the zero value of its type."""
        t = parse_type(spec.type)
        if spec.has_default:
            return self.convert(spec.default, t, where="default")
        return self.zero(t)

    # -- out to JSON ---------------------------------------------------------------

    def to_plain(self, value: Any, t: TypeRef) -> Any:
        """A runtime value as JSON-ready data (decimals and dates as text, keys as text)."""
        if value is None:
            return None
        kind = t.kind
        if kind == "optional":
            return self.to_plain(value, t.args[0])
        if kind == "list" and isinstance(value, list | tuple):
            return [self.to_plain(v, t.args[0]) for v in value]
        if kind == "dict" and isinstance(value, Mapping):
            item = t.args[1]
            return {_key_text(k): self.to_plain(v, item) for k, v in value.items()}
        if kind == "named" and t.name in self.records and isinstance(value, Mapping):
            types = self.records[t.name]
            return {k: self.to_plain(v, types.get(k, _ANY)) for k, v in value.items()}
        return _plain_json(value)

    def plain_fields(
        self, values: Mapping[str, Any], types: Mapping[str, TypeRef]
    ) -> dict[str, Any]:
        """:meth:`to_plain` for every field of a message or state."""
        return {name: self.to_plain(v, types.get(name, _ANY)) for name, v in values.items()}


_ANY = TypeRef("any")

#: Runtime values nobody can change in place: a default of one of these is shared.
IMMUTABLE_TYPES = frozenset({str, int, float, bool, type(None), Decimal, dt.date, dt.datetime})


def fresh_default(value: Any) -> Any:
    """A converted default as a field's value: a copy when it is a list, dict or record,
    so that one message changing its value in place cannot change the next message's."""
    return value if type(value) in IMMUTABLE_TYPES else copy.deepcopy(value)


def _key_text(key: Any) -> str:
    if isinstance(key, dt.date):
        return key.isoformat()
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _plain_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {_key_text(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_plain_json(v) for v in set_in_order(value)]
    return value


def set_in_order(values: set[Any] | frozenset[Any]) -> list[Any]:
    """A set's items in the one order the simulator gives them: sorted by ``repr``.

    A set has no order of its own, yet the store, read models, scenario output and
    replays must agree on one, run after run (same model and seed, same bytes).

    >>> set_in_order({"b", "a", 3})
    ['a', 'b', 3]
    """
    return sorted(values, key=repr)


def _plain_python(value: Any) -> Any:
    """Untyped values: containers as plain lists and dicts, UUIDs as text."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {k: _plain_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_python(v) for v in value]
    if isinstance(value, set | frozenset):  # as the store keeps it, so a replay agrees
        return [_plain_python(v) for v in set_in_order(value)]
    return value


# -- primitives --------------------------------------------------------------------------


def _str(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    raise _fail(where, "str", value)


def _int(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, bool):
        raise _fail(where, "int", value)
    if isinstance(value, int):
        return value
    # 4.0 from a division is the int 4; 4.5 is an error rather than a silent truncation.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise _fail(where, "int", value)


def _float(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            result = float(value)
        except OverflowError:  # an int or decimal beyond any float
            raise _fail(where, "a finite float", value) from None
        if math.isfinite(result):  # JSON cannot store inf or NaN, and NaN equals nothing
            return result
        raise _fail(where, "a finite float", value)
    raise _fail(where, "float", value)


def _decimal(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, Decimal):
        if value.is_finite():
            return value
        raise _fail(where, "a finite decimal", value)
    if isinstance(value, bool):
        raise _fail(where, "decimal", value)
    if isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise _fail(where, "decimal", value) from None
        if result.is_finite():
            return result
    raise _fail(where, "decimal", value)


def _bool(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, bool):
        return value
    raise _fail(where, "bool", value)


def _date(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(where, "date", value)


def _datetime(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(where, "datetime", value)


def _uuid(value: Any, where: str, hook: UuidHook | None) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            if hook is not None and value.strip():
                return hook(value)
    raise _fail(where, "a uuid", value)


_PRIMITIVES: dict[str, Callable[[Any, str, UuidHook | None], Any]] = {
    "str": _str,
    "int": _int,
    "float": _float,
    "decimal": _decimal,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "uuid": _uuid,
}

_ZEROS: dict[str, Callable[[], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "decimal": Decimal,
    "bool": bool,
    "date": EPOCH.date,
    "datetime": lambda: EPOCH,
    "uuid": lambda: NIL_UUID,
}
