"""The field type language: ``int``, ``str?``, ``list[Money]``, ``dict[str, list[int]]``.

Field types are written as short strings in the YAML because that is what people read
and type fastest; this module turns them into :class:`TypeRef` trees that the validator,
the expression checker and the code generators can reason about.

Grammar (whitespace allowed between tokens)::

    type  := base "?"?
    base  := PRIMITIVE | "any" | NAME | "list" "[" type "]" | "dict" "[" type "," type "]"

``any`` is accepted so that every :class:`TypeRef`, including :data:`ANY` and the type
of ``None`` (``any?``), prints to a string that parses back to an equal value; the
validator is free to refuse it in user models.

Why a hand-written parser: error messages must point at the offending character (the
validator turns offsets into columns) and say what was expected, which a regular
expression cannot do.  Parsing is cached because a model repeats the same few types
hundreds of times.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

PRIMITIVES: tuple[str, ...] = ("str", "int", "float", "decimal", "bool", "date", "datetime", "uuid")

#: Primitive types that may key a ``dict``: they have a stable, unambiguous text form.
DICT_KEY_PRIMITIVES: frozenset[str] = frozenset({"str", "int", "uuid", "date"})

#: Longest type text we try to parse; real types are a few dozen characters.
MAX_TYPE_LENGTH = 500
#: Deepest nesting of ``list[...]``/``dict[...]``; keeps the recursive parser safe.
MAX_TYPE_DEPTH = 32

Kind = Literal["primitive", "optional", "list", "dict", "named", "any"]
_ARITY: dict[str, int] = {"primitive": 0, "named": 0, "any": 0, "optional": 1, "list": 1, "dict": 2}


@dataclass(frozen=True)
class TypeRef:
    """A parsed field type; immutable and hashable so it can key caches and sets."""

    kind: Kind
    name: str = ""
    args: tuple[TypeRef, ...] = ()

    def __post_init__(self) -> None:
        # A malformed TypeRef would print as text that no longer parses; fail early instead.
        if len(self.args) != _ARITY[self.kind]:
            raise ValueError(f"a {self.kind} type takes {_ARITY[self.kind]} argument(s)")
        if self.kind in ("primitive", "named") and not self.name:
            raise ValueError(f"a {self.kind} type needs a name")

    def __str__(self) -> str:
        if self.kind in ("primitive", "named"):
            return self.name
        if self.kind == "any":
            return "any"
        if self.kind == "optional":
            return f"{self.args[0]}?"
        if self.kind == "list":
            return f"list[{self.args[0]}]"
        return f"dict[{self.args[0]}, {self.args[1]}]"


ANY = TypeRef("any")
#: The type of the literal ``None``: optional, but of nothing in particular.
NONE_TYPE = TypeRef("optional", args=(ANY,))


def primitive(name: str) -> TypeRef:
    """Shorthand used by the expression checker and tests: ``primitive("int")``."""
    return TypeRef("primitive", name)


class TypeSyntaxError(ValueError):
    """A type string that does not parse; ``offset`` is the 0-based character position."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (at character {self.offset + 1})"


# -- parsing -----------------------------------------------------------------------------

_HINTS = {
    "Optional": "write 'T?' for an optional type",
    "List": "write 'list[T]'",
    "Dict": "write 'dict[K, V]'",
    "None": "write 'T?' for a type that may be empty",
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def fail(self, message: str, offset: int | None = None) -> TypeSyntaxError:
        return TypeSyntaxError(message, self.pos if offset is None else offset)

    def expect(self, char: str, context: str) -> None:
        found = self.peek()
        if found != char:
            what = f"'{found}'" if found else "the end"
            raise self.fail(f"expected '{char}' {context}, found {what}")
        self.pos += 1

    def name(self) -> tuple[str, int]:
        self.skip()
        start = self.pos
        text = self.text
        if start < len(text) and (
            text[start].isascii() and (text[start].isalpha() or text[start] == "_")
        ):
            end = start + 1
            while (
                end < len(text)
                and text[end].isascii()
                and (text[end].isalnum() or text[end] == "_")
            ):
                end += 1
            self.pos = end
            return text[start:end], start
        if start >= len(text):
            raise self.fail("expected a type, found the end")
        char = text[start]
        if char in "[],?":
            raise self.fail(f"expected a type name before '{char}'")
        raise self.fail(f"unexpected character {char!r}")

    def type(self, depth: int) -> TypeRef:
        if depth > MAX_TYPE_DEPTH:
            raise self.fail("type is nested too deeply")
        name, start = self.name()
        result = self.base(name, start, depth)
        if self.peek() == "?":
            self.pos += 1
            result = TypeRef("optional", args=(result,))
            if self.peek() == "?":
                raise self.fail("type is already optional; write a single '?'")
        return result

    def base(self, name: str, start: int, depth: int) -> TypeRef:
        has_args = self.peek() == "["
        if name in ("list", "dict"):
            if not has_args:
                example = "list[str]" if name == "list" else "dict[str, int]"
                raise self.fail(f"'{name}' needs type arguments, e.g. {example}", start)
            self.pos += 1
            first = self.type(depth + 1)
            if name == "list":
                if self.peek() == ",":
                    raise self.fail("list takes one type argument: list[T]")
                self.expect("]", "to close list[...]")
                return TypeRef("list", args=(first,))
            if self.peek() != ",":
                raise self.fail("dict takes two type arguments: dict[K, V]")
            self.pos += 1
            second = self.type(depth + 1)
            if self.peek() == ",":
                raise self.fail("dict takes two type arguments: dict[K, V]")
            self.expect("]", "to close dict[...]")
            return TypeRef("dict", args=(first, second))
        if has_args:
            hint = _HINTS.get(name)
            suffix = f"; {hint}" if hint else ""
            raise self.fail(f"type '{name}' takes no type arguments{suffix}")
        if name in PRIMITIVES:
            return TypeRef("primitive", name)
        if name == "any":
            return ANY
        if name in _HINTS:
            raise self.fail(f"'{name}' is not a type; {_HINTS[name]}", start)
        return TypeRef("named", name)


@functools.lru_cache(maxsize=4096)
def parse_type(text: str) -> TypeRef:
    """Parse a field type string; raises :class:`TypeSyntaxError` with an offset.

    >>> str(parse_type("dict[ str , list[int] ]?"))
    'dict[str, list[int]]?'
    """
    if not isinstance(text, str):
        raise TypeSyntaxError(f"a type must be text, not {type(text).__name__}", 0)
    if len(text) > MAX_TYPE_LENGTH:
        raise TypeSyntaxError(f"type is too long ({len(text)} characters)", MAX_TYPE_LENGTH)
    parser = _Parser(text)
    if not parser.peek():
        raise TypeSyntaxError("empty type", 0)
    result = parser.type(0)
    rest = parser.peek()
    if rest:
        if rest == "|":
            raise parser.fail("unexpected '|'; write 'T?' for an optional type")
        raise parser.fail(f"unexpected {rest!r} after the type")
    return result


# -- relations between types ---------------------------------------------------------------

#: Implicit widenings: (source, target) primitive pairs that fit without conversion.
#: ``uuid`` values are strings at run time, so a uuid fits a ``str`` field (not the reverse).
_WIDENING = frozenset({("int", "float"), ("int", "decimal"), ("uuid", "str")})


def is_assignable(source: TypeRef, target: TypeRef) -> bool:
    """Can a value of type ``source`` be stored in a field of type ``target``?

    ``any`` fits everything both ways (the checker uses it for "unknown"). ``T`` fits
    ``T?`` and the literal ``None`` (``any?``) fits any optional.  A *possibly* empty
    value (``T?``) is accepted where ``T`` is expected: rules such as
    ``state.lent_to is not None`` usually guard it and the checker cannot follow that
    flow, so refusing would mostly report false alarms.  The bare ``None`` is still
    refused for a non-optional target.  Lists and dicts are covariant; named types
    match by name.
    """
    if source.kind == "any" or target.kind == "any" or source == target:
        return True
    if target.kind == "optional":
        inner = target.args[0]
        if source.kind == "optional":
            return is_assignable(source.args[0], inner)
        return is_assignable(source, inner)
    if source.kind == "optional":
        return source.args[0].kind != "any" and is_assignable(source.args[0], target)
    if source.kind == "primitive" and target.kind == "primitive":
        return (source.name, target.name) in _WIDENING
    if source.kind == target.kind and source.kind in ("list", "dict"):
        return all(is_assignable(s, t) for s, t in zip(source.args, target.args, strict=True))
    return False


def named_types(t: TypeRef) -> set[str]:
    """Every user type name mentioned in ``t``, so the validator can report unknown ones."""
    if t.kind == "named":
        return {t.name}
    found: set[str] = set()
    for arg in t.args:
        found |= named_types(arg)
    return found


def valid_dict_key(t: TypeRef) -> bool:
    """Whether ``t`` may key a dict, as far as the type alone can tell.

    Named types pass because only the caller knows whether the name is an enum (which is
    allowed) or a record (which is not); ``any`` passes because it is not the user's.
    """
    if t.kind == "primitive":
        return t.name in DICT_KEY_PRIMITIVES
    return t.kind in ("named", "any")


# -- checking YAML values ------------------------------------------------------------------

_MAX_VALUE_DEPTH = 64


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return f"datetime {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"date {value.isoformat()}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _is_non_finite(value: object, name: str) -> bool:
    """``.inf``, ``-.inf``, ``.nan`` (or ``1e400``, which YAML reads as infinity) for a number.

    Python's float and Decimal both have them, but no field can store them usefully:
    the simulator refuses them for ``decimal`` and would sum and compare them into
    nonsense for ``float``. Refusing them here reports them where they are written, at
    load time, rather than as a failing scenario or a broken run. A ``decimal`` also
    reads text, so ``"inf"`` and ``"NaN"`` count there too.
    """
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, decimal.Decimal):
        return not value.is_finite()
    if name == "decimal" and isinstance(value, str):
        try:
            return not decimal.Decimal(value.strip()).is_finite()
        except (decimal.InvalidOperation, ValueError):
            return False
    return False


def _check_primitive(value: object, name: str, placeholders_ok: bool) -> bool:
    if name == "str":
        return isinstance(value, str)
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "bool":
        return isinstance(value, bool)
    if name == "decimal":
        if _is_number(value):
            return True
        if isinstance(value, str):
            try:
                return decimal.Decimal(value.strip()).is_finite()
            except (decimal.InvalidOperation, ValueError):
                return False
        return False
    if name == "date":
        if isinstance(value, dt.datetime):
            return False
        if isinstance(value, dt.date):
            return True
        return isinstance(value, str) and _parses(dt.date.fromisoformat, value)
    if name == "datetime":
        # A YAML date (or "2030-01-01") means midnight, as datetime.fromisoformat reads it.
        if isinstance(value, dt.date):
            return True
        return isinstance(value, str) and _parses(dt.datetime.fromisoformat, value)
    if name == "uuid":
        if isinstance(value, uuid.UUID):
            return True
        if not isinstance(value, str) or not value.strip():
            return False
        # Placeholders such as ``b1`` stand for ids the simulator generates.
        return placeholders_ok or _parses(uuid.UUID, value)
    return False


def _parses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except (ValueError, TypeError):
        return False
    return True


def check_value(
    value: object,
    t: TypeRef,
    *,
    enums: Mapping[str, Sequence[str]],
    records: Mapping[str, Mapping[str, TypeRef]],
    placeholders_ok: bool = True,
) -> str | None:
    """``None`` when a YAML value (scenario literal, default, constant) fits ``t``.

    Otherwise a short reason such as ``"expected int, got 'abc'"``; for nested values the
    reason says where (``"item 2: expected int, got 'x'"``).  Record values must give
    every non-optional field and no unknown ones.
    """
    return _check(value, t, enums, records, placeholders_ok, 0)


def _check(
    value: object,
    t: TypeRef,
    enums: Mapping[str, Sequence[str]],
    records: Mapping[str, Mapping[str, TypeRef]],
    placeholders_ok: bool,
    depth: int,
) -> str | None:
    if depth > _MAX_VALUE_DEPTH:
        return "value is nested too deeply"
    if t.kind == "any":
        return None
    if t.kind == "optional":
        if value is None:
            return None
        return _check(value, t.args[0], enums, records, placeholders_ok, depth + 1)
    if value is None:
        return f"expected {t}, got null"
    if t.kind == "primitive":
        if t.name in ("float", "decimal") and _is_non_finite(value, t.name):
            return f"expected {t.name}, got {_show(value)}: a finite number, not infinity or NaN"
        if _check_primitive(value, t.name, placeholders_ok):
            return None
        if t.name == "uuid" and isinstance(value, str) and value.strip():
            return f"expected a uuid, got {_show(value)}"
        return f"expected {t.name}, got {_show(value)}"
    if t.kind == "list":
        if not isinstance(value, list | tuple):
            return f"expected {t}, got {_show(value)}"
        for index, item in enumerate(value):
            problem = _check(item, t.args[0], enums, records, placeholders_ok, depth + 1)
            if problem:
                return f"item {index}: {problem}"
        return None
    if t.kind == "dict":
        if not isinstance(value, Mapping):
            return f"expected {t}, got {_show(value)}"
        for key, item in value.items():
            problem = _check(key, t.args[0], enums, records, placeholders_ok, depth + 1)
            if problem:
                return f"key {_show(key)}: {problem}"
            problem = _check(item, t.args[1], enums, records, placeholders_ok, depth + 1)
            if problem:
                return f"at {_show(key)}: {problem}"
        return None
    return _check_named(value, t.name, enums, records, placeholders_ok, depth)


def _check_named(
    value: object,
    name: str,
    enums: Mapping[str, Sequence[str]],
    records: Mapping[str, Mapping[str, TypeRef]],
    placeholders_ok: bool,
    depth: int,
) -> str | None:
    if name in enums:
        allowed = enums[name]
        if isinstance(value, str) and value in allowed:
            return None
        shown = ", ".join(allowed[:8]) + (", ..." if len(allowed) > 8 else "")
        return f"expected one of {name} ({shown}), got {_show(value)}"
    if name in records:
        fields = records[name]
        if not isinstance(value, Mapping):
            return f"expected a {name} record, got {_show(value)}"
        for key in value:
            if key not in fields:
                return f"{name} has no field {_show(key)}"
        for field_name, field_type in fields.items():
            if field_name not in value:
                if field_type.kind in ("optional", "any"):
                    continue
                return f"{name} needs field '{field_name}'"
            problem = _check(
                value[field_name], field_type, enums, records, placeholders_ok, depth + 1
            )
            if problem:
                return f"field '{field_name}': {problem}"
        return None
    return f"unknown type '{name}'"
