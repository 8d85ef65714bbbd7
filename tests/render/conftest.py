"""Fixtures for the render tests (the shared checks live in ``render_checks.py``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_dot(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide Graphviz: PATH is an empty folder, so ``shutil.which("dot")`` finds nothing."""
    empty = tmp_path_factory.mktemp("empty-path")
    monkeypatch.setenv("PATH", str(empty))
