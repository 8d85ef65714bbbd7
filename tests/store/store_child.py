"""A child process for the store's multi-process tests: ``python store_child.py ROLE ...``.

Roles:

``writer DB MODE BATCH SYNC ROUND``
    Append commands forever, one transaction per command (``MODE=command``) or per
    ``BATCH`` commands (``MODE=batched``), resuming after whatever the file holds.
    Command ``c`` writes ``1 + c % 5`` events to stream ``s-{c % 7}``. After each
    commit it prints ``committed FIRST LAST`` (the commands just committed), flushed,
    so the parent knows what was durable before it sends SIGKILL.

``racer DB STREAM COUNT NAME``
    Print ``ready``, wait for a line on stdin, then append ``COUNT`` events to one
    shared stream, each time reading the stream (as a command handler loads an
    aggregate) and appending with its version as the expected version, retrying on
    ConcurrencyError. Prints a JSON report at the end.

``opener DB``
    Print ``ready``, wait for a line on stdin, open (so create and migrate) the store,
    print ``opened``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from workbench.store import ConcurrencyError, EventStore, NewEvent

TIME = "2024-01-01T00:00:00+00:00"
PAD = "x" * 200  # some bulk, so a transaction takes a while to write


def command_events(cmd: int, batch_id: str, batch_size: int) -> tuple[str, list[NewEvent]]:
    k = 1 + cmd % 5
    events = [
        NewEvent(
            type="Step",
            data={"cmd": cmd, "j": j, "k": k, "batch": batch_id, "size": batch_size, "pad": PAD},
            event_id=f"c{cmd}-{j}",
            correlation_id=f"cmd-{cmd}",
            recorded_at=TIME,
        )
        for j in range(k)
    ]
    return f"s-{cmd % 7}", events


def writer(db: str, mode: str, batch: int, sync: str, round_: str) -> None:
    store = EventStore.open(db, synchronous=sync)  # type: ignore[arg-type]
    last = store.read_all(store.head_position() - 1, 1) if store.head_position() else []
    cmd = last[0].data["cmd"] + 1 if last else 0
    versions = {info.stream_id: info.version for info in store.streams()}
    size = 1 if mode == "command" else batch
    n = 0
    while True:
        batch_id = f"{round_}-{n}"
        first = cmd
        with store.transaction():
            for _ in range(size):
                stream, events = command_events(cmd, batch_id, size)
                recorded = store.append(stream, events, versions.get(stream, 0))
                versions[stream] = recorded[-1].version
                cmd += 1
        print(f"committed {first} {cmd - 1}", flush=True)
        n += 1


def racer(db: str, stream: str, count: int, name: str) -> None:
    store = EventStore.open(db)
    print("ready", flush=True)
    sys.stdin.readline()
    conflicts = 0
    mine: list[list[object]] = []
    while len(mine) < count:
        # Load the "aggregate" as a command handler would; this also widens the gap
        # between reading the version and appending, where another racer can slip in.
        history = store.read_stream(stream)
        version = history[-1].version if history else 0
        event = NewEvent(
            type="Tick",
            data={"who": name, "n": len(mine)},
            event_id=f"{name}-{len(mine)}",
            recorded_at=TIME,
        )
        try:
            (recorded,) = store.append(stream, [event], expected_version=version)
        except ConcurrencyError as error:
            assert error.expected == version and error.actual > version, error
            conflicts += 1
            continue
        mine.append([recorded.event_id, recorded.version])
    print(json.dumps({"name": name, "conflicts": conflicts, "appended": mine}), flush=True)


def opener(db: str) -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    EventStore.open(db).close()
    print("opened", flush=True)


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "writer":
        writer(args[0], args[1], int(args[2]), args[3], args[4])
    elif role == "racer":
        racer(args[0], args[1], int(args[2]), args[3])
    elif role == "opener":
        opener(args[0])
    else:
        raise SystemExit(f"unknown role {role!r}")
