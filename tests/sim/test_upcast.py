"""Upcasting stored events written at older schema versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from workbench.evolution.upcast import Upcaster
from workbench.sim.compiled import ModelingProblem
from workbench.sim.engine import Engine
from workbench.store import NewEvent

from .conftest import model_from
from .sample_models import LOANS

OpenEngine = Callable[..., Engine]
BOOK = "b0000000-0000-4000-8000-000000000001"
MEMBER = "a0000000-0000-4000-8000-000000000001"


def stored(version: int, data: dict[str, object], n: int) -> NewEvent:
    return NewEvent(
        type="BookLent",
        data=data,
        schema_version=version,
        event_id=f"e{n}",
        recorded_at="2030-01-01T09:00:00",
    )


def test_each_step_renames_upcasts_carries_and_drops_fields() -> None:
    upcaster = Upcaster(model_from(LOANS))
    v1 = {"book_id": BOOK, "member": MEMBER, "days": 3}
    assert upcaster.decode("BookLent", 1, v1) == {
        "book_id": BOOK,
        "borrower": MEMBER,
        "due": dt.date(2030, 1, 4),
        "fee": Decimal(6),
    }
    v2 = {"book_id": BOOK, "borrower": MEMBER, "due": "2030-02-01", "fee": 4, "note": "late"}
    assert upcaster.decode("BookLent", 2, v2) == {
        "book_id": BOOK,
        "borrower": MEMBER,
        "due": dt.date(2030, 2, 1),
        "fee": Decimal(4),
    }
    assert upcaster.current_version("BookLent") == 3


def test_unknown_versions_and_types_are_modeling_problems() -> None:
    upcaster = Upcaster(model_from(LOANS))
    with pytest.raises(ModelingProblem, match="v7"):
        upcaster.decode("BookLent", 7, {})
    with pytest.raises(ModelingProblem, match="does not define"):
        upcaster.decode("BookBurnt", 1, {})


def test_an_aggregate_loads_from_old_version_events_appended_directly(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(LOANS)
    stream = f"Book-{BOOK}"
    engine.store.append(stream, [stored(1, {"book_id": BOOK, "member": MEMBER, "days": 10}, 1)], 0)
    engine.store.append(
        stream,
        [
            stored(
                2,
                {"book_id": BOOK, "borrower": MEMBER, "due": "2030-03-01", "fee": 1, "note": None},
                2,
            )
        ],
        1,
    )
    assert engine.state("Book", BOOK) == {
        "borrower": MEMBER,
        "due": dt.date(2030, 3, 1),
        "fee": Decimal(21),
        "lent": 2,
    }
    # A new command folds on top of the upcast history and writes the current version.
    run = engine.execute(
        "Lend", {"book_id": BOOK, "borrower": MEMBER, "due": "2030-04-01", "fee": "0.5"}
    )
    assert run.result is not None and run.result.outcome == "accepted"
    assert engine.store.read_stream(stream)[-1].schema_version == 3
    assert engine.state("Book", BOOK)["fee"] == Decimal("21.5")
