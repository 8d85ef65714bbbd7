"""Compile-time half of the expression sandbox: check, rewrite, compile.

After :mod:`workbench.model.expr_parse` has parsed the source and bounded its size:

1. A recursive rewrite that dispatches on the node class through an explicit table:
   any node type not in the table is refused, so new Python syntax is closed by default.
   It checks names, calls and literals, records field references, and routes the
   operations that need run-time checks through the guards in
   :mod:`workbench.model.expr_runtime`.
2. The rewritten body is wrapped in ``lambda _wb_b, <roots>: ...`` and compiled once.
   Evaluating an expression is then one call of that function, with a fresh budget
   object as ``_wb_b``; roots become parameters (fast locals) and comprehensions see
   them as closure variables.

Inside comprehensions (the only place an operation can run more than once per
evaluation) comparisons, ``in`` and the set operators ``- | & ^`` also become guard
calls that charge the elements they look through, unless an operand is a literal,
which bounds the work by the source.  Outside comprehensions they stay native Python
operators, so a plain rule such as ``state.balance - command.amount >= 0`` pays nothing.

Set displays and set comprehensions build an
:class:`~workbench.model.expr_sets.OrderedSet`, whose order does not depend on
``PYTHONHASHSEED``; a set display that is only tested for membership
(``x in {'a', 'b'}``) stays a native set, which CPython turns into a constant.

All generated names start with ``_wb_`` while user names may not start with ``_``, so
an expression can neither reach nor shadow the machinery.
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.model.diagnostics import did_you_mean
from workbench.model.expr_helpers import GENERATOR_HELPERS, GLOBALS, HELPERS
from workbench.model.expr_parse import (
    ExpressionError,
    FieldReference,
    Positions,
    check_ascii_names,
    measure,
    parse,
)
from workbench.model.expr_runtime import MAX_EXPONENT, MAX_INT_BITS, MAX_REPEAT, METHOD_ARITY

MAX_INT_LITERAL = 10**18
MAX_STR_LITERAL = 10_000

BUDGET = "_wb_b"

_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_GUARDED_OPS: dict[type[ast.operator], tuple[str, bool]] = {
    # operator -> (guard, whether it takes the budget)
    ast.Add: ("_wb_add", True),
    ast.Mult: ("_wb_mul", True),
    ast.Pow: ("_wb_pow", False),
    ast.LShift: ("_wb_lshift", False),
    ast.Mod: ("_wb_mod", False),
}
#: Operators that walk both operands when they are sets (or dicts, for ``|``); guarded
#: inside comprehensions.
_SIZED_OPS: dict[type[ast.operator], str] = {
    ast.Sub: "_wb_sub",
    ast.BitOr: "_wb_or",
    ast.BitAnd: "_wb_and",
    ast.BitXor: "_wb_xor",
}
_METHOD_HINTS = {
    "format": 'use an f-string such as f"{x}"',
    "join": "use an f-string or '+'",
    "split": "string methods allowed are lower, upper, strip, startswith and endswith",
}


@dataclass(frozen=True)
class Program:
    """Everything compiling one expression produces; shared by all users of the cache."""

    tree: ast.Expression  # the checked tree as parsed; never mutated
    positions: Positions
    names: frozenset[str]
    function: Callable[..., Any]
    params: tuple[str, ...]
    references: tuple[FieldReference, ...]


# -- the rewrite ----------------------------------------------------------------------------


def _load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _call(function: str, *args: ast.expr, keywords: list[ast.keyword] | None = None) -> ast.Call:
    return ast.Call(func=_load(function), args=list(args), keywords=keywords or [])


def _const(value: Any) -> ast.Constant:
    return ast.Constant(value=value)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _literal(node: ast.expr) -> bool:
    """A constant, or a list/tuple/set display of constants: comparing with it, or
    looking something up in it, is bounded by the source text."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(isinstance(element, ast.Constant) for element in node.elts)
    return False


def _needs_guard(op: ast.cmpop, left: ast.expr, right: ast.expr) -> bool:
    """Whether one comparison inside a comprehension can do unbounded work."""
    if isinstance(op, ast.Is | ast.IsNot):
        return False
    if isinstance(op, ast.In | ast.NotIn):
        return not _literal(right)
    return not (_literal(left) or _literal(right))


def reserved(name: str) -> bool:
    return name.startswith("_") or name.endswith("_")


def _describe(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _arity(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"at least {lo} argument{'s' if lo != 1 else ''}"
    if lo == hi:
        return f"{lo} argument{'s' if lo != 1 else ''}"
    return f"{lo} to {hi} arguments"


class Compiler:
    """Checks one parsed expression and rewrites it into guarded Python."""

    def __init__(self, names: frozenset[str], positions: Positions) -> None:
        self.names = names
        self.pos = positions
        self.bound: list[frozenset[str]] = []  # comprehension variables, innermost last
        self.references: list[FieldReference] = []
        self.used: set[str] = set()

    # -- helpers --

    def error(
        self, code: str, message: str, node: ast.AST | int, hint: str | None = None
    ) -> ExpressionError:
        offset = node if isinstance(node, int) else self.pos.of(node)
        return ExpressionError(code, message, offset, hint)

    def is_bound(self, name: str) -> bool:
        return any(name in scope for scope in self.bound)

    def visible(self) -> set[str]:
        found = set(self.names)
        for scope in self.bound:
            found |= scope
        return found

    def check_identifier(self, name: str, where: ast.AST | int) -> None:
        if not name.isascii():
            raise self.error(
                "WB301",
                f"name '{name}' contains non-ASCII characters; names must be plain ASCII",
                where,
            )
        if reserved(name):
            raise self.error(
                "WB301",
                f"'{name}' is not allowed: names starting or ending with '_' are reserved for Python internals",
                where,
            )

    def expr(self, node: ast.expr) -> ast.expr:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise self.forbidden(node)
        return handler(self, node)

    def forbidden(self, node: ast.AST) -> ExpressionError:
        messages: dict[type[ast.AST], str] = {
            ast.Lambda: "lambda functions are not allowed",
            ast.NamedExpr: "assignment expressions (:=) are not allowed",
            ast.Await: "'await' is not allowed",
            ast.Yield: "'yield' is not allowed",
            ast.YieldFrom: "'yield' is not allowed",
            ast.Starred: "'*' unpacking is only allowed inside list, tuple and set displays",
            ast.Slice: "a slice is only allowed directly inside [...]",
            ast.GeneratorExp: (
                "a generator expression can only be passed straight to sum(), min(), max(), any(), "
                "all(), sorted(), list(), set() or dict(); use a list comprehension [...] instead"
            ),
        }
        message = messages.get(type(node), f"{type(node).__name__} is not allowed in expressions")
        return self.error("WB301", message, node)

    # -- names and attributes --

    def name(self, node: ast.Name, record: bool = True) -> ast.expr:
        ident = node.id
        self.check_identifier(ident, node)
        if self.is_bound(ident):
            return _load(ident)
        if ident in self.names:
            self.used.add(ident)
            if record:
                self.references.append(FieldReference(ident, (), self.pos.of(node)))
            return _load(ident)
        if ident in HELPERS:
            raise self.error("WB301", f"'{ident}' is a function; call it, as in {ident}(...)", node)
        if ident in _BUILTIN_NAMES:
            raise self.error(
                "WB301", f"'{ident}' is not available in expressions", node, _helpers_hint()
            )
        raise self.error(
            "WB302", f"unknown name '{ident}'", node, did_you_mean(ident, self.visible())
        )

    def chain(self, node: ast.Attribute) -> FieldReference | None:
        attrs: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            attrs.append(current.attr)
            current = current.value
        if (
            isinstance(current, ast.Name)
            and current.id in self.names
            and not self.is_bound(current.id)
        ):
            return FieldReference(current.id, tuple(reversed(attrs)), self.pos.of(current))
        return None

    def attribute(self, node: ast.Attribute, record: bool = True) -> ast.expr:
        self.check_identifier(node.attr, self.pos.attr(node))
        if isinstance(node.value, ast.Constant):
            raise self.error(
                "WB301", f"cannot read attribute '{node.attr}' of a literal value", node
            )
        if record:
            reference = self.chain(node)
            if reference is not None:
                self.references.append(reference)
        if isinstance(node.value, ast.Attribute):
            value = self.attribute(node.value, record=False)
        elif isinstance(node.value, ast.Name):
            value = self.name(node.value, record=False)
        else:
            value = self.expr(node.value)
        return _call("_wb_attr", value, _const(node.attr), _const(_describe(node.value)))

    def subscript(self, node: ast.Subscript) -> ast.expr:
        value = self.expr(node.value)
        index = node.slice
        if isinstance(index, ast.Slice):
            parts = [
                self.expr(part) if part is not None else _const(None)
                for part in (index.lower, index.upper, index.step)
            ]
            return _call(
                "_wb_slice_item",
                _load(BUDGET),
                value,
                _call("_wb_slice", *parts),
                _const(_describe(node.value)),
            )
        if isinstance(index, ast.Tuple) and any(isinstance(e, ast.Slice) for e in index.elts):
            raise self.error("WB301", "multi-dimensional slices are not allowed", index)
        if (
            isinstance(index, ast.Constant)
            and isinstance(index.value, str)
            and reserved(index.value)
        ):
            raise self.error(
                "WB301",
                f"key {index.value!r} is not allowed: keys starting or ending with '_' are reserved",
                index,
            )
        key = self.expr(index)
        return _call("_wb_item", value, key, _const(_describe(node.value)))

    # -- literals and displays --

    def constant(self, node: ast.Constant) -> ast.expr:
        value = node.value
        if value is None or isinstance(value, bool | float):
            pass
        elif isinstance(value, int):
            if abs(value) > MAX_INT_LITERAL:
                raise self.error(
                    "WB304", "integer literal is too large (the limit is 10**18)", node
                )
        elif isinstance(value, str):
            if len(value) > MAX_STR_LITERAL:
                raise self.error(
                    "WB304",
                    f"string literal is too long (the limit is {MAX_STR_LITERAL:,} characters)",
                    node,
                )
        elif isinstance(value, complex):
            raise self.error("WB301", "complex numbers are not allowed", node)
        elif isinstance(value, bytes):
            raise self.error("WB301", "bytes literals are not allowed; use a string", node)
        else:
            raise self.error("WB301", f"{value!r} is not allowed in expressions", node)
        return _const(value)

    def elements(self, elts: list[ast.expr]) -> list[ast.expr]:
        result: list[ast.expr] = []
        for element in elts:
            if isinstance(element, ast.Starred):
                result.append(
                    ast.Starred(
                        value=_call("_wb_star", _load(BUDGET), self.expr(element.value)),
                        ctx=ast.Load(),
                    )
                )
            else:
                result.append(self.expr(element))
        return result

    def list_display(self, node: ast.List) -> ast.expr:
        return ast.List(elts=self.elements(node.elts), ctx=ast.Load())

    def tuple_display(self, node: ast.Tuple) -> ast.expr:
        return ast.Tuple(elts=self.elements(node.elts), ctx=ast.Load())

    def set_display(self, node: ast.Set) -> ast.expr:
        return _call("_wb_set", ast.Tuple(elts=self.elements(node.elts), ctx=ast.Load()))

    def membership_operand(self, node: ast.expr) -> ast.expr:
        """The right of ``in``: a set display there stays a native (constant) set."""
        if isinstance(node, ast.Set):
            return ast.Set(elts=self.elements(node.elts))
        return self.expr(node)

    def dict_display(self, node: ast.Dict) -> ast.expr:
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                keys.append(None)
                values.append(_call("_wb_dstar", _load(BUDGET), self.expr(value)))
            else:
                keys.append(self.expr(key))
                values.append(self.expr(value))
        return ast.Dict(keys=keys, values=values)

    def fstring(self, node: ast.JoinedStr) -> ast.expr:
        parts: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(self.constant(part))
            elif isinstance(part, ast.FormattedValue):
                if part.conversion != -1:
                    raise self.error(
                        "WB301",
                        "conversions such as {x!r} are not allowed in f-strings; write {x}",
                        part,
                    )
                if part.format_spec is not None:
                    raise self.error(
                        "WB301",
                        "format specifications such as {x:>10} are not allowed in f-strings",
                        part,
                        "write {x}, with round() or str() if needed",
                    )
                value = _call("_wb_fmt", _load(BUDGET), self.expr(part.value))
                parts.append(ast.FormattedValue(value=value, conversion=-1, format_spec=None))
            else:
                raise self.forbidden(part)
        return ast.JoinedStr(values=parts)

    # -- operators --

    def binop(self, node: ast.BinOp) -> ast.expr:
        op = type(node.op)
        if op is ast.MatMult:
            raise self.error("WB301", "'@' is not allowed", node)
        if op is ast.Mod and (
            isinstance(node.left, ast.JoinedStr)
            or (isinstance(node.left, ast.Constant) and isinstance(node.left.value, str))
        ):
            raise self.error(
                "WB301",
                "'%' formatting of strings is not allowed",
                node,
                'use an f-string such as f"{x}"',
            )
        self.static_limits(node)
        left = self.expr(node.left)
        right = self.expr(node.right)
        guard = _GUARDED_OPS.get(op)
        if guard is None:
            sized = _SIZED_OPS.get(op)
            if (
                sized is not None
                and self.bound
                and not isinstance(node.left, ast.Constant)
                and not isinstance(node.right, ast.Constant)
            ):
                return _call(sized, _load(BUDGET), left, right)
            return ast.BinOp(left=left, op=node.op, right=right)
        function, takes_budget = guard
        if takes_budget:
            return _call(function, _load(BUDGET), left, right)
        return _call(function, left, right)

    def static_limits(self, node: ast.BinOp) -> None:
        """Catch the obvious literal cases early; the guards check everything at run time."""
        right = node.right.value if isinstance(node.right, ast.Constant) else None
        left = node.left.value if isinstance(node.left, ast.Constant) else None
        if (
            isinstance(node.op, ast.Pow)
            and isinstance(right, int | float)
            and abs(right) > MAX_EXPONENT
        ):
            raise self.error(
                "WB304", f"exponent {right} is too large (the limit is {MAX_EXPONENT})", node.right
            )
        if isinstance(node.op, ast.LShift) and isinstance(right, int) and right > MAX_INT_BITS:
            raise self.error(
                "WB304",
                f"shift by {right} is too large (the limit is {MAX_INT_BITS:,})",
                node.right,
            )
        if isinstance(node.op, ast.Mult):
            for seq, times in ((node.left, right), (node.right, left)):
                length = _literal_length(seq)
                if (
                    length
                    and isinstance(times, int)
                    and not isinstance(times, bool)
                    and length * times > MAX_REPEAT
                ):
                    raise self.error(
                        "WB304",
                        f"repetition would build {length * times:,} elements (the limit is {MAX_REPEAT:,})",
                        node,
                    )

    def unaryop(self, node: ast.UnaryOp) -> ast.expr:
        return ast.UnaryOp(op=node.op, operand=self.expr(node.operand))

    def boolop(self, node: ast.BoolOp) -> ast.expr:
        return ast.BoolOp(op=node.op, values=[self.expr(v) for v in node.values])

    def compare(self, node: ast.Compare) -> ast.expr:
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            if isinstance(op, ast.Is | ast.IsNot) and not (
                _is_none(operands[index]) or _is_none(operands[index + 1])
            ):
                raise self.error(
                    "WB301",
                    "'is' can only compare with None, as in 'x is None'",
                    operands[index],
                    "use == to compare values",
                )
        compiled = [self.expr(node.left)]
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                compiled.append(self.membership_operand(comparator))
            else:
                compiled.append(self.expr(comparator))
        guarded = self.bound and any(
            _needs_guard(op, operands[index], operands[index + 1])
            for index, op in enumerate(node.ops)
        )
        if not guarded:
            return ast.Compare(left=compiled[0], ops=node.ops, comparators=compiled[1:])
        names = [type(op).__name__ for op in node.ops]
        if len(names) == 1:
            return _call(f"_wb_cmp_{names[0]}", _load(BUDGET), compiled[0], compiled[1])
        # A chain evaluates each later operand only if the comparisons before it held.
        thunks = [
            ast.Lambda(
                args=ast.arguments(
                    posonlyargs=[],
                    args=[],
                    vararg=None,
                    kwonlyargs=[],
                    kw_defaults=[],
                    kwarg=None,
                    defaults=[],
                ),
                body=operand,
            )
            for operand in compiled[1:]
        ]
        return _call(
            "_wb_chain",
            _load(BUDGET),
            ast.Tuple(elts=[_const(name) for name in names], ctx=ast.Load()),
            compiled[0],
            *thunks,
        )

    def ifexp(self, node: ast.IfExp) -> ast.expr:
        return ast.IfExp(
            test=self.expr(node.test), body=self.expr(node.body), orelse=self.expr(node.orelse)
        )

    # -- calls --

    def call(self, node: ast.Call) -> ast.expr:
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
            self.check_identifier(name, func)
            if name in HELPERS:
                return self.helper_call(node, name)
            if name in self.names or self.is_bound(name):
                raise self.error(
                    "WB301", f"'{name}' is a value, not a function", func, _helpers_hint()
                )
            if name in _BUILTIN_NAMES:
                raise self.error("WB301", f"calling '{name}' is not allowed", func, _helpers_hint())
            raise self.error(
                "WB302",
                f"unknown function '{name}'",
                func,
                did_you_mean(name, HELPERS) or _helpers_hint(),
            )
        if isinstance(func, ast.Attribute):
            return self.method_call(node, func)
        if type(func) not in _HANDLERS:
            raise self.forbidden(func)
        raise self.error(
            "WB301",
            "only helper functions and methods such as .get() can be called",
            node,
            _helpers_hint(),
        )

    def plain_arguments(self, node: ast.Call, what: str) -> None:
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(
                    "WB301", f"'*' arguments are not allowed; pass the list itself to {what}", arg
                )
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.error(
                    "WB301", f"'**' arguments are not allowed in {what}", keyword.value
                )

    def helper_call(self, node: ast.Call, name: str) -> ast.expr:
        _, low, high, keywords = HELPERS[name]
        self.plain_arguments(node, f"{name}()")
        for keyword in node.keywords:
            assert keyword.arg is not None
            if keyword.arg not in keywords:
                hint = (
                    f"{name}() accepts {', '.join(k + '=' for k in sorted(keywords))}"
                    if keywords
                    else None
                )
                if name == "sorted" and keyword.arg == "key":
                    hint = "sorted() accepts only reverse=; key functions need lambdas, which are not allowed"
                raise self.error(
                    "WB301",
                    f"{name}() takes no keyword argument '{keyword.arg}'",
                    keyword.value,
                    hint,
                )
        count = len(node.args)
        if count < low or (high is not None and count > high):
            raise self.error("WB305", f"{name}() takes {_arity(low, high)}, got {count}", node)
        args: list[ast.expr] = [_load(BUDGET)]
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.GeneratorExp) and index == 0 and name in GENERATOR_HELPERS:
                args.append(self.comprehension(arg))
            else:
                args.append(self.expr(arg))
        new_keywords = [ast.keyword(arg=k.arg, value=self.expr(k.value)) for k in node.keywords]
        return ast.Call(func=_load(f"_wb_h_{name}"), args=args, keywords=new_keywords)

    def method_call(self, node: ast.Call, func: ast.Attribute) -> ast.expr:
        method = func.attr
        self.check_identifier(method, self.pos.attr(func))
        if method not in METHOD_ARITY:
            hint = _METHOD_HINTS.get(method, f"allowed methods: {', '.join(sorted(METHOD_ARITY))}")
            raise self.error(
                "WB301", f"method '{method}' is not allowed", self.pos.attr(func), hint
            )
        self.plain_arguments(node, f".{method}()")
        if node.keywords:
            raise self.error(
                "WB301", f".{method}() takes no keyword arguments", node.keywords[0].value
            )
        low, high = METHOD_ARITY[method]
        if not low <= len(node.args) <= high:
            raise self.error(
                "WB305", f".{method}() takes {_arity(low, high)}, got {len(node.args)}", node
            )
        receiver = self.expr(func.value)
        args = [self.expr(arg) for arg in node.args]
        return _call(
            "_wb_call",
            _load(BUDGET),
            receiver,
            _const(method),
            _const(_describe(func.value)),
            *args,
        )

    # -- comprehensions --

    def target(self, node: ast.expr) -> ast.expr:
        """Comprehension targets: names or (nested) tuples of names, nothing else."""
        if isinstance(node, ast.Name):
            self.check_identifier(node.id, node)
            return ast.Name(id=node.id, ctx=ast.Store())
        if isinstance(node, ast.Tuple | ast.List):
            return ast.Tuple(elts=[self.target(e) for e in node.elts], ctx=ast.Store())
        raise self.error(
            "WB301", "a comprehension can only assign to plain names, as in 'for k, v in ...'", node
        )

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> ast.expr:
        generators: list[ast.comprehension] = []
        depth = len(self.bound)
        for generator in node.generators:
            if generator.is_async:
                raise self.error("WB301", "'async for' is not allowed", generator.iter)
            iterable = _call("_wb_iter", _load(BUDGET), self.expr(generator.iter))
            target = self.target(generator.target)
            self.bound.append(frozenset(n.id for n in ast.walk(target) if isinstance(n, ast.Name)))
            conditions = [self.expr(c) for c in generator.ifs]
            generators.append(
                ast.comprehension(target=target, iter=iterable, ifs=conditions, is_async=0)
            )
        result: ast.expr
        if isinstance(node, ast.DictComp):
            key = _call("_wb_elt", _load(BUDGET), self.expr(node.key))
            value = _call("_wb_elt", _load(BUDGET), self.expr(node.value))
            result = ast.DictComp(key=key, value=value, generators=generators)
        elif isinstance(node, ast.SetComp):
            element = _call("_wb_elt", _load(BUDGET), self.expr(node.elt))
            result = _call("_wb_set", ast.ListComp(elt=element, generators=generators))
        else:
            element = _call("_wb_elt", _load(BUDGET), self.expr(node.elt))
            kind = ast.ListComp if isinstance(node, ast.ListComp) else ast.GeneratorExp
            result = kind(elt=element, generators=generators)
        del self.bound[depth:]
        return result

    def list_comprehension(self, node: ast.ListComp) -> ast.expr:
        return self.comprehension(node)

    def set_comprehension(self, node: ast.SetComp) -> ast.expr:
        return self.comprehension(node)

    def dict_comprehension(self, node: ast.DictComp) -> ast.expr:
        return self.comprehension(node)


def _literal_length(node: ast.expr) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return len(node.value)
    if isinstance(node, ast.List | ast.Tuple):
        return len(node.elts)
    return 0


def _helpers_hint() -> str:
    return f"available functions: {', '.join(sorted(HELPERS))}"


_HANDLERS: dict[type[ast.AST], Callable[[Compiler, Any], ast.expr]] = {
    ast.Name: Compiler.name,
    ast.Attribute: Compiler.attribute,
    ast.Subscript: Compiler.subscript,
    ast.Constant: Compiler.constant,
    ast.List: Compiler.list_display,
    ast.Tuple: Compiler.tuple_display,
    ast.Set: Compiler.set_display,
    ast.Dict: Compiler.dict_display,
    ast.JoinedStr: Compiler.fstring,
    ast.BinOp: Compiler.binop,
    ast.UnaryOp: Compiler.unaryop,
    ast.BoolOp: Compiler.boolop,
    ast.Compare: Compiler.compare,
    ast.IfExp: Compiler.ifexp,
    ast.Call: Compiler.call,
    ast.ListComp: Compiler.list_comprehension,
    ast.SetComp: Compiler.set_comprehension,
    ast.DictComp: Compiler.dict_comprehension,
}


def build(source: str, names: frozenset[str]) -> Program:
    """Parse, check and compile ``source``; raises :class:`ExpressionError`."""
    tree, positions = parse(source)
    measure(tree, positions)
    check_ascii_names(positions.text, positions)
    compiler = Compiler(names, positions)
    body = compiler.expr(tree.body)
    params = tuple(sorted(compiler.used))
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=BUDGET), *(ast.arg(arg=p) for p in params)],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    wrapper = ast.Expression(body=ast.Lambda(args=arguments, body=body))
    ast.fix_missing_locations(wrapper)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(wrapper, "<expression>", "eval")
    except (
        SyntaxError,
        ValueError,
        RecursionError,
        MemoryError,
    ) as error:  # pragma: no cover - defensive
        raise ExpressionError(
            "WB300", f"expression cannot be compiled: {error}", positions.lead
        ) from None
    # Evaluating the code only *creates* the function; no user code runs here.
    function = eval(code, GLOBALS)
    references = tuple(sorted(compiler.references, key=lambda r: (r.offset, r.path)))
    return Program(tree, positions, names, function, params, references)
