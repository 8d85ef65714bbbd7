"""Fixtures for model tests: a small valid model and a way to break it on purpose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.model.loader import LoadedModel, load_model_text

MINIMAL = (Path(__file__).parent / "minimal.yaml").read_text(encoding="utf-8")


def mutate(old: str, new: str, text: str = MINIMAL) -> str:
    """Replace exactly one occurrence of ``old`` — tests fail loudly if the fixture drifts."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the fixture"
    return text.replace(old, new)


@pytest.fixture
def minimal_text() -> str:
    return MINIMAL


@pytest.fixture
def load() -> Callable[[str], LoadedModel]:
    return lambda text: load_model_text(text, "model.yaml")
