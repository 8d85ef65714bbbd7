"""The public API refuses bad arguments with an error naming the field, on every backend,
and writes nothing; never a raw ``sqlite3`` error, never an ``OverflowError``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from workbench.store import EventStore, NewEvent

from .conftest import FIXED_TIME

Make = Callable[..., NewEvent]


def good(**fields: Any) -> NewEvent:
    """A valid event with some fields replaced (frozen dataclass: bypass the checks)."""
    event = NewEvent(type="BookAdded", data={}, event_id="e-bad", recorded_at=FIXED_TIME)
    for name, value in fields.items():
        object.__setattr__(event, name, value)
    return event


@pytest.mark.parametrize(
    ("event", "error", "message"),
    [
        (good(type=None), TypeError, r"events\[0\]\.type must be a non-empty string, not None"),
        (good(type=""), ValueError, r"events\[0\]\.type must be a non-empty string, not ''"),
        (good(type="   "), ValueError, r"events\[0\]\.type must be a non-empty string"),
        (good(type=3), TypeError, r"events\[0\]\.type must be a non-empty string, not 3"),
        (good(event_id=None), TypeError, r"events\[0\]\.event_id must be a non-empty string"),
        (good(event_id=""), ValueError, r"events\[0\]\.event_id must be a non-empty string"),
        (good(event_id=17), TypeError, r"events\[0\]\.event_id must be a non-empty string"),
        (good(recorded_at=None), TypeError, r"events\[0\]\.recorded_at must be a non-empty"),
        (good(recorded_at=""), ValueError, r"events\[0\]\.recorded_at must be a non-empty"),
        (good(schema_version=0), ValueError, r"events\[0\]\.schema_version must be 1 or more"),
        (good(schema_version=-2), ValueError, r"events\[0\]\.schema_version must be 1 or more"),
        (good(schema_version="1"), TypeError, r"events\[0\]\.schema_version must be an int"),
        (good(schema_version=True), TypeError, r"events\[0\]\.schema_version must be an int"),
        (good(schema_version=None), TypeError, r"events\[0\]\.schema_version must be an int"),
        (good(causation_id=5), TypeError, r"events\[0\]\.causation_id must be a string or None"),
        (good(correlation_id=b"x"), TypeError, r"events\[0\]\.correlation_id must be a string"),
        ({"type": "BookAdded"}, TypeError, r"events\[0\] must be a NewEvent, not dict"),
    ],
    ids=lambda v: repr(v) if isinstance(v, str) else None,
)
def test_a_bad_event_field_is_named(
    store: EventStore, event: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        store.append("s", [event], expected_version=None)
    assert store.head_position() == 0 and store.stream_version("s") == 0


def test_the_bad_event_is_named_by_its_index(store: EventStore, new_event: Make) -> None:
    with pytest.raises(ValueError, match=r"events\[2\]\.type"):
        store.append("s", [new_event(), new_event(), good(type="")], expected_version=0)
    assert store.head_position() == 0


@pytest.mark.parametrize("stream_id", ["", "   ", "\t\n", None, 5])
def test_a_stream_id_must_be_a_non_empty_string(
    store: EventStore, new_event: Make, stream_id: Any
) -> None:
    with pytest.raises(ValueError, match="stream_id must be a non-empty string"):
        store.append(stream_id, [new_event()], expected_version=None)
    assert store.head_position() == 0


@pytest.mark.parametrize("expected", [True, False, "0", 1.0])
def test_expected_version_must_be_an_int(store: EventStore, new_event: Make, expected: Any) -> None:
    with pytest.raises(TypeError, match="expected_version must be an int or None"):
        store.append("s", [new_event()], expected_version=expected)
    assert store.head_position() == 0


def test_str_subclasses_and_generators_are_fine(store: EventStore, new_event: Make) -> None:
    class Name(str):
        pass

    event = dataclasses.replace(new_event(), type=Name("BookAdded"))
    recorded = store.append("s", (e for e in [event, new_event()]), expected_version=0)  # type: ignore[arg-type]
    assert [(r.type, r.version) for r in recorded] == [("BookAdded", 1), (new_event().type, 2)]


def test_data_that_cannot_be_json_is_a_value_error(store: EventStore, new_event: Make) -> None:
    circular: dict[str, Any] = {}
    circular["self"] = circular
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    for head, data in enumerate((circular, {"deep": deep})):
        with pytest.raises(ValueError, match="contains itself, or is nested too deeply"):
            store.append("s", [new_event(), new_event(data=data)], expected_version=0)
        assert store.head_position() == head
        with store.transaction():  # inside a caller's transaction: only this append undone
            store.append("t", [new_event()], expected_version=None)
            with pytest.raises(ValueError, match="nested too deeply"):
                store.append("s", [new_event(data=data)], expected_version=0)
        assert store.stream_version("s") == 0
    assert store.head_position() == 2  # the two appends to "t"
    assert store.append("s", [new_event()], expected_version=0)[0].position == 3


def test_a_checkpoint_must_lie_within_the_log(store: EventStore, new_event: Make) -> None:
    store.append("s", [new_event(), new_event(), new_event()], expected_version=0)
    store.save_checkpoint("proj", 3)
    with pytest.raises(ValueError, match="at position 4, but the log ends at position 3"):
        store.save_checkpoint("proj", 4)
    with pytest.raises(ValueError, match="position must be >= 0"):
        store.save_checkpoint("proj", -1)
    with pytest.raises(TypeError, match="position must be an int"):
        store.save_checkpoint("proj", True)
    with pytest.raises(ValueError, match="the log ends at position 0"):
        EventStore.open(":memory:").save_checkpoint("proj", 1)
    with store.transaction():  # inside a transaction, its own appends count
        store.append("s", [new_event()], expected_version=3)
        store.save_checkpoint("proj", 4)
        with pytest.raises(ValueError, match="ends at position 4"):
            store.save_checkpoint("proj", 2**64)
    assert store.checkpoint("proj") == 4


def test_huge_bounds_are_clamped_not_overflowed(store: EventStore, new_event: Make) -> None:
    store.append("s", [new_event(), new_event()], expected_version=0)
    assert [e.position for e in store.read_all(0, 2**64)] == [1, 2]
    assert store.read_all(2**64, 2**64) == []
    assert [e.position for e in store.read_all(-(2**70), 1)] == [1]
    assert [p[0] for p in store.iter_payloads(0, page_size=2**64)] == [1, 2]
    assert list(store.iter_payloads(2**64)) == []
    assert [e.position for e in store.iter_all(0, page_size=2**65)] == [1, 2]
