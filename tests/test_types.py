"""The field type language: parsing, printing, assignability and value checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.types import (
    ANY,
    PRIMITIVES,
    TypeRef,
    TypeSyntaxError,
    check_value,
    is_assignable,
    named_types,
    parse_type,
    valid_dict_key,
)

INT = TypeRef("primitive", "int")
STR = TypeRef("primitive", "str")


def opt(t: TypeRef) -> TypeRef:
    return TypeRef("optional", args=(t,))


def lst(t: TypeRef) -> TypeRef:
    return TypeRef("list", args=(t,))


def dct(k: TypeRef, v: TypeRef) -> TypeRef:
    return TypeRef("dict", args=(k, v))


NONE = opt(ANY)


# -- parsing and printing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("int", INT, "int"),
        ("  str ", STR, "str"),
        ("int?", opt(INT), "int?"),
        ("list[int]", lst(INT), "list[int]"),
        ("dict[str,int]", dct(STR, INT), "dict[str, int]"),
        ("dict[ str , list[int] ]?", opt(dct(STR, lst(INT))), "dict[str, list[int]]?"),
        ("Money", TypeRef("named", "Money"), "Money"),
        ("list[Money?]", lst(opt(TypeRef("named", "Money"))), "list[Money?]"),
        ("list[ list[ uuid ] ]", lst(lst(TypeRef("primitive", "uuid"))), "list[list[uuid]]"),
        ("any", ANY, "any"),
        ("any?", NONE, "any?"),
        ("int ?", opt(INT), "int?"),
    ],
)
def test_parse_and_print(text: str, expected: TypeRef, canonical: str) -> None:
    parsed = parse_type(text)
    assert parsed == expected
    assert str(parsed) == canonical
    assert parse_type(canonical) == parsed


def test_every_primitive_parses() -> None:
    for name in PRIMITIVES:
        assert parse_type(name) == TypeRef("primitive", name)
        assert parse_type(f"{name}?") == opt(TypeRef("primitive", name))


def test_parse_is_cached() -> None:
    assert parse_type("dict[str, list[int]]") is parse_type("dict[str, list[int]]")


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("list", 0, "needs type arguments"),
        ("dict", 0, "needs type arguments"),
        ("list[]", 5, "expected a type"),
        ("list[int", 8, "expected ']'"),
        ("list[int, str]", 8, "one type argument"),
        ("dict[str]", 8, "two type arguments"),
        ("dict[str, int, int]", 13, "two type arguments"),
        ("int??", 4, "already optional"),
        ("int x", 4, "after the type"),
        ("int[str]", 3, "takes no type arguments"),
        ("Optional[int]", 8, "T?"),
        ("str | None", 4, "optional"),
        ("li$t", 2, "'$'"),
        ("?", 0, "type name"),
        ("None", 0, "T?"),
        ("list[int]]", 9, "after the type"),
    ],
)
def test_syntax_errors_have_offsets(text: str, offset: int, fragment: str) -> None:
    with pytest.raises(TypeSyntaxError) as caught:
        parse_type(text)
    assert caught.value.offset == offset
    assert fragment in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_too_long_and_too_deep_are_syntax_errors() -> None:
    with pytest.raises(TypeSyntaxError, match="too long"):
        parse_type("list[" * 200 + "int" + "]" * 200)
    with pytest.raises(TypeSyntaxError, match="nested too deeply"):
        parse_type("list[" * 40 + "int" + "]" * 40)


def test_non_text_is_a_syntax_error() -> None:
    with pytest.raises(TypeSyntaxError):
        parse_type(5)  # type: ignore[arg-type]


def test_malformed_typeref_is_refused() -> None:
    with pytest.raises(ValueError, match="argument"):
        TypeRef("list")
    with pytest.raises(ValueError, match="name"):
        TypeRef("primitive")


# -- relations -----------------------------------------------------------------------------


def t(text: str) -> TypeRef:
    return parse_type(text)


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        ("int", "int", True),
        ("int", "float", True),
        ("int", "decimal", True),
        ("float", "int", False),
        ("float", "decimal", False),
        ("decimal", "float", False),
        ("bool", "int", False),
        ("str", "int", False),
        ("int", "int?", True),
        ("int?", "int?", True),
        ("any?", "int?", True),  # None fits any optional
        ("any?", "int", False),  # ...but not a required field
        ("int?", "int", True),  # possibly empty values are not flagged (guards live in rules)
        ("str?", "int", False),
        ("any", "Money", True),
        ("Money", "any", True),
        ("list[int]", "list[float]", True),
        ("list[float]", "list[int]", False),
        ("list[any]", "list[Money]", True),
        ("dict[str, int]", "dict[str, decimal]", True),
        ("dict[str, int]", "dict[int, int]", False),
        ("Money", "Money", True),
        ("Money", "Currency", False),
        ("Money", "Money?", True),
        ("uuid", "str", True),
        ("str", "uuid", False),
        ("date", "datetime", False),
        ("list[int]", "int", False),
        ("int", "list[int]", False),
    ],
)
def test_is_assignable(source: str, target: str, ok: bool) -> None:
    assert is_assignable(t(source), t(target)) is ok


def test_named_types() -> None:
    assert named_types(t("dict[Currency, list[Money?]]")) == {"Currency", "Money"}
    assert named_types(t("list[int]")) == set()


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("str", True),
        ("int", True),
        ("uuid", True),
        ("date", True),
        ("float", False),
        ("bool", False),
        ("decimal", False),
        ("datetime", False),
        ("int?", False),
        ("list[str]", False),
        ("Currency", True),
    ],
)
def test_valid_dict_key(text: str, ok: bool) -> None:
    assert valid_dict_key(t(text)) is ok


# -- values ----------------------------------------------------------------------------------

ENUMS = {"Currency": ("EUR", "USD")}
RECORDS = {"Money": {"amount": t("decimal"), "currency": t("Currency"), "note": t("str?")}}


def check(value: object, text: str, placeholders_ok: bool = True) -> str | None:
    return check_value(
        value, t(text), enums=ENUMS, records=RECORDS, placeholders_ok=placeholders_ok
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "int"),
        (1, "float"),
        (1.5, "float"),
        (1, "decimal"),
        (1.5, "decimal"),
        ("1.50", "decimal"),
        (Decimal("2"), "decimal"),
        (True, "bool"),
        ("x", "str"),
        ("", "str"),
        (None, "int?"),
        (3, "int?"),
        ("2030-01-22", "date"),
        (dt.date(2030, 1, 22), "date"),
        ("2030-01-22T10:00:00", "datetime"),
        (dt.datetime(2030, 1, 22, 10), "datetime"),
        (dt.date(2030, 1, 22), "datetime"),
        ("b1", "uuid"),
        ("6f1c1d7e-0000-4000-8000-000000000001", "uuid"),
        ([1, 2], "list[int]"),
        ([], "list[Money]"),
        ({"a": 1}, "dict[str, int]"),
        ({1: "x"}, "dict[int, str]"),
        ("EUR", "Currency"),
        ({"amount": "1.00", "currency": "EUR"}, "Money"),
        ({"amount": 1, "currency": "USD", "note": None}, "Money"),
        ([{"amount": 1, "currency": "USD"}], "list[Money]"),
        ({"anything": [1, "x"]}, "any"),
    ],
)
def test_values_that_fit(value: object, text: str) -> None:
    assert check(value, text) is None


@pytest.mark.parametrize(
    ("value", "text", "reason"),
    [
        ("abc", "int", "expected int, got 'abc'"),
        (True, "int", "expected int, got true"),
        (1.5, "int", "expected int"),
        (None, "int", "expected int, got null"),
        ("x", "float", "expected float"),
        ("abc", "decimal", "expected decimal"),
        ("NaN", "decimal", "expected decimal"),
        (1, "bool", "expected bool"),
        (1, "str", "expected str"),
        ("2030-13-01", "date", "expected date"),
        (dt.datetime(2030, 1, 1), "date", "expected date"),
        ("tomorrow", "datetime", "expected datetime"),
        ("", "uuid", "expected uuid"),
        (5, "uuid", "expected uuid"),
        ([1, "x"], "list[int]", "item 1: expected int"),
        ("1,2", "list[int]", "expected list[int]"),
        ({"a": "x"}, "dict[str, int]", "expected int"),
        ({1: 1}, "dict[str, int]", "key 1"),
        ("GBP", "Currency", "expected one of Currency (EUR, USD), got 'GBP'"),
        ({"amount": 1}, "Money", "needs field 'currency'"),
        ({"amount": 1, "currency": "EUR", "colour": 1}, "Money", "no field 'colour'"),
        ({"amount": "x", "currency": "EUR"}, "Money", "field 'amount'"),
        ("Money", "Money", "expected a Money record"),
        (1, "Unknown", "unknown type 'Unknown'"),
    ],
)
def test_values_that_do_not_fit(value: object, text: str, reason: str) -> None:
    problem = check(value, text)
    assert problem is not None
    assert reason in problem


def test_uuid_placeholders_only_when_allowed() -> None:
    assert check("b1", "uuid", placeholders_ok=True) is None
    problem = check("b1", "uuid", placeholders_ok=False)
    assert problem is not None and "uuid" in problem
    assert check("6f1c1d7e-0000-4000-8000-000000000001", "uuid", placeholders_ok=False) is None


# -- properties --------------------------------------------------------------------------------

names = st.sampled_from(["Money", "Currency", "Line_Item", "x", "T2"])
leaves = st.one_of(
    st.sampled_from([TypeRef("primitive", p) for p in PRIMITIVES]),
    names.map(lambda n: TypeRef("named", n)),
    st.just(ANY),
)


def _extend(children: st.SearchStrategy[TypeRef]) -> st.SearchStrategy[TypeRef]:
    return st.one_of(
        children.filter(lambda c: c.kind != "optional").map(opt),
        children.map(lst),
        st.tuples(children, children).map(lambda kv: dct(*kv)),
    )


type_refs = st.recursive(leaves, _extend, max_leaves=12)


@given(type_refs)
def test_print_parse_round_trip(ref: TypeRef) -> None:
    assert parse_type(str(ref)) == ref


@given(type_refs, st.sampled_from(["", " ", "  "]))
def test_whitespace_is_tolerated(ref: TypeRef, pad: str) -> None:
    spaced = (
        str(ref).replace("[", f"{pad}[{pad}").replace(",", f"{pad},{pad}").replace("]", f"{pad}]")
    )
    assert parse_type(f"{pad}{spaced}{pad}") == ref


@given(type_refs)
def test_assignable_is_reflexive_and_optional_widens(ref: TypeRef) -> None:
    assert is_assignable(ref, ref)
    if ref.kind != "optional":
        assert is_assignable(ref, opt(ref))


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), st.text(alphabet="listdcMoney[]?, int", max_size=40)))
def test_random_text_only_raises_type_syntax_error(text: str) -> None:
    try:
        result = parse_type(text)
    except TypeSyntaxError as error:
        assert 0 <= error.offset <= len(text)
        assert error.message
    else:
        assert parse_type(str(result)) == result
