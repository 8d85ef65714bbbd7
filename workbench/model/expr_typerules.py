"""Type algebra for the expression checker: joins, operator results, helper signatures.

Kept apart from the tree walk in :mod:`workbench.model.expr_types` so the rules read
as tables.  ``TIMEDELTA`` is a checker-only type (durations cannot be field types), so
that ``today() + timedelta(days=3)`` can still be known to be a ``date``; the public
functions turn it into ``any`` before anyone else sees it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Protocol

from workbench.model.types import ANY, NONE_TYPE, TypeRef, primitive

INT, FLOAT, DECIMAL, STR, BOOL = (primitive(n) for n in ("int", "float", "decimal", "str", "bool"))
DATE, DATETIME, UUID = primitive("date"), primitive("datetime"), primitive("uuid")
#: Durations have no field type, so this one lives only inside the checker.
TIMEDELTA = TypeRef("primitive", "timedelta")

NUMERIC = frozenset({"int", "float", "decimal", "bool"})


def unopt(t: TypeRef) -> TypeRef:
    return t.args[0] if t.kind == "optional" else t


def optional(t: TypeRef) -> TypeRef:
    return t if t.kind in ("optional", "any") else TypeRef("optional", args=(t,))


def is_num(t: TypeRef) -> bool:
    return t.kind == "primitive" and t.name in NUMERIC


def join(a: TypeRef, b: TypeRef) -> TypeRef:
    """The narrowest type both fit in, as far as the checker cares."""
    if a == b:
        return a
    if a.kind == "any" or b.kind == "any":
        return ANY
    if a == NONE_TYPE:
        return optional(b)
    if b == NONE_TYPE:
        return optional(a)
    if a.kind == "optional" or b.kind == "optional":
        inner = join(unopt(a), unopt(b))
        return optional(inner)
    if is_num(a) and is_num(b):
        names = {a.name, b.name}
        if "float" in names and "decimal" not in names:
            return FLOAT
        if "decimal" in names and "float" not in names:
            return DECIMAL
        if names <= {"int", "bool"}:
            return INT
        return ANY
    if a.kind == b.kind and a.kind in ("list", "dict"):
        return TypeRef(a.kind, args=tuple(join(x, y) for x, y in zip(a.args, b.args, strict=True)))
    return ANY


def element(t: TypeRef) -> TypeRef:
    """What iterating over a value of type ``t`` gives."""
    t = unopt(t)
    if t.kind in ("list", "dict"):
        return t.args[0]
    if t == STR:
        return STR
    return ANY


def join_all(types: list[TypeRef]) -> TypeRef:
    if not types:
        return ANY
    result = types[0]
    for t in types[1:]:
        result = join(result, t)
    return result


def show(t: TypeRef) -> str:
    return "timedelta" if t == TIMEDELTA else str(t)


SYMBOLS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}


def arithmetic(op: type[ast.operator], left: TypeRef, right: TypeRef) -> TypeRef | None:
    """Results of the non-numeric operator combinations that are valid; None otherwise."""
    dates = (DATE, DATETIME)
    if op is ast.Add:
        if left == STR and right == STR:
            return STR
        if left.kind == "list" and right.kind == "list":
            return TypeRef("list", args=(join(left.args[0], right.args[0]),))
        if left in dates and right == TIMEDELTA:
            return left
        if left == TIMEDELTA and (right in dates or right == TIMEDELTA):
            return right
    if op is ast.Sub:
        if left in dates and right == left:
            return TIMEDELTA
        if left in dates and right == TIMEDELTA:
            return left
        if left == TIMEDELTA == right:
            return TIMEDELTA
    if op is ast.Mult:
        if (left in (STR,) or left.kind == "list") and right in (INT, BOOL):
            return left
        if (right in (STR,) or right.kind == "list") and left in (INT, BOOL):
            return right
        if TIMEDELTA in (left, right) and (is_num(left) or is_num(right)):
            return TIMEDELTA
    if op in (ast.Div, ast.FloorDiv) and left == TIMEDELTA:
        if right == TIMEDELTA:
            return FLOAT if op is ast.Div else INT
        if is_num(right):
            return TIMEDELTA
    if op in (ast.BitOr, ast.BitAnd, ast.BitXor, ast.LShift, ast.RShift):
        if left == BOOL == right and op in (ast.BitOr, ast.BitAnd, ast.BitXor):
            return BOOL
        if left in (INT, BOOL) and right in (INT, BOOL):
            return INT
        if op is ast.BitOr and left.kind == "dict" and right.kind == "dict":
            return join(left, right)
        if (
            left.kind in ("list", "dict")
            or right.kind in ("list", "dict")
            or left == STR
            or right == STR
        ):
            return None
        return ANY
    if op is ast.Pow and left in (INT, BOOL) and right in (INT, BOOL):
        return INT
    if op is ast.FloorDiv and left in (INT, BOOL) and right in (INT, BOOL):
        return INT
    return None


class Checker(Protocol):
    """What a helper's type rule may ask of the checker."""

    def category(self, t: TypeRef) -> str | None: ...

    def report(
        self, code: str, message: str, where: ast.AST | int, hint: str | None = None
    ) -> None: ...


Rule = Callable[[Checker, ast.Call, list[TypeRef], dict[str | None, TypeRef]], TypeRef]


def _first_element(checker: Checker, node: ast.Call, args: list[TypeRef]) -> TypeRef:
    return element(args[0]) if len(args) == 1 else join_all(args)


def _len(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    if args and checker.category(args[0]) in ("number", "date", "datetime", "bool", "timedelta"):
        checker.report(
            "WB305",
            f"len() needs a list, dict or string, not {show(unopt(args[0]))}",
            node.args[0],
        )
    return INT


def _sum(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    item = unopt(element(args[0])) if args else ANY
    if item.kind != "any" and not is_num(item) and item != TIMEDELTA:
        checker.report("WB305", f"sum() adds numbers, not {show(item)}", node.args[0])
        return ANY
    start = args[1] if len(args) > 1 else INT
    return (
        INT if item == BOOL and start == INT else join(item, start) if item.kind != "any" else ANY
    )


def _extreme(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    result = _first_element(checker, node, args)
    return join(result, kw["default"]) if "default" in kw else result


def _same(index: int) -> Rule:
    return lambda checker, node, args, kw: unopt(args[index]) if len(args) > index else ANY


def _fixed(t: TypeRef) -> Rule:
    return lambda checker, node, args, kw: t


def _round(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    if len(args) == 1:
        return INT
    value = unopt(args[0])
    return value if value in (FLOAT, DECIMAL) else ANY


def _list_of(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    return TypeRef("list", args=(element(args[0]) if args else ANY,))


def _dict_of(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    return (
        unopt(args[0])
        if args and unopt(args[0]).kind == "dict"
        else TypeRef("dict", args=(ANY, ANY))
    )


def _append(
    checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
) -> TypeRef:
    base = unopt(args[0])
    if base.kind == "list":
        return TypeRef("list", args=(join(base.args[0], args[1]),))
    return ANY


def _numbers(t: TypeRef) -> Rule:
    def rule(
        checker: Checker, node: ast.Call, args: list[TypeRef], kw: dict[str | None, TypeRef]
    ) -> TypeRef:
        if args and checker.category(args[0]) in ("list", "dict", "record", "date", "datetime"):
            checker.report("WB305", f"cannot convert {show(unopt(args[0]))} to {t}", node.args[0])
        return t

    return rule


HELPER_TYPES: dict[str, Rule] = {
    "len": _len,
    "count": _fixed(INT),
    "sum": _sum,
    "min": _extreme,
    "max": _extreme,
    "any": _fixed(BOOL),
    "all": _fixed(BOOL),
    "bool": _fixed(BOOL),
    "sorted": _list_of,
    "list": _list_of,
    "set": _fixed(ANY),
    "dict": _dict_of,
    "abs": _same(0),
    "round": _round,
    "str": _fixed(STR),
    "int": _numbers(INT),
    "float": _numbers(FLOAT),
    "decimal": _numbers(DECIMAL),
    "now": _fixed(DATETIME),
    "today": _fixed(DATE),
    "date": _fixed(DATE),
    "datetime": _fixed(DATETIME),
    "timedelta": _fixed(TIMEDELTA),
    "merge": _same(0),
    "without": _same(0),
    "append": _append,
    "remove": _same(0),
}

METHOD_RESULTS: dict[tuple[str, str], TypeRef] = {
    ("text", "lower"): STR,
    ("text", "upper"): STR,
    ("text", "strip"): STR,
    ("text", "startswith"): BOOL,
    ("text", "endswith"): BOOL,
    ("date", "isoformat"): STR,
    ("date", "weekday"): INT,
    ("datetime", "isoformat"): STR,
    ("datetime", "weekday"): INT,
    ("datetime", "date"): DATE,
    ("timedelta", "total_seconds"): FLOAT,
}
