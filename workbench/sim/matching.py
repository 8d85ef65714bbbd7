"""Comparing what a scenario expects with what happened, and saying how they differ.

Expectations are *partial*: an expected event, state or row lists only the fields the
author cares about, and only those are compared. Values are compared after both sides
were converted to runtime values by field type, so ``"1.00"`` matches ``Decimal("1.0")``
and ``2030-01-22`` matches the date. A difference is a :class:`Failure` naming where in
the scenario it is (``then.events[1] FineCharged``), the field, and both values as
short, YAML-like text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workbench.sim.values import set_in_order

#: Text that can be shown bare; anything else is shown in double quotes.
_PLAIN_TEXT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .:/@+-]*$")
_RESERVED = {"null", "true", "false", "~", "yes", "no", "on", "off"}


@dataclass(frozen=True)
class Failure:
    """One way a scenario did not go as specified."""

    where: str
    message: str = ""
    field: str | None = None
    expected: str | None = None
    actual: str | None = None

    def line(self) -> str:
        """The failure as one line, without ``where``."""
        if self.expected is None and self.actual is None:
            return self.message
        prefix = f"{self.field}: " if self.field else ""
        text = f"{prefix}expected {self.expected}, got {self.actual}"
        return f"{text} ({self.message})" if self.message else text

    def as_json(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "field": self.field,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
        }


def show(value: Any) -> str:
    """A value as short YAML-like text: ``null``, ``true``, ``1.00``, ``[b1, b2]``, ``{a: 1}``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        plain = (
            _PLAIN_TEXT.match(value) and value.lower() not in _RESERVED and value == value.strip()
        )
        looks_numeric = _looks_numeric(value)
        return value if plain and not looks_numeric else json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, set | frozenset):  # in the order the store keeps them
        return "[" + ", ".join(show(v) for v in set_in_order(value)) + "]"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


Shower = Callable[[Any], str]
#: Maps an actual value into the scenario's own spelling (generated ids -> placeholders).
Spelling = Callable[[Any], Any]


def compare_fields(
    expected: Mapping[str, Any],
    actual: Mapping[str, Any],
    where: str,
    shown: Shower,
    spelling: Spelling | None = None,
) -> list[Failure]:
    """A failure for each expected field whose actual value differs (partial match)."""
    failures = []
    for name, value in expected.items():
        if name not in actual:
            failures.append(
                Failure(where, field=name, expected=shown(value), actual="no such field")
            )
        elif not equivalent(value, actual[name], spelling):
            failures.append(
                Failure(where, field=name, expected=shown(value), actual=shown(actual[name]))
            )
    return failures


def matches(
    expected: Mapping[str, Any], actual: Mapping[str, Any], spelling: Spelling | None = None
) -> bool:
    return all(
        name in actual and equivalent(value, actual[name], spelling)
        for name, value in expected.items()
    )


def equivalent(expected: Any, actual: Any, spelling: Spelling | None) -> bool:
    """Equal as values, or equal once the actual value is spelled the scenario's way.

    The second chance covers ids in places typed ``str`` (a map keyed by an order id,
    say): a placeholder there is not converted, but the actual id prints as it.
    """
    return same(expected, actual) or (spelling is not None and same(expected, spelling(actual)))


def same(expected: Any, actual: Any) -> bool:
    """Equality that keeps ``True`` and ``1`` apart (Python's ``==`` does not)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        return expected.keys() == actual.keys() and all(
            same(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(
            same(e, a) for e, a in zip(expected, actual, strict=True)
        )
    return bool(expected == actual)
