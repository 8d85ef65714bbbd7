"""The sandboxed expression language used for rules, emitted fields, evolve and projections.

Expressions are a small, safe subset of Python *expression* syntax::

    state.balance - command.amount >= -state.overdraft_limit
    [m for m in state.reserved_by if m != event.member_id]
    today() + timedelta(days=LOAN_DAYS)

Why Python syntax: modellers already half-know it, ``ast`` parses it for free and
editors highlight it.  Why a sandbox: models are shared files, and ``eval`` of a string
from a file must never reach the file system, Python internals, or eat the machine.

How it runs (see :mod:`workbench.model.expr_compile` and
:mod:`workbench.model.expr_runtime`): the source is parsed once, checked against a
whitelist of node types, names, helpers and methods, and rewritten so that attribute
reads, subscripts, method calls and the size-sensitive operators (``+ * ** << %``) call
small guard functions.  The result is wrapped in a ``lambda`` over the root names and
compiled **once** to a CPython code object.  Evaluating is a single call of that
function with an empty ``__builtins__``, so a typical rule costs a microsecond or two,
not the tens of microseconds of a tree-walking interpreter.  Compiled expressions are
cached by ``(source, names)`` because models repeat the same expressions everywhere.

Errors come in two kinds: :class:`ExpressionError` (compile/check time, with a WB3xx
code and a character offset for the validator) and :class:`EvaluationError` (run
time: missing fields, bad operands, limits).  Nothing else escapes ``evaluate``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.model.expr_compile import Program, build
from workbench.model.expr_helpers import HELPERS
from workbench.model.expr_parse import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_SOURCE,
    ExpressionError,
    FieldReference,
)
from workbench.model.expr_runtime import METHOD_ARITY, Budget, EvaluationError, describe_exception
from workbench.model.expr_types import TypeScope, check_expression, infer_type

__all__ = [
    "HELPERS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_SOURCE",
    "METHOD_ARITY",
    "CompiledExpression",
    "EvaluationError",
    "ExpressionError",
    "FieldReference",
    "TypeScope",
    "check_expression",
    "compile_expression",
    "infer_type",
]


@dataclass(frozen=True)
class CompiledExpression:
    """A checked, compiled expression; immutable and shared through the cache.

    ``references`` lists every root name used and the attribute chain read from it,
    in source order, so the validator and the flow analysis need not re-parse.
    """

    source: str
    references: tuple[FieldReference, ...]
    program: Program | None = field(default=None, compare=False, repr=False)

    @property
    def roots(self) -> frozenset[str]:
        """The root names the expression actually uses (what ``env`` must provide)."""
        return frozenset(self.program.params) if self.program else frozenset()

    def evaluate(self, env: Mapping[str, Any], *, now: dt.datetime | None = None) -> Any:
        """Evaluate with ``env`` giving the roots; ``now`` is the simulated clock for ``now()``.

        Raises :class:`EvaluationError` for every run-time problem and nothing else.
        """
        program = self.program
        if program is None:
            raise EvaluationError("expression was not compiled")
        try:
            args = [env[name] for name in program.params]
        except KeyError as missing:
            raise EvaluationError(f"no value for {missing.args[0]!r} in this context") from None
        except Exception as error:
            raise EvaluationError(describe_exception(error)) from error
        try:
            return program.function(Budget(now), *args)
        except EvaluationError:
            raise
        except Exception as error:
            raise EvaluationError(describe_exception(error)) from error


def compile_expression(source: str, names: Collection[str]) -> CompiledExpression:
    """Check and compile ``source``; ``names`` are the root names allowed in its context.

    Raises :class:`ExpressionError` (WB300-WB305).  Results are cached: the same source
    with the same names gives the same object.
    """
    if not isinstance(source, str):
        raise ExpressionError("WB300", f"an expression must be text, not {type(source).__name__}")
    key = names if isinstance(names, frozenset) else frozenset(names)
    return _compile_cached(source, key)


@functools.lru_cache(maxsize=8192)
def _compile_cached(source: str, names: frozenset[str]) -> CompiledExpression:
    program = build(source, names)
    return CompiledExpression(source, program.references, program)
