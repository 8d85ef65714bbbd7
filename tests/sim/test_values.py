"""Runtime values: conversion by field type, zero values, and the JSON round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.types import TypeRef, parse_type
from workbench.sim.values import NIL_UUID, ValueConversionError, ValueTypes
from workbench.store import decode, encode

from .conftest import model_from

MODEL = model_from(
    """
workbench: 1
name: Values
types:
  Colour: {enum: [red, green]}
  Money: {fields: {amount: decimal, currency: str, note: "str?"}}
aggregates:
  Thing:
    id: thing_id
    state:
      n: int
      price: Money
      colour: Colour
      when: date
      tags: "list[uuid]"
      maybe: "int?"
      flag: {type: bool, default: true}
commands:
  Make:
    aggregate: Thing
    fields: {thing_id: uuid}
    emits: [Made: {}]
events:
  Made:
    aggregate: Thing
    fields: {thing_id: uuid}
"""
)
VALUES = ValueTypes(MODEL)


def convert(value: Any, type_text: str) -> Any:
    return VALUES.convert(value, parse_type(type_text))


def test_literals_become_typed_values() -> None:
    assert convert("1.50", "decimal") == Decimal("1.50")
    assert convert(2, "decimal") == Decimal(2)
    assert convert(0.1, "decimal") == Decimal("0.1")
    assert convert("2030-01-22", "date") == dt.date(2030, 1, 22)
    assert convert("2030-01-22", "datetime") == dt.datetime(2030, 1, 22)
    assert (
        convert("3F2A0000-0000-4000-8000-000000000000", "uuid")
        == "3f2a0000-0000-4000-8000-000000000000"
    )
    assert convert(4.0, "int") == 4
    assert convert({"1": "2"}, "dict[int, decimal]") == {1: Decimal(2)}
    assert convert({"amount": "1", "currency": "EUR"}, "Money") == {
        "amount": Decimal(1),
        "currency": "EUR",
        "note": None,
    }


@pytest.mark.parametrize(
    ("value", "type_text", "message"),
    [
        ("blue", "Colour", "one of Colour"),
        ({"amount": "1"}, "Money", "needs field 'currency'"),
        (4.5, "int", "expected int"),
        (True, "int", "expected int"),
        (None, "str", "expected str, got null"),
        ("b1", "uuid", "expected a uuid"),
        ([1, "x"], "list[int]", r"value\[1\]: expected int"),
    ],
)
def test_values_that_do_not_fit_say_where_and_why(value: Any, type_text: str, message: str) -> None:
    with pytest.raises(ValueConversionError, match=message):
        convert(value, type_text)


def test_placeholders_are_resolved_inside_lists_and_dicts() -> None:
    seen: list[str] = []

    def hook(text: str) -> str:
        seen.append(text)
        return NIL_UUID

    assert VALUES.convert(["m1", {"k": "m2"}], parse_type("list[any]"), uuid_hook=hook) == [
        "m1",
        {"k": "m2"},
    ]
    assert VALUES.convert({"m1": ["m2"]}, parse_type("dict[uuid, list[uuid]]"), uuid_hook=hook) == {
        NIL_UUID: [NIL_UUID]
    }
    assert seen == ["m1", "m2"]


def test_state_fields_without_a_default_start_at_the_zero_value_of_their_type() -> None:
    state = MODEL.aggregates["Thing"].state
    assert {name: VALUES.default(spec) for name, spec in state.items()} == {
        "n": 0,
        "price": {"amount": Decimal(0), "currency": "", "note": None},
        "colour": "red",
        "when": dt.date(1970, 1, 1),
        "tags": [],
        "maybe": None,
        "flag": True,
    }


def _values(t: TypeRef, depth: int = 0) -> st.SearchStrategy[Any]:
    if t.kind == "optional":
        return st.none() | _values(t.args[0], depth)
    if t.kind == "list":
        return st.lists(_values(t.args[0], depth + 1), max_size=3)
    if t.kind == "dict":
        return st.dictionaries(
            _values(t.args[0], depth + 1), _values(t.args[1], depth + 1), max_size=3
        )
    if t.kind == "named":
        if t.name == "Colour":
            return st.sampled_from(["red", "green"])
        return st.fixed_dictionaries(
            {
                "amount": _values(parse_type("decimal")),
                "currency": st.text(max_size=3),
                "note": st.none() | st.text(),
            }
        )
    return {
        "str": st.text(max_size=8),
        "int": st.integers(),
        "float": st.floats(allow_nan=False, allow_infinity=False),
        "decimal": st.decimals(allow_nan=False, allow_infinity=False),
        "bool": st.booleans(),
        "date": st.dates(),
        "datetime": st.datetimes(),
        "uuid": st.uuids().map(str),
    }[t.name]


TYPES = [
    "str",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "decimal?",
    "list[date]",
    "dict[int, decimal]",
    "dict[date, list[uuid]]",
    "dict[uuid, Money]",
    "list[Colour]?",
]


@pytest.mark.parametrize("type_text", TYPES)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_value_survives_the_trip_through_stored_json(type_text: str, data: st.DataObject) -> None:
    t = parse_type(type_text)
    value = data.draw(_values(t))
    stored = decode(encode(VALUES.to_plain(value, t)))
    assert VALUES.convert(stored, t) == value


def test_a_set_in_an_untyped_field_is_kept_as_the_store_keeps_it() -> None:
    """A live state and a replay from the log must agree: sets become sorted lists."""
    from workbench.sim.values import _plain_python

    assert _plain_python({"b", "a", "c"}) == ["a", "b", "c"]
    assert _plain_python({"k": frozenset({3, 1, 2})}) == {"k": [1, 2, 3]}
