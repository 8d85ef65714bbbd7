"""``dump()`` is deterministic: the same writes give the same text, byte for byte."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from workbench.store import EventStore, NewEvent, Snapshot

from .conftest import FIXED_TIME, open_backend


def _workload(store: EventStore, *, extra: bool = False) -> None:
    """Exercise every table, including a rolled-back part that must leave no trace."""

    def ev(n: int, **data: object) -> NewEvent:
        return NewEvent(type=f"T{n % 3}", data=data, event_id=f"e{n}", recorded_at=FIXED_TIME)

    store.ensure_projection_table(
        "Balances", {"id": "str", "total": "decimal", "tags": "set[str]"}, ["id"]
    )
    with store.transaction():
        for n in range(12):
            stream = f"acct-{n % 4}"
            store.append(stream, [ev(n, amount=Decimal(n) / 4, tags={"z", "a"})], None)
            store.upsert_row("Balances", {"id": stream}, {"total": Decimal(n), "tags": {"b", "a"}})
        store.save_checkpoint("balances", 12)
    try:
        with store.transaction():
            store.append("acct-0", [ev(99)], None)
            raise RuntimeError
    except RuntimeError:
        pass
    store.save_snapshot(Snapshot("acct-1", 2, {"total": Decimal("2.5")}, FIXED_TIME))
    store.add_dead_letter("mailer", 3, "e3", "SMTP down", attempts=2)
    store.inbox_add("mailer", "e1")
    run = store.start_run("bank", seed=7)
    store.finish_run(run, {"events": 12})
    if extra:
        store.append("acct-9", [ev(100)], 0)


def test_same_writes_same_dump_across_files_and_memory(tmp_path: Path) -> None:
    dumps = []
    for i, backend in enumerate(["file-normal", "file-full", "memory", "file-normal"]):
        with open_backend(backend, tmp_path, name=f"{i}.db") as store:
            _workload(store)
            dumps.append(store.dump())
    assert dumps[0] == dumps[1] == dumps[2] == dumps[3]
    assert '"acct-1",2,"{\\"total\\":\\"2.5\\"}"' in dumps[0]  # snapshots are in it
    assert "## rm_balances (id TEXT, total TEXT, tags TEXT)" in dumps[0]


def test_different_writes_different_dump(tmp_path: Path) -> None:
    with open_backend("memory", tmp_path) as a, open_backend("memory", tmp_path) as b:
        _workload(a)
        _workload(b, extra=True)
        assert a.dump() != b.dump()


def test_dump_is_stable_when_reopened_and_inside_a_transaction(tmp_path: Path) -> None:
    with open_backend("file-normal", tmp_path) as store:
        _workload(store)
        first = store.dump()
        with store.transaction():
            assert store.dump() == first
    with EventStore.open(tmp_path / "store.db", clock=lambda: "a different time") as store:
        assert store.dump() == first  # migration and creation times are left out
