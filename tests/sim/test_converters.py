"""The compiled fast paths of value conversion agree with ValueTypes, value for value and
error for error: they are only allowed to be faster."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.types import TypeRef, parse_type
from workbench.sim.converters import (
    Miss,
    converter,
    fields_converter,
    fields_plainer,
    plain_as_is,
    plainer,
    round_trips,
)
from workbench.sim.values import ValueConversionError, ValueTypes
from workbench.store import decode, encode

from .conftest import model_from

MODEL = model_from(
    """\
workbench: 1
name: Types
types:
  Colour: {enum: [red, green]}
  Money: {fields: {amount: decimal, currency: str, note: "str?"}}
"""
)
VALUES = ValueTypes(MODEL)

TYPES = [
    parse_type(text)
    for text in (
        "str", "int", "float", "decimal", "bool", "date", "datetime", "uuid", "any",
        "int?", "uuid?", "list[uuid]", "list[int?]", "dict[str, int]", "dict[int, decimal]",
        "dict[date, str]", "Colour", "Colour?", "Money", "list[Money]", "Unknown",
    )
]  # fmt: skip

UUID = "9b2c4e0a-7d1f-4c55-9a0e-2f6b8c3d1e4a"
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.text(max_size=8),
    st.sampled_from(
        [
            UUID, UUID.upper(), "{" + UUID + "}", "b1", "  ", "red", "blue", "2030-01-02",
            "2030-01-02T10:00:00", " 1.50 ", "1_000", "NaN", "x" * 40,
            uuid.UUID(UUID), dt.date(2030, 1, 2), dt.datetime(2030, 1, 2, 10), Decimal("1.10"),
        ]
    ),
)  # fmt: skip
values_ = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner, inner),
        st.dictionaries(
            st.sampled_from(["amount", "currency", "note", "1", "x"]), inner, max_size=3
        ),
        st.dictionaries(st.integers(0, 3), inner, max_size=2),
    ),
    max_leaves=6,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (and the same dict order)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b) or (a != a and b != b)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TYPES), values_)
def test_a_fast_converter_gives_what_convert_gives_or_misses(t: TypeRef, value: Any) -> None:
    try:
        expected = VALUES.convert(value, t)
    except ValueConversionError:
        expected = Miss
    try:
        fast = converter(VALUES, t)(value)
    except Miss:
        return  # the caller then asks convert, which decides
    assert expected is not Miss, (t, value, fast)
    assert same(fast, expected), (t, value, fast, expected)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES), values_)
def test_a_plainer_gives_what_to_plain_gives(t: TypeRef, value: Any) -> None:
    try:
        typed = VALUES.convert(value, t)
    except ValueConversionError:
        typed = value  # to_plain takes anything
    assert same(plainer(VALUES, t)(typed), VALUES.to_plain(typed, t))


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["id", "n", "colour", "extra"]), values_, max_size=4),
    st.booleans(),
)
def test_fields_converter_gives_what_fields_gives_error_for_error(
    given_fields: dict[str, Any], with_hook: bool
) -> None:
    types = {"id": parse_type("uuid"), "n": parse_type("int?"), "colour": parse_type("Colour")}
    hooked: list[str] = []

    def hook(text: str) -> str:
        hooked.append(text)
        return UUID

    try:
        expected: Any = VALUES.fields(
            given_fields, types, owner="command 'X'", uuid_hook=hook if with_hook else None
        )
    except ValueConversionError as error:
        expected = str(error)
    convert = fields_converter(VALUES, types, owner="command 'X'")
    try:
        fast: Any = convert(given_fields, hook if with_hook else None)
    except ValueConversionError as error:
        fast = str(error)
    assert same(fast, expected), (given_fields, fast, expected)


def test_plainers_of_whole_records_match_plain_fields() -> None:
    types = {"amount": parse_type("decimal"), "when": parse_type("date?")}
    value = {"amount": Decimal("1.10"), "when": dt.date(2030, 1, 2), "other": {3, 1}}
    assert fields_plainer(VALUES, types)(value) == VALUES.plain_fields(value, types)


def test_plain_as_is_only_for_types_that_are_their_own_plain_form() -> None:
    assert plain_as_is(VALUES, {"a": parse_type("uuid"), "b": parse_type("Colour?")})
    assert not plain_as_is(VALUES, {"a": parse_type("decimal")})
    assert not plain_as_is(VALUES, {"a": parse_type("list[str]")})


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TYPES), values_)
def test_values_that_round_trip_come_back_from_json_the_same(t: TypeRef, value: Any) -> None:
    if not round_trips(VALUES, t):
        return
    try:
        typed = VALUES.convert(value, t)
        stored = encode(VALUES.to_plain(typed, t))
    except (ValueConversionError, ValueError, TypeError):
        return  # not storable: the store refuses it before anyone reads it back
    assert same(VALUES.convert(decode(stored), t), typed)
