"""Commands that draw the model: ``render`` (one view, one format) and ``docs`` (a site)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import NoReturn

import click

from workbench.cli.output import echo_diagnostic, plural
from workbench.model.loader import LoadedModel, load_model
from workbench.model.schema import Model
from workbench.render.docs import build_docs
from workbench.render.errors import RenderError
from workbench.render.export import (
    BINARY_FORMATS,
    FORMATS,
    SUFFIX_FORMATS,
    format_for_path,
    render,
    write_output,
)
from workbench.render.views import VIEW_HELP

EXIT_BAD_INPUT = 2


def _load(path: Path) -> Model:
    """Load the model or exit 2 with its diagnostics; a model with errors is still drawn."""
    loaded: LoadedModel = load_model(path)
    if loaded.model is None:
        lines = loaded.document.text.splitlines() if loaded.document else None
        for diagnostic in loaded.diagnostics.sorted():
            echo_diagnostic(diagnostic, lines)
        click.echo(f"{path}: not a usable model, nothing drawn", err=True)
        sys.exit(EXIT_BAD_INPUT)
    errors = len(loaded.diagnostics.errors)
    if errors:
        click.echo(
            f"warning: {path} has {plural(errors, 'error')}; drawing it anyway (see 'workbench validate {path}')",
            err=True,
        )
    return loaded.model


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.command("render")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--view",
    default="blueprint",
    show_default=True,
    metavar="VIEW",
    help=f"What to draw: {VIEW_HELP}.",
)
@click.option(
    "--slices",
    metavar="A..B",
    help="Only these blueprint columns: slice names or 1-based numbers, e.g. '2..5' or 'Lend a book..'.",
)
@click.option(
    "--scenarios",
    is_flag=True,
    help="Add given/when/then panels under each slice of the blueprint.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (atomically) instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (default: from the file suffix, else text). svg, png and pdf need Graphviz.",
)
@click.option(
    "--width",
    type=click.IntRange(min=30),
    default=None,
    help="Width of text output (default: the terminal's).",
)
def render_command(
    model: Path,
    view: str,
    slices: str | None,
    scenarios: bool,
    output: Path | None,
    fmt: str | None,
    width: int | None,
) -> None:
    """Draw MODEL: the Event Modeling blueprint or another view, as a picture, DOT, Mermaid or text.

    \b
    Examples:
      workbench render models/library.yaml                       # blueprint as text
      workbench render models/library.yaml -o blueprint.svg
      workbench render models/library.yaml --view flow -o flow.mmd
      workbench render models/library.yaml --view slice:"Lend a book" --scenarios -o lend.png
      workbench render models/library.yaml --slices 2..5 --format dot

    Exit 0 when drawn, 2 when the model cannot be read, the view does not exist, or a
    picture format is asked for without Graphviz installed.
    """
    if fmt is None:
        if output is None:
            fmt = "text"
        else:
            fmt = format_for_path(output)
            if fmt is None:
                suffixes = ", ".join(sorted(SUFFIX_FORMATS))
                _fail(
                    f"cannot tell the format from '{output.name}'; use --format or one of the suffixes {suffixes}"
                )
    assert fmt is not None
    if output is None and fmt in BINARY_FORMATS:
        _fail(f"{fmt.upper()} is binary; write it to a file with -o FILE")
    loaded = _load(model)
    text_width = width or shutil.get_terminal_size((100, 24)).columns
    try:
        data = render(loaded, view, fmt, slices=slices, scenarios=scenarios, width=text_width)
    except RenderError as error:
        _fail(str(error))
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        write_output(output, data, fmt)
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    click.echo(f"wrote {output} ({fmt}, {len(data):,} bytes)", err=True)


@click.command("docs")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the site (made or replaced).",
)
@click.option(
    "--no-pictures",
    is_flag=True,
    help="Do not run Graphviz; show text renderings instead of SVG pictures.",
)
def docs_command(model: Path, output: Path, no_pictures: bool) -> None:
    """Write a static documentation site for MODEL into a folder.

    The site has the blueprint, one page per element (fields, versions and their changes,
    who emits and consumes it, its given/when/then specifications) and plain relative
    links, so it opens from the file system without a server.
    """
    loaded = _load(model)
    try:
        written = build_docs(loaded, output, pictures=not no_pictures)
    except RenderError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot write {output}: {error.strerror or error}")
    pages = sum(1 for p in written if p.suffix == ".html")
    click.echo(f"wrote {plural(pages, 'page')} to {output}; open {output / 'index.html'}")


__all__ = ["docs_command", "render_command"]
