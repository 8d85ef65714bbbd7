"""Static checking of expressions against the model's types.

The validator wants two things from an expression before anything runs: the fields it
names must exist (WB303, with "did you mean"), and it must not do something that is
certainly wrong, such as adding a string to a number or comparing a date with a string
(WB305).  It also wants the expression's type, to see whether it fits the field it sets.

Why "best effort": expressions are dynamically typed, and guards such as
``state.lent_to is not None`` live in *other* expressions, so the checker cannot follow
them.  It therefore reports only mismatches that are wrong for every value of the
types involved, treats ``T?`` as ``T`` in operations, and answers ``any`` whenever it
is unsure, which :func:`~workbench.model.types.is_assignable` accepts everywhere.
False alarms would teach people to ignore the validator; missed bugs are still caught
by scenarios at run time.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.model.diagnostics import did_you_mean
from workbench.model.expr_compile import Program
from workbench.model.expr_parse import ExpressionError, Positions
from workbench.model.expr_runtime import DATE_ATTRIBUTES, DATETIME_ATTRIBUTES, TIMEDELTA_ATTRIBUTES
from workbench.model.expr_typerules import (
    BOOL,
    DATE,
    DATETIME,
    DECIMAL,
    FLOAT,
    HELPER_TYPES,
    INT,
    METHOD_RESULTS,
    NUMERIC,
    STR,
    SYMBOLS,
    TIMEDELTA,
    arithmetic,
    element,
    is_num,
    join,
    optional,
    show,
    unopt,
)
from workbench.model.types import ANY, NONE_TYPE, TypeRef

if TYPE_CHECKING:
    from workbench.model.expressions import CompiledExpression


@dataclass(frozen=True)
class TypeScope:
    """The types an expression can see.

    ``roots`` types each root name (``command``, ``state``, constants...); ``records``
    gives the fields of every record type a root or field may name; ``enums`` lists
    enum values, so comparisons with string literals can be checked.
    """

    roots: Mapping[str, TypeRef]
    records: Mapping[str, Mapping[str, TypeRef]]
    enums: Mapping[str, Sequence[str]] = field(default_factory=dict)


def check_expression(expr: CompiledExpression, scope: TypeScope) -> list[ExpressionError]:
    """Unknown fields (WB303) and certain type mismatches (WB305), in source order."""
    if expr.program is None:
        return []
    checker = _Checker(expr.program, scope)
    checker.infer(expr.program.tree.body)
    return sorted(checker.errors, key=lambda e: e.offset)


def infer_type(expr: CompiledExpression, scope: TypeScope) -> TypeRef:
    """The expression's type, or ``any`` where it cannot tell."""
    if expr.program is None:
        return ANY
    return _public(_Checker(expr.program, scope).infer(expr.program.tree.body))


def _public(t: TypeRef) -> TypeRef:
    if t == TIMEDELTA:
        return ANY
    if t.args:
        return TypeRef(t.kind, t.name, tuple(_public(a) for a in t.args))
    return t


# -- the checker --------------------------------------------------------------------------------


class _Checker:
    def __init__(self, program: Program, scope: TypeScope) -> None:
        self.scope = scope
        self.pos: Positions = program.positions
        self.names = program.names
        self.errors: list[ExpressionError] = []
        self.variables: list[dict[str, TypeRef]] = []

    def report(
        self, code: str, message: str, where: ast.AST | int, hint: str | None = None
    ) -> None:
        offset = where if isinstance(where, int) else self.pos.of(where)
        self.errors.append(ExpressionError(code, message, offset, hint))

    def infer(self, node: ast.expr) -> TypeRef:
        handler = _RULES.get(type(node))
        return handler(self, node) if handler else ANY

    # -- categories used for comparisons and arithmetic --

    def category(self, t: TypeRef) -> str | None:
        """A coarse kind for "can these ever be equal" questions; None means unknown."""
        t = unopt(t)
        if t.kind == "any":
            return None
        if t.kind == "primitive":
            if t.name in NUMERIC:
                return "number"
            if t.name in ("str", "uuid"):
                return "text"
            return t.name
        if t.kind == "named":
            if t.name in self.scope.enums:
                return "text"
            if t.name in self.scope.records:
                return "record"
            return None
        return t.kind

    def text_like(self, t: TypeRef) -> TypeRef:
        """Enums and uuids are strings at run time; treat them as ``str`` in operations."""
        return STR if self.category(t) == "text" else t

    # -- leaves --

    def constant(self, node: ast.Constant) -> TypeRef:
        value = node.value
        if value is None:
            return NONE_TYPE
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int):
            return INT
        if isinstance(value, float):
            return FLOAT
        if isinstance(value, str):
            return STR
        return ANY

    def name(self, node: ast.Name) -> TypeRef:
        for scope in reversed(self.variables):
            if node.id in scope:
                return scope[node.id]
        return self.scope.roots.get(node.id, ANY)

    def attribute(self, node: ast.Attribute) -> TypeRef:
        base = unopt(self.infer(node.value))
        attr = node.attr
        desc = ast.unparse(node.value)
        offset = self.pos.attr(node)
        if base.kind == "named":
            fields = self.scope.records.get(base.name)
            if fields is not None:
                if attr in fields:
                    return fields[attr]
                self.report(
                    "WB303", f"{desc} has no field '{attr}'", offset, did_you_mean(attr, fields)
                )
                return ANY
            if base.name in self.scope.enums:
                self.report(
                    "WB305", f"{desc} is a {base.name} value, which has no field '{attr}'", offset
                )
            return ANY
        if base.kind == "dict":
            return base.args[1]
        allowed = {
            DATE: DATE_ATTRIBUTES,
            DATETIME: DATETIME_ATTRIBUTES,
            TIMEDELTA: TIMEDELTA_ATTRIBUTES,
        }.get(base)
        if allowed is not None:
            if attr in allowed:
                return INT
            self.report(
                "WB305",
                f"{desc} is a {base}, which has no attribute '{attr}'",
                offset,
                f"available: {', '.join(sorted(allowed))}",
            )
            return ANY
        if base.kind in ("primitive", "list"):
            self.report(
                "WB305", f"{desc} is {base}, not a record, so it has no field '{attr}'", offset
            )
        return ANY

    def subscript(self, node: ast.Subscript) -> TypeRef:
        base = unopt(self.infer(node.value))
        index = node.slice
        if isinstance(index, ast.Slice):
            for part in (index.lower, index.upper, index.step):
                if part is not None:
                    self.infer(part)
            return base if base.kind == "list" or base == STR else ANY
        key = self.infer(index)
        desc = ast.unparse(node.value)
        if base.kind == "list" or base == STR:
            if self.category(key) not in (None, "number"):
                self.report("WB305", f"{desc} is indexed by int, not {unopt(key)}", index)
            return base.args[0] if base.kind == "list" else STR
        if base.kind == "dict":
            if not self.compatible(key, base.args[0]):
                self.report(
                    "WB305",
                    f"{desc} is keyed by {show(unopt(base.args[0]))}, not {show(unopt(key))}",
                    index,
                )
            return base.args[1]
        if base.kind == "named" and base.name in self.scope.records:
            fields = self.scope.records[base.name]
            if isinstance(index, ast.Constant) and isinstance(index.value, str):
                if index.value in fields:
                    return fields[index.value]
                self.report(
                    "WB303",
                    f"{desc} has no field {index.value!r}",
                    index,
                    did_you_mean(index.value, fields),
                )
            return ANY
        if self.category(base) in ("number", "date", "datetime", "timedelta"):
            self.report("WB305", f"{desc} is {base} and cannot be indexed", node)
        return ANY

    # -- operators --

    def numeric(self, left: TypeRef, right: TypeRef, node: ast.AST, symbol: str) -> TypeRef:
        names = {left.name, right.name}
        if "decimal" in names and "float" in names:
            self.report(
                "WB305",
                f"'{symbol}' mixes decimal and float",
                node,
                "convert with decimal(x) or float(x)",
            )
            return ANY
        if "decimal" in names:
            return DECIMAL
        if "float" in names:
            return FLOAT
        return INT

    def binop(self, node: ast.BinOp) -> TypeRef:
        left = self.text_like(unopt(self.infer(node.left)))
        right = self.text_like(unopt(self.infer(node.right)))
        op = type(node.op)
        symbol = SYMBOLS.get(op, "?")
        if left.kind == "any" or right.kind == "any":
            return ANY
        if left.kind == "named" or right.kind == "named":
            if self.category(left) == "record" or self.category(right) == "record":
                self.report("WB305", f"cannot apply '{symbol}' to {left} and {right}", node)
            return ANY
        result = arithmetic(op, left, right)
        if result is not None:
            return result
        if is_num(left) and is_num(right):
            result = self.numeric(left, right, node, symbol)
            return FLOAT if op is ast.Div and result == INT else result
        if op is ast.Mod and left == STR:
            self.report(
                "WB305",
                "'%' formatting of strings is not allowed",
                node,
                'use an f-string such as f"{x}"',
            )
            return ANY
        self.report("WB305", f"cannot apply '{symbol}' to {show(left)} and {show(right)}", node)
        return ANY

    def unaryop(self, node: ast.UnaryOp) -> TypeRef:
        operand = unopt(self.infer(node.operand))
        if isinstance(node.op, ast.Not):
            return BOOL
        if operand.kind == "any":
            return ANY
        if is_num(operand):
            return INT if operand == BOOL else operand
        if operand == TIMEDELTA and not isinstance(node.op, ast.Invert):
            return TIMEDELTA
        if operand.kind != "named":
            symbol = {ast.USub: "-", ast.UAdd: "+", ast.Invert: "~"}.get(type(node.op), "?")
            self.report("WB305", f"cannot apply unary '{symbol}' to {show(operand)}", node)
        return ANY

    def boolop(self, node: ast.BoolOp) -> TypeRef:
        types = [self.infer(v) for v in node.values]
        if isinstance(node.op, ast.Or):
            types = [unopt(t) for t in types[:-1]] + types[-1:]
        result = types[0]
        for t in types[1:]:
            result = join(result, t)
        return result

    def compare(self, node: ast.Compare) -> TypeRef:
        operands = [node.left, *node.comparators]
        types = [self.infer(o) for o in operands]
        for index, op in enumerate(node.ops):
            left, right = types[index], types[index + 1]
            left_node, right_node = operands[index], operands[index + 1]
            if isinstance(op, ast.Is | ast.IsNot):
                continue
            if isinstance(op, ast.In | ast.NotIn):
                self.check_membership(left, right, left_node, right_node)
                continue
            self.check_enum_literal(left, right_node)
            self.check_enum_literal(right, left_node)
            if not self.compatible(left, right):
                lt, rt = show(unopt(left)), show(unopt(right))
                if isinstance(op, ast.Eq | ast.NotEq):
                    message = f"{ast.unparse(left_node)} is {lt} and is never equal to a {rt}"
                else:
                    message = f"cannot order {lt} and {rt}"
                self.report("WB305", message, left_node)
            elif not isinstance(op, ast.Eq | ast.NotEq) and self.category(left) in (
                "record",
                "dict",
            ):
                self.report("WB305", f"{show(unopt(left))} values cannot be ordered", left_node)
        return BOOL

    def compatible(self, left: TypeRef, right: TypeRef) -> bool:
        """False only when no value of ``left`` can ever equal a value of ``right``."""
        if left == NONE_TYPE or right == NONE_TYPE:
            return True
        a, b = self.category(left), self.category(right)
        return a is None or b is None or a == b

    def check_membership(
        self, item: TypeRef, container: TypeRef, item_node: ast.expr, node: ast.expr
    ) -> None:
        container = unopt(container)
        desc = ast.unparse(node)
        if container.kind in ("list", "dict"):
            held = container.args[0]
            self.check_enum_literal(held, item_node)
            if not self.compatible(item, held):
                what = "holds" if container.kind == "list" else "is keyed by"
                self.report(
                    "WB305",
                    f"{desc} {what} {show(unopt(held))}, so a {show(unopt(item))} is never in it",
                    item_node,
                )
        elif self.category(container) == "text":
            if self.category(item) not in (None, "text"):
                self.report(
                    "WB305", f"'in' a string needs a string, not {show(unopt(item))}", item_node
                )
        elif self.category(container) in ("number", "date", "datetime", "timedelta"):
            self.report(
                "WB305", f"{desc} is {show(container)}; 'in' needs a list, dict or string", node
            )

    def check_enum_literal(self, t: TypeRef, node: ast.expr) -> None:
        t = unopt(t)
        if t.kind != "named" or t.name not in self.scope.enums:
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            values = self.scope.enums[t.name]
            if node.value not in values:
                self.report(
                    "WB305",
                    f"{node.value!r} is not a value of {t.name}",
                    node,
                    did_you_mean(node.value, values),
                )

    def ifexp(self, node: ast.IfExp) -> TypeRef:
        self.infer(node.test)
        return join(self.infer(node.body), self.infer(node.orelse))

    # -- displays and comprehensions --

    def list_display(self, node: ast.List) -> TypeRef:
        item: TypeRef | None = None
        for elt in node.elts:
            t = element(self.infer(elt.value)) if isinstance(elt, ast.Starred) else self.infer(elt)
            item = t if item is None else join(item, t)
        return TypeRef("list", args=(item or ANY,))

    def dict_display(self, node: ast.Dict) -> TypeRef:
        key: TypeRef | None = None
        value: TypeRef | None = None
        for k, v in zip(node.keys, node.values, strict=True):
            vt = unopt(self.infer(v))
            if k is None:
                kt, vt = (vt.args[0], vt.args[1]) if vt.kind == "dict" else (ANY, ANY)
            else:
                kt = self.infer(k)
            key = kt if key is None else join(key, kt)
            value = vt if value is None else join(value, vt)
        return TypeRef("dict", args=(key or ANY, value or ANY))

    def other_display(self, node: ast.Set | ast.Tuple) -> TypeRef:
        for elt in node.elts:
            self.infer(elt.value if isinstance(elt, ast.Starred) else elt)
        return ANY

    def fstring(self, node: ast.JoinedStr) -> TypeRef:
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                self.infer(part.value)
        return STR

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> TypeRef:
        depth = len(self.variables)
        for generator in node.generators:
            item = element(self.infer(generator.iter))
            if isinstance(generator.target, ast.Name):
                self.variables.append({generator.target.id: item})
            else:
                names = [n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)]
                self.variables.append(dict.fromkeys(names, ANY))
            for condition in generator.ifs:
                self.infer(condition)
        result: TypeRef
        if isinstance(node, ast.DictComp):
            result = TypeRef("dict", args=(self.infer(node.key), self.infer(node.value)))
        else:
            elt = self.infer(node.elt)
            result = ANY if isinstance(node, ast.SetComp) else TypeRef("list", args=(elt,))
        del self.variables[depth:]
        return result

    # -- calls --

    def call(self, node: ast.Call) -> TypeRef:
        if isinstance(node.func, ast.Attribute):
            return self.method(node, node.func)
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        args = [self.infer(a) for a in node.args]
        keywords = {k.arg: self.infer(k.value) for k in node.keywords}
        rule = HELPER_TYPES.get(name)
        return rule(self, node, args, keywords) if rule else ANY

    def method(self, node: ast.Call, func: ast.Attribute) -> TypeRef:
        receiver = unopt(self.infer(func.value))
        args = [self.infer(a) for a in node.args]
        method = func.attr
        desc = ast.unparse(func.value)
        category = self.category(receiver)
        if category is None:
            return ANY
        if category in ("dict", "record") and method in ("get", "keys", "values", "items"):
            return self.mapping_method(receiver, method, node, args)
        result = METHOD_RESULTS.get((category, method))
        if result is not None:
            return result
        self.report(
            "WB305",
            f"{desc} is {show(receiver)}, which has no method '{method}'",
            self.pos.attr(func),
        )
        return ANY

    def mapping_method(
        self, receiver: TypeRef, method: str, node: ast.Call, args: list[TypeRef]
    ) -> TypeRef:
        if receiver.kind == "dict":
            key, value = receiver.args
        else:
            key, value = STR, ANY
        if method == "keys":
            return TypeRef("list", args=(key,))
        if method == "values":
            return TypeRef("list", args=(value,))
        if method == "items":
            return TypeRef("list", args=(ANY,))
        if receiver.kind == "named" and node.args and isinstance(node.args[0], ast.Constant):
            fields = self.scope.records.get(receiver.name, {})
            field_name = node.args[0].value
            if isinstance(field_name, str) and field_name in fields:
                value = fields[field_name]
        if len(args) == 2:
            return join(unopt(value), args[1]) if args[1] != NONE_TYPE else optional(value)
        return optional(value)


_RULES: dict[type[ast.AST], Callable[[_Checker, Any], TypeRef]] = {
    ast.Constant: _Checker.constant,
    ast.Name: _Checker.name,
    ast.Attribute: _Checker.attribute,
    ast.Subscript: _Checker.subscript,
    ast.BinOp: _Checker.binop,
    ast.UnaryOp: _Checker.unaryop,
    ast.BoolOp: _Checker.boolop,
    ast.Compare: _Checker.compare,
    ast.IfExp: _Checker.ifexp,
    ast.List: _Checker.list_display,
    ast.Dict: _Checker.dict_display,
    ast.Set: _Checker.other_display,
    ast.Tuple: _Checker.other_display,
    ast.JoinedStr: _Checker.fstring,
    ast.ListComp: _Checker.comprehension,
    ast.SetComp: _Checker.comprehension,
    ast.DictComp: _Checker.comprehension,
    ast.GeneratorExp: _Checker.comprehension,
    ast.Call: _Checker.call,
}
