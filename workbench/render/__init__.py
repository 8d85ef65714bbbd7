"""Drawing the model: the blueprint, the flow graph and the other views, in every format.

Layers, each usable on its own:

* :mod:`~workbench.render.graph` — the model as typed nodes and edges (pure Python);
* :mod:`~workbench.render.blueprint` — the Event Modeling grid: lanes x slice columns;
* :mod:`~workbench.render.views` — which part to draw (``--view``, ``--slices``);
* writers: :mod:`~workbench.render.dot`, :mod:`~workbench.render.mermaid`,
  :mod:`~workbench.render.text`; :mod:`~workbench.render.engine` runs Graphviz;
* :mod:`~workbench.render.export` — model + view + format -> bytes, written atomically;
* :mod:`~workbench.render.docs` — the static documentation site.

Nothing here imports Graphviz's Python package or the TUI; ``dot`` is only needed for
SVG, PNG and PDF.
"""

from workbench.render.errors import GraphvizNotFound, RenderError, ViewError
from workbench.render.export import FORMATS, format_for_path, render, render_text

__all__ = [
    "FORMATS",
    "GraphvizNotFound",
    "RenderError",
    "ViewError",
    "format_for_path",
    "render",
    "render_text",
]
