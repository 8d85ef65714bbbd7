"""Model-based test: random appends and reads, checked against an in-memory reference.

Hypothesis drives a state machine through appends to random streams with right, wrong
or no expected versions, batches of appends inside transactions (some rolled back, some
with failures caught inside them), and reads of every kind. A plain Python list is the
reference: it says what each stream's version is, when a ConcurrencyError must happen,
and what ``read_stream``, ``read_all`` (page by page) and ``iter_all`` must return.
Positions are checked to only increase; the reference adopts the positions the store
gives (the promise is order, not particular numbers).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from workbench.store import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamInfo,
)

from .conftest import FIXED_TIME, fixed_clock

STREAMS = st.sampled_from(["a", "b", "c", "d-ü", "e 'q'"])
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
DATA = st.dictionaries(st.text(max_size=5), JSON, max_size=3)
#: How the expected version relates to the real one: right, none (no check) or off by k;
#: "dup" is right but reuses a stored event id, so the whole append must be refused.
HOW = st.sampled_from(["right", "right", "none", "dup"]) | st.integers(-3, 3).filter(bool)


class Rollback(Exception):
    """Raised inside a transaction to make it roll back."""


class StoreMachine(RuleBasedStateMachine):
    backend = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.tmp: Path | None = None
        if self.backend == "memory":
            self.store = EventStore.open(":memory:", clock=fixed_clock)
        else:
            self.tmp = Path(tempfile.mkdtemp(prefix="store-model-"))
            self.store = EventStore.open(self.tmp / "m.db", synchronous="OFF", clock=fixed_clock)
        self.log: list[RecordedEvent] = []  # the reference, in position order
        self.ids = 0

    def teardown(self) -> None:
        self.store.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- the reference -----------------------------------------------------------

    def version(self, stream: str, log: list[RecordedEvent] | None = None) -> int:
        return sum(1 for e in (self.log if log is None else log) if e.stream_id == stream)

    def new_events(self, datas: list[dict[str, Any]]) -> list[NewEvent]:
        events = []
        for i, data in enumerate(datas):
            self.ids += 1
            events.append(
                NewEvent(
                    type=f"T{i}",
                    data=data,
                    schema_version=1 + i % 2,
                    event_id=f"ev-{self.ids}",
                    causation_id=None if i % 2 else f"cause-{self.ids}",
                    recorded_at=FIXED_TIME,
                )
            )
        return events

    def do_append(
        self, log: list[RecordedEvent], stream: str, datas: list[dict[str, Any]], how: Any
    ) -> None:
        """Append through the store and the reference ``log``; check they agree."""
        current = self.version(stream, log)
        events = self.new_events(datas)
        if how == "dup":
            if log and events:
                events[-1] = replace(events[-1], event_id=log[len(log) // 2].event_id)
                with pytest.raises(DuplicateEventError):
                    self.store.append(stream, events, current)
                return
            how = "right"
        expected = current if how == "right" else None if how == "none" else max(0, current + how)
        if expected is not None and expected != current:
            with pytest.raises(ConcurrencyError) as caught:
                self.store.append(stream, events, expected)
            assert (caught.value.expected, caught.value.actual) == (expected, current)
            return
        recorded = self.store.append(stream, events, expected)
        last = log[-1].position if log else 0
        assert [e.version for e in recorded] == list(range(current + 1, current + 1 + len(events)))
        positions = [e.position for e in recorded]
        assert all(p > q for p, q in zip(positions, [last, *positions], strict=False))
        for new, rec in zip(events, recorded, strict=True):
            assert (rec.stream_id, rec.type, rec.event_id, rec.data) == (
                stream,
                new.type,
                new.event_id,
                new.data,
            )
            assert (rec.schema_version, rec.causation_id, rec.recorded_at) == (
                new.schema_version,
                new.causation_id,
                new.recorded_at,
            )
        log.extend(recorded)

    # -- rules ---------------------------------------------------------------------

    @rule(stream=STREAMS, datas=st.lists(DATA, max_size=3), how=HOW)
    def append(self, stream: str, datas: list[dict[str, Any]], how: Any) -> None:
        self.do_append(self.log, stream, datas, how)

    @rule(
        appends=st.lists(
            st.tuples(STREAMS, st.lists(DATA, min_size=1, max_size=2), HOW), max_size=5
        ),
        fail=st.booleans(),
        inner_fail=st.booleans(),
    )
    def batch(
        self, appends: list[tuple[str, list[dict[str, Any]], Any]], fail: bool, inner_fail: bool
    ) -> None:
        """Appends in one transaction; a failing nested block; maybe a rollback of all."""
        pending = list(self.log)
        try:
            with self.store.transaction():
                for i, (stream, datas, how) in enumerate(appends):
                    if inner_fail and i == len(appends) // 2:
                        scratch = list(pending)
                        with pytest.raises(Rollback), self.store.transaction():
                            self.do_append(scratch, stream, datas, how)
                            raise Rollback
                    self.do_append(pending, stream, datas, how)
                if fail:
                    raise Rollback
        except Rollback:
            assert fail
            return
        self.log = pending

    @rule(stream=STREAMS, from_version=st.integers(1, 8))
    def read_stream(self, stream: str, from_version: int) -> None:
        expected = [e for e in self.log if e.stream_id == stream and e.version >= from_version]
        assert self.store.read_stream(stream, from_version) == expected
        assert self.store.stream_version(stream) == self.version(stream)

    @rule(data=st.data(), limit=st.integers(1, 6))
    def read_all_pages(self, data: st.DataObject, limit: int) -> None:
        starts = [0] + [e.position for e in self.log] + [e.position - 1 for e in self.log]
        start = data.draw(st.sampled_from(starts) | st.integers(0, 10_000))
        expected = [e for e in self.log if e.position > start]
        pages, position = [], start
        while page := self.store.read_all(position, limit):
            assert len(page) <= limit
            pages.extend(page)
            position = page[-1].position
        assert pages == expected
        assert self.store.read_all(start, limit) == expected[:limit]

    @rule(page_size=st.integers(1, 5))
    def iterate(self, page_size: int) -> None:
        assert list(self.store.iter_all(0, page_size)) == self.log

    @precondition(lambda self: len(self.log) > 0)
    @invariant()
    def positions_only_increase(self) -> None:
        positions = [e.position for e in self.log]
        assert all(a < b for a, b in itertools.pairwise(positions))

    @invariant()
    def head_and_streams(self) -> None:
        assert self.store.head_position() == (self.log[-1].position if self.log else 0)
        expected = []
        for stream in sorted({e.stream_id for e in self.log}):
            events = [e for e in self.log if e.stream_id == stream]
            expected.append(
                StreamInfo(
                    stream,
                    len(events),
                    len(events),
                    events[0].position,
                    events[-1].position,
                    tuple(sorted({e.type for e in events})),
                )
            )
        assert self.store.streams() == expected

    @invariant()
    def streams_numbered_in_order_of_their_first_event(self) -> None:
        """Rollbacks and refused appends leave no number behind, nor one given twice."""
        conn = self.store.connection
        numbered = conn.execute("SELECT stream_id FROM streams ORDER BY stream_no").fetchall()
        assert [s for (s,) in numbered] == list(dict.fromkeys(e.stream_id for e in self.log))
        mismatched = conn.execute(
            "SELECT COUNT(*) FROM events e JOIN streams s USING (stream_no) "
            "WHERE e.stream_id != s.stream_id"
        ).fetchone()
        assert mismatched == (0,)


class FileStoreMachine(StoreMachine):
    backend = "file"


TestStoreModelMemory = StoreMachine.TestCase
TestStoreModelMemory.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStoreModelFile = FileStoreMachine.TestCase
TestStoreModelFile.settings = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
