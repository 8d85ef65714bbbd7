"""Printing diagnostics for people (coloured on a terminal, plain otherwise) and for tools (JSON)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from workbench.model.diagnostics import Diagnostic, Severity
from workbench.model.loader import LoadedModel

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


#: ``--format text|json``, as the commands that print a report for people or tools take it.
TEXT_OR_JSON = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


def source_lines(path: str | Path, loaded: LoadedModel | None = None) -> list[str] | None:
    """The lines of a model file, to show under its diagnostics: from the loaded
    document when there is one (no second read), else from the file itself."""
    if loaded is not None and loaded.document is not None:
        return loaded.document.text.splitlines()
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def echo_diagnostics(diagnostics: Iterable[Diagnostic], lines: Sequence[str] | None) -> None:
    for diagnostic in diagnostics:
        echo_diagnostic(diagnostic, lines)


def exit_bad_input(message: str) -> NoReturn:
    """Say on stderr why the command cannot go on (bad usage, a file it cannot use), and
    exit 2."""
    click.echo(message, err=True)
    sys.exit(2)


def exit_unusable_model(
    path: Path, loaded: LoadedModel, doing: str, *, err: bool = False
) -> NoReturn:
    """Say that ``path`` cannot be ``doing`` (explored, simulated), show its errors (its
    other diagnostics if it has no error), and exit 2."""
    click.echo(click.style(f"{path}: cannot {doing} this model", fg="red", bold=True), err=err)
    echo_diagnostics(
        loaded.diagnostics.errors or list(loaded.diagnostics), source_lines(path, loaded)
    )
    sys.exit(2)


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False))


def plural(count: int, word: str) -> str:
    """``plural(1, "error")`` -> "1 error"; ``plural(2, "error")`` -> "2 errors"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
