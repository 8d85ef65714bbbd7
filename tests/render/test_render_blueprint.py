"""The blueprint grid follows eventmodeling.org and stays stable as the model grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from render_checks import EXAMPLE_MODELS, load, tiny_model

from workbench.model.schema import Model
from workbench.render.blueprint import Band, Blueprint, build_blueprint, timeline
from workbench.render.dot import blueprint_dot
from workbench.render.export import render
from workbench.render.graph import EdgeKind, NodeKind

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


def _names(bp: Blueprint, column: int, kind: NodeKind) -> list[str]:
    return [i.name for i in bp.items if i.column == column and i.kind is kind]


def _arrows(bp: Blueprint) -> set[tuple[str, str, EdgeKind]]:
    return {(bp.item(a.source).name, bp.item(a.target).name, a.kind) for a in bp.arrows}


def test_lanes_are_ordered_as_on_eventmodeling_org() -> None:
    bp = build_blueprint(load(LIBRARY))
    bands = [lane.band for lane in bp.lanes]
    assert bands == sorted(bands, key=list(Band).index)
    assert [lane.title for lane in bp.lanes] == [
        "Librarian",
        "Member",
        "Automation",
        "Commands · Read models",
        "Book events",
        "Member events",
    ]


def test_columns_follow_the_slices_in_file_order() -> None:
    model = load(LIBRARY)
    bp = build_blueprint(model)
    assert [c.name for c in bp.columns] == [s.name for s in model.slices]
    assert [c.index for c in bp.columns] == list(range(1, len(model.slices) + 1))
    assert _names(bp, 4, NodeKind.SCREEN) == ["Loan desk"]
    assert _names(bp, 4, NodeKind.COMMAND) == ["LendBook"]
    assert _names(bp, 4, NodeKind.EVENT) == ["BookLent"]
    assert _names(bp, 3, NodeKind.READ_MODEL) == ["AvailableBooks"]


def test_arrows_go_the_method_s_way() -> None:
    arrows = _arrows(build_blueprint(load(LIBRARY)))
    assert ("Loan desk", "LendBook", EdgeKind.ISSUES) in arrows  # screen -> command
    assert ("LendBook", "BookLent", EdgeKind.EMITS) in arrows  # command -> event
    assert ("BookRegistered", "AvailableBooks", EdgeKind.FEEDS) in arrows  # event -> read model
    assert ("AvailableBooks", "Catalogue", EdgeKind.SHOWN_ON) in arrows  # read model -> screen
    assert ("BookLent", "TrackLoanOnMember", EdgeKind.TRIGGERS) in arrows  # event -> automation
    assert ("TrackLoanOnMember", "RecordLoan", EdgeKind.ISSUES) in arrows  # automation -> command


def test_read_models_are_fed_only_from_earlier_columns() -> None:
    bp = build_blueprint(load(LIBRARY))
    for arrow in bp.arrows:
        if arrow.kind is EdgeKind.FEEDS:
            assert bp.item(arrow.source).column <= bp.item(arrow.target).column


def test_several_events_share_a_column_and_screens_never_stack() -> None:
    for path in EXAMPLE_MODELS:
        bp = build_blueprint(load(path))
        for column in bp.columns:
            screens = [
                i for i in bp.items if i.column == column.index and i.kind is NodeKind.SCREEN
            ]
            assert len(screens) <= 1, (path.name, column.name)
    bp = build_blueprint(load(LIBRARY))
    assert _names(bp, 8, NodeKind.EVENT) == ["MemberReturned", "FineCharged"]


def _with_slice(model: Model, **slice_: Any) -> Model:
    data = model.model_dump(by_alias=True, exclude_unset=True)
    data["slices"] = [*data.get("slices", []), slice_]
    return Model.model_validate(data)


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_adding_a_slice_does_not_reshuffle_earlier_columns(path: Path) -> None:
    model = load(path)
    before = build_blueprint(model)
    after = build_blueprint(
        _with_slice(model, name="A new idea", status="idea", screen="Brand new screen")
    )
    n = len(model.slices)
    assert [c.name for c in after.columns][:n] == [c.name for c in before.columns][:n]
    old = [(i.id, i.lane, i.column) for i in before.items if i.column <= n]
    new = [(i.id, i.lane, i.column) for i in after.items if i.column <= n]
    assert old == new
    # the DOT of every earlier column's cells is byte-identical too
    old_dot = {
        line for line in blueprint_dot(before).splitlines() if line.strip().startswith(("c0", "h0"))
    }
    new_dot = set(blueprint_dot(after).splitlines())
    assert {line for line in old_dot if "-> " not in line} <= new_dot


def test_same_model_gives_the_same_blueprint() -> None:
    assert blueprint_dot(build_blueprint(load(LIBRARY))) == blueprint_dot(
        build_blueprint(load(LIBRARY))
    )


def test_a_single_slice_still_tells_its_story() -> None:
    model = load(LIBRARY)
    bp = build_blueprint(model, [3])  # "Browse the catalogue": the feeding event is drawn as a copy
    copies = [i for i in bp.items if i.copy]
    assert [c.name for c in copies] == ["BookRegistered"]
    assert ("BookRegistered", "AvailableBooks", EdgeKind.FEEDS) in _arrows(bp)
    bp = build_blueprint(model, [5])  # "Track the loan": its trigger comes along
    assert ("BookLent", "TrackLoanOnMember", EdgeKind.TRIGGERS) in _arrows(bp)


def test_elements_no_slice_covers_get_columns_after_the_slices() -> None:
    model = tiny_model(
        commands={"Close": {"aggregate": "Account", "emits": ["Closed"]}},
        events={"Closed": {"aggregate": "Account"}},
        policies={"Archive": {"on": "Closed", "issue": ["Open"]}},
        slices=[{"name": "Open an account", "screen": "Desk", "command": "Open"}],
    )
    columns = timeline(model)
    assert [c.slice.name for c in columns] == ["Open an account", "Close", "Overview", "Archive"]
    assert [c.derived for c in columns] == [False, True, True, True]
    bp = build_blueprint(model)
    assert bp.columns[1].status is None
    assert ("Closed", "Archive", EdgeKind.TRIGGERS) in _arrows(bp)


def test_a_model_without_slices_still_has_a_blueprint() -> None:
    bp = build_blueprint(tiny_model())
    assert [c.name for c in bp.columns] == ["Open", "Overview"]
    assert _arrows(bp) >= {
        ("Desk", "Open", EdgeKind.ISSUES),
        ("Opened", "Overview", EdgeKind.FEEDS),
    }


def test_external_events_sit_in_lanes_at_the_bottom() -> None:
    model = tiny_model(
        externals={"Bank": {}},
        events={"PaymentReceived": {"external": "Bank"}},
        translations={"BookPayment": {"on": "PaymentReceived", "issue": ["Open"]}},
        slices=[{"name": "Payment arrives", "translation": "BookPayment", "command": "Open"}],
    )
    bp = build_blueprint(model)
    assert bp.lanes[-1].band is Band.EXTERNAL and bp.lanes[-1].title == "Bank (external)"
    payment = next(i for i in bp.items if i.name == "PaymentReceived")
    assert payment.lane == bp.lanes[-1].id and payment.external
    assert ("PaymentReceived", "BookPayment", EdgeKind.TRIGGERS) in _arrows(bp)
    automation_lane = next(lane for lane in bp.lanes if lane.band is Band.AUTOMATION)
    assert next(i for i in bp.items if i.name == "BookPayment").lane == automation_lane.id


def test_screens_without_a_role_get_their_own_lane() -> None:
    model = tiny_model(
        screens={"Kiosk": {"issues": ["Open"]}},
        slices=[{"name": "Self service", "screen": "Kiosk", "command": "Open"}],
    )
    bp = build_blueprint(model)
    actors = [(lane.title, lane.band) for lane in bp.lanes if lane.band is Band.ACTOR]
    assert actors == [
        ("Clerk", Band.ACTOR),
        ("Kiosk", Band.ACTOR),
    ]  # roles first, then role-less screens


def test_scenario_panels_are_optional() -> None:
    model = load(LIBRARY)
    assert all(not c.scenarios for c in build_blueprint(model).columns)
    bp = build_blueprint(model, scenarios=True)
    lend = next(c for c in bp.columns if c.name == "Lend a book")
    assert "a lent book cannot be lent again" in [s.name for s in lend.scenarios]
    spec = next(s for s in lend.scenarios if s.name == "a lent book cannot be lent again")
    assert spec.when == "LendBook(book_id=b1, member_id=m2)" and spec.then == (
        "error BookAlreadyLent",
    )
    assert bp.lanes[-1].band is Band.SPECS


def test_events_far_back_are_repeated_instead_of_drawing_board_wide_arrows() -> None:
    from workbench.render.blueprint import MAX_ARROW_SPAN

    bp = build_blueprint(load(LIBRARY))
    for arrow in bp.arrows:
        assert bp.item(arrow.target).column - bp.item(arrow.source).column <= MAX_ARROW_SPAN
    # "See loans per member" (10) is fed by MemberJoined, last drawn in column 1: repeated
    repeated = [i for i in bp.items if i.column == 10 and i.copy]
    assert [i.name for i in repeated] == ["MemberJoined"]


def _payments_model(**extra: Any) -> Model:
    """The QA case: an external system's event that no slice lists and nothing consumes."""
    return tiny_model(
        externals={"Payments": {}},
        events={"PaymentReceived": {"external": "Payments", "fields": {"order_id": "uuid"}}},
        slices=[{"name": "Open an account", "screen": "Desk", "command": "Open"}],
        **extra,
    )


def test_an_external_event_nothing_uses_gets_a_column_in_the_bottom_external_lane() -> None:
    model = _payments_model()
    columns = timeline(model)
    assert [(c.slice.name, c.derived, c.kind) for c in columns] == [
        ("Open an account", False, "state change"),
        ("Overview", True, "state view"),
        ("PaymentReceived", True, "external event"),
    ]
    bp = build_blueprint(model)
    payment = next(i for i in bp.items if i.name == "PaymentReceived")
    assert payment.column == 3 and payment.external and not payment.copy
    assert bp.lanes[-1].band is Band.EXTERNAL and payment.lane == bp.lanes[-1].id
    assert bp.lanes[-1].title == "Payments (external)"
    assert bp.columns[-1].kind == "external event" and bp.columns[-1].status is None
    for fmt in ("text", "mermaid", "dot"):
        assert "PaymentReceived" in render(model, "blueprint", fmt, width=160).decode(), fmt
    text = render(model, "blueprint", "text", width=160).decode()
    assert "○ PaymentReceived" in text and "Payments (external)" in text


def test_an_external_event_that_feeds_a_read_model_is_drawn_where_it_is_used() -> None:
    model = _payments_model(
        projections={
            "Payments seen": {
                "key": "order_id",
                "fields": {"order_id": "uuid"},
                "on": {"PaymentReceived": {"upsert": {}}},
            }
        }
    )
    assert [c.slice.name for c in timeline(model)] == [
        "Open an account",
        "Overview",
        "Payments seen",
    ]
    bp = build_blueprint(model)
    payment = next(i for i in bp.items if i.name == "PaymentReceived")
    seen = next(i for i in bp.items if i.name == "Payments seen")
    assert payment.column == seen.column and payment.external and not payment.copy
    assert ("PaymentReceived", "Payments seen", EdgeKind.FEEDS) in _arrows(bp)


def test_every_event_of_every_example_model_is_on_its_blueprint() -> None:
    for path in [*EXAMPLE_MODELS]:
        model = load(path)
        drawn = {i.name for i in build_blueprint(model).items}
        assert set(model.events) <= drawn, (path.name, set(model.events) - drawn)


def test_a_translation_s_external_trigger_is_not_drawn_as_a_copy() -> None:
    model = tiny_model(
        externals={"Bank": {}},
        events={"PaymentReceived": {"external": "Bank"}},
        translations={"BookPayment": {"on": "PaymentReceived", "issue": ["Open"]}},
        slices=[{"name": "Payment arrives", "translation": "BookPayment", "command": "Open"}],
    )
    payment = next(i for i in build_blueprint(model).items if i.name == "PaymentReceived")
    assert payment.external and not payment.copy
    assert len(timeline(model)) == 2, "an event a translation uses needs no column of its own"
