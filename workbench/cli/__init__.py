"""The ``workbench`` command line: a thin layer over the core.

Each command group lives in its own module; this one builds the root group. Exit codes
are the same everywhere: 0 fine, 1 the check found problems, 2 bad usage or input that
cannot be read as a model.
"""

from __future__ import annotations

import os
import sys

import click

from workbench import __version__
from workbench.cli.explore_command import explore_command
from workbench.cli.model_commands import (
    fmt_command,
    model_schema_command,
    new_command,
    validate_command,
)
from workbench.cli.render_commands import docs_command, render_command
from workbench.cli.run_commands import test_command
from workbench.cli.simulate_commands import simulate_command
from workbench.cli.store_commands import store_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(
    __version__, "--version", "-V", prog_name="workbench", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Event Workbench: model, validate, dry-run, draw and generate event-driven systems."""
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value turns colour off
        click.get_current_context().color = False


cli.add_command(validate_command)
cli.add_command(fmt_command)
cli.add_command(new_command)
cli.add_command(model_schema_command)
cli.add_command(test_command)
cli.add_command(explore_command)
cli.add_command(render_command)
cli.add_command(docs_command)
cli.add_command(simulate_command)
cli.add_command(store_group)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; never shows a traceback for bad input."""
    try:
        cli.main(args=argv, prog_name="workbench", standalone_mode=True)
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        click.echo("interrupted", err=True)
        sys.exit(130)


__all__ = ["cli", "main"]
