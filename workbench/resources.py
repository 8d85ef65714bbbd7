"""Find the non-Python data folders (``templates/`` and ``models/``) in every install mode.

This is the ONE module that knows where those folders live; everything else calls
:func:`templates_dir`, :func:`models_dir`, :func:`example_models` or :func:`template_set`.

Why two places are searched:

* **Wheel install** (``pip install event-workbench`` / ``pip install dist/*.whl``):
  hatchling's ``force-include`` (see ``[tool.hatch.build.targets.wheel.force-include]`` in
  ``pyproject.toml``) copies the top-level ``templates/`` and ``models/`` folders into the
  wheel as ``workbench/_data/templates`` and ``workbench/_data/models``. They sit right
  next to this file, and the source tree does not exist.
* **Editable install** (``pip install -e .``) and **running from a checkout**: the
  ``workbench`` package is imported straight from the source tree, so there is no
  ``workbench/_data`` next to this file. ``force-include`` does not help here: hatchling
  at most copies a snapshot of the folders into ``site-packages/workbench/_data`` when
  the editable install is made, which is *beside* the imported package (never next to
  this file) and goes stale as soon as someone edits a template. The live folders are
  the top-level ``templates/`` and ``models/`` of the checkout,
  ``Path(__file__).parents[1] / name``.

So we look first for ``workbench/_data/<name>`` inside the package, then in the source
tree. The source-tree candidate is only used when its parent really is a checkout (it
holds ``pyproject.toml``); otherwise, in a wheel install, ``parents[1]`` is
``site-packages`` and an unrelated distribution's top-level ``models`` package there
would be picked up by mistake.

Paths are plain :class:`pathlib.Path` objects because consumers (Jinja loaders,
Graphviz, the TUI's file pickers) need real directories; zipped installs are not
supported.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ResourceNotFound",
    "example_models",
    "models_dir",
    "template_set",
    "templates_dir",
]

#: The installed (or checked-out) ``workbench`` package directory.
_PACKAGE_DIR = Path(__file__).resolve().parent
#: Where ``force-include`` puts the data folders inside a wheel install.
_DATA_DIR = _PACKAGE_DIR / "_data"
#: The root of a source checkout (only meaningful if it holds ``pyproject.toml``).
_SOURCE_ROOT = _PACKAGE_DIR.parent


class ResourceNotFound(FileNotFoundError):
    """A data folder or template set is missing; the message says where we looked."""


def _candidates(name: str) -> list[Path]:
    """Where the data folder ``name`` may live, in lookup order."""
    candidates = [_DATA_DIR / name]
    if (_SOURCE_ROOT / "pyproject.toml").is_file():
        candidates.append(_SOURCE_ROOT / name)
    return candidates


def _data_dir(name: str) -> Path:
    candidates = _candidates(name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise ResourceNotFound(
        f"Event Workbench data folder {name!r} not found; looked in: {looked}. "
        f"A wheel install should contain workbench/_data/{name}/; a checkout "
        f"(editable install) should have a top-level {name}/ folder."
    )


def templates_dir() -> Path:
    """The folder holding the code-generation template sets (one sub-folder per set)."""
    return _data_dir("templates")


def models_dir() -> Path:
    """The folder holding the example models (``*.yaml``)."""
    return _data_dir("models")


def example_models() -> list[Path]:
    """The example model files, ``*.yaml`` in :func:`models_dir`, sorted by name."""
    return sorted(p for p in models_dir().glob("*.yaml") if p.is_file())


def template_set(name: str) -> Path:
    """The folder of the template set ``name`` (a sub-folder of :func:`templates_dir`).

    Raises :class:`ResourceNotFound` naming the folder it looked in and the sets that
    do exist, if ``name`` is not a template set.
    """
    base = templates_dir()
    candidate = base / name
    # A set name is a single folder name: no separators, no "..", nothing absolute.
    if name and Path(name).name == name and name not in {".", ".."} and candidate.is_dir():
        return candidate
    available = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    known = ", ".join(available) if available else "none"
    raise ResourceNotFound(
        f"Template set {name!r} not found: looked for {candidate} in {base}. "
        f"Available template sets: {known}."
    )
