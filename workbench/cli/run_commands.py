"""``workbench test``: run the given/when/then scenarios of model files.

Reads like a test runner: a line per scenario, ``PASS`` or ``FAIL`` (coloured on a
terminal), the differences of each failing scenario under it with its ``file:line``,
and a closing ``N passed, M failed`` (and how many files could not run). Exit codes: 0
all passed, 1 a scenario failed, 2 a file is not a readable, valid model (its
diagnostics are printed) or ``-k`` selected nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.output import TEXT_OR_JSON, echo_diagnostics, echo_json, source_lines
from workbench.model.atomic import write_atomic
from workbench.sim.report import (
    FileReport,
    failure_lines,
    json_report,
    junit_xml,
    printable,
    run_file,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@click.command("test")
@click.argument("models", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-k",
    "patterns",
    metavar="PATTERN",
    multiple=True,
    help="Run only scenarios whose name contains PATTERN (any case); repeat for any of several.",
)
@TEXT_OR_JSON
@click.option(
    "--junit-xml",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write JUnit XML here.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for generated ids.")
def test_command(
    models: tuple[Path, ...],
    patterns: tuple[str, ...],
    output_format: str,
    junit_path: Path | None,
    seed: int,
) -> None:
    """Run the scenarios of MODELS, each on a fresh in-memory event store.

    Exit 0 when every scenario passes, 1 when one fails, 2 when a file cannot be
    read or has validation errors, or -k matches no scenario.
    """
    pattern = tuple(p for p in patterns if p)
    reports = [run_file(path, pattern=pattern, seed=seed) for path in models]
    if output_format == "json":
        echo_json(json_report(reports))
    else:
        for report in reports:
            if pattern and report.runnable and not report.results:
                continue  # -k selected nothing here: no header for an empty file
            _echo_text(report)
        click.echo(closing_count(reports))
    if junit_path is not None:
        try:
            write_atomic(junit_path, junit_xml(reports), backup=False)
        except OSError as error:
            click.echo(f"cannot write {junit_path}: {error.strerror or error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    if any(not r.runnable for r in reports):
        sys.exit(EXIT_BAD_INPUT)
    if pattern and not any(r.results for r in reports):
        shown = " or ".join(repr(p) for p in pattern)
        click.echo(f"no scenario matches -k {shown}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(EXIT_FAILED if any(r.failed for r in reports) else EXIT_OK)


def closing_count(reports: list[FileReport]) -> str:
    """``"12 passed, 1 failed"``, and the files whose scenarios could not run at all."""
    passed = sum(r.passed for r in reports)
    failed = sum(r.failed for r in reports)
    text = f"{passed} passed, {failed} failed"
    unrunnable = sum(1 for r in reports if not r.runnable)
    if unrunnable:
        text += f", {unrunnable} {'file' if unrunnable == 1 else 'files'} could not run"
    return text


def _echo_text(report: FileReport) -> None:
    if not report.runnable:
        click.echo(click.style(f"{report.file}: cannot run its scenarios", fg="red", bold=True))
        echo_diagnostics(report.diagnostics, source_lines(report.file))
        if report.problem:
            click.echo(f"  {report.problem}")
        return
    click.echo(click.style(f"{report.file} ({report.model})", bold=True))
    if not report.results:
        click.echo("      no scenarios: add some under 'scenarios:' (see README)")
    for result in report.results:
        if result.passed:
            click.echo(f"{click.style('PASS', fg='green', bold=True)}  {printable(result.name)}")
            continue
        click.echo(f"{click.style('FAIL', fg='red', bold=True)}  {printable(result.name)}")
        click.echo(click.style(f"      {result.location}", dim=True))
        for line in failure_lines(result.failures):
            click.echo("      " + line)
