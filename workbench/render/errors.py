"""The errors drawing can end in; each message tells the user what to do next."""

from __future__ import annotations


class RenderError(Exception):
    """Drawing failed for a reason the user can act on; the message says what to do."""


class GraphvizNotFound(RenderError):
    """A picture format was asked for and the ``dot`` program is not installed."""


class ViewError(RenderError, ValueError):
    """A view or slice selection that does not fit the model; the message says what does."""


__all__ = ["GraphvizNotFound", "RenderError", "ViewError"]
