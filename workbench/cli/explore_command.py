"""``workbench explore``: search random command sequences for modeling bugs.

Prints a header (model, seed, runs, steps), a live counter on a terminal's stderr,
then each finding: its kind and command, the message, the aggregate's state, the
shrunk sequence of steps and a scenario to paste into the model; internal errors
(bugs in Event Workbench itself) come apart, with their traceback. The closing line
says how much was explored. Exit codes: 0 nothing found, 1 something found, 2 the
model cannot be read or run, or bad options.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from workbench.cli.output import (
    TEXT_OR_JSON,
    echo_json,
    exit_unusable_model,
    plural,
)
from workbench.model.diagnostics import did_you_mean
from workbench.model.loader import load_model
from workbench.sim.compiled import ModelNotRunnable, compile_model
from workbench.sim.explore import Exploration, ExploreError, ExploreOptions, explore
from workbench.sim.explore_report import FailureReport, ReportWriter
from workbench.sim.explore_scenario import flow

EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


@click.command("explore")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--steps",
    type=click.IntRange(1, 1000),
    default=30,
    show_default=True,
    help="Most commands in one sequence.",
)
@click.option(
    "--runs",
    "--examples",
    "runs",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="How many sequences to explore.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same findings.")
@click.option(
    "--command",
    "-c",
    "commands",
    multiple=True,
    metavar="NAME",
    help="Generate only these commands, and no external events (repeat, or use commas).",
)
@click.option(
    "--max-failures",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Keep exploring until this many different failures are found.",
)
@TEXT_OR_JSON
def explore_command(
    model: Path,
    steps: int,
    runs: int,
    seed: int,
    commands: tuple[str, ...],
    max_failures: int,
    output_format: str,
) -> None:
    """Search random command sequences of MODEL for invariant violations, failing
    expressions and failing reactions; shrink each to a minimal scenario.

    Rejected and ignored commands are normal outcomes. Each failure is printed with
    a scenario in the model's format that loads as it is: its 'then' says what the
    failing command did. Paste it under 'scenarios:' ('workbench test' then fails
    with the finding), then edit the 'then' part to say what should happen. Exit 0
    when nothing was found, 1 when something was, 2 when the model cannot be read
    or run.
    """
    loaded = load_model(model)
    if loaded.model is None or not loaded.ok:
        exit_unusable_model(model, loaded, "explore")
    try:
        compiled = compile_model(loaded.model)
    except ModelNotRunnable as error:
        click.echo(f"{model}: the model cannot be run: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    options = ExploreOptions(
        seed=seed,
        runs=runs,
        steps=steps,
        commands=commands_in(commands),
        max_failures=max_failures,
    )
    unknown = [name for name in options.commands or () if name not in loaded.model.commands]
    if unknown:  # before the header: a usage error, not an exploration
        hints = [did_you_mean(name, loaded.model.commands) for name in unknown]
        hint = "; ".join(h for h in hints if h)
        raise click.BadParameter(
            f"unknown command {', '.join(repr(c) for c in unknown)}"
            + (f" ({hint})" if hint else f"; the model has: {', '.join(loaded.model.commands)}"),
            param_hint="'-c' / '--command'",
        )
    if output_format == "text":
        click.echo(_header(model, loaded.model.name, options))
    progress = _Progress(runs) if sys.stderr.isatty() else None
    try:
        with _hypothesis_files_elsewhere():
            exploration = explore(loaded.model, options, compiled=compiled, progress=progress)
    except ExploreError as error:
        raise click.UsageError(str(error)) from None
    finally:
        if progress is not None:
            progress.clear()
    writer = ReportWriter(loaded.model, compiled, seed)
    reports = [writer.report(found) for found in exploration.found]
    if output_format == "json":
        echo_json(_json(model, exploration, reports))
    else:
        _echo_text(exploration, reports)
    sys.exit(EXIT_FOUND if reports else EXIT_OK)


@contextlib.contextmanager
def _hypothesis_files_elsewhere() -> Iterator[None]:
    """Keep hypothesis from writing a ``.hypothesis`` folder where the user stands.

    Exploring keeps no example database, but hypothesis still caches what it learns
    of source files under ``.hypothesis/`` in the current directory; a user who runs
    ``workbench explore`` in a project would find it there. Its files go to a
    temporary folder for the run instead (unless ``HYPOTHESIS_STORAGE_DIRECTORY``
    says where they belong).
    """
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    with tempfile.TemporaryDirectory(prefix="workbench-explore-") as folder:
        set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def commands_in(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--command`` values, split on commas as well: ``-c A,B -c C``."""
    out = [part.strip() for name in names for part in name.split(",") if part.strip()]
    return tuple(dict.fromkeys(out)) or None


def _header(path: Path, name: str, options: ExploreOptions) -> str:
    which = ", ".join(options.commands) if options.commands else "all commands"
    return click.style(
        f"exploring {path} ({name}): seed {options.seed}, {plural(options.runs, 'run')} "
        f"of up to {plural(options.steps, 'step')}, {which}",
        bold=True,
    )


class _Progress:
    """A one-line counter on stderr, rewritten in place; only on a terminal."""

    def __init__(self, runs: int) -> None:
        self.runs = runs

    def __call__(self, sequences: int, failures: int, shrinking: bool) -> None:
        state = ", shrinking" if shrinking else ""
        text = f"explored {sequences}/{self.runs} sequences, {plural(failures, 'failure')}{state}"
        click.echo(f"\r{text}\x1b[K", nl=False, err=True)

    def clear(self) -> None:
        click.echo("\r\x1b[K", nl=False, err=True)


def _echo_text(exploration: Exploration, reports: list[FailureReport]) -> None:
    failures = [r for r in reports if r.kind != "internal-error"]
    internal = [r for r in reports if r.kind == "internal-error"]
    for number, report in enumerate(failures, start=1):
        click.echo()
        heading = f"FAILURE {number}: {report.title}"
        click.echo(click.style(heading, fg="red", bold=True))
        _echo_report(report)
    for number, report in enumerate(internal, start=1):
        click.echo()
        heading = f"INTERNAL ERROR {number}: {report.title}"
        click.echo(click.style(heading, fg="magenta", bold=True))
        click.echo(
            "  a bug in Event Workbench, not in the model: please report it with this output"
        )
        _echo_report(report)
    click.echo()
    summary = (
        f"explored {plural(exploration.sequences, 'sequence')} "
        f"({plural(exploration.commands, 'command')}): {plural(len(failures), 'failure')}"
    )
    if internal:
        summary += f", {plural(len(internal), 'internal error')}"
    click.echo(click.style(summary, bold=True, fg="red" if reports else "green"))


def _echo_report(report: FailureReport) -> None:
    click.echo(f"  {report.message}")
    if report.issued_by:
        click.echo(f"  (the command was issued by {report.issued_by})")
    if report.state_of is not None and report.state is not None:
        click.echo(f"  state of {report.state_of}:")
        click.echo(f"    {flow(report.state)}")
    click.echo(f"  steps (shrunk to {len(report.steps)}):")
    width = len(str(len(report.steps)))
    for number, step in enumerate(report.steps, start=1):
        click.echo(f"    {number:>{width}}. {step.text()}")
        for follow_up in step.follow_ups:
            click.echo(f"    {'':>{width}}     then {follow_up}")
    if report.traceback:
        click.echo("  traceback:")
        for line in report.traceback.rstrip().splitlines():
            click.echo(f"    {line}")
    click.echo("  scenario: paste it under 'scenarios:' in the model as it is ('workbench test'")
    click.echo("  fails with it until the model is fixed), then edit the 'then' part, marked")
    click.echo("  TODO, to say what should happen (the error of the rule to add, the events")
    click.echo("  to expect, or nothing: true):")
    click.echo()
    click.echo(report.scenario, nl=False)
    click.echo()
    if report.reproduced:
        click.echo(click.style("  `workbench test` fails with this scenario as it is.", dim=True))
    else:
        click.echo(
            click.style(
                "  note: running this scenario did not fail the same way; the failure may "
                "depend on more than the events before it",
                fg="yellow",
            )
        )


def _json(path: Path, exploration: Exploration, reports: list[FailureReport]) -> dict[str, object]:
    options = exploration.options
    return {
        "file": str(path),
        "model": exploration.model,
        "seed": options.seed,
        "runs": options.runs,
        "steps": options.steps,
        "commands": list(options.commands) if options.commands else None,
        "max_failures": options.max_failures,
        "explored": {"sequences": exploration.sequences, "commands": exploration.commands},
        "failures": [r.as_json() for r in reports if r.kind != "internal-error"],
        "internal_errors": [r.as_json() for r in reports if r.kind == "internal-error"],
    }
