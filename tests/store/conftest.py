"""Fixtures for the event store tests: a store per backend, a fixed clock, event makers.

The contract tests run against every backend the store supports: a file at
``synchronous=NORMAL`` (the simulation default), a file at ``FULL`` and ``":memory:"``.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the project need not be installed in the venv
    sys.path.insert(0, str(REPO_ROOT))

from workbench.store import EventStore, NewEvent  # noqa: E402

FIXED_TIME = "2024-01-01T00:00:00+00:00"

BACKENDS = ["file-normal", "file-full", "memory"]


def fixed_clock() -> str:
    """A clock that never moves, so two stores built alike dump alike."""
    return FIXED_TIME


def open_backend(backend: str, tmp_path: Path, name: str = "store.db") -> EventStore:
    """Open a store of the given backend kind with the fixed clock."""
    if backend == "memory":
        return EventStore.open(":memory:", clock=fixed_clock)
    sync = {"file-normal": "NORMAL", "file-full": "FULL"}[backend]
    return EventStore.open(tmp_path / name, synchronous=sync, clock=fixed_clock)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[EventStore]:
    """A fresh store of each backend kind."""
    s = open_backend(backend, tmp_path)
    yield s
    s.close()


@pytest.fixture
def new_event() -> Callable[..., NewEvent]:
    """Make events with unique ids: ``new_event("BookAdded", title="Dune")``."""
    counter = itertools.count(1)

    def make(type: str = "Happened", **data: Any) -> NewEvent:
        n = next(counter)
        return NewEvent(type=type, data=data, event_id=f"ev-{n}", recorded_at=FIXED_TIME)

    return make
