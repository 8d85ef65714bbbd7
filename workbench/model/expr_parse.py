"""Reading expression source safely: limits, parsing, positions and the first checks.

Everything here can only *reject* input, and does so before any recursive code runs:

1. cheap text checks (length, NUL characters) before the parser sees anything;
2. ``ast.parse(mode="eval")``, whose SyntaxError, RecursionError and MemoryError on
   hostile input become :class:`ExpressionError` (WB300/WB304);
3. an iterative pass that counts nodes and measures depth, so the recursive passes
   after it (and CPython's own compiler) only ever see small, shallow trees;
4. a token scan that refuses non-ASCII identifiers, which Python would otherwise fold
   silently (``ｃommand`` is ``command`` after NFKC normalisation).

Offsets are 0-based *character* offsets into the original source, because the
validator adds them to the column of the YAML scalar; ``ast`` reports UTF-8 byte
columns, which :class:`Positions` converts.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass

MAX_SOURCE = 4_000
MAX_NODES = 400
MAX_DEPTH = 30

_NOT_COUNTED = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


class ExpressionError(Exception):
    """An expression that cannot be accepted; found before it ever runs.

    ``code`` is the diagnostic code (WB300-WB305), ``offset`` the 0-based character
    position in the source where the problem starts, ``hint`` an optional suggestion.
    """

    def __init__(self, code: str, message: str, offset: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.code} at offset {self.offset}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def __repr__(self) -> str:
        return f"ExpressionError({self.code!r}, {self.message!r}, {self.offset!r}, {self.hint!r})"


@dataclass(frozen=True)
class FieldReference:
    """A root name and the attribute chain read from it: ``command.book_id``."""

    root: str
    path: tuple[str, ...]
    offset: int


class Positions:
    """Maps AST positions (1-based line, UTF-8 *byte* column) to character offsets."""

    def __init__(self, text: str, lead: int) -> None:
        self.text = text
        self.lead = lead
        self.lines = re.split(r"\r\n|\r|\n", text)
        self.starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]

    def char(self, lineno: int, col: int, *, byte_col: bool = True) -> int:
        if lineno < 1 or lineno > len(self.lines):
            return self.lead + len(self.text)
        line = self.lines[lineno - 1]
        if byte_col and not line.isascii():
            col = len(line.encode("utf-8")[: max(col, 0)].decode("utf-8", "ignore"))
        col = min(max(col, 0), len(line))
        return self.lead + self.starts[lineno - 1] + col

    def of(self, node: ast.AST) -> int:
        return self.char(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))

    def end_of(self, node: ast.AST) -> int:
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        if end_line is None or end_col is None:
            return self.of(node)
        return self.char(end_line, end_col)

    def attr(self, node: ast.Attribute) -> int:
        """Where the attribute name itself starts (the end minus its length)."""
        return max(self.of(node), self.end_of(node) - len(node.attr))


def parse(source: str) -> tuple[ast.Expression, Positions]:
    """Parse with every failure mode of the parser turned into an ExpressionError."""
    if not isinstance(source, str):
        raise ExpressionError("WB300", f"an expression must be text, not {type(source).__name__}")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(
            "WB304",
            f"expression is too long ({len(source):,} characters; the limit is {MAX_SOURCE:,})",
            MAX_SOURCE,
        )
    nul = source.find("\0")
    if nul >= 0:
        raise ExpressionError("WB300", "expression contains a NUL character", nul)
    text = source.lstrip(" \t\r\n\f")
    lead = len(source) - len(text)
    text = text.rstrip(" \t\r\n\f")
    if not text:
        raise ExpressionError("WB300", "empty expression", 0)
    positions = Positions(text, lead)
    try:
        with warnings.catch_warnings():
            # e.g. "invalid decimal literal" for '1if x else 2': not the user's console's business
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, text, positions) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("WB304", "expression is nested too deeply to parse", lead) from None
    except ValueError as error:  # e.g. source the tokenizer cannot decode
        raise ExpressionError("WB300", f"expression cannot be read: {error}", lead) from None
    return tree, positions


def _syntax_error(error: SyntaxError, text: str, positions: Positions) -> ExpressionError:
    message = error.msg or "invalid syntax"
    if error.lineno and error.offset and error.offset > 0:
        offset = positions.char(error.lineno, error.offset - 1, byte_col=False)
    else:
        offset = positions.lead + len(text)
    if "too many nested" in message or "too complex" in message:
        return ExpressionError("WB304", f"expression is nested too deeply ({message})", offset)
    statement = _statement_kind(text)
    if statement:
        return ExpressionError(
            "WB301",
            f"{statement} is not allowed: write a single expression",
            positions.lead,
            hint=_statement_hint(statement),
        )
    return ExpressionError("WB300", f"syntax error: {message}", offset)


def _statement_kind(text: str) -> str | None:
    """Name the statement when the text parses as one (``import os``, ``x = 1``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = ast.parse(text, mode="exec")
    except Exception:
        return None
    if not module.body:
        return None
    first = module.body[0]
    if isinstance(first, ast.Expr):
        return "'yield'" if isinstance(first.value, ast.Yield | ast.YieldFrom) else None
    kind = type(first).__name__
    names = {
        "Import": "an import",
        "ImportFrom": "an import",
        "Assign": "an assignment",
        "AugAssign": "an assignment",
    }
    return names.get(kind, f"a statement ({kind.lower()})")


def _statement_hint(statement: str) -> str | None:
    return "use == to compare values" if statement == "an assignment" else None


def measure(tree: ast.Expression, positions: Positions) -> None:
    """Reject trees with too many nodes or too deep nesting, without recursion."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                "WB304",
                f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
                positions.of(node),
            )
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(
                "WB304",
                f"expression is too large (more than {MAX_NODES} parts); split it up",
                positions.lead,
            )
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _NOT_COUNTED):
                stack.append((child, depth + 1))


def check_ascii_names(text: str, positions: Positions) -> None:
    """Refuse non-ASCII identifiers such as ``ｃommand`` with their exact position.

    Python folds identifiers with NFKC before we see them, so the AST alone cannot tell
    ``ｃommand`` from ``command``; the tokens can.  (Names that stay non-ASCII after
    folding are refused again in the AST pass, which also covers f-strings.)
    """
    if text.isascii():
        return
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and not token.string.isascii():
                line, col = token.start
                raise ExpressionError(
                    "WB301",
                    f"name '{token.string}' contains non-ASCII characters; names must be plain ASCII",
                    positions.char(line, col, byte_col=False),
                )
    except (tokenize.TokenError, SyntaxError, ValueError):
        return
