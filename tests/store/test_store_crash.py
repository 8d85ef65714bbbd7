"""A writer killed with SIGKILL mid-run loses nothing it committed and leaves no half command.

A real child process (``store_child.py writer``) appends commands in a loop, one
transaction per command or per batch of commands, printing what it committed after
each commit. The test kills it at a random moment with SIGKILL (no cleanup, no
``finally``, the same as a crash), lets it resume, kills it again, and then checks the
file: every command is whole, every batch is whole, versions have no gaps, positions
strictly increase, and everything the child reported committed is there.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from workbench.store import EventStore, RecordedEvent

CHILD = Path(__file__).with_name("store_child.py")
ROUNDS = 3
MIN_COMMITS_BEFORE_KILL = 25


def _run_and_kill(db: Path, mode: str, batch: int, sync: str, round_: int) -> set[int]:
    """Start a writer, kill it mid-run, return the commands it reported committed."""
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), "writer", str(db), mode, str(batch), sync, str(round_)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:  # keep the pipe drained so the child never blocks on print
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while len(lines) < MIN_COMMITS_BEFORE_KILL:
        if proc.poll() is not None:
            assert proc.stderr is not None
            pytest.fail(f"writer exited early: {proc.stderr.read()}")
        assert time.monotonic() < deadline, "writer too slow to start"
        time.sleep(0.005)
    time.sleep(random.uniform(0, 0.05))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    committed: set[int] = set()
    for line in lines:
        if not line.endswith("\n"):
            continue  # a line cut by the kill proves nothing
        word, first, last = line.split()
        assert word == "committed"
        committed.update(range(int(first), int(last) + 1))
    return committed


def _check_log(events: list[RecordedEvent], batch: int) -> set[int]:
    """Check every promise about the killed writer's log; return the commands present."""
    positions = [e.position for e in events]
    assert all(a < b for a, b in itertools.pairwise(positions)), "positions"

    versions: dict[str, list[int]] = defaultdict(list)
    for e in events:
        versions[e.stream_id].append(e.version)
    for stream, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"gap or disorder in {stream}"

    by_command: dict[int, list[RecordedEvent]] = defaultdict(list)
    for e in events:
        by_command[e.data["cmd"]].append(e)
    for cmd, evs in by_command.items():  # no half command
        k = evs[0].data["k"]
        assert [e.data["j"] for e in evs] == list(range(k)), f"command {cmd} is partial"
        assert len({e.stream_id for e in evs}) == 1
        assert [e.version for e in evs] == list(range(evs[0].version, evs[0].version + k))
    commands = set(by_command)
    assert commands == set(range(len(commands))), "a command in the middle is missing"

    by_batch: dict[str, set[int]] = defaultdict(set)
    for e in events:
        by_batch[e.data["batch"]].add(e.data["cmd"])
    for batch_id, cmds in by_batch.items():  # no half batch
        size = next(e.data["size"] for e in events if e.data["batch"] == batch_id)
        assert size == batch
        assert len(cmds) == size, f"batch {batch_id} is partial: {sorted(cmds)}"
    return commands


@pytest.mark.parametrize(
    ("mode", "batch", "sync"),
    [
        ("command", 1, "NORMAL"),
        ("batched", 20, "NORMAL"),
        ("command", 1, "FULL"),
        ("batched", 20, "FULL"),
    ],
)
def test_sigkill_mid_run_leaves_only_whole_committed_commands(
    tmp_path: Path, mode: str, batch: int, sync: str
) -> None:
    db = tmp_path / "crash.db"
    reported: set[int] = set()
    for round_ in range(ROUNDS):
        reported |= _run_and_kill(db, mode, batch, sync, round_)
        with EventStore.open(db) as store:  # recovery from the WAL happens here
            assert store.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            present = _check_log(store.read_all(limit=1_000_000), batch)
        missing = reported - present
        assert not missing, f"commands reported committed but lost: {sorted(missing)[:10]}"
    assert len(reported) >= ROUNDS * MIN_COMMITS_BEFORE_KILL
