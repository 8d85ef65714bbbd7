"""The same model file at an earlier git revision, for version-bump checks.

``workbench validate --against REF`` reads ``REF:<file>`` with ``git show`` so CI can
check a branch against main without checking anything out.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from workbench.model.loader import load_model_text
from workbench.model.schema import Model


@dataclass(frozen=True)
class Baseline:
    """A baseline model, or why there is none (``model`` is None and ``problem`` says why)."""

    model: Model | None
    label: str
    problem: str | None = None
    is_new_file: bool = False


def load_baseline(path: Path, ref: str) -> Baseline:
    """Load ``path`` as it was at git revision ``ref``.

    A file that did not exist at ``ref`` has no baseline (``is_new_file``); a folder that
    is not a git checkout, or an unknown revision, is a problem the caller reports.
    """
    label = f"{ref}:{path.name}"
    folder = path.resolve().parent
    try:
        completed = subprocess.run(
            ["git", "-C", str(folder), "show", f"{ref}:./{path.name}"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Baseline(None, label, f"cannot run git: {error}")
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        if "exists on disk, but not in" in message or "does not exist in" in message:
            return Baseline(None, label, is_new_file=True)
        return Baseline(
            None, label, message.splitlines()[0] if message else f"git show failed for {label}"
        )
    try:
        text = completed.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return Baseline(None, label, f"{label} is not UTF-8 text")
    loaded = load_model_text(text, label, validate=False)
    if loaded.model is None:
        return Baseline(
            None, label, f"{label} is not a usable model ({len(loaded.diagnostics)} problems)"
        )
    return Baseline(loaded.model, label)
