"""The helper functions expressions may call, and the namespace compiled code runs in.

Helpers are pure: they never change their arguments (``append`` and ``remove`` return
new lists, ``merge`` and ``without`` new dicts), because the same state object is shared
by every expression of a command and a rule must not be able to change what the next
one sees.  Each takes the evaluation's :class:`~workbench.model.expr_runtime.Budget`
first (the compiler passes it) and checks its arguments itself, since the static
checker cannot know every value's type; anything that builds data charges the budget,
and anything that looks through a container charges its length with
:func:`~workbench.model.expr_runtime.scan` *before* it starts (``sorted`` its
comparisons), so ``[max(big) for a in big]`` stops at the limit instead of running for
minutes.  Iterating helpers go through :func:`~workbench.model.expr_sets.in_order`, so
a plain set from outside never shows its hash order (and never makes an error message
depend on it).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping
from types import GeneratorType
from typing import Any

from workbench.model.expr_runtime import (
    COMPARISON_GUARDS,
    ITERABLE_TYPES,
    MAX_ROUND_DIGITS,
    NUMBER_TYPES,
    SUMMABLE_TYPES,
    Budget,
    charge,
    fail,
    g_add,
    g_and,
    g_attr,
    g_call,
    g_chain,
    g_dstar,
    g_elt,
    g_fmt,
    g_item,
    g_iter,
    g_lshift,
    g_mod,
    g_mul,
    g_or,
    g_pow,
    g_set,
    g_slice,
    g_star,
    g_sub,
    g_xor,
    length,
    listed,
    membership_cost,
    scan,
    short,
    to_text,
    type_name,
)
from workbench.model.expr_sets import OrderedSet, in_order


def _iterable(value: Any, what: str) -> Any:
    if not isinstance(value, ITERABLE_TYPES):
        fail(f"{what}() needs a list, set, dict or string, not {type_name(value)}")
    return in_order(value)


def _scanned(b: Budget, value: Any, what: str) -> Any:
    """``value`` checked as :func:`_iterable`, with its length charged as looked through."""
    values = _iterable(value, what)
    count = length(values)
    if count:
        scan(b, count)
    return values


def h_len(b: Budget, value: Any) -> int:
    if not isinstance(value, list | tuple | set | frozenset | dict | str) and not isinstance(
        value, Mapping
    ):
        fail(f"len() needs a list, set, dict or string, not {type_name(value)}")
    return len(value)


def h_sum(b: Budget, values: Any, start: Any = 0) -> Any:
    """Adds numbers (or durations) only; ``sum(lists, [])`` would be quadratic."""
    if not isinstance(start, SUMMABLE_TYPES):
        fail(f"sum() adds numbers, so its start cannot be a {type_name(start)}")
    total: Any = start
    for item in _scanned(b, values, "sum"):
        if not isinstance(item, SUMMABLE_TYPES):
            fail(f"sum() adds numbers, not {type_name(item)}")
        total = total + item
    return total


_NO_DEFAULT = object()


def _extreme(
    b: Budget, choose: Callable[..., Any], name: str, args: tuple[Any, ...], default: Any
) -> Any:
    values = _scanned(b, args[0], name) if len(args) == 1 else args
    if default is _NO_DEFAULT:
        try:
            return choose(values)
        except ValueError:
            fail(f"{name}() of an empty sequence; give default=")
    return choose(values, default=default)


def h_min(b: Budget, *args: Any, default: Any = _NO_DEFAULT) -> Any:
    return _extreme(b, min, "min", args, default)


def h_max(b: Budget, *args: Any, default: Any = _NO_DEFAULT) -> Any:
    return _extreme(b, max, "max", args, default)


def h_any(b: Budget, values: Any) -> bool:
    return any(_scanned(b, values, "any"))


def h_all(b: Budget, values: Any) -> bool:
    return all(_scanned(b, values, "all"))


def h_sorted(b: Budget, values: Any, reverse: Any = False) -> list[Any]:
    if not isinstance(reverse, bool):
        fail("sorted(reverse=...) needs True or False")
    items = listed(b, _iterable(values, "sorted"))
    count = len(items)
    if count > 1:
        scan(b, count * count.bit_length())  # about n log n comparisons
    items.sort(reverse=reverse)
    return items


def h_abs(b: Budget, value: Any) -> Any:
    if not isinstance(value, SUMMABLE_TYPES):
        fail(f"abs() needs a number, not {type_name(value)}")
    return abs(value)


def _int_sized(value: Any) -> None:
    """A decimal such as ``1e999999999`` is tiny as text but enormous as an int."""
    if isinstance(value, decimal.Decimal) and value.is_finite() and value.adjusted() > 3000:
        fail("number is too large to convert to int")


def h_round(b: Budget, value: Any, digits: Any = None) -> Any:
    if not isinstance(value, NUMBER_TYPES):
        fail(f"round() needs a number, not {type_name(value)}")
    if digits is None:
        _int_sized(value)
        return round(value)
    if not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
        fail(f"round() digits must be an int between -{MAX_ROUND_DIGITS} and {MAX_ROUND_DIGITS}")
    return round(value, digits)


def h_str(b: Budget, value: Any) -> str:
    return to_text(b, value)


def h_int(b: Budget, value: Any) -> int:
    _int_sized(value)
    if not isinstance(value, str | int | float | decimal.Decimal):
        fail(f"int() needs a number or a string, not {type_name(value)}")
    try:
        return int(value)
    except ValueError:
        fail(f"cannot convert {short(value)} to int")


def h_float(b: Budget, value: Any) -> float:
    if not isinstance(value, str | int | float | decimal.Decimal):
        fail(f"float() needs a number or a string, not {type_name(value)}")
    try:
        return float(value)
    except ValueError:
        fail(f"cannot convert {short(value)} to float")


def h_bool(b: Budget, value: Any) -> bool:
    return bool(value)


def h_decimal(b: Budget, value: Any) -> decimal.Decimal:
    """``decimal(0.1)`` is ``Decimal('0.1')``: floats convert via their shortest repr."""
    if isinstance(value, float):
        return decimal.Decimal(repr(value))
    if isinstance(value, str):
        try:
            return decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            fail(f"cannot convert {short(value)} to decimal")
    if isinstance(value, int | decimal.Decimal):
        return decimal.Decimal(value)
    fail(f"decimal() needs a number or a string, not {type_name(value)}")


def h_list(b: Budget, *values: Any) -> list[Any]:
    return listed(b, _iterable(values[0], "list")) if values else []


def h_set(b: Budget, *values: Any) -> OrderedSet:
    """Duplicates are looked through too: ``set([0] * 99999)`` has one element."""
    result = OrderedSet(_scanned(b, values[0], "set")) if values else OrderedSet()
    charge(b, len(result))
    return result


def h_dict(b: Budget, *values: Any) -> dict[Any, Any]:
    if not values:
        return {}
    source = values[0]
    if not isinstance(source, Mapping | list | tuple | GeneratorType):
        fail(f"dict() needs a dict or a list of pairs, not {type_name(source)}")
    count = length(source)
    if count:
        scan(b, count)
    result = dict(in_order(source))
    charge(b, len(result))
    return result


def h_now(b: Budget) -> dt.datetime:
    if b.now is None:
        fail("now() needs the simulated clock, and none was given")
    if not isinstance(b.now, dt.datetime):
        fail("the simulated clock is not a datetime")
    return b.now


def h_today(b: Budget) -> dt.date:
    return h_now(b).date()


def _ints(args: tuple[Any, ...], name: str) -> None:
    for arg in args:
        if not isinstance(arg, int):
            fail(f"{name}() takes whole numbers, not {type_name(arg)}")


def h_date(b: Budget, *args: Any) -> dt.date:
    if len(args) == 1:
        (value,) = args
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                fail(f"{short(value)} is not an ISO date such as '2030-01-31'")
        fail(f"date() needs a date string or year, month, day, not {type_name(value)}")
    if len(args) != 3:
        fail("date() takes a date string or year, month, day")
    _ints(args, "date")
    return dt.date(*args)


def h_datetime(b: Budget, *args: Any) -> dt.datetime:
    if len(args) == 1:
        (value,) = args
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                fail(f"{short(value)} is not an ISO date-time such as '2030-01-31T10:00:00'")
        fail(
            f"datetime() needs a string or year, month, day[, hour, minute, second], not {type_name(value)}"
        )
    if not 3 <= len(args) <= 6:
        fail("datetime() takes a string or year, month, day[, hour, minute, second]")
    _ints(args, "datetime")
    return dt.datetime(*args)


def h_timedelta(
    b: Budget, *, days: Any = 0, hours: Any = 0, minutes: Any = 0, seconds: Any = 0, weeks: Any = 0
) -> dt.timedelta:
    for value in (days, hours, minutes, seconds, weeks):
        if not isinstance(value, int | float) or isinstance(value, bool):
            fail(f"timedelta() takes numbers, not {type_name(value)}")
    return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, weeks=weeks)


def _mapping(value: Any, name: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        fail(f"{name}() needs a dict, not {type_name(value)}")
    return value


def h_merge(b: Budget, first: Any, second: Any) -> dict[Any, Any]:
    result = {**_mapping(first, "merge"), **_mapping(second, "merge")}
    charge(b, len(result))
    return result


def h_without(b: Budget, mapping: Any, key: Any) -> dict[Any, Any]:
    scan(b, len(_mapping(mapping, "without")))
    result = {k: v for k, v in mapping.items() if k != key}
    charge(b, len(result))
    return result


def _sequence(value: Any, name: str) -> list[Any] | tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        fail(f"{name}() needs a list, not {type_name(value)}")
    return value


def h_append(b: Budget, items: Any, item: Any) -> list[Any]:
    result = [*_sequence(items, "append"), item]
    charge(b, len(result))
    return result


def h_remove(b: Budget, items: Any, item: Any) -> list[Any]:
    """A copy without the first occurrence of ``item``; unchanged when it is absent."""
    result = list(_sequence(items, "remove"))
    scan(b, membership_cost(item, result))
    if item in result:
        result.remove(item)
    charge(b, len(result))
    return result


def h_count(b: Budget, items: Any, item: Any) -> int:
    if isinstance(items, str):
        if not isinstance(item, str):
            fail(f"count() in a string needs a string, not {type_name(item)}")
        scan(b, len(items))
        return items.count(item)
    sequence = _sequence(items, "count")
    scan(b, membership_cost(item, sequence))
    return sequence.count(item)


#: Helper name -> (implementation, min positional, max positional or None, keywords).
HELPERS: dict[str, tuple[Callable[..., Any], int, int | None, frozenset[str]]] = {
    "len": (h_len, 1, 1, frozenset()),
    "sum": (h_sum, 1, 2, frozenset()),
    "min": (h_min, 1, None, frozenset({"default"})),
    "max": (h_max, 1, None, frozenset({"default"})),
    "any": (h_any, 1, 1, frozenset()),
    "all": (h_all, 1, 1, frozenset()),
    "sorted": (h_sorted, 1, 1, frozenset({"reverse"})),
    "abs": (h_abs, 1, 1, frozenset()),
    "round": (h_round, 1, 2, frozenset()),
    "str": (h_str, 1, 1, frozenset()),
    "int": (h_int, 1, 1, frozenset()),
    "float": (h_float, 1, 1, frozenset()),
    "bool": (h_bool, 1, 1, frozenset()),
    "decimal": (h_decimal, 1, 1, frozenset()),
    "list": (h_list, 0, 1, frozenset()),
    "set": (h_set, 0, 1, frozenset()),
    "dict": (h_dict, 0, 1, frozenset()),
    "now": (h_now, 0, 0, frozenset()),
    "today": (h_today, 0, 0, frozenset()),
    "date": (h_date, 1, 3, frozenset()),
    "datetime": (h_datetime, 1, 6, frozenset()),
    "timedelta": (h_timedelta, 0, 0, frozenset({"days", "hours", "minutes", "seconds", "weeks"})),
    "merge": (h_merge, 2, 2, frozenset()),
    "without": (h_without, 2, 2, frozenset()),
    "append": (h_append, 2, 2, frozenset()),
    "remove": (h_remove, 2, 2, frozenset()),
    "count": (h_count, 2, 2, frozenset()),
}

#: Helpers that accept a bare generator expression as their first argument.
GENERATOR_HELPERS = frozenset({"sum", "min", "max", "any", "all", "sorted", "list", "set", "dict"})

#: The only namespace compiled expressions see.  Every name starts with ``_wb_`` and user
#: names may not start with ``_``, so an expression can never name (or shadow) these.
GLOBALS: dict[str, Any] = {
    "__builtins__": {},
    "_wb_attr": g_attr,
    "_wb_item": g_item,
    "_wb_add": g_add,
    "_wb_mul": g_mul,
    "_wb_pow": g_pow,
    "_wb_lshift": g_lshift,
    "_wb_mod": g_mod,
    "_wb_iter": g_iter,
    "_wb_elt": g_elt,
    "_wb_star": g_star,
    "_wb_dstar": g_dstar,
    "_wb_fmt": g_fmt,
    "_wb_call": g_call,
    "_wb_slice": slice,
    "_wb_slice_item": g_slice,
    "_wb_set": g_set,
    "_wb_chain": g_chain,
    "_wb_sub": g_sub,
    "_wb_or": g_or,
    "_wb_and": g_and,
    "_wb_xor": g_xor,
    **{f"_wb_cmp_{op}": guard for op, guard in COMPARISON_GUARDS.items()},
    **{f"_wb_h_{name}": entry[0] for name, entry in HELPERS.items()},
}
