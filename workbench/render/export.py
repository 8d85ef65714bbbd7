"""One call from a model to a file's bytes: view x format, plus atomic writing.

The CLI, the TUI and the docs site all go through :func:`render`, so a view looks the
same wherever it is exported. DOT, Mermaid and text need nothing but Python; SVG, PNG
and PDF run Graphviz and fail with :class:`~workbench.render.errors.GraphvizNotFound`
(which says how to install it) when ``dot`` is missing.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from workbench.model.atomic import write_atomic
from workbench.model.schema import Model
from workbench.render.blueprint import Blueprint
from workbench.render.dot import blueprint_dot, graph_dot
from workbench.render.engine import PICTURE_FORMATS, run_dot
from workbench.render.graph import Graph
from workbench.render.mermaid import blueprint_mermaid, graph_mermaid
from workbench.render.text import blueprint_text, graph_text
from workbench.render.views import ViewSpec, build_view

#: Every output format, pictures first.
FORMATS = ("svg", "png", "pdf", "dot", "mermaid", "text")
#: Formats whose output is not text.
BINARY_FORMATS = frozenset({"png", "pdf"})
#: File suffix -> format, for ``-o FILE`` without ``--format``.
SUFFIX_FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".txt": "text",
}


def format_for_path(path: str | Path) -> str | None:
    """The format a file name asks for (``blueprint.svg`` -> ``svg``), or ``None``."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower())


def source(drawing: Blueprint | Graph, fmt: str, *, width: int = 100) -> str:
    """The text form of a drawing: ``dot``, ``mermaid`` or ``text``."""
    if fmt == "dot":
        return blueprint_dot(drawing) if isinstance(drawing, Blueprint) else graph_dot(drawing)
    if fmt == "mermaid":
        return (
            blueprint_mermaid(drawing) if isinstance(drawing, Blueprint) else graph_mermaid(drawing)
        )
    if fmt == "text":
        return (
            blueprint_text(drawing, width)
            if isinstance(drawing, Blueprint)
            else graph_text(drawing, width)
        )
    raise ValueError(f"{fmt!r} is not a text format; expected dot, mermaid or text")


def draw(drawing: Blueprint | Graph, fmt: str, *, width: int = 100) -> bytes:
    """A drawing in any format, as bytes (UTF-8 for the text formats)."""
    if fmt in PICTURE_FORMATS:
        return run_dot(source(drawing, "dot"), fmt)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return source(drawing, fmt, width=width).encode("utf-8")


def render(
    model: Model,
    view: str | ViewSpec = "blueprint",
    fmt: str = "svg",
    *,
    slices: str | None = None,
    scenarios: bool = False,
    width: int = 100,
) -> bytes:
    """Draw one view of ``model`` in ``fmt``.

    >>> render(model, "slice:Lend a book", "mermaid")  # doctest: +SKIP
    b'flowchart LR\\n  %% Library ...'
    """
    return draw(build_view(model, view, slices=slices, scenarios=scenarios), fmt, width=width)


def render_text(
    model: Model, view: str | ViewSpec = "blueprint", *, width: int = 100, scenarios: bool = False
) -> str:
    """The terminal rendering of a view, for the TUI."""
    return source(build_view(model, view, scenarios=scenarios), "text", width=width)


def write_output(path: Path, data: bytes, fmt: str) -> None:
    """Write rendered output so a reader sees the old file or the new one, never half.

    Text goes through the project's :func:`~workbench.model.atomic.write_atomic`; binary
    data (PNG, PDF) goes to a temporary file in the same folder that replaces the target.
    """
    if fmt not in BINARY_FORMATS:
        write_atomic(path, data.decode("utf-8"), backup=False)
        return
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "SUFFIX_FORMATS",
    "draw",
    "format_for_path",
    "render",
    "render_text",
    "source",
    "write_output",
]
