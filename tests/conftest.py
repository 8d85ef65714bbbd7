"""Shared fixtures. Keep this minimal: no autouse fixtures, no session-wide side effects."""

from __future__ import annotations

from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the source checkout (the folder holding ``pyproject.toml``)."""
    return _REPO_ROOT


@pytest.fixture(scope="session")
def models_dir(repo_root: Path) -> Path:
    """The checkout's top-level ``models/`` folder with the example models."""
    return repo_root / "models"
