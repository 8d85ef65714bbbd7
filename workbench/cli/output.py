"""Printing diagnostics for people (coloured on a terminal, plain otherwise) and for tools (JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from workbench.model.diagnostics import Diagnostic, Severity

_SEVERITY_COLOUR = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


def echo_diagnostic(diagnostic: Diagnostic, source_lines: Sequence[str] | None = None) -> None:
    """Print ``file:line:col: error WB201: message (hint)`` and, when known, the source line with a caret."""
    location = click.style(str(diagnostic.location), bold=True)
    severity = click.style(
        f"{diagnostic.severity.value} {diagnostic.code}",
        fg=_SEVERITY_COLOUR[diagnostic.severity],
        bold=True,
    )
    click.echo(f"{location}: {severity}: {diagnostic.message}")
    line = diagnostic.location.line
    if source_lines and 0 < line <= len(source_lines):
        text = source_lines[line - 1].rstrip("\n")
        if len(text) <= 200:
            gutter = f"{line:>5} | "
            click.echo(click.style(gutter, dim=True) + text)
            if diagnostic.location.column:
                caret_at = len(gutter) + diagnostic.location.column - 1
                click.echo(
                    " " * caret_at
                    + click.style("^", fg=_SEVERITY_COLOUR[diagnostic.severity], bold=True)
                )
    if diagnostic.hint:
        click.echo(click.style("      hint: ", fg="cyan") + diagnostic.hint)


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False))


def plural(count: int, word: str) -> str:
    """``plural(1, "error")`` -> "1 error"; ``plural(2, "error")`` -> "2 errors"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
