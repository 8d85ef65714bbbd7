"""Diagnostics: what the loader and the validator tell the user.

Every finding has a *stable* code (``WB###``) so CI scripts and editors can filter on
it, a location (file, line, column; 1-based, as editors count), a message and,
where one helps, a hint such as "did you mean 'BookLent'?".

Code ranges (add new codes to :data:`CODES`, never renumber):

* ``WB0xx`` reading the file: encoding, size, YAML syntax, hostile YAML.
* ``WB1xx`` the shape of the document: unknown keys, wrong types, bad type names.
* ``WB2xx`` references between elements and duplicate names.
* ``WB3xx`` expressions.
* ``WB4xx`` consistency of commands, events, state and versions.
* ``WB5xx`` scenarios.
* ``WB6xx`` blueprint, completeness and flow (slices, unused events, cycles).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    """How bad a finding is; ``--strict`` treats warnings as errors."""

    ERROR = "error"
    WARNING = "warning"


#: Every diagnostic code with a one-line title. Stable: codes are never reused.
CODES: dict[str, str] = {
    # reading the file
    "WB001": "file cannot be read",
    "WB002": "file is not UTF-8 text",
    "WB003": "file is empty",
    "WB004": "file is too large",
    "WB005": "YAML syntax error",
    "WB006": "duplicate key",
    "WB007": "YAML anchors and aliases are not allowed",
    "WB008": "tab character in indentation",
    "WB009": "document nested too deeply",
    "WB010": "document is not a mapping",
    "WB011": "unsupported format version",
    "WB012": "YAML tag not allowed",
    "WB013": "mapping key is not a plain value",
    # shape of the document
    "WB100": "unknown key",
    "WB101": "wrong type of value",
    "WB102": "missing required key",
    "WB103": "invalid type expression",
    "WB104": "invalid value",
    # references and names
    "WB200": "unknown aggregate",
    "WB201": "unknown event",
    "WB202": "unknown command",
    "WB203": "unknown projection",
    "WB204": "unknown type",
    "WB205": "duplicate name",
    "WB206": "unknown policy",
    "WB207": "unknown screen",
    "WB208": "unknown role",
    "WB209": "unknown external system",
    "WB210": "unknown bounded context",
    "WB211": "unknown error name",
    "WB212": "unknown field",
    # expressions
    "WB300": "expression syntax error",
    "WB301": "construct not allowed in expressions",
    "WB302": "unknown name in expression",
    "WB303": "unknown field in expression",
    "WB304": "expression too large",
    "WB305": "expression type mismatch",
    # consistency
    "WB400": "emitted event is missing fields",
    "WB401": "emitted event sets unknown fields",
    "WB402": "evolve sets an unknown state field",
    "WB403": "default does not match the field type",
    "WB404": "command lacks the aggregate id field",
    "WB405": "event changed without a version bump",
    "WB406": "event history is inconsistent",
    "WB407": "upcast is incomplete",
    "WB408": "projection handler sets unknown fields",
    "WB409": "policy issues a command with missing or unknown fields",
    "WB410": "deprecated element still in use",
    # scenarios
    "WB500": "scenario has an invalid shape",
    "WB501": "scenario value does not match the field type",
    "WB502": "scenario names an unknown field",
    "WB503": "scenario expects an error the command cannot raise",
    "WB504": "duplicate scenario name",
    "WB505": "scenario step is missing required fields",
    "WB506": "scenario time is not an ISO date or date-time",
    "WB507": "scenario checks a state its issued commands would change, before they run",
    # blueprint, completeness and flow
    "WB600": "slice names an unknown element",
    "WB601": "event is never emitted",
    "WB602": "event is never consumed",
    "WB603": "read-model field cannot be traced to an event",
    "WB604": "event field cannot be traced to a command field or expression",
    "WB605": "policy cycle",
    "WB606": "element not on any slice",
    "WB607": "command is never issued",
}


@dataclass(frozen=True, order=True)
class Location:
    """A place in a model file; ``line`` and ``column`` are 1-based, 0 means unknown."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a model file."""

    code: str
    message: str
    location: Location
    severity: Severity = Severity.ERROR
    hint: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered diagnostic code {self.code}")

    def render(self) -> str:
        """Format as ``file:line:col: error WB201: message (hint)`` for terminals and CI logs."""
        text = f"{self.location}: {self.severity.value} {self.code}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def as_json(self) -> dict[str, object]:
        """The stable JSON shape used by ``--format json``; unknown line/column are null."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": self.location.file,
            "line": self.location.line or None,
            "column": self.location.column or None,
        }


@dataclass
class DiagnosticList:
    """An ordered collection of diagnostics with helpers for the common questions."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in file order, so output reads top to bottom like the file."""
        return sorted(self.items, key=lambda d: (d.location, d.code, d.message))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """Suggest the closest candidate, as in "did you mean 'BookLent'?", or ``None``.

    >>> did_you_mean("BookLend", ["BookLent", "BookReturned"])
    "did you mean 'BookLent'?"
    """
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        if name.lower() in lowered:
            matches = [lowered[name.lower()]]
    return f"did you mean '{matches[0]}'?" if matches else None
