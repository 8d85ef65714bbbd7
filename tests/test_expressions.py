"""The expression language: what it evaluates, what it references, how it is checked."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any

import pytest

from workbench.model.expr_sets import OrderedSet
from workbench.model.expressions import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    FieldReference,
    TypeScope,
    check_expression,
    compile_expression,
    infer_type,
)
from workbench.model.types import ANY, TypeRef, parse_type

NOW = dt.datetime(2030, 1, 25, 10, 30, 15)
NAMES = frozenset({"command", "state", "event", "row", "item", "MAX_QTY", "RATE"})


def env() -> dict[str, Any]:
    return {
        "command": {
            "book_id": "b1",
            "qty": 3,
            "amount": Decimal("2.50"),
            "title": "  Dune ",
            "tags": ["a", "b"],
        },
        "state": {
            "balance": 10,
            "overdraft_limit": 5,
            "items": {"apple": 2, "pear": 0},
            "lines": [
                {"sku": "a", "qty": 2, "price": Decimal("1.5")},
                {"sku": "b", "qty": 1, "price": Decimal("4")},
            ],
            "due": dt.date(2030, 1, 22),
            "opened": dt.datetime(2030, 1, 1, 8, 0, 0),
            "status": "open",
            "lent_to": None,
            "owner": {"name": "Ada", "address": {"city": "Paris"}},
            "scores": [3, 1, 2],
        },
        "event": {"member_id": "m1"},
        "row": {"loans": 1},
        "item": "x",
        "MAX_QTY": 10,
        "RATE": Decimal("0.25"),
    }


def run(source: str, names: frozenset[str] = NAMES, now: dt.datetime | None = NOW) -> Any:
    return compile_expression(source, names).evaluate(env(), now=now)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # literals and displays
        ("1", 1),
        ("-2.5", -2.5),
        ("'text'", "text"),
        ("True", True),
        ("None", None),
        ("[1, 2, 3]", [1, 2, 3]),
        ("(1, 'a')", (1, "a")),
        ("{'a': 1}", {"a": 1}),
        ("{1, 2, 2}", OrderedSet([1, 2])),
        ("[*command.tags, 'c']", ["a", "b", "c"]),
        ("{*command.tags}", OrderedSet(["a", "b"])),
        ("{**state.items, 'kiwi': 5}", {"apple": 2, "pear": 0, "kiwi": 5}),
        # arithmetic
        ("state.balance - command.qty * 2", 4),
        ("7 / 2", 3.5),
        ("7 // 2", 3),
        ("7 % 4", 3),
        ("2 ** 10", 1024),
        ("-state.balance", -10),
        ("+state.balance", 10),
        ("~1", -2),
        ("1 << 4", 16),
        ("256 >> 4", 16),
        ("6 & 3", 2),
        ("6 | 3", 7),
        ("6 ^ 3", 5),
        ("command.amount * 2", Decimal("5.00")),
        ("RATE * command.qty", Decimal("0.75")),
        ("'ab' + 'cd'", "abcd"),
        ("'ab' * 3", "ababab"),
        ("[0] * 3", [0, 0, 0]),
        ("command.tags + ['c']", ["a", "b", "c"]),
        ("{1, 2} - {2}", OrderedSet([1])),
        ("{'a': 1} | {'b': 2}", {"a": 1, "b": 2}),
        # comparisons and logic
        ("state.balance - command.qty >= -state.overdraft_limit", True),
        ("1 < 2 < 3", True),
        ("1 < 3 < 2", False),
        ("'apple' in state.items", True),
        ("'kiwi' not in state.items", True),
        ("state.lent_to is None", True),
        ("state.owner is not None", True),
        ("state.balance == 10 and state.status == 'open'", True),
        ("state.lent_to or 'nobody'", "nobody"),
        ("not state.items", False),
        ("'big' if state.balance > 5 else 'small'", "big"),
        # attribute and item access
        ("command.book_id", "b1"),
        ("state.owner.address.city", "Paris"),
        ("state.items['apple']", 2),
        ("state.lines[1].sku", "b"),
        ("state.scores[-1]", 2),
        ("state.scores[1:]", [1, 2]),
        ("state.scores[::-1]", [2, 1, 3]),
        ("command.title[2:4]", "Du"),
        ("state.due.year", 2030),
        ("state.due.month", 1),
        ("state.due.day", 22),
        ("state.opened.hour", 8),
        ("state.opened.minute", 0),
        ("state.opened.second", 0),
        ("(state.due - date(2030, 1, 1)).days", 21),
        ("(now() - state.opened).seconds", 9015),
        # comprehensions
        ("[x * 2 for x in state.scores]", [6, 2, 4]),
        ("[x for x in state.scores if x > 1]", [3, 2]),
        ("{x for x in state.scores}", OrderedSet([3, 1, 2])),
        ("{k: v + 1 for k, v in state.items.items()}", {"apple": 3, "pear": 1}),
        ("[l.sku for l in state.lines if l.qty > 1]", ["a"]),
        ("[a + b for a in [1, 2] for b in [10, 20]]", [11, 21, 12, 22]),
        ("[[y for y in group] for group in [[1], [2, 3]]]", [[1], [2, 3]]),
        ("sum(l.qty * l.price for l in state.lines)", Decimal("7.0")),
        ("any(x > 2 for x in state.scores)", True),
        ("all(x > 2 for x in state.scores)", False),
        ("max(l.qty for l in state.lines)", 2),
        ("sorted(x for x in state.scores)", [1, 2, 3]),
        ("list(x for x in 'ab')", ["a", "b"]),
        ("dict((k, 1) for k in 'ab')", {"a": 1, "b": 1}),
        # f-strings
        ("f'{command.book_id}-{command.qty}'", "b1-3"),
        ("f'total {1 + 2}'", "total 3"),
        ("f'{state.due}'", "2030-01-22"),
        # helpers
        ("len(state.scores)", 3),
        ("len(command.title.strip())", 4),
        ("sum(state.scores)", 6),
        ("sum(state.scores, 10)", 16),
        ("min(state.scores)", 1),
        ("max(state.scores)", 3),
        ("min(4, 2, 8)", 2),
        ("max([], default=0)", 0),
        ("any([])", False),
        ("all([])", True),
        ("sorted(state.scores)", [1, 2, 3]),
        ("sorted(state.scores, reverse=True)", [3, 2, 1]),
        ("abs(-3)", 3),
        ("round(2.675, 1)", 2.7),
        ("round(2.5)", 2),
        ("round(command.amount, 0)", Decimal("2")),
        ("str(42)", "42"),
        ("str(command.amount)", "2.50"),
        ("int('42')", 42),
        ("int(3.9)", 3),
        ("float('1.5')", 1.5),
        ("bool(0)", False),
        ("decimal('1.10') + decimal(0.1)", Decimal("1.20")),
        ("decimal(3)", Decimal(3)),
        ("list('ab')", ["a", "b"]),
        ("list()", []),
        ("set([1, 1, 2])", OrderedSet([1, 2])),
        ("dict([('a', 1)])", {"a": 1}),
        ("dict(state.items)", {"apple": 2, "pear": 0}),
        ("now()", NOW),
        ("today()", NOW.date()),
        ("date(2030, 2, 1)", dt.date(2030, 2, 1)),
        ("date('2030-02-01')", dt.date(2030, 2, 1)),
        ("datetime(2030, 2, 1, 9, 30)", dt.datetime(2030, 2, 1, 9, 30)),
        ("datetime('2030-02-01T09:30:00')", dt.datetime(2030, 2, 1, 9, 30)),
        ("today() + timedelta(days=3)", dt.date(2030, 1, 28)),
        (
            "timedelta(weeks=1, hours=2, minutes=3, seconds=4)",
            dt.timedelta(weeks=1, hours=2, minutes=3, seconds=4),
        ),
        ("timedelta(days=2).days", 2),
        ("max(0, (today() - state.due).days)", 3),
        ("merge(state.items, {'pear': 9})", {"apple": 2, "pear": 9}),
        ("without(state.items, 'pear')", {"apple": 2}),
        ("without(state.items, 'kiwi')", {"apple": 2, "pear": 0}),
        ("append(state.scores, 9)", [3, 1, 2, 9]),
        ("remove([1, 2, 1], 1)", [2, 1]),
        ("remove(state.scores, 42)", [3, 1, 2]),
        ("count([1, 2, 1], 1)", 2),
        ("count('banana', 'a')", 3),
        # methods
        ("state.items.get('apple')", 2),
        ("state.items.get('kiwi')", None),
        ("state.items.get('kiwi', 0)", 0),
        ("sorted(state.items.keys())", ["apple", "pear"]),
        ("sorted(state.items.values())", [0, 2]),
        ("state.items.items()", [("apple", 2), ("pear", 0)]),
        ("command.get('qty')", 3),
        ("'AbC'.lower()", "abc"),
        ("'AbC'.upper()", "ABC"),
        ("command.title.strip()", "Dune"),
        ("'xxaxx'.strip('x')", "a"),
        ("command.book_id.startswith('b')", True),
        ("command.book_id.endswith('2')", False),
        ("state.opened.date()", dt.date(2030, 1, 1)),
        ("state.opened.isoformat()", "2030-01-01T08:00:00"),
        ("state.due.isoformat()", "2030-01-22"),
        ("state.due.weekday()", 1),
        ("timedelta(minutes=2).total_seconds()", 120.0),
        # constants and multi-line source
        ("command.qty <= MAX_QTY", True),
        ("(state.balance\n + 1)", 11),
        ("  state.balance  ", 10),
    ],
)
def test_evaluates(source: str, expected: Any) -> None:
    result = run(source)
    assert result == expected
    assert type(result) is type(expected)


def test_evaluation_does_not_mutate_the_environment() -> None:
    values = env()
    before = repr(values)
    for source in [
        "append(state.scores, 1)",
        "remove(state.scores, 3)",
        "merge(state.items, {'x': 1})",
        "without(state.items, 'apple')",
        "sorted(state.scores)",
        "{**state.items, 'a': 1}",
    ]:
        compile_expression(source, NAMES).evaluate(values)
    assert repr(values) == before


# -- run-time errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("command.missing", "command has no field 'missing'"),
        ("state.owner.address.zip", "state.owner.address has no field 'zip'"),
        ("state.lent_to.name", "state.lent_to is None"),
        ("state.items['kiwi']", "has no key 'kiwi'"),
        ("state.scores[10]", "out of range"),
        ("state.scores['a']", "indexed by int"),
        ("1 / 0", "division by zero"),
        ("1 // 0", "division by zero"),
        ("5 % 0", "division by zero"),
        ("command.amount / 0", "division by zero"),
        ("'a' + 1", "wrong type"),
        ("'a' < 1", "wrong type"),
        ("-'a'", "wrong type"),
        ("command.qty.year", "not a record"),
        ("state.due.hour", "no attribute 'hour'"),
        ("state.due.date()", "no method 'date'"),
        ("command.qty.lower()", "no method 'lower'"),
        ("len(5)", "len() needs"),
        ("sum(['a'])", "sum() adds numbers"),
        ("min([])", "empty sequence"),
        ("int('abc')", "cannot convert 'abc' to int"),
        ("float('abc')", "cannot convert"),
        ("decimal('abc')", "cannot convert 'abc' to decimal"),
        ("date(2030, 13, 1)", "month must be in"),
        ("date('soon')", "not an ISO date"),
        ("timedelta(days='x')", "timedelta() takes numbers"),
        ("merge(1, {})", "merge() needs a dict"),
        ("[x for x in 5]", "cannot loop over a int"),
        ("{**command.qty}", "not a dict"),
        ("[*command.qty]", "cannot unpack"),
        ("command.amount + 1.5", "wrong type"),
        ("sorted([1, 'a'])", "wrong type"),
        ("set([[1]])", "wrong type"),
    ],
)
def test_runtime_errors_are_evaluation_errors(source: str, fragment: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        run(source)
    assert fragment in caught.value.message


def test_now_needs_a_clock() -> None:
    expr = compile_expression("now()", NAMES)
    with pytest.raises(EvaluationError, match="simulated clock"):
        expr.evaluate(env())
    with pytest.raises(EvaluationError, match="simulated clock"):
        compile_expression("today()", NAMES).evaluate(env())


def test_missing_root_in_environment() -> None:
    with pytest.raises(EvaluationError, match="no value for 'state'"):
        compile_expression("state.balance", NAMES).evaluate({})


def test_records_may_be_any_mapping() -> None:
    from types import MappingProxyType

    expr = compile_expression("command.qty + len(command.keys())", NAMES)
    assert expr.evaluate({"command": MappingProxyType({"qty": 2})}) == 3


# -- compile-time errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code", "offset", "hint"),
    [
        ("comand.title", "WB302", 0, "did you mean 'command'?"),
        ("state.balance + MAX_QTTY", "WB302", 16, "did you mean 'MAX_QTY'?"),
        ("[y for x in state.scores]", "WB302", 1, None),
        ("[xx for xxy in state.scores]", "WB302", 1, "did you mean 'xxy'?"),
        ("lenn(state.scores)", "WB302", 0, "did you mean 'len'?"),
        ("state.balance +", "WB300", 15, None),
        ("(state.balance", "WB300", 0, None),
        ("", "WB300", 0, None),
        ("state.balance = 1", "WB301", 0, "use == to compare values"),
        ("len(1, 2)", "WB305", 0, None),
        ("state.items.get()", "WB305", 0, None),
        ("sorted(state.scores, key=len)", "WB301", 25, None),
        ("timedelta(3)", "WB305", 0, None),
        ("command.title.split()", "WB301", 14, None),
        ("len", "WB301", 0, None),
        ("command()", "WB301", 0, None),
        ("state.x is 1", "WB301", 0, None),
    ],
)
def test_compile_errors(source: str, code: str, offset: int, hint: str | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, NAMES)
    error = caught.value
    assert error.code == code, error
    assert error.offset == offset, error
    if hint is not None:
        assert error.hint is not None and hint in error.hint
    assert error.message
    assert code in str(error)


def test_offsets_count_characters_not_bytes() -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("'héllo wörld' + unknown_thing", NAMES)
    assert caught.value.offset == len("'héllo wörld' + ")
    with pytest.raises(ExpressionError) as caught:
        compile_expression("('é' +\n  (1 +\n  nope))", NAMES)
    assert caught.value.offset == "('é' +\n  (1 +\n  nope))".index("nope")


def test_helper_names_can_be_roots_too() -> None:
    expr = compile_expression("count + count([1, count], 3)", {"count"})
    assert expr.evaluate({"count": 3}) == 4


# -- references ----------------------------------------------------------------------------------


def test_references() -> None:
    source = "state.items.get(command.sku, 0) + MAX_QTY + len([l.qty for l in state.lines]) + state.owner.address.city"
    expr = compile_expression(source, NAMES)
    assert expr.references == (
        FieldReference("state", ("items",), 0),
        FieldReference("command", ("sku",), source.index("command")),
        FieldReference("MAX_QTY", (), source.index("MAX_QTY")),
        FieldReference("state", ("lines",), source.index("state.lines")),
        FieldReference("state", ("owner", "address", "city"), source.index("state.owner")),
    )


def test_references_skip_comprehension_variables_that_shadow_roots() -> None:
    expr = compile_expression("[item.qty for item in state.lines]", NAMES)
    assert [(r.root, r.path) for r in expr.references] == [("state", ("lines",))]
    assert expr.evaluate(env()) == [2, 1]


def test_references_through_subscripts() -> None:
    expr = compile_expression("state.lines[0].qty + command['qty']", NAMES)
    assert [(r.root, r.path) for r in expr.references] == [("state", ("lines",)), ("command", ())]


def test_compiled_expressions_are_cached() -> None:
    first = compile_expression("state.balance + 1", NAMES)
    assert compile_expression("state.balance + 1", set(NAMES)) is first
    assert compile_expression("state.balance + 1", NAMES | {"other"}) is not first
    assert isinstance(first, CompiledExpression)
    assert first.source == "state.balance + 1"


def test_evaluation_is_fast() -> None:
    expr = compile_expression("state.balance - command.amount >= -state.overdraft_limit", NAMES)
    values = {"state": {"balance": 10, "overdraft_limit": 5}, "command": {"amount": 12}}
    assert expr.evaluate(values) is True
    rounds = 20_000
    start = time.perf_counter()
    for _ in range(rounds):
        expr.evaluate(values)
    per_call = (time.perf_counter() - start) / rounds
    assert per_call < 20e-6  # a few microseconds normally; generous for slow CI machines


# -- static checking ---------------------------------------------------------------------------


def T(text: str) -> TypeRef:
    return parse_type(text)


SCOPE = TypeScope(
    roots={
        "command": TypeRef("named", "cmd:LendBook"),
        "state": TypeRef("named", "<state>"),
        "MAX_QTY": T("int"),
        "RATE": T("decimal"),
    },
    records={
        "cmd:LendBook": {
            "book_id": T("uuid"),
            "title": T("str"),
            "qty": T("int"),
            "price": T("Money"),
            "at": T("datetime"),
            "ratio": T("float"),
        },
        "<state>": {
            "count": T("int"),
            "items": T("dict[str, int]"),
            "lines": T("list[Line]"),
            "status": T("Status"),
            "due": T("date?"),
            "lent_to": T("uuid?"),
            "reserved_by": T("list[uuid]"),
            "fines": T("decimal"),
            "tags": T("list[str]"),
        },
        "Line": {"sku": T("str"), "qty": T("int")},
        "Money": {"amount": T("decimal"), "currency": T("str")},
    },
    enums={"Status": ("open", "closed")},
)


def problems(source: str) -> list[tuple[str, int, str, str | None]]:
    expr = compile_expression(source, frozenset(SCOPE.roots))
    return [(e.code, e.offset, e.message, e.hint) for e in check_expression(expr, SCOPE)]


def test_clean_expressions_have_no_problems() -> None:
    for source in [
        "state.count + command.qty * 2 <= MAX_QTY",
        "state.items.get(command.title, 0) > 0",
        "[l.sku for l in state.lines if l.qty > 1]",
        "sum(l.qty for l in state.lines)",
        "state.status == 'open'",
        "state.status in ['open', 'closed']",
        "command.book_id in state.reserved_by",
        "state.lent_to != command.book_id",
        "state.due is None or state.due < today()",
        "max(0, (today() - state.due).days)",
        "state.fines + RATE * command.qty",
        "command.price.amount * 2",
        "f'{command.title}: {state.count}'",
        "command.title.strip().lower() + '!'",
        "state.count and command.title",
        "command.at.date() >= today()",
        "len(state.tags) < 3 and 'x' not in state.tags",
    ]:
        assert problems(source) == [], source


def test_unknown_field_with_did_you_mean() -> None:
    assert problems("command.titel == 'x'") == [
        ("WB303", 8, "command has no field 'titel'", "did you mean 'title'?")
    ]
    [(code, offset, message, hint)] = problems("[l.skus for l in state.lines]")
    assert (code, offset, hint) == ("WB303", 3, "did you mean 'sku'?")
    assert "l has no field 'skus'" in message
    [(code, offset, message, _)] = problems("command.price.amout")
    assert (code, offset) == ("WB303", 14)
    assert "command.price" in message


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("state.count + 'x'", "cannot apply '+' to int and str"),
        ("command.title == 3", "never equal"),
        ("command.title < 3", "cannot order str and int"),
        ("state.due == 'tomorrow'", "never equal"),
        ("command.at < state.due", "cannot order"),
        ("state.status == 'opened'", "'opened' is not a value of Status"),
        ("state.fines * command.ratio", "mixes decimal and float"),
        ("3 in state.tags", "never in it"),
        ("state.count.lower()", "no method 'lower'"),
        ("state.count.year", "not a record"),
        ("state.due.hour", "no attribute 'hour'"),
        ("state.tags['a']", "indexed by int"),
        ("state.items[1]", "keyed by str"),
        ("len(state.count)", "len() needs"),
        ("sum(state.tags)", "sum() adds numbers"),
        ("-command.title", "unary '-'"),
        ("state.status.name", "Status value"),
        ("command.title % 3", "formatting"),
    ],
)
def test_type_mismatches(source: str, fragment: str) -> None:
    found = problems(source)
    assert found, source
    assert found[0][0] == "WB305"
    assert fragment in found[0][2]


def test_enum_typo_gets_a_hint() -> None:
    [(code, _, _, hint)] = problems("state.status != 'closd'")
    assert code == "WB305"
    assert hint == "did you mean 'closed'?"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("command.qty * 2", "int"),
        ("command.qty / 2", "float"),
        ("command.qty * 1.5", "float"),
        ("RATE * command.qty", "decimal"),
        ("state.items.get(command.title, 0)", "int"),
        ("state.items.get(command.title)", "int?"),
        ("command.qty if command.qty > 0 else None", "int?"),
        ("None", "any?"),
        ("command.qty > 1", "bool"),
        ("not command.qty", "bool"),
        ("len(state.tags)", "int"),
        ("now()", "datetime"),
        ("today() + timedelta(days=MAX_QTY)", "date"),
        ("(today() - state.due).days", "int"),
        ("timedelta(days=1)", "any"),
        ("state.lines", "list[Line]"),
        ("state.lines[0]", "Line"),
        ("state.lines[0].qty", "int"),
        ("[l.qty for l in state.lines]", "list[int]"),
        ("{l.sku: l.qty for l in state.lines}", "dict[str, int]"),
        ("sum(l.qty for l in state.lines)", "int"),
        ("sorted(state.tags)", "list[str]"),
        ("state.reserved_by + [command.book_id]", "list[uuid]"),
        ("[]", "list[any]"),
        ("{'a': 1}", "dict[str, int]"),
        ("f'{command.qty}'", "str"),
        ("command.title.upper()", "str"),
        ("command.title.startswith('x')", "bool"),
        ("str(command.qty)", "str"),
        ("int(command.title)", "int"),
        ("decimal(command.qty)", "decimal"),
        ("round(command.ratio)", "int"),
        ("round(command.ratio, 2)", "float"),
        ("max(command.qty, 2)", "int"),
        ("min(state.tags)", "str"),
        ("date(2030, 1, 1)", "date"),
        ("state.lent_to", "uuid?"),
        ("state.lent_to or command.book_id", "uuid"),
        ("state.items.keys()", "list[str]"),
        ("command.unknown_field", "any"),
        ("{1, 2}", "any"),
        ("append(state.tags, 'x')", "list[str]"),
    ],
)
def test_infer_type(source: str, expected: str) -> None:
    expr = compile_expression(source, frozenset(SCOPE.roots))
    assert str(infer_type(expr, SCOPE)) == expected


def test_infer_type_defaults_to_any_for_unknown_roots() -> None:
    expr = compile_expression("other.field + 1", {"other"})
    assert infer_type(expr, SCOPE) == ANY
    assert check_expression(expr, SCOPE) == []
