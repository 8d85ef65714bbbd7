"""``workbench store events|stream --format csv|json`` exports in bounded memory.

The whole log used to be loaded before a byte was written (450,000 events peaked at
1 GB). Here a 50,000-event file is exported through the CLI into a file, with
:mod:`tracemalloc` counting every Python allocation: the peak must stay a small
fraction of what holding every row takes, measured on a slice of the same rows.
No timings are asserted.
"""

from __future__ import annotations

import contextlib
import csv
import json
import tracemalloc
from pathlib import Path

import pytest

from workbench.cli import cli
from workbench.store import EventStore, NewEvent
from workbench.store.inspect import events_rows

from .conftest import FIXED_TIME

EVENTS = 50_000
LONG_STREAM = "Ledger-1"
LONG_STREAM_EVENTS = 20_000


def _events(prefix: str, count: int) -> list[NewEvent]:
    return [
        NewEvent(
            type="Posted" if n % 2 else "Noted",
            data={"n": n, "memo": f"entry {n} of {prefix}", "amount": f"{n}.25"},
            event_id=f"{prefix}-{n}",
            recorded_at=FIXED_TIME,
        )
        for n in range(count)
    ]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50,000 events: one stream of 20,000 and 300 streams of 100."""
    path = tmp_path_factory.mktemp("export-memory") / "big.db"
    with EventStore.open(path) as store, store.transaction():
        store.append(LONG_STREAM, _events(LONG_STREAM, LONG_STREAM_EVENTS), 0)
        for s in range((EVENTS - LONG_STREAM_EVENTS) // 100):
            store.append(f"Member-{s}", _events(f"Member-{s}", 100), 0)
    return path


@pytest.fixture(scope="module")
def row_bytes(big: Path) -> int:
    """What holding one event row of ``big`` takes, measured on 5,000 of them."""
    with EventStore.open(big, read_only=True) as store:
        tracemalloc.start()
        try:
            rows = events_rows(store, limit=5_000)
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(rows) == 5_000
    return held // len(rows)


def export_peak(out: Path, *args: str | Path) -> int:
    """Run ``workbench store ARGS`` with stdout into ``out``; its peak traced bytes."""
    with out.open("w", encoding="utf-8", newline="") as file, contextlib.redirect_stdout(file):
        tracemalloc.start()
        try:
            cli.main(["store", *map(str, args)], standalone_mode=False)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exporting_the_log_holds_a_page_not_the_log(
    big: Path, row_bytes: int, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"events.{fmt}"
    peak = export_peak(out, "events", big, "--format", fmt)
    text = out.read_text(encoding="utf-8")
    rows = json.loads(text) if fmt == "json" else list(csv.DictReader(text.splitlines()))
    assert len(rows) == EVENTS and int(rows[-1]["position"]) == EVENTS
    # Holding the rows would take more than their text; a page takes ~1,000 rows' worth.
    assert peak < EVENTS * row_bytes / 10, (peak, row_bytes)


def test_exporting_a_long_stream_holds_a_page_not_the_stream(
    big: Path, row_bytes: int, tmp_path: Path
) -> None:
    out = tmp_path / "stream.csv"
    peak = export_peak(out, "stream", big, LONG_STREAM, "--format", "csv")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [int(r["version"]) for r in rows] == list(range(1, LONG_STREAM_EVENTS + 1))
    assert peak < LONG_STREAM_EVENTS * row_bytes / 5, (peak, row_bytes)
