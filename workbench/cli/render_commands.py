"""Commands that draw the model: ``render`` (one view, one format) and ``docs`` (a site)."""

from __future__ import annotations

import errno
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import click

from workbench.cli.output import echo_diagnostic, plural
from workbench.model.loader import LoadedModel, load_model
from workbench.model.schema import Model
from workbench.render.docs import build_docs
from workbench.render.engine import has_dot
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


def _folder_name(folder: Path) -> str:
    return str(folder) if str(folder) not in {"", "."} else "."


def _folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written into its folder, or ``None`` when it looks writable.

    Checked before drawing, so a typo in the folder name does not cost a Graphviz run.
    """
    folder = path.parent
    if not folder.exists():
        missing = folder
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        return f"folder '{_folder_name(missing)}' does not exist"
    if not folder.is_dir():
        return f"'{_folder_name(folder)}' is not a folder"
    return None


_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
}


def _reason(error: OSError) -> str:
    return _REASONS.get(error.errno or 0) or error.strerror or str(error)


def _write_problem(path: Path, error: OSError) -> str:
    """A plain sentence for an error writing the file ``path``: what failed, and why."""
    folder = _folder_name(path.parent)
    if error.errno in {errno.EACCES, errno.EPERM}:
        return f"cannot write {path}: permission denied, you may not write in folder '{folder}'"
    if error.errno == errno.EROFS:
        return f"cannot write {path}: folder '{folder}' is on a read-only file system"
    return f"cannot write {path}: {_reason(error)}"


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
    help="Output format (default: from the -o file's suffix; text for stdout or a file without a suffix). "
    "svg, png and pdf need Graphviz.",
)
@click.option(
    "--width",
    type=click.IntRange(min=30),
    default=None,
    help="Width of text output (default: the terminal's; 100 when writing a file).",
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

    Without --format the -o file's suffix picks the format (.svg .png .pdf .dot .gv .mmd
    .mermaid .txt); a file without a suffix, like stdout, gets text.

    Exit 0 when drawn, 2 when the model cannot be read, the view does not exist, a
    picture format is asked for without Graphviz installed, or the file cannot be written.
    """
    if fmt is None:
        if output is None or not output.suffix:
            fmt = "text"
        else:
            fmt = format_for_path(output)
            if fmt is None:
                suffixes = ", ".join(sorted(SUFFIX_FORMATS))
                _fail(
                    f"cannot tell the format from '{output.name}'; use --format, one of the "
                    f"suffixes {suffixes}, or no suffix for text"
                )
    assert fmt is not None
    if output is None and fmt in BINARY_FORMATS:
        _fail(f"{fmt.upper()} is binary; write it to a file with -o FILE")
    if output is not None and (problem := _folder_problem(output)):
        _fail(f"cannot write {output}: {problem}")
    loaded = _load(model)
    # a file gets the same bytes whichever terminal it was written from
    text_width = width or (
        100 if output is not None else shutil.get_terminal_size((100, 24)).columns
    )
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
        _fail(_write_problem(output, error))
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
    links, so it opens from the file system without a server. Pictures are SVG drawn by
    Graphviz; without its 'dot' program they are text renderings (a notice says so).
    """
    loaded = _load(model)
    if not no_pictures and not has_dot():
        click.echo(
            "notice: the site's pictures are text renderings, because Graphviz's 'dot' "
            "program is not on PATH. For SVG pictures install Graphviz "
            "('sudo apt-get install graphviz', 'sudo dnf install graphviz', "
            "'brew install graphviz', or see https://graphviz.org/download/) "
            "and run 'workbench docs' again.",
            err=True,
        )
    try:
        written = build_docs(loaded, output, pictures=not no_pictures)
    except RenderError as error:
        _fail(str(error))
    except OSError as error:
        reason = _reason(error)
        if error.errno in {errno.EACCES, errno.EPERM, errno.EROFS}:
            # the site is built in a folder beside the target, then swapped in
            around = _folder_name(output.absolute().parent)
            reason += (
                f" (the site is built in '{around}' and replaces '{output}': both must be writable)"
            )
        _fail(f"cannot write the site to {output}: {reason}")
    pages = sum(1 for p in written if p.suffix == ".html")
    click.echo(f"wrote {plural(pages, 'page')} to {output}; open {output / 'index.html'}")


__all__ = ["docs_command", "render_command"]
