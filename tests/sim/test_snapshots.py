"""Snapshots: the state from the latest snapshot plus the tail equals a full replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.sim.engine import Engine

from .conftest import EXAMPLE_MODELS, MINIMAL
from .workloads import Workload


def with_snapshots_every(model: Model, every: int) -> Model:
    """The model with every aggregate snapshotting every ``every`` events."""
    aggregates = {
        n: a.model_copy(update={"snapshot_every": every}) for n, a in model.aggregates.items()
    }
    return model.model_copy(update={"aggregates": aggregates})


def run_workload(model: Model, count: int) -> Engine:
    engine = Engine.open(model, seed=3)
    with engine.batch():
        for name, fields in Workload(model, seed=11).commands(count):
            engine.execute(name, fields)
    return engine


@pytest.mark.parametrize("path", [*EXAMPLE_MODELS, MINIMAL], ids=lambda p: Path(p).name)
@pytest.mark.parametrize("every", [None, 3])
def test_snapshot_plus_tail_equals_full_replay_for_every_stream(
    path: Path, every: int | None
) -> None:
    model = load_model(path).model
    assert model is not None
    if every is not None:
        model = with_snapshots_every(model, every)
    engine = run_workload(model, 300)
    try:
        streams = engine.store.streams()
        assert streams, "the workload appended nothing"
        if every is not None:
            assert engine.store.snapshots(), "the workload took no snapshot"
        for info in streams:
            aggregate_name = info.stream_id.split("-", 1)[0]
            aggregate = engine.compiled.aggregates.get(aggregate_name)
            if aggregate is None:
                continue
            replayed = engine.repository.replay(aggregate, info.stream_id)
            from_snapshot = engine.repository.from_snapshot(aggregate, info.stream_id)
            cached = engine.repository.load(aggregate, info.stream_id)
            assert from_snapshot == replayed
            assert cached == replayed
    finally:
        engine.close()


def test_snapshots_are_taken_every_n_events(tmp_path: Path) -> None:
    model = load_model(MINIMAL).model
    assert model is not None
    engine = Engine.open(with_snapshots_every(model, 2), tmp_path / "run.db")
    counter = "c0000000-0000-4000-8000-000000000001"
    for _ in range(5):
        engine.execute("Increment", {"counter_id": counter, "by": 1})
    assert [s.version for s in engine.store.snapshots(f"Counter-{counter}")] == [2, 4]
    assert engine.store.snapshots()[-1].state == {"value": 4, "colour": None}
    engine.close()
