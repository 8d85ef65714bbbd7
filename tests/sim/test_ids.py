"""Seeded ids: entity ids are uuid4, message ids uuid7 at the simulated millisecond."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from workbench.sim.clock import SimClock
from workbench.sim.ids import IdGenerator, unix_ms

EPOCH = dt.datetime(1970, 1, 1)


@given(
    instant=st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    seed=st.integers(min_value=0, max_value=2**64),
)
def test_a_message_id_is_a_uuid7_of_the_clocks_millisecond(instant: dt.datetime, seed: int) -> None:
    clock = SimClock(start=instant)
    ids = IdGenerator(seed, clock)
    text = ids.message_id()
    parsed = uuid.UUID(text)
    assert str(parsed) == text
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    expected = max(0, (instant - EPOCH) // dt.timedelta(milliseconds=1))
    assert unix_ms(parsed) == expected
    assert IdGenerator(seed, SimClock(start=instant)).message_id() == text  # seeded


def test_message_ids_of_one_instant_differ_and_later_ones_sort_after() -> None:
    clock = SimClock()
    ids = IdGenerator(3, clock)
    same = {ids.message_id() for _ in range(1000)}
    assert len(same) == 1000
    clock.tick()
    later = ids.message_id()
    assert all(earlier < later for earlier in same)


def test_entity_ids_stay_uuid4_and_without_a_clock_message_ids_are_too() -> None:
    ids = IdGenerator(3)
    assert uuid.UUID(ids.new()).version == 4
    assert uuid.UUID(ids.message_id()).version == 4


def test_an_aware_clock_is_read_in_utc() -> None:
    instant = dt.datetime(2030, 1, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    ids = IdGenerator(0, SimClock(start=instant))
    expected = (dt.datetime(2030, 1, 1, 9, 0) - EPOCH) // dt.timedelta(milliseconds=1)
    assert unix_ms(uuid.UUID(ids.message_id())) == expected
