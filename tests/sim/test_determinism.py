"""The same model, workload and seed give a byte-identical store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.model.loader import load_model
from workbench.sim.engine import Engine

from .conftest import REPO_ROOT
from .workloads import Workload


def dump_of_run(path: Path, seed: int) -> str:
    model = load_model(REPO_ROOT / "models" / "library.yaml").model
    assert model is not None
    engine = Engine.open(model, path, seed=seed)
    try:
        for name, fields in Workload(model, seed=5).commands(150):
            engine.execute(name, fields)
        engine.advance_to(engine.clock.now.replace(year=2031))
        return engine.store.dump()
    finally:
        engine.close()


def test_same_seed_gives_byte_identical_stores(tmp_path: Path) -> None:
    first = dump_of_run(tmp_path / "a.db", seed=7)
    second = dump_of_run(tmp_path / "b.db", seed=7)
    assert "BookLent" in first and "rm_available_books" in first
    assert first == second
    assert first.encode() == second.encode()
    assert hashlib.sha256(first.encode()).digest() == hashlib.sha256(second.encode()).digest()


def test_another_seed_gives_other_ids(tmp_path: Path) -> None:
    assert dump_of_run(tmp_path / "a.db", seed=7) != dump_of_run(tmp_path / "b.db", seed=8)
