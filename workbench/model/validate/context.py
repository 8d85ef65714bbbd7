"""Shared state of one validation pass: the model, where things are, compiled expressions.

Each check module is a function ``check(ctx)`` that reports through
:meth:`ValidationContext.report`; keeping locations and the expression cache here means
the checks stay small and read like the rules they enforce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from workbench.model.diagnostics import Diagnostic, Location, Severity
from workbench.model.expressions import (
    CompiledExpression,
    ExpressionError,
    TypeScope,
    check_expression,
    compile_expression,
)
from workbench.model.schema import Fields, Model
from workbench.model.types import ANY, TypeRef, TypeSyntaxError, parse_type
from workbench.model.yamlio import YamlDocument, YamlPath


@dataclass
class ValidationContext:
    """Everything a check needs, plus the list it reports into."""

    model: Model
    document: YamlDocument | None
    filename: str = "<model>"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _compiled: dict[tuple[str, frozenset[str]], CompiledExpression | None] = field(
        default_factory=dict
    )

    # -- reporting -----------------------------------------------------------

    def location(self, path: YamlPath, *, key: bool = False, offset: int = 0) -> Location:
        """Where ``path`` is in the file; ``offset`` moves into an expression's text."""
        if self.document is None:
            return Location(self.filename)
        location = self.document.location(path, key=key)
        if offset and location.line and not key:
            column = location.column + offset + self._quote_width(path)
            return Location(location.file, location.line, column)
        return location

    def _quote_width(self, path: YamlPath) -> int:
        """1 when the scalar at ``path`` is written in quotes, so offsets land on the right column."""
        if self.document is None:
            return 0
        try:
            start, _ = self.document.value_span(path)
        except Exception:
            return 0
        return 1 if self.document.text[start : start + 1] in {"'", '"'} else 0

    def report(
        self,
        code: str,
        message: str,
        path: YamlPath,
        *,
        severity: Severity = Severity.ERROR,
        hint: str | None = None,
        key: bool = False,
        offset: int = 0,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(code, message, self.location(path, key=key, offset=offset), severity, hint)
        )

    def warn(
        self, code: str, message: str, path: YamlPath, *, hint: str | None = None, key: bool = False
    ) -> None:
        self.report(code, message, path, severity=Severity.WARNING, hint=hint, key=key)

    # -- types ---------------------------------------------------------------

    @cached_property
    def enums(self) -> dict[str, tuple[str, ...]]:
        return self.model.enums()

    @cached_property
    def record_types(self) -> dict[str, dict[str, TypeRef]]:
        return {name: self.field_types(fields) for name, fields in self.model.records().items()}

    def field_type(self, text: str) -> TypeRef:
        """The parsed type, or ANY when it does not parse (that is reported once, elsewhere)."""
        try:
            return parse_type(text)
        except TypeSyntaxError:
            return ANY

    def field_types(self, fields: Fields) -> dict[str, TypeRef]:
        return {name: self.field_type(spec.type) for name, spec in fields.items()}

    # -- expressions ---------------------------------------------------------

    def scope(self, roots: Mapping[str, Mapping[str, TypeRef] | TypeRef]) -> TypeScope:
        """A type scope with anonymous records for ``command``/``state``/``event``/``row``.

        Constants are always in scope, typed from their declared type or their value.
        """
        records: dict[str, Mapping[str, TypeRef]] = dict(self.record_types)
        root_types: dict[str, TypeRef] = {}
        for name, value in roots.items():
            if isinstance(value, TypeRef):
                root_types[name] = value
            else:
                record_name = f"<{name}>"
                records[record_name] = dict(value)
                root_types[name] = TypeRef("named", record_name)
        for name, constant in self.model.constants.items():
            root_types.setdefault(name, self.field_type(constant.type) if constant.type else ANY)
        return TypeScope(roots=root_types, records=records, enums=self.enums)

    def expression(
        self,
        source: str,
        path: YamlPath,
        scope: TypeScope,
        *,
        expected: TypeRef | None = None,
        what: str = "expression",
    ) -> CompiledExpression | None:
        """Compile and check one expression, reporting problems at its location.

        Returns the compiled expression, or ``None`` when it does not compile.
        """
        names = frozenset(scope.roots)
        try:
            compiled = compile_expression(source, names)
        except ExpressionError as error:
            self.report(
                error.code, f"{what}: {error.message}", path, hint=error.hint, offset=error.offset
            )
            return None
        for problem in check_expression(compiled, scope):
            self.report(
                problem.code,
                f"{what}: {problem.message}",
                path,
                hint=problem.hint,
                offset=problem.offset,
            )
        if expected is not None:
            self.check_assignable(compiled, scope, expected, path, what)
        return compiled

    def check_assignable(
        self,
        compiled: CompiledExpression,
        scope: TypeScope,
        expected: TypeRef,
        path: YamlPath,
        what: str,
    ) -> None:
        from workbench.model.expressions import infer_type
        from workbench.model.types import is_assignable

        actual = infer_type(compiled, scope)
        if self._is_enum(expected) and actual.kind == "primitive" and actual.name == "str":
            return  # a text value for an enum field is checked against the values at run time
        if not is_assignable(actual, expected):
            self.report(
                "WB305",
                f"{what}: gives {actual} but {expected} is expected",
                path,
            )

    def _is_enum(self, type_ref: TypeRef) -> bool:
        if type_ref.kind == "optional":
            type_ref = type_ref.args[0]
        return type_ref.kind == "named" and type_ref.name in self.enums
