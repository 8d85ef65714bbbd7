"""Several real processes writing one file: optimistic concurrency holds across processes.

Each racer (``store_child.py racer``) loops: read the shared stream's version, append
one event expecting that version, retry on :class:`ConcurrencyError`. The racers start
together (each prints ``ready`` and waits for a line on stdin). Afterwards the stream
must hold versions 1..N with no duplicate and no gap, every event a racer was told it
appended must be there at the version it was told, and at least one ConcurrencyError
must have been raised, proving the racers really overlapped. If a round happens to see
no conflict (a slow machine may serialise them) the round is repeated, up to a bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workbench.store import MIGRATIONS, EventStore, applied_migrations

CHILD = Path(__file__).with_name("store_child.py")
RACERS = 3
EVENTS_EACH = 60
MAX_ROUNDS = 5


def _start_together(args: list[list[str]]) -> list[str]:
    """Run one child per argument list, release them at once, return their stdout."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(CHILD), *a],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a in args
    ]
    for p in procs:  # wait until every child is ready
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready", p.communicate()[1]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        outputs.append(out)
    return outputs


def _race(db: Path, stream: str) -> int:
    """One round of racers on ``stream``; check the stream; return the conflicts seen."""
    outputs = _start_together(
        [["racer", str(db), stream, str(EVENTS_EACH), f"r{i}"] for i in range(RACERS)]
    )
    reports = [json.loads(out.strip().splitlines()[-1]) for out in outputs]
    with EventStore.open(db) as store:
        events = store.read_stream(stream)
        total = RACERS * EVENTS_EACH
        assert [e.version for e in events] == list(range(1, total + 1))
        assert len({e.event_id for e in events}) == total
        stored = {e.event_id: e.version for e in events}
        for report in reports:
            told = {event_id: version for event_id, version in report["appended"]}
            assert len(told) == EVENTS_EACH
            assert {k: stored[k] for k in told} == told
            # each racer's own events are in the order it appended them
            mine = [e.data["n"] for e in events if e.data["who"] == report["name"]]
            assert mine == list(range(EVENTS_EACH))
        # the racers that created the stream together numbered it once
        numbers = store.connection.execute(
            "SELECT stream_no FROM streams WHERE stream_id = ?", (stream,)
        ).fetchall()
        assert len(numbers) == 1
        tagged = store.connection.execute(
            "SELECT DISTINCT stream_no FROM events WHERE stream_id = ?", (stream,)
        ).fetchall()
        assert tagged == numbers
        positions = [e.position for e in store.read_all(limit=100_000)]
        assert positions == sorted(set(positions))
    return sum(int(r["conflicts"]) for r in reports)


def test_concurrent_appends_to_one_stream_never_duplicate_or_skip_a_version(tmp_path: Path) -> None:
    db = tmp_path / "race.db"
    EventStore.open(db).close()
    conflicts = 0
    for round_ in range(MAX_ROUNDS):
        conflicts += _race(db, f"shared-{round_}")
        if conflicts:
            break
    assert conflicts > 0, "no ConcurrencyError in any round: the racers never overlapped"


def test_processes_creating_the_same_new_file_migrate_it_once(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    outputs = _start_together([["opener", str(db)] for _ in range(4)])
    assert all(out.split() == ["opened"] for out in outputs)
    with EventStore.open(db) as store:
        assert applied_migrations(store.connection) == [name for name, _ in MIGRATIONS]
