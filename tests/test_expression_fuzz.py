"""Fuzzing the sandbox: random text, and random programs of the language with hostile parts.

Properties:

* compiling any text raises nothing but ExpressionError;
* evaluating anything that compiles raises nothing but EvaluationError, finishes within
  the hypothesis deadline, and returns plain data only (never a function, type, module,
  generator or other object that could lead out of the sandbox).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model.expressions import (
    EvaluationError,
    ExpressionError,
    TypeScope,
    check_expression,
    compile_expression,
    infer_type,
)
from workbench.model.types import TypeRef, parse_type

NAMES = frozenset({"command", "state", "x", "l", "s", "d", "n"})
NOW = dt.datetime(2030, 1, 25, 10, 0, 0)
PLAIN = (str, int, float, Decimal, bool, type(None), dt.date, dt.datetime, dt.timedelta)
CONTAINERS = (list, tuple, dict, set, frozenset)

SETTINGS = settings(
    max_examples=700,
    deadline=500,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def environment() -> dict[str, Any]:
    return {
        "command": {
            "qty": 3,
            "title": "Dune",
            "items": [1, 2, 3],
            "at": NOW,
            "price": Decimal("2.5"),
        },
        "state": {
            "count": 2,
            "names": {"a": 1, "b": 2},
            "due": dt.date(2030, 1, 22),
            "owner": None,
        },
        "x": 5,
        "l": list(range(300)),
        "s": "text",
        "d": {"k": 1, "j": [1, 2]},
        "n": None,
    }


def assert_plain(value: object) -> None:
    """The value and everything inside it is plain data (checked without recursion)."""
    stack = [value]
    seen = 0
    while stack and seen < 200_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, PLAIN):
            continue
        assert isinstance(item, CONTAINERS), f"escaped object of type {type(item).__name__}"
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            stack.extend(item)


SCOPE = TypeScope(
    roots={
        "command": TypeRef("named", "Cmd"),
        "state": TypeRef("named", "State"),
        "x": parse_type("int"),
        "l": parse_type("list[int]"),
        "s": parse_type("Colour"),
        "d": parse_type("dict[str, any]"),
        "n": parse_type("int?"),
    },
    records={
        "Cmd": {
            "qty": parse_type("int"),
            "title": parse_type("str"),
            "items": parse_type("list[int]"),
            "at": parse_type("datetime"),
            "price": parse_type("decimal"),
        },
        "State": {
            "count": parse_type("int"),
            "names": parse_type("dict[str, int]"),
            "due": parse_type("date"),
            "owner": parse_type("State?"),
        },
    },
    enums={"Colour": ("text", "red")},
)


def compile_and_run(source: str) -> None:
    try:
        expression = compile_expression(source, NAMES)
    except ExpressionError as error:
        assert error.code.startswith("WB3")
        assert isinstance(error.offset, int)
        assert error.message
        return
    for problem in check_expression(expression, SCOPE):
        assert problem.code in {"WB303", "WB305"}
        assert 0 <= problem.offset <= len(source)
    assert isinstance(infer_type(expression, SCOPE), TypeRef)
    values = environment()
    before = repr(values)
    try:
        result = expression.evaluate(values, now=NOW)
    except EvaluationError as error:
        assert isinstance(error.message, str)
    else:
        assert_plain(result)
    assert repr(values) == before


# -- (1) random text ---------------------------------------------------------------------------

KEYWORDS = "command state __class__ lambda for in if else not and or is None True len( sum( now() ** // << f'{ }' := yield await import"
TOKENS = [*"()[]{}.,:;+-*/%<>=!&|^~@ 0123456789abcdxyzls_'\"\\fjne\t\n#`$?", *KEYWORDS.split()]
PYTHONISH = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@SETTINGS
@given(st.one_of(st.text(max_size=120), PYTHONISH))
def test_random_text_only_raises_expression_errors(source: str) -> None:
    compile_and_run(source)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_decoded_any_way(data: bytes) -> None:
    compile_and_run(data.decode("latin-1"))


# -- (2) random programs of the language ---------------------------------------------------------

LEAVES = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True)
    .map(repr)
    .map(lambda r: r if r[0].isdigit() or r[0] == "-" else f"float('{r}')"),
    st.text(alphabet="abc %{}_\\'\"", max_size=6).map(repr),
    st.sampled_from(
        [
            "command",
            "state",
            "x",
            "l",
            "s",
            "d",
            "n",
            "v",
            "w",
            "unknown",
            "command.qty",
            "command.title",
            "command.items",
            "command.at",
            "command.price",
            "state.count",
            "state.names",
            "state.due",
            "state.owner",
            "d.k",
            "d.j",
            "True",
            "False",
            "None",
            "[]",
            "{}",
            "now()",
            "today()",
            "timedelta(days=2)",
            "date(2030, 1, 1)",
            "decimal('1.5')",
        ]
    ),
    # hostile fragments
    st.sampled_from(
        [
            "().__class__",
            "x.__class__",
            "command.__dict__",
            "'%s' % x",
            "10**10**10",
            "'a' * 10**6",
            "[0] * 100000",
            "[[0] * 1000] * 1000",
            "1 << 100000",
            "eval('1')",
            "lambda: 0",
            "range(10)",
            "getattr(x, 'y')",
            "(v := 1)",
            "__import__('os')",
            "f'{x!r}'",
            "f'{x:>9}'",
            "command['__class__']",
            "type(x)",
            "s.format(x)",
            "object",
            "globals()",
            "ｃommand.qty",
            "x\x00",
            "(y for y in l)",
            "[a for a in l for b in l for c in l]",
            "sum([[1]] * 10, [])",
            "d.get.__self__",
        ]
    ),
)

BINARY = ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@"]
COMPARE = ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not"]
HELPERS = [
    "len",
    "sum",
    "min",
    "max",
    "any",
    "all",
    "sorted",
    "abs",
    "round",
    "str",
    "int",
    "float",
    "bool",
    "decimal",
    "list",
    "set",
    "dict",
    "date",
    "datetime",
    "merge",
    "without",
    "append",
    "remove",
    "count",
    "range",
    "print",
    "getattr",
]
METHODS = [
    "get",
    "keys",
    "values",
    "items",
    "lower",
    "upper",
    "strip",
    "startswith",
    "endswith",
    "date",
    "isoformat",
    "weekday",
    "format",
    "join",
    "__class__",
    "pop",
    "append",
]
ATTRIBUTES = [
    "qty",
    "title",
    "year",
    "days",
    "k",
    "real",
    "__class__",
    "gi_frame",
    "_x",
    "count",
    "names",
]


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    two = st.tuples(inner, inner)
    return st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.sampled_from(COMPARE), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "~", "not "]), inner).map(lambda t: f"({t[0]}{t[1]})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(st.sampled_from(HELPERS), st.lists(inner, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(inner, st.sampled_from(METHODS), st.lists(inner, max_size=2)).map(
            lambda t: f"{t[0]}.{t[1]}({', '.join(t[2])})"
        ),
        st.tuples(inner, st.sampled_from(ATTRIBUTES)).map(lambda t: f"{t[0]}.{t[1]}"),
        two.map(lambda t: f"{t[0]}[{t[1]}]"),
        two.map(lambda t: f"{t[0]}[{t[1]}:]"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]}[{t[1]}:{t[2]}:-1]"),
        st.lists(inner, max_size=4).map(lambda xs: f"[{', '.join(xs)}]"),
        st.lists(inner, max_size=3).map(lambda xs: f"({', '.join(xs)},)"),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: f"{{{', '.join(xs)}}}"),
        st.lists(two, max_size=3).map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        inner.map(lambda t: f"[*{t}]"),
        inner.map(lambda t: f"{{**{t}}}"),
        st.tuples(inner, st.sampled_from(["v", "w", "v, w"]), inner, inner).map(
            lambda t: f"[{t[0]} for {t[1]} in {t[2]} if {t[3]}]"
        ),
        st.tuples(inner, inner).map(lambda t: f"{{v: {t[0]} for v in {t[1]}}}"),
        st.tuples(st.sampled_from(["sum", "any", "all", "max", "sorted"]), inner, inner).map(
            lambda t: f"{t[0]}({t[1]} for v in {t[2]})"
        ),
        two.map(lambda t: f"f'{{{t[0]}}}-{{{t[1]}}}'"),
        st.tuples(inner, inner).map(lambda t: f"timedelta(days={t[0]}, hours={t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"sorted({t[0]}, reverse={t[1]})"),
    )


PROGRAMS = st.recursive(LEAVES, _extend, max_leaves=12)


@SETTINGS
@given(PROGRAMS)
def test_random_programs_are_safe(source: str) -> None:
    compile_and_run(source)


@SETTINGS
@given(PROGRAMS, st.sampled_from(["", " ", "\n", "  # note"]))
def test_programs_with_noise(source: str, noise: str) -> None:
    compile_and_run(f"({source}{noise}\n)")


def test_some_generated_programs_do_evaluate() -> None:
    """Guard against a fuzzer that only ever produces rejected programs."""
    ok = 0
    for source in [
        "(command.qty + x)",
        "[v for v in command.items if (v > 1)]",
        "f'{s}-{x}'",
        "sorted(d.keys())",
    ]:
        expression = compile_expression(source, NAMES)
        assert_plain(expression.evaluate(environment(), now=NOW))
        ok += 1
    assert ok == 4
