"""Fixtures for simulator tests: load model text, open engines on fresh stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.model.loader import load_model_text
from workbench.model.schema import Model
from workbench.sim.engine import Engine

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MODELS = sorted((REPO_ROOT / "models").glob("*.yaml"))
MINIMAL = REPO_ROOT / "tests" / "model" / "minimal.yaml"


def model_from(text: str) -> Model:
    """A model from YAML text; fails the test with the diagnostics if it is not valid."""
    loaded = load_model_text(text, "test.yaml")
    assert loaded.model is not None and loaded.ok, "\n".join(str(d) for d in loaded.diagnostics)
    return loaded.model


@pytest.fixture
def open_engine() -> Iterator[Callable[..., Engine]]:
    """Open engines on in-memory stores; all are closed at the end of the test."""
    engines: list[Engine] = []

    def opener(model: Model | str, **options: object) -> Engine:
        engine = Engine.open(model_from(model) if isinstance(model, str) else model, **options)  # type: ignore[arg-type]
        engines.append(engine)
        return engine

    yield opener
    for engine in engines:
        engine.close()
