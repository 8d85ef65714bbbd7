"""Commands about model files: ``validate``, ``fmt``, ``new`` and ``model-schema``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from workbench.cli.output import TEXT_OR_JSON, echo_diagnostic, echo_json, plural
from workbench.model.atomic import write_atomic
from workbench.model.baseline import load_baseline
from workbench.model.diagnostics import Diagnostic, Severity
from workbench.model.json_schema import model_json_schema_text
from workbench.model.loader import LoadedModel, load_model, load_model_text
from workbench.model.schema import Model
from workbench.model.starter import SCHEMA_FILENAME, starter_model_text
from workbench.model.yamlio import DocumentError, format_text, read_document

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2


def model_summary(model: Model) -> dict[str, int]:
    """Counts of each kind of element, for the one-line summary after validation."""
    return {
        "aggregates": len(model.aggregates),
        "commands": len(model.commands),
        "events": len(model.events),
        "read models": len(model.projections),
        "policies": len(model.policies) + len(model.translations),
        "slices": len(model.slices),
        "scenarios": len(model.scenarios),
    }


_SINGULAR = {
    "aggregates": "aggregate",
    "commands": "command",
    "events": "event",
    "read models": "read model",
    "policies": "policy",
    "slices": "slice",
    "scenarios": "scenario",
}


def _is_unreadable(loaded: LoadedModel) -> bool:
    """No model could be built: the file is not a readable model document (exit 2)."""
    return loaded.model is None


@click.command("validate")
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@TEXT_OR_JSON
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems and the closing count.")
@click.option(
    "--against",
    metavar="REF",
    help="Also check that events changed since git revision REF bumped their version (e.g. origin/main).",
)
def validate_command(
    models: tuple[Path, ...], output_format: str, strict: bool, quiet: bool, against: str | None
) -> None:
    """Check model files and report problems with file:line:column.

    Exit 0 when fine, 1 when problems were found, 2 when a file cannot be read as a model
    (not YAML, or keys and values of the wrong shape). MODEL may be '-' for standard input.
    """
    results = [_load_with_baseline(path, against) for path in models]
    errors = sum(len(r.diagnostics.errors) for r in results)
    warnings = sum(len(r.diagnostics.warnings) for r in results)
    unreadable = any(_is_unreadable(r) for r in results)
    if output_format == "json":
        echo_json(
            {
                "files": [
                    {
                        "file": r.filename,
                        "ok": r.ok and not (strict and r.diagnostics.warnings),
                        "model": r.model.name if r.model else None,
                        "summary": model_summary(r.model) if r.model else None,
                        "diagnostics": [d.as_json() for d in r.diagnostics.sorted()],
                    }
                    for r in results
                ],
                "errors": errors,
                "warnings": warnings,
                "strict": strict,
            }
        )
    else:
        for result in results:
            _print_result(result, quiet=quiet, strict=strict)
        if len(results) > 1 or quiet:
            click.echo(
                f"{plural(len(results), 'file')} checked: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
            )
        if strict and warnings and not errors:
            click.echo(
                click.style("failed: ", fg="red", bold=True)
                + "warnings count as errors under --strict"
            )
    if unreadable:
        sys.exit(EXIT_BAD_INPUT)
    if errors or (strict and warnings):
        sys.exit(EXIT_PROBLEMS)


def _load_with_baseline(path: Path, against: str | None) -> LoadedModel:
    if str(path) == "-":
        if against is not None:
            click.echo("--against needs a file, not standard input", err=True)
            sys.exit(EXIT_BAD_INPUT)
        return load_model_text(sys.stdin.buffer.read(), "<stdin>")
    if against is None:
        return load_model(path)
    baseline = load_baseline(path, against)
    if baseline.problem is not None:
        click.echo(f"{path}: cannot compare with {against}: {baseline.problem}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if baseline.is_new_file:
        click.echo(f"{path}: new since {against}, no earlier versions to compare with", err=True)
    return load_model(path, baseline=baseline.model, baseline_label=baseline.label)


def _print_result(result: LoadedModel, *, quiet: bool, strict: bool = False) -> None:
    lines = result.document.text.splitlines() if result.document else None
    for diagnostic in result.diagnostics.sorted():
        echo_diagnostic(diagnostic, lines)
    if quiet:
        return
    if result.model is None:
        click.echo(
            click.style("✗ ", fg="red", bold=True) + f"{result.filename}: not a usable model"
        )
        return
    counts = ", ".join(
        f"{n} {kind if n != 1 else _SINGULAR[kind]}"
        for kind, n in model_summary(result.model).items()
    )
    errors, warnings = len(result.diagnostics.errors), len(result.diagnostics.warnings)
    failed = bool(errors or (strict and warnings))
    mark = (
        click.style("✗ ", fg="red", bold=True)
        if failed
        else click.style("✓ ", fg="green", bold=True)
    )
    click.echo(
        f"{mark}{result.filename} — {result.model.name}: {counts} ({plural(errors, 'error')}, {plural(warnings, 'warning')})"
    )


@click.command("fmt")
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Do not write; exit 1 if any file would change.")
def fmt_command(models: tuple[Path, ...], check: bool) -> None:
    """Rewrite model files in canonical form, keeping comments and key order within sections."""
    changed: list[Path] = []
    bad = False
    for path in models:
        try:
            document = read_document(path)
            formatted = format_text(document.text, str(path))
        except DocumentError as error:
            for diagnostic in error.diagnostics:
                echo_diagnostic(diagnostic)
            bad = True
            continue
        if formatted == document.text:
            continue
        changed.append(path)
        if check:
            click.echo(f"would reformat {path}")
        else:
            if not _write(path, formatted):
                bad = True
                continue
            click.echo(f"reformatted {path}")
    unchanged = len(models) - len(changed) - (1 if bad else 0)
    if bad and not check:
        changed = [p for p in changed if p.exists()]
    verb = "would be reformatted" if check else "reformatted"
    click.echo(
        f"{plural(len(changed), 'file')} {verb}, {plural(max(unchanged, 0), 'file')} already formatted"
    )
    if bad:
        sys.exit(EXIT_BAD_INPUT)
    if check and changed:
        sys.exit(EXIT_PROBLEMS)


@click.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="Model name (default: from the file name).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new_command(path: Path, name: str | None, force: bool) -> None:
    """Create a starter model with comments explaining each section.

    Also writes the format's JSON Schema beside it (for editor autocompletion) unless one is there.
    """
    if path.exists() and not force:
        click.echo(f"{path}: already exists; use --force to overwrite it", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not path.parent.exists():
        click.echo(f"{path.parent}: no such directory", err=True)
        sys.exit(EXIT_BAD_INPUT)
    model_name = name or path.stem.replace("-", " ").replace("_", " ").title() or "My model"
    if not _write(path, starter_model_text(model_name, path.name), backup=False):
        sys.exit(EXIT_BAD_INPUT)
    schema_path = path.parent / SCHEMA_FILENAME
    if not schema_path.exists() and not _write(schema_path, model_json_schema_text(), backup=False):
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"created {path}")
    click.echo(f"next: edit it, then run: workbench validate {shlex.quote(str(path))}")


@click.command("model-schema")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to a file instead of stdout.",
)
def model_schema_command(output: Path | None) -> None:
    """Print the JSON Schema of the model format (for editor autocompletion and checks)."""
    text = model_json_schema_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        if not _write(output, text, backup=False):
            sys.exit(EXIT_BAD_INPUT)
        click.echo(f"wrote {output}")


def _write(path: Path, text: str, *, backup: bool = True) -> bool:
    """Write atomically; on failure say why (no traceback) and return False."""
    try:
        write_atomic(path, text, backup=backup)
    except OSError as error:
        reason = error.strerror or str(error)
        click.echo(f"{path}: cannot write: {reason}", err=True)
        return False
    return True


def diagnostics_payload(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    return [d.as_json() for d in diagnostics]


__all__ = ["Severity", "fmt_command", "model_schema_command", "new_command", "validate_command"]
