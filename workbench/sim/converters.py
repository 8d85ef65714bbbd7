"""Fast paths for :class:`~workbench.sim.values.ValueTypes`, compiled once per field type.

Why: a run converts every field of every command, event, state and read-model row, and
:meth:`ValueTypes.convert` walks the type on each call, formats a ``where`` text for an
error that almost never happens, and rebuilds values that are already right. Almost
always the value *is* already the runtime value of its type (an ``int`` for ``int``,
canonical uuid text for ``uuid``), so a converter compiled for one type checks that
with ``type(v) is ...`` and hands the value back.

Exactness is kept by construction: a fast converter either returns exactly what
``convert`` would (the same value, of the same type) or raises :class:`Miss`, and the
caller then calls ``convert`` itself, which produces the converted value or the usual
error message. So behaviour, including every error text, is that of ``values.py``.
The fast paths also take the forms values have in stored JSON and read-model columns
(decimal and ISO date text, ``uuid.UUID`` from a uuid column), parsing them just as
``convert`` does, because decoding stored events and rows is the other hot path.
Plainers (the fast :meth:`ValueTypes.to_plain`) never miss: they are ``to_plain``
unrolled for one type.

>>> from workbench.model.types import parse_type
>>> values = ValueTypes()
>>> fast = converter(values, parse_type("list[uuid]"))
>>> fast(["9b2c4e0a-7d1f-4c55-9a0e-2f6b8c3d1e4a"])
['9b2c4e0a-7d1f-4c55-9a0e-2f6b8c3d1e4a']
>>> fields_converter(values, {"n": parse_type("int")}, owner="command 'X'")({"n": "1"})
Traceback (most recent call last):
...
workbench.sim.values.ValueConversionError: command 'X' field 'n': expected int, got '1'
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from typing import Any

from workbench.model.types import TypeRef
from workbench.sim.values import (
    IMMUTABLE_TYPES,
    UuidHook,
    ValueTypes,
    _key_text,
    _plain_json,
    fresh_default,
)

__all__ = [
    "Miss",
    "converter",
    "fields_converter",
    "fields_plainer",
    "plain_as_is",
    "plainer",
    "record_converter",
    "round_trips",
]

Convert = Callable[[Any], Any]

#: Canonical uuid text: what ``str(uuid.UUID(text))`` gives back unchanged.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_uuid_match = _CANONICAL_UUID.fullmatch

#: Types whose values ``any`` (and ``to_plain``) hand back as they are: immutable ones.
_AS_IS = IMMUTABLE_TYPES
_PLAIN_AS_IS = frozenset({str, int, float, bool, type(None)})


class Miss(Exception):
    """The fast path cannot take this value as it is; the full converter must decide."""


def _exact(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise Miss

    return convert


#: Canonical uuid texts seen lately: one id is checked many times on its way through
#: a command, its events, policies and read models, and a set lookup (the text keeps
#: its hash) is cheaper than the pattern. Cleared when full, so it stays small.
_CANONICAL_SEEN: set[str] = set()
_SEEN_AT_MOST = 65_536


def _uuid(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        if value in _CANONICAL_SEEN:
            return value
        if _uuid_match(value) is not None:
            if len(_CANONICAL_SEEN) >= _SEEN_AT_MOST:
                _CANONICAL_SEEN.clear()
            _CANONICAL_SEEN.add(value)
            return value
    elif kind is uuid.UUID:  # read back from a uuid column
        return str(value)
    raise Miss


def _float(value: Any) -> Any:
    """A finite float as it is; infinities and NaN (``1e308 * 10``) are for the full path,
    which refuses them: JSON cannot store them and they compare as nothing else does."""
    if type(value) is float and value - value == 0.0:  # inf - inf and nan - nan are nan
        return value
    raise Miss


def _decimal(value: Any) -> Any:
    kind = type(value)
    if kind is Decimal:
        if value.is_finite():  # an expression can reach Infinity: the full path refuses it
            return value
        raise Miss
    if kind is str:  # as events store decimals; Decimal() ignores surrounding blanks too
        try:
            result = Decimal(value)
        except ArithmeticError:
            raise Miss from None
        if result.is_finite():
            return result
    raise Miss


def _from_iso(kind: type[dt.date]) -> Convert:
    parse = kind.fromisoformat

    def convert(value: Any) -> Any:
        if type(value) is kind:
            return value
        if type(value) is str:  # as events store them (blanks: the full path strips them)
            try:
                return parse(value)
            except ValueError:
                raise Miss from None
        raise Miss

    return convert


def _any(value: Any) -> Any:
    if type(value) in _AS_IS:
        return value
    raise Miss


def _unknown(value: Any) -> Any:
    if value is not None and type(value) in _AS_IS:  # like any, but it cannot be None
        return value
    raise Miss


_PRIMITIVES: dict[str, Convert] = {
    "str": _exact(str),
    "int": _exact(int),
    "float": _float,
    "decimal": _decimal,
    "bool": _exact(bool),
    "date": _from_iso(dt.date),
    "datetime": _from_iso(dt.datetime),
    "uuid": _uuid,
}


def converter(values: ValueTypes, t: TypeRef) -> Convert:
    """A function returning ``values.convert(v, t)`` for values already of type ``t``,
    raising :class:`Miss` for anything else (which ``convert`` must then handle)."""
    kind = t.kind
    if kind == "primitive":
        return _PRIMITIVES[t.name]
    if kind == "optional":
        inner = converter(values, t.args[0])

        def optional(value: Any) -> Any:
            return None if value is None else inner(value)

        return optional
    if kind == "list":
        item = converter(values, t.args[0])

        def list_of(value: Any) -> Any:
            if type(value) is not list:
                raise Miss
            return [item(v) for v in value]

        return list_of
    if kind == "dict":
        key, item = converter(values, t.args[0]), converter(values, t.args[1])

        def dict_of(value: Any) -> Any:
            if type(value) is not dict:
                raise Miss
            return {key(k): item(v) for k, v in value.items()}

        return dict_of
    if kind == "named" and t.name in values.enums:
        allowed = frozenset(values.enums[t.name])

        def enum(value: Any) -> Any:
            if type(value) is str and value in allowed:
                return value
            raise Miss

        return enum
    if kind == "named" and t.name in values.records:
        return record_converter(values, values.records[t.name])
    if kind == "named":
        return _unknown  # a name the model does not define
    return _any


def record_converter(
    values: ValueTypes, types: Mapping[str, TypeRef], *, defaulted: Collection[str] = ()
) -> Convert:
    """The fast path of ``values.fields(v, types)``: a dict of exactly ``types``' fields
    in their order (missing optional ones ``None``), or :class:`Miss`.

    A missing field named in ``defaulted`` misses even when optional: it takes its
    default, which the caller's slow path fills in (the common case, every field
    given, pays nothing for it)."""
    converters = tuple(
        (name, converter(values, t), t.kind in ("optional", "any") and name not in defaulted)
        for name, t in types.items()
    )
    names = frozenset(types)

    def record(value: Any) -> Any:
        if type(value) is not dict or not names.issuperset(value):
            raise Miss
        out = {}
        for name, convert, may_miss in converters:
            if name in value:
                out[name] = convert(value[name])
            elif may_miss:
                out[name] = None
            else:
                raise Miss
        return out

    return record


def fields_converter(
    values: ValueTypes,
    types: Mapping[str, TypeRef],
    *,
    owner: str,
    defaults: Mapping[str, Any] | None = None,
) -> Callable[..., dict[str, Any]]:
    """``values.fields(v, types, owner=owner, defaults=defaults)`` compiled for ``types``:
    the fast path for values already typed and complete, field by field when some are
    not (a placeholder in a uuid field, text for a decimal, a field left to its
    default), and the full method for anything it must refuse, so its errors are the
    ones ``fields`` raises. ``defaults`` are runtime values; each use gets a copy of a
    list, dict or record one."""
    defaults = dict(defaults or {})
    fast = record_converter(values, types, defaulted=defaults)
    names = frozenset(types)
    per_field = tuple(
        (
            name,
            converter(values, t),
            t,
            t.kind in ("optional", "any"),
            f"{owner} field '{name}'",
            t.kind == "primitive" and t.name == "uuid",
        )
        for name, t in types.items()
    )
    fields = values.fields
    convert_one = values.convert

    def convert(given: Mapping[str, Any], uuid_hook: UuidHook | None = None) -> dict[str, Any]:
        if uuid_hook is None:  # with a hook, placeholders are likely: go field by field
            try:
                result: dict[str, Any] = fast(given)
                return result
            except Miss:
                pass
        if type(given) is not dict or not names.issuperset(given):
            # it refuses unknown fields, or converts a mapping that is not a dict
            return fields(given, types, owner=owner, uuid_hook=uuid_hook, defaults=defaults)
        out: dict[str, Any] = {}
        for name, fast_one, t, may_be_unset, where, is_uuid in per_field:
            if name in given:
                value = given[name]
                try:
                    out[name] = fast_one(value)
                except Miss:
                    if (
                        is_uuid
                        and uuid_hook is not None
                        and type(value) is str
                        and len(value) < 32
                        and value.strip()
                    ):
                        # Too short to parse as a uuid (32 hex digits at least), so
                        # ``convert`` would hand it to the hook: a placeholder.
                        out[name] = uuid_hook(value)
                    else:
                        out[name] = convert_one(value, t, where=where, uuid_hook=uuid_hook)
            elif name in defaults:
                out[name] = fresh_default(defaults[name])
            elif may_be_unset:
                out[name] = None
            else:  # the full method raises its "needs field" error (hooks give the same ids)
                return fields(given, types, owner=owner, uuid_hook=uuid_hook, defaults=defaults)
        return out

    return convert


def plainer(values: ValueTypes, t: TypeRef) -> Convert:
    """``values.to_plain(v, t)`` compiled for ``t`` (it never misses)."""
    kind = t.kind
    if kind == "optional":
        return plainer(values, t.args[0])  # to_plain(None) is None at every level
    if kind == "list":
        item = plainer(values, t.args[0])

        def list_of(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, list | tuple):
                return [item(v) for v in value]
            return _plain_json(value)

        return list_of
    if kind == "dict":
        item = plainer(values, t.args[1])

        def dict_of(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, Mapping):
                return {_key_text(k): item(v) for k, v in value.items()}
            return _plain_json(value)

        return dict_of
    if kind == "named" and t.name in values.records:
        record = fields_plainer(values, values.records[t.name])

        def record_of(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, Mapping):
                return record(value)
            return _plain_json(value)

        return record_of
    return _scalar


def _scalar(value: Any) -> Any:
    return value if type(value) in _PLAIN_AS_IS else _plain_json(value)


_ANY_PLAIN = _scalar


def fields_plainer(values: ValueTypes, types: Mapping[str, TypeRef]) -> Convert:
    """``values.plain_fields(v, types)`` compiled for ``types``."""
    plainers = {name: plainer(values, t) for name, t in types.items()}
    get = plainers.get

    def plain(given: Mapping[str, Any]) -> dict[str, Any]:
        return {name: get(name, _ANY_PLAIN)(v) for name, v in given.items()}

    return plain


def round_trips(values: ValueTypes, t: TypeRef) -> bool:
    """Whether a runtime value of ``t``, stored as JSON and converted back, is the same
    value (same type, same order): then a consumer may use it without reading it back.

    Dicts are not (the store sorts their keys), nor are ``any`` and unknown names
    (a ``Decimal`` inside comes back as text).
    """
    kind = t.kind
    if kind == "primitive":
        return True
    if kind in ("optional", "list"):
        return round_trips(values, t.args[0])
    if kind == "named" and t.name in values.enums:
        return True
    if kind == "named" and t.name in values.records:
        return all(round_trips(values, f) for f in values.records[t.name].values())
    return False


def plain_as_is(values: ValueTypes, types: Mapping[str, TypeRef]) -> bool:
    """Whether runtime values of ``types`` are their own plain form (text, numbers,
    booleans, uuids and enums as text): then ``plain_fields`` only copies them."""

    def as_is(t: TypeRef) -> bool:
        if t.kind == "optional":
            return as_is(t.args[0])
        if t.kind == "primitive":
            return t.name in ("str", "int", "float", "bool", "uuid")
        return t.kind == "named" and t.name in values.enums

    return all(as_is(t) for t in types.values())
