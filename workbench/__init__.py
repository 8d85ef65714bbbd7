"""Event Workbench: model, validate, dry-run, draw and generate event-driven systems.

The package is split so the core (``model``, ``store``, ``sim``, ``evolution``,
``render``, ``codegen``) never imports the terminal UI; ``cli`` and ``tui`` are thin
layers over it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("event-workbench")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
