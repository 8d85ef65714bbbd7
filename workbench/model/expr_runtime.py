"""Run-time half of the expression sandbox: guard functions, method tables and budgets.

The compiler (:mod:`workbench.model.expr_compile`) rewrites every operation that could
reach Python internals or use unbounded memory or time into a call to one of the
``g_*`` guards below, and every helper call into a call to an ``h_*`` function from
:mod:`workbench.model.expr_helpers`.  The compiled code runs with
:data:`~workbench.model.expr_helpers.GLOBALS` as its only namespace (empty
``__builtins__``), so these functions are *all* the code an expression can reach.

Why guards instead of a tree-walking interpreter: the compiled code object runs at
CPython speed, and only the few operations that need a check pay for a function call.

Every guard assumes hostile arguments.  Values are limited to plain data (``str``,
numbers, ``bool``, ``None``, dates, ``list``/``tuple``/``dict``/``set``); attribute and
method access is looked up in explicit tables keyed by type, never with ``getattr`` on a
user-chosen name.  Sizes are charged to a per-evaluation :class:`Budget` so that an
expression cannot build a structure whose *logical* size (what ``str()`` or ``==`` would
walk) is huge, even through shared references such as ``[big for x in xs]``.

Work is bounded the same way: comprehension steps are counted, and so are the elements
that helpers (``sum``, ``max``, ``sorted``, ``count``...), string methods and, inside
comprehensions, ``in``, comparisons and set operators look through (:func:`scan`).
Without that, ``[sum(big) for a in big]`` does 10**10 additions in 100,000 "steps".
Outside comprehensions the operators run at most once per evaluation (expressions have
no other loops), so their work is linear in the data and they stay unguarded there:
that is the hot path of every rule.

Sets are :class:`~workbench.model.expr_sets.OrderedSet` values, whose order does not
depend on ``PYTHONHASHSEED``; plain sets from outside are ordered by
:func:`~workbench.model.expr_sets.in_order` wherever an expression could see their order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from types import GeneratorType
from typing import Any, NoReturn

from workbench.model.expr_sets import OrderedSet, in_order

# -- limits ---------------------------------------------------------------------------------

MAX_ITERATIONS = 100_000  # comprehension iterations per evaluation, nested ones included
MAX_REPEAT = 100_000  # units produced by one sequence repetition (``[0] * n``)
MAX_CONCAT = 1_000_000  # length of the result of ``+`` on strings, lists, tuples
MAX_ALLOC = 5_000_000  # units of data built during one evaluation
MAX_SCAN = 5_000_000  # elements looked through by helpers, 'in', comparisons, set operators
MAX_INT_BITS = 10_000  # size of integers built by ``*``, ``**`` and ``<<``
MAX_EXPONENT = 1_000  # magnitude of any ``**`` exponent
MAX_TEXT = 100_000  # units of a container converted to text by str() or an f-string
MAX_ROUND_DIGITS = 100

#: Attributes that may be read from date/time values; everything else is refused.
DATE_ATTRIBUTES = frozenset({"year", "month", "day"})
DATETIME_ATTRIBUTES = frozenset({"year", "month", "day", "hour", "minute", "second"})
TIMEDELTA_ATTRIBUTES = frozenset({"days", "seconds"})

_SCALARS = frozenset(
    {int, float, bool, type(None), decimal.Decimal, dt.date, dt.datetime, dt.timedelta}
)
NUMBER_TYPES = (int, float, decimal.Decimal)
SUMMABLE_TYPES = (int, float, decimal.Decimal, dt.timedelta)
ITERABLE_TYPES = (list, tuple, set, frozenset, dict, str, GeneratorType, Mapping)


class EvaluationError(Exception):
    """A problem while evaluating an expression: bad operand, missing field, limit hit."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fail(message: str) -> NoReturn:
    raise EvaluationError(message)


class Budget:
    """Per-evaluation counters, passed to the compiled function as a hidden argument.

    A fresh object per call keeps evaluation re-entrant and thread-safe without
    thread-locals, and closures inside comprehensions see it like any other variable.
    """

    __slots__ = ("alloc", "now", "scanned", "steps")

    def __init__(self, now: dt.datetime | None) -> None:
        self.steps = 0
        self.alloc = 0
        self.scanned = 0
        self.now = now


def type_name(value: object) -> str:
    if value is None:
        return "None"
    if type(value) is OrderedSet:
        return "set"
    return type(value).__name__


def charge(b: Budget, units: int) -> None:
    b.alloc += units
    if b.alloc > MAX_ALLOC:
        fail(f"expression builds too much data (more than {MAX_ALLOC:,} elements)")


def scan(b: Budget, units: int) -> None:
    """Charge ``units`` elements looked through; called *before* the work is done."""
    b.scanned += units
    if b.scanned > MAX_SCAN:
        fail(f"expression looks through too many elements (more than {MAX_SCAN:,})")


def length(value: object) -> int:
    """``len(value)`` for strings and containers, 0 for anything else.

    Generators count as 0 because every item they yield has already been charged as a
    comprehension step by :func:`g_iter`.
    """
    if isinstance(value, list | tuple | str | dict | set | frozenset | Mapping):
        return len(value)
    return 0


def deep_size(value: object, cap: int) -> int:
    """Leaf count of ``value`` (characters for strings), counting stops past ``cap``.

    Shared references count every time they appear: that is what ``str()`` and ``==``
    would walk.  Iterative, so deeply nested input cannot exhaust the stack; leaves are
    counted in bulk with ``len`` and only nested containers and strings are visited.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _SCALARS:
            total += 1
            continue
        if kind is str or isinstance(item, str):
            total += len(item) or 1  # type: ignore[arg-type]
            continue
        if isinstance(item, Mapping):
            children: list[Any] = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            children = list(item)
        else:
            total += 1
            continue
        nested = [child for child in children if type(child) not in _SCALARS]
        total += (len(children) - len(nested)) or (0 if nested else 1)
        stack.extend(nested)
        if total > cap:
            return total
    return total


# -- guards ---------------------------------------------------------------------------------


def g_attr(obj: Any, name: str, desc: str) -> Any:
    """``obj.name``: a field of a record (any Mapping) or a whitelisted date attribute."""
    if type(obj) is dict:
        try:
            return obj[name]
        except KeyError:
            fail(f"{desc} has no field '{name}'")
    if isinstance(obj, Mapping):
        try:
            return obj[name]
        except KeyError:
            fail(f"{desc} has no field '{name}'")
    if isinstance(obj, dt.datetime):
        allowed = DATETIME_ATTRIBUTES
    elif isinstance(obj, dt.date):
        allowed = DATE_ATTRIBUTES
    elif isinstance(obj, dt.timedelta):
        allowed = TIMEDELTA_ATTRIBUTES
    elif obj is None:
        fail(f"{desc} is None, so it has no field '{name}'")
    else:
        fail(f"cannot read '{name}' of {desc}: it is a {type_name(obj)}, not a record")
    if name not in allowed:
        fail(
            f"{type_name(obj)} values have no attribute '{name}' (allowed: {', '.join(sorted(allowed))})"
        )
    return getattr(obj, name)


def g_item(obj: Any, key: Any, desc: str) -> Any:
    """``obj[key]`` on dicts, lists, tuples and strings (slices included)."""
    if isinstance(obj, Mapping):
        try:
            return obj[key]
        except KeyError:
            fail(f"{desc} has no key {short(key)}")
        except TypeError:
            fail(f"{type_name(key)} cannot be a key of {desc}")
    if isinstance(obj, list | tuple | str):
        if type(key) is slice:
            return obj[key]
        if not isinstance(key, int):
            fail(f"{desc} is indexed by int, not {type_name(key)}")
        try:
            return obj[key]
        except IndexError:
            fail(f"index {key} is out of range for {desc} (length {len(obj)})")
    if obj is None:
        fail(f"{desc} is None and cannot be indexed")
    fail(f"{desc} is a {type_name(obj)} and cannot be indexed")


def g_slice(b: Budget, obj: Any, key: slice, desc: str) -> Any:
    """``obj[a:b]`` builds a copy, so it is charged like ``+`` (``[len(big[:]) for ...]``)."""
    result = g_item(obj, key, desc)
    charge(b, len(result))
    return result


def short(value: object) -> str:
    text = (
        repr(value)
        if isinstance(value, str | int | float | bool) or value is None
        else type_name(value)
    )
    return text if len(text) <= 40 else text[:37] + "..."


def g_add(b: Budget, x: Any, y: Any) -> Any:
    result = x + y
    if isinstance(result, str | list | tuple):
        size = len(result)
        if size > MAX_CONCAT:
            fail(f"'+' would build {size:,} elements (limit {MAX_CONCAT:,})")
        charge(b, size)
    return result


def g_mul(b: Budget, x: Any, y: Any) -> Any:
    if isinstance(x, str | list | tuple):
        return _repeat(b, x, y)
    if isinstance(y, str | list | tuple):
        return _repeat(b, y, x)
    if isinstance(x, int) and isinstance(y, int) and x.bit_length() + y.bit_length() > MAX_INT_BITS:
        fail(f"'*' would build an integer over {MAX_INT_BITS:,} bits")
    return x * y


def _repeat(b: Budget, seq: str | list[Any] | tuple[Any, ...], times: Any) -> Any:
    if not isinstance(times, int):
        fail(
            f"a {type_name(seq)} can only be repeated an int number of times, not {type_name(times)}"
        )
    if times <= 0 or not seq:
        return seq[:0]
    unit = max(len(seq), deep_size(seq, MAX_REPEAT + 1))
    if unit > MAX_REPEAT or unit * times > MAX_REPEAT:
        fail(f"repetition would build {unit * times:,} elements (limit {MAX_REPEAT:,})")
    charge(b, unit * times)
    return seq * times


def g_pow(x: Any, y: Any) -> Any:
    if not isinstance(y, NUMBER_TYPES) or not isinstance(x, NUMBER_TYPES):
        fail(f"'**' needs numbers, not {type_name(x)} and {type_name(y)}")
    magnitude: Any = abs(y)
    if magnitude > MAX_EXPONENT:
        fail(f"exponent {short(y)} is too large (limit {MAX_EXPONENT})")
    if isinstance(x, int) and isinstance(y, int) and y > 0 and abs(x) > 1:
        bits = math.log2(abs(x)) * y
        if bits > MAX_INT_BITS:
            fail(
                f"'**' would build an integer of about {int(bits):,} bits (limit {MAX_INT_BITS:,})"
            )
    result = x**y
    if isinstance(result, complex):
        fail("'**' gives a complex number here (negative base with a fractional exponent)")
    return result


def g_lshift(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int) and y > 0 and x.bit_length() + y > MAX_INT_BITS:
        fail(f"'<<' would build an integer over {MAX_INT_BITS:,} bits")
    return x << y


def g_mod(x: Any, y: Any) -> Any:
    if isinstance(x, str):
        fail("'%' formatting of strings is not allowed; use an f-string")
    return x % y


def g_iter(b: Budget, iterable: Any) -> Iterator[Any]:
    """Iterate for a comprehension, counting every step against the shared budget."""
    if not isinstance(iterable, ITERABLE_TYPES):
        fail(f"cannot loop over a {type_name(iterable)}")
    kind = type(iterable)
    if kind is set or kind is frozenset:
        iterable = in_order(iterable)
    for item in iterable:
        b.steps += 1
        if b.steps > MAX_ITERATIONS:
            fail(f"comprehensions ran more than {MAX_ITERATIONS:,} iterations")
        yield item


def g_elt(b: Budget, value: Any) -> Any:
    """Charge each element a comprehension produces by its logical size."""
    if type(value) in _SCALARS:
        b.alloc += 1
        if b.alloc > MAX_ALLOC:
            fail(f"expression builds too much data (more than {MAX_ALLOC:,} elements)")
        return value
    charge(b, deep_size(value, MAX_ALLOC - b.alloc + 1))
    return value


def g_star(b: Budget, value: Any) -> Any:
    """``*value`` inside a list, tuple or set display."""
    if not isinstance(value, list | tuple | set | frozenset | dict | str):
        fail(f"cannot unpack a {type_name(value)} with '*'")
    charge(b, len(value))
    return in_order(value)


def g_dstar(b: Budget, value: Any) -> Any:
    """``**value`` inside a dict display."""
    if not isinstance(value, Mapping):
        fail(f"cannot unpack a {type_name(value)} with '**'; it is not a dict")
    charge(b, len(value))
    return value


def g_fmt(b: Budget, value: Any) -> str:
    """The text of one ``{...}`` in an f-string: same rules as ``str()``."""
    return to_text(b, value)


def to_text(b: Budget, value: Any) -> str:
    """``str(value)``, refusing values whose text would be huge (shared references count)."""
    if isinstance(value, str):
        charge(b, len(value))
        return value
    if isinstance(value, GeneratorType):
        fail("cannot convert a generator to text")
    if type(value) not in _SCALARS:
        if deep_size(value, MAX_TEXT + 1) > MAX_TEXT:
            fail(f"value is too large to convert to text (limit {MAX_TEXT:,} elements)")
        value = _sets_in_order(value)
    text = str(value)
    charge(b, len(text))
    return text


def g_set(items: Any) -> OrderedSet:
    """A set display ``{a, b, *c}`` (compiled as a tuple) or a set comprehension (a list)."""
    return OrderedSet(items)


# -- operators inside comprehensions --------------------------------------------------------
#
# The compiler routes these through guards only inside comprehensions, and only when no
# operand is a literal: ``x == 'open'`` or ``x in ('a', 'b')`` is bounded by the source.


def _comparison_cost(x: Any, y: Any) -> int:
    """Elements ``x == y`` (or ``<``...) may visit: the smaller side, nested levels included."""
    if type(x) is str and type(y) is str:
        return min(len(x), len(y))
    if length(x) and length(y):
        smaller = x if len(x) <= len(y) else y
        return deep_size(smaller, MAX_SCAN + 1)
    return 0


def membership_cost(needle: Any, container: Any) -> int:
    """Elements ``needle in container`` may visit: each item of a list or tuple once,
    times the size of a container needle (``[1, 2] in rows`` compares lists); a string
    is searched once; dicts and sets hash the needle (a tuple is hashed item by item)."""
    if isinstance(container, list | tuple):
        count = len(container)
        if not count or type(needle) in _SCALARS or type(needle) is str:
            return count
        return count * max(1, deep_size(needle, MAX_SCAN + 1))
    if isinstance(container, str):
        return len(container)
    return length(needle) if type(needle) is tuple else 0


def _guarded_comparison(compare: Callable[[Any, Any], Any]) -> Callable[[Budget, Any, Any], Any]:
    def guard(b: Budget, x: Any, y: Any) -> Any:
        if type(x) not in _SCALARS and type(y) not in _SCALARS:
            cost = _comparison_cost(x, y)
            if cost:
                scan(b, cost)
        return compare(x, y)

    return guard


def g_in(b: Budget, needle: Any, container: Any) -> bool:
    cost = membership_cost(needle, container)
    if cost:
        scan(b, cost)
    return needle in container


def g_not_in(b: Budget, needle: Any, container: Any) -> bool:
    cost = membership_cost(needle, container)
    if cost:
        scan(b, cost)
    return needle not in container


#: ``ast`` comparison operator class name -> guard taking (budget, left, right).
COMPARISON_GUARDS: dict[str, Callable[[Budget, Any, Any], Any]] = {
    "Eq": _guarded_comparison(operator.eq),
    "NotEq": _guarded_comparison(operator.ne),
    "Lt": _guarded_comparison(operator.lt),
    "LtE": _guarded_comparison(operator.le),
    "Gt": _guarded_comparison(operator.gt),
    "GtE": _guarded_comparison(operator.ge),
    "In": g_in,
    "NotIn": g_not_in,
    "Is": lambda b, x, y: x is y,
    "IsNot": lambda b, x, y: x is not y,
}


def g_chain(b: Budget, ops: tuple[str, ...], first: Any, *rest: Callable[[], Any]) -> Any:
    """``a < b in c``: each later operand is a thunk, so it is evaluated only if the
    comparisons before it held, exactly as Python evaluates a chain."""
    left = first
    result: Any = True
    for op, thunk in zip(ops, rest, strict=True):
        right = thunk()
        result = COMPARISON_GUARDS[op](b, left, right)
        if not result:
            return result
        left = right
    return result


def _guarded_operator(apply: Callable[[Any, Any], Any]) -> Callable[[Budget, Any, Any], Any]:
    """``-``, ``|``, ``&``, ``^``: on sets (and ``|`` on dicts) they walk both operands."""

    def guard(b: Budget, x: Any, y: Any) -> Any:
        if type(x) not in _SCALARS and type(y) not in _SCALARS:
            cost = length(x) + length(y)
            if cost:
                scan(b, cost)
        return apply(x, y)

    return guard


g_sub = _guarded_operator(operator.sub)
g_or = _guarded_operator(operator.or_)
g_and = _guarded_operator(operator.and_)
g_xor = _guarded_operator(operator.xor)


def _sets_in_order(value: Any) -> Any:
    """``value`` with every plain set in it (from outside the sandbox) put in a fixed
    order, so that its text does not depend on hashing; only called on values that
    :func:`deep_size` has found small."""
    kind = type(value)
    if kind is set or kind is frozenset:
        return in_order(value)
    if kind is list:
        return [_sets_in_order(item) for item in value]
    if kind is tuple:
        return tuple(_sets_in_order(item) for item in value)
    if kind is dict:
        return {key: _sets_in_order(item) for key, item in value.items()}
    return value


# -- method calls ---------------------------------------------------------------------------


def listed(b: Budget, values: Any) -> list[Any]:
    result = list(in_order(values))
    charge(b, len(result))
    return result


def _scanned_str(method: Callable[..., Any]) -> Callable[..., Any]:
    """A string method that walks the whole string (``lower``, ``strip``...); ``strip``
    with characters looks each one up in them."""

    def call(b: Budget, s: str, *args: Any) -> Any:
        chars = args[0] if args else None
        scan(b, len(s) * (len(chars) if isinstance(chars, str) and chars else 1))
        return method(s, *args)

    return call


def _affix_test(method: Callable[[str, Any], bool]) -> Callable[[Budget, str, Any], bool]:
    """``startswith``/``endswith`` compare at most the affix (or each of a tuple of them)."""

    def call(b: Budget, s: str, affix: Any) -> bool:
        if isinstance(affix, tuple):
            scan(b, len(affix) + sum(len(a) for a in affix if isinstance(a, str)))
        elif isinstance(affix, str):
            scan(b, len(affix))
        return method(s, affix)

    return call


_MAPPING_METHODS: dict[str, Callable[..., Any]] = {
    "get": lambda b, obj, *args: Mapping.get(obj, *args),
    "keys": lambda b, obj: listed(b, obj.keys()),
    "values": lambda b, obj: listed(b, obj.values()),
    "items": lambda b, obj: listed(b, obj.items()),
}
_STR_METHODS: dict[str, Callable[..., Any]] = {
    "lower": _scanned_str(str.lower),
    "upper": _scanned_str(str.upper),
    "strip": _scanned_str(str.strip),
    "startswith": _affix_test(str.startswith),
    "endswith": _affix_test(str.endswith),
}
_DATETIME_METHODS: dict[str, Callable[..., Any]] = {
    "date": lambda b, d: dt.datetime.date(d),
    "isoformat": lambda b, d: dt.datetime.isoformat(d),
    "weekday": lambda b, d: dt.datetime.weekday(d),
}
_DATE_METHODS: dict[str, Callable[..., Any]] = {
    "isoformat": lambda b, d: dt.date.isoformat(d),
    "weekday": lambda b, d: dt.date.weekday(d),
}
_TIMEDELTA_METHODS: dict[str, Callable[..., Any]] = {
    "total_seconds": lambda b, d: dt.timedelta.total_seconds(d),
}

#: Every method name an expression may call, for the compile-time check, with arity.
METHOD_ARITY: dict[str, tuple[int, int]] = {
    "get": (1, 2),
    "keys": (0, 0),
    "values": (0, 0),
    "items": (0, 0),
    "lower": (0, 0),
    "upper": (0, 0),
    "strip": (0, 1),
    "startswith": (1, 1),
    "endswith": (1, 1),
    "date": (0, 0),
    "isoformat": (0, 0),
    "weekday": (0, 0),
    "total_seconds": (0, 0),
}


def g_call(b: Budget, obj: Any, name: str, desc: str, *args: Any) -> Any:
    """``obj.name(*args)`` for the whitelisted methods of the receiver's type only."""
    if isinstance(obj, Mapping):
        table = _MAPPING_METHODS
    elif isinstance(obj, str):
        table = _STR_METHODS
        if name == "strip" and args and not isinstance(args[0], str | None):
            fail("strip() takes a string of characters")
    elif isinstance(obj, dt.datetime):
        table = _DATETIME_METHODS
    elif isinstance(obj, dt.date):
        table = _DATE_METHODS
    elif isinstance(obj, dt.timedelta):
        table = _TIMEDELTA_METHODS
    else:
        fail(f"{desc} is a {type_name(obj)}, which has no method '{name}'")
    method = table.get(name)
    if method is None:
        fail(
            f"{desc} is a {type_name(obj)}, which has no method '{name}' (it has {', '.join(sorted(table))})"
        )
    return method(b, obj, *args)


def describe_exception(exc: BaseException) -> str:
    """Turn a Python exception from inside an expression into a message for modellers."""
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, decimal.DivisionByZero):
        return "division by zero"
    if isinstance(exc, decimal.Overflow):
        return "decimal number too large"
    if isinstance(exc, decimal.DecimalException):
        return "invalid decimal operation"
    if isinstance(exc, OverflowError):
        return f"number too large: {exc}"
    if isinstance(exc, RecursionError):
        return "value is nested too deeply"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, TypeError):
        return f"wrong type of value: {exc}"
    if isinstance(exc, ValueError):
        return f"invalid value: {exc}"
    if isinstance(exc, KeyError | IndexError):
        return f"missing key or index: {exc}"
    return f"{type(exc).__name__}: {exc}"
