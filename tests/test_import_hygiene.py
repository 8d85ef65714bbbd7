"""The core never imports the terminal UI.

Every core package (and every module under it, found with ``pkgutil.walk_packages``) and
the CLI are imported in a fresh interpreter, which must not have ``textual`` in
``sys.modules`` afterwards. Only ``workbench.tui`` may import textual; the CLI imports it
lazily, inside the ``tui`` command.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Must exist and stay textual-free (a missing one is a failure, not a skip).
REQUIRED = [
    "workbench",
    "workbench.model",
    "workbench.store",
    "workbench.sim",
    "workbench.evolution",
    "workbench.render",
    "workbench.codegen",
    "workbench.cli",
    "workbench.resources",
]
#: The only part of the package allowed to import textual.
ALLOWED_PREFIX = "workbench.tui"


def _top_level_modules() -> list[str]:
    """REQUIRED plus any other top-level ``workbench.*`` module, found without importing."""
    found = {
        f"workbench.{info.name}"
        for info in pkgutil.iter_modules([str(REPO_ROOT / "workbench")])
        if not info.name.startswith("_") or info.name == "__main__"
    }
    names = set(REQUIRED) | found
    return sorted(n for n in names if not _allowed(n))


def _allowed(name: str) -> bool:
    return name == ALLOWED_PREFIX or name.startswith(ALLOWED_PREFIX + ".")


# Runs in the child interpreter: import ROOT and (unless it is the top-level package,
# whose other modules get their own test) every module under it; report import errors
# and the first module after whose import textual was loaded. walk_packages imports
# sub-packages itself, so the check runs after every step.
_CHILD = r"""
import importlib, json, pkgutil, sys
sys.path.insert(0, REPO_ROOT)
result = {"imported": [], "errors": {}, "textual_after": None}

def check(name):
    if result["textual_after"] is None and "textual" in sys.modules:
        result["textual_after"] = name

def on_error(name):
    result["errors"][name] = repr(sys.exc_info()[1])

try:
    root = importlib.import_module(ROOT)
    result["imported"].append(ROOT)
    check(ROOT)
    if ROOT != "workbench" and hasattr(root, "__path__"):
        for info in pkgutil.walk_packages(root.__path__, ROOT + ".", onerror=on_error):
            check(info.name)
            try:
                importlib.import_module(info.name)
            except BaseException as exc:
                result["errors"][info.name] = repr(exc)
            else:
                result["imported"].append(info.name)
                check(info.name)
except BaseException as exc:
    result["errors"][ROOT] = repr(exc)
result["textual_loaded"] = "textual" in sys.modules
print(json.dumps(result))
"""


def _import_in_child(root: str) -> dict[str, object]:
    code = f"REPO_ROOT = {str(REPO_ROOT)!r}\nROOT = {root!r}\n" + _CHILD
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"child interpreter failed:\n{proc.stdout}\n{proc.stderr}"
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("root", _top_level_modules())
def test_core_does_not_import_textual(root: str) -> None:
    result = _import_in_child(root)
    assert not result["errors"], (
        f"importing {root} (and its sub-modules) failed: {result['errors']}"
    )
    assert not result["textual_loaded"], (
        f"'textual' is in sys.modules after importing {root}; first seen after importing "
        f"{result['textual_after']}. Only {ALLOWED_PREFIX} may import textual (the CLI must "
        "import it lazily, inside the tui command)."
    )


def test_required_packages_are_checked() -> None:
    """Guard against the parametrisation silently dropping a required package."""
    assert set(REQUIRED) <= set(_top_level_modules())
