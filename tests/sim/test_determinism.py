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


def test_message_ids_are_uuid7_in_the_order_of_the_log(tmp_path: Path) -> None:
    """Event and command ids carry the simulated millisecond, so they sort as the log."""
    import datetime as dt
    import sqlite3
    import uuid

    from workbench.sim.ids import unix_ms

    dump_of_run(tmp_path / "a.db", seed=7)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = conn.execute(
            "SELECT event_id, causation_id, recorded_at FROM events ORDER BY position"
        ).fetchall()
    assert len(rows) > 40
    epoch = dt.datetime(1970, 1, 1)
    for event_id, causation_id, recorded_at in rows:
        parsed = uuid.UUID(event_id)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        instant = dt.datetime.fromisoformat(recorded_at)
        assert unix_ms(parsed) == (instant - epoch) // dt.timedelta(milliseconds=1)
        assert causation_id is None or uuid.UUID(causation_id).version == 7
    # one command's ids share a millisecond; across commands they only grow
    stamps = [unix_ms(uuid.UUID(event_id)) for event_id, _, _ in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) > 30


def test_reopening_a_store_with_its_seed_adds_to_it_with_new_ids_and_later_times(
    tmp_path: Path,
) -> None:
    """The CLI's --continue works this out itself; a Python caller reopening the file
    gets the same from Engine.open: no duplicate id, no time running backwards."""
    model = load_model(REPO_ROOT / "models" / "library.yaml").model
    assert model is not None
    path = tmp_path / "again.db"
    for _ in range(2):
        engine = Engine.open(model, path, seed=7)
        try:
            for name, fields in Workload(model, seed=5).commands(40):
                engine.execute(name, fields)
        finally:
            engine.close()
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT event_id, recorded_at FROM events ORDER BY position").fetchall()
    assert len({event_id for event_id, _ in rows}) == len(rows) > 20
    times = [recorded_at for _, recorded_at in rows]
    assert times == sorted(times)
