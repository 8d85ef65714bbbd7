"""Two sandbox guarantees: bounded work, and set order that does not depend on hashing.

* Every element a helper, a string method, ``in``, a comparison or a set operator looks
  through is charged to the evaluation's budget, so an expression that would scan a
  big list once per comprehension step stops with the budget error instead of running
  for minutes (the cases below took 10 s to 200 s each before).
* Sets built by expressions iterate, convert and print in insertion order, so the same
  model gives the same output under every ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import json
import operator
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.expr_runtime import MAX_SCAN
from workbench.model.expr_sets import OrderedSet, in_order
from workbench.model.expressions import EvaluationError, compile_expression

NAMES = frozenset({"big", "l", "s", "words", "other", "plain", "command"})
SCAN_ERROR = "looks through too many elements"
ALLOC_ERROR = "builds too much data"


def environment() -> dict[str, Any]:
    return {
        "big": list(range(30_000)),
        "l": list(range(1_000)),
        "s": "a" * 100_000,
        "words": ["pear", "apple", "fig", "kiwi", "plum", "lime", "date", "yuzu"],
        "other": ["fig", "plum", "quince"],
        "plain": {"pear", "apple", "fig", "kiwi", "plum", "lime"},
        "command": {"names": ["dora", "alice", "bob", "carol", "eve", "frank", "gina"]},
    }


def run(source: str, env: dict[str, Any] | None = None) -> Any:
    return compile_expression(source, NAMES).evaluate(environment() if env is None else env)


# -- (1) bounded work ------------------------------------------------------------------------

EXPENSIVE: list[tuple[str, str]] = [
    # the reviewer's examples
    ("len([sum(big) for big in [[0] * 99999] for a in big]) > 0", SCAN_ERROR),
    ("[1 in big for a in big]", SCAN_ERROR),
    ("[-1 not in big for a in big]", SCAN_ERROR),
    ("[max(big) for a in big]", SCAN_ERROR),
    ("[min(big) for a in big]", SCAN_ERROR),
    ("[count(big, -1) for a in big]", SCAN_ERROR),
    # the other helpers
    ("[any(z) for z in [[0] * 30000] for a in big]", SCAN_ERROR),
    ("[all(big) for a in big]", SCAN_ERROR),
    ("[len(sorted(big)) for a in l]", SCAN_ERROR),
    ("[len(set(big)) for a in big]", SCAN_ERROR),
    ("[len(dict(p)) for p in [[(1, 2)] * 30000] for a in big]", SCAN_ERROR),
    ("[len(remove(big, -1)) for a in big]", SCAN_ERROR),
    ("[count(s, 'b') for a in big]", SCAN_ERROR),
    ("sum(sum(big) for a in big)", SCAN_ERROR),
    # string methods over a long string
    ("[len(s.upper()) for a in big]", SCAN_ERROR),
    ("[len(s.lower()) for a in big]", SCAN_ERROR),
    ("[len(s.strip('b')) for a in big]", SCAN_ERROR),
    ("[s.startswith(s) for a in big]", SCAN_ERROR),
    # operators inside comprehensions
    ("['b' in s for a in big]", SCAN_ERROR),
    ("[big == c for c in [big[:]] for a in big]", SCAN_ERROR),
    ("[big < big for a in big]", SCAN_ERROR),
    ("[s != t for t in [s[:-1] + 'b'] for a in big]", SCAN_ERROR),
    ("[a for a in l if 0 <= a in big]", SCAN_ERROR),
    ("[l in [big, big] for a in big]", SCAN_ERROR),
    ("[len(set(l) - set(l)) for a in big]", SCAN_ERROR),
    ("[len(set(l) | set(l)) for a in big]", SCAN_ERROR),
    # already-built values copied or re-scanned
    ("[len(big[:]) for a in big]", ALLOC_ERROR),
    ("[len(s[1:]) for a in big]", ALLOC_ERROR),
]


@pytest.mark.parametrize(("source", "reason"), EXPENSIVE, ids=[s for s, _ in EXPENSIVE])
def test_repeated_scans_hit_the_budget(source: str, reason: str) -> None:
    with pytest.raises(EvaluationError, match=reason):
        run(source)


def test_the_budget_error_names_the_expression_in_the_simulator() -> None:
    from workbench.sim.compiled import Expr, ModelingProblem

    source = "[1 in big for a in big]"
    expr = Expr(compile_expression(source, NAMES), "rule 1 of command 'Scan'")
    with pytest.raises(ModelingProblem) as caught:
        expr.call(environment(), None)
    assert caught.value.message.startswith(f"rule 1 of command 'Scan': `{source}` failed: ")
    assert f"more than {MAX_SCAN:,}" in caught.value.message


ORDINARY: list[tuple[str, Any]] = [
    ("[a for a in l if a in [3, 5, 7]]", [3, 5, 7]),
    ("len([a for a in l if a in l])", 1000),
    ("len([a for a in l if a not in big[:500]])", 500),
    ("sum(a for a in l if 10 < a < 20)", sum(range(11, 20))),
    ("[max(words) for w in words][0]", "yuzu"),
    ("[w for w in words if w in other]", ["fig", "plum"]),
    ("[w for w in words if w == 'fig' or w.upper() == 'KIWI']", ["fig", "kiwi"]),
    ("sorted(set(words) - set(other))", ["apple", "date", "kiwi", "lime", "pear", "yuzu"]),
    ("[count(l, a) for a in l[:3]]", [1, 1, 1]),
    ("[sum(l[:a]) for a in [0, 1, 2, 3]]", [0, 0, 1, 3]),
    ("[a for a in l[:20] if a in {4, 8} or a in set(other)]", [4, 8]),
    ("1 in big and -1 not in big", True),
    ("max(big) + min(big) + len(sorted(big))", 29_999 + 30_000),
    ("[w for w in words if w.startswith(('p', 'l'))]", ["pear", "plum", "lime"]),
]


@pytest.mark.parametrize(("source", "expected"), ORDINARY, ids=[s for s, _ in ORDINARY])
def test_ordinary_expressions_still_work(source: str, expected: Any) -> None:
    assert run(source) == expected


def test_operators_outside_comprehensions_stay_native() -> None:
    """The hot path: a rule's comparisons and arithmetic call no guard."""
    for source in [
        "command.names == other and len(l) > 3",
        "s - 1 >= 0",
        "'x' in words or words[0] not in other",
        "1 < len(l) <= 10",
    ]:
        program = compile_expression(source, NAMES).program
        assert program is not None
        called = set(program.function.__code__.co_names)
        guards = {n for n in called if n.startswith("_wb_") and not n.startswith("_wb_h_")}
        assert guards <= {"_wb_attr", "_wb_item"}, (source, called)


def test_literal_operands_stay_native_inside_comprehensions() -> None:
    program = compile_expression("[w for w in words if w in ('a', 'b') or w == 'c']", NAMES)
    assert program.program is not None
    nested = [c for c in program.program.function.__code__.co_consts if hasattr(c, "co_names")]
    assert nested
    assert not any(name.startswith("_wb_cmp_") for code in nested for name in code.co_names)


SMALL = st.lists(st.integers(-5, 5), max_size=12)
OPS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


@settings(max_examples=200, deadline=None)
@given(SMALL, SMALL, st.sampled_from(OPS), st.sampled_from(OPS))
def test_guarded_comparisons_agree_with_python(
    xs: list[int], ys: list[int], op1: str, op2: str
) -> None:
    """Chains and single comparisons inside comprehensions give Python's answers."""
    env = {"big": xs, "l": ys}
    for source in [
        f"[a {op1} b for a in big for b in l]" if "in" not in op1 else None,
        f"[a {op1} l for a in big]" if "in" in op1 else None,
        f"[[a] {op1} [b] for a in big for b in l]" if "in" not in op1 else None,
        f"[a < b {op2} l for a in big for b in l]" if "in" in op2 else None,
        f"[a <= b {op2} 3 for a in big for b in l]" if "in" not in op2 else None,
    ]:
        if source is None:
            continue
        expected = eval(source, {"__builtins__": {}, **env})  # plain Python, same semantics
        assert compile_expression(source, NAMES).evaluate(env) == expected, source


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4000), st.integers(1, 4000))
def test_membership_is_charged_per_element(size: int, steps: int) -> None:
    """The budget error appears exactly when the scanning exceeds the limit."""
    env = {"big": list(range(size)), "l": list(range(steps))}
    source = "len([a for a in l if -1 in big])"
    if size * steps > MAX_SCAN:
        with pytest.raises(EvaluationError, match=SCAN_ERROR):
            compile_expression(source, NAMES).evaluate(env)
    else:
        assert compile_expression(source, NAMES).evaluate(env) == 0


# -- (2) set order -----------------------------------------------------------------------------

ORDER_CASES = [
    "list(set(command.names))",
    "[n for n in set(command.names)]",
    "str(set(command.names))",
    "f'{set(words)}'",
    "list(set(words) | set(other))",
    "list(set(words) - set(other))",
    "list(set(words) & set(other))",
    "list(set(words) ^ set(other))",
    "str({w for w in words})",
    "[*{'x', 'y', 'z', 'w', 'v'}]",
    "{w: len(w) for w in set(words)}",
    "dict([(w[0], w) for w in set(words)])",
    "[w for w in set(words) if w not in set(other)]",
    "list(set(words)) == list(set(words))",
    "list(plain)",
    "[p for p in plain]",
    "str(plain)",
    "str([plain, (plain,), {'k': plain}])",
    "[p for p in plain & set(words)]",
    "list(set(plain) | {'zz'})",
    "sum([len(w) * 0.1 for w in set(words)])",
]

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from tests.test_expr_work_and_order import ORDER_CASES, run
    print(json.dumps([repr(run(source)) for source in ORDER_CASES]))
    """
)


def _results_with_hash_seed(seed: str) -> list[str]:
    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(root=root)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=root,
    )
    results: list[str] = json.loads(done.stdout)
    return results


def test_set_order_does_not_depend_on_the_hash_seed() -> None:
    runs = {seed: _results_with_hash_seed(seed) for seed in ["0", "1", "2", "12345"]}
    first = runs["0"]
    for seed, results in runs.items():
        for source, one, other in zip(ORDER_CASES, first, results, strict=True):
            assert one == other, f"{source}: {one} (seed 0) != {other} (seed {seed})"


def test_sets_keep_insertion_order() -> None:
    assert run("list(set(command.names))") == [
        "dora",
        "alice",
        "bob",
        "carol",
        "eve",
        "frank",
        "gina",
    ]
    assert run("str({'b', 'a', 'b'})") == "{'b', 'a'}"
    assert run("str(set())") == "set()"
    assert run("list(set(words) - set(other))") == ["pear", "apple", "kiwi", "lime", "date", "yuzu"]
    assert run("list(set(other) | set(words))")[:4] == ["fig", "plum", "quince", "pear"]
    assert run("list(plain)") == sorted(environment()["plain"])


def _expected_order(kind: str, xs: list[Any], ys: list[Any]) -> list[Any]:
    left, right = list(dict.fromkeys(xs)), list(dict.fromkeys(ys))
    if kind == "|":
        return list(dict.fromkeys(left + right))
    if kind == "&":
        return [x for x in left if x in right]
    if kind == "-":
        return [x for x in left if x not in right]
    return [x for x in left if x not in right] + [y for y in right if y not in left]


ITEMS = st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "c", "d"])), max_size=10)
SET_OPS = {"|": operator.or_, "&": operator.and_, "-": operator.sub, "^": operator.xor}


@settings(max_examples=300, deadline=None)
@given(ITEMS, ITEMS, st.sampled_from(sorted(SET_OPS)), st.booleans())
def test_set_operations_are_sets_with_a_fixed_order(
    xs: list[Any], ys: list[Any], kind: str, right_is_plain: bool
) -> None:
    """Same members as Python's set algebra; order: the left operand's, then the right's."""
    left = OrderedSet(xs)
    right: Any = set(ys) if right_is_plain else OrderedSet(ys)
    result = SET_OPS[kind](left, right)
    assert isinstance(result, OrderedSet)
    assert result == SET_OPS[kind](set(xs), set(ys))
    ordered_right = list(in_order(right))
    assert list(result) == _expected_order(kind, xs, ordered_right)
    reflected = SET_OPS[kind](right, left)
    assert reflected == SET_OPS[kind](set(ys), set(xs))
    if right_is_plain:  # Python asks the plain set first; its order is fixed when observed
        assert type(in_order(reflected)) is OrderedSet
    else:
        assert isinstance(reflected, OrderedSet)
        assert list(reflected) == _expected_order(kind, ordered_right, xs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=4), max_size=12))
def test_set_expressions_agree_with_python_sets(names: list[str]) -> None:
    env = {"words": names}
    assert run("set(words)", env) == set(names)
    assert run("len({w for w in words})", env) == len(set(names))
    assert run("list(set(words))", env) == list(dict.fromkeys(names))
    assert run("sorted(set(words))", env) == sorted(set(names))


def test_sets_stay_unhashable_and_named_set() -> None:
    with pytest.raises(EvaluationError, match="unhashable"):
        run("{set(words)}")
    with pytest.raises(EvaluationError, match="is a set and cannot be indexed"):
        run("set(words)[0]")
