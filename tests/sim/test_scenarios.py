"""The scenario runner: given/when/then on fresh stores, placeholders, failure diffs."""

from __future__ import annotations

from workbench.model.loader import load_model_text
from workbench.sim.report import failure_lines
from workbench.sim.scenarios import ScenarioResult, ScenarioRunner

from .conftest import model_from
from .sample_models import BOOKINGS, HOTEL, SHOP


def run(text: str, pattern: str | None = None) -> dict[str, ScenarioResult]:
    results = ScenarioRunner(model_from(text)).run_all(pattern)
    return {r.name: r for r in results}


def lines(result: ScenarioResult) -> list[str]:
    return list(failure_lines(result.failures))


HOTEL_SCENARIOS = (
    HOTEL
    + """
scenarios:
  - name: the last guest out checks the group out
    given:
      - GroupRegistered: {group_id: g1, guests: [Ann, Bea]}
      - GuestArrived: {group_id: g1, guest: Ann}
      - GuestArrived: {group_id: g1, guest: Bea}
      - CheckOut: {group_id: g1, guest: Ann}
    when:
      CheckOut: {group_id: g1, guest: Bea}
    then:
      events:
        - GuestCheckedOut: {guest: Bea}
        - GroupCheckedOut: {group_id: g1}
      state: {pending: [], checked_out: true}
  - name: wrong guest checked out
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann, Bea]}
    when:
      CheckOut: {group_id: g1, guest: Ann}
    then:
      events:
        - GuestCheckedOut: {guest: Bea, group_id: g2}
        - GroupCheckedOut: {}
      state: {pending: [Ann]}
  - name: expects an error but the command is accepted
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann]}
    when:
      CheckOut: {group_id: g1, guest: Ann}
    then:
      error: UnknownGuest
  - name: expects events but the command is rejected
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann]}
    when:
      CheckOut: {group_id: g1, guest: Zed}
    then:
      events:
        - GuestCheckedOut: {guest: Zed}
  - name: nothing happens when there is nobody to nudge
    when:
      Nudge: {group_id: g1}
    then:
      nothing: true
  - name: expects nothing but gets an event
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann]}
    when:
      Nudge: {group_id: g1}
    then:
      nothing: true
  - name: a state check on a group that never registered
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann]}
    then:
      state: {aggregate: Group, id: g9, fields: {pending: [Ann]}}
  - name: a given command that is rejected
    given:
      - CheckOut: {group_id: g1, guest: Ann}
    when:
      Nudge: {group_id: g1}
    then:
      nothing: true
  - name: an invariant broken by the when command
    given:
      - RegisterGroup: {group_id: g1, guests: [Ann]}
    when:
      ForceCheckOut: {group_id: g1}
    then:
      events:
        - GroupCheckedOut: {}
"""
)


def test_a_passing_scenario_has_no_failures() -> None:
    result = run(HOTEL_SCENARIOS, "last guest")["the last guest out checks the group out"]
    assert result.passed, lines(result)
    assert set(result.placeholders) == {"g1"}


def test_field_differences_are_listed_field_by_field_with_placeholders() -> None:
    result = run(HOTEL_SCENARIOS)["wrong guest checked out"]
    assert not result.passed
    assert lines(result) == [
        "then.events[0] GuestCheckedOut",
        "  guest: expected Bea, got Ann",
        "  group_id: expected g2, got g1",
        "then.events[1] GroupCheckedOut",
        "  expected GroupCheckedOut, got no such event",
        "then.state (Group g1)",
        "  pending: expected [Ann], got [Bea]",
    ]


def test_error_events_and_nothing_expectations_say_what_happened_instead() -> None:
    results = run(HOTEL_SCENARIOS)
    assert lines(results["expects an error but the command is accepted"]) == [
        "then.error",
        "  expected UnknownGuest, got the command was accepted, emitting GuestCheckedOut, GroupCheckedOut",
    ]
    assert lines(results["expects events but the command is rejected"]) == [
        "then.events",
        "  events are expected, but the command was rejected with UnknownGuest",
    ]
    assert results["nothing happens when there is nobody to nudge"].passed
    assert lines(results["expects nothing but gets an event"]) == [
        "then.nothing",
        "  expected nothing to happen, got the command was accepted, emitting Nudged",
    ]


def test_a_broken_given_fails_the_scenario_naming_the_step() -> None:
    # Validation refuses a step missing a field (WB505); the runner, which may be
    # handed a model nobody validated, still says which step and which field.
    text = (
        HOTEL
        + """
scenarios:
  - name: a given event missing a field
    given:
      - GuestArrived: {group_id: g1}
    when:
      Nudge: {group_id: g1}
    then:
      nothing: true
"""
    )
    loaded = load_model_text(text, "test.yaml", validate=False)
    assert loaded.model is not None
    (result,) = ScenarioRunner(loaded.model).run_all()
    assert lines(result) == [
        "given[0]",
        "  event 'GuestArrived' needs field 'guest' (str)",
    ]
    results = run(HOTEL_SCENARIOS)
    assert lines(results["a given command that is rejected"]) == [
        "given[0]",
        "  given command CheckOut was rejected with NotFound (Group-g1 does not exist)",
    ]


def test_a_state_check_on_a_stream_with_no_events_says_the_stream_does_not_exist() -> None:
    result = run(HOTEL_SCENARIOS)["a state check on a group that never registered"]
    assert lines(result) == [
        "then.state (Group g9)",
        "  Group g9 has no events: its stream does not exist",
    ]
    # Expecting the state a stream starts with still passes: nothing differs.
    text = HOTEL_SCENARIOS.replace("fields: {pending: [Ann]}}", "fields: {pending: []}}")
    assert run(text)["a state check on a group that never registered"].passed


def test_a_modeling_error_in_the_when_command_fails_the_scenario() -> None:
    (failure,) = run(HOTEL_SCENARIOS)["an invariant broken by the when command"].failures
    assert failure.where == "when"
    assert "invariant 'a group checks out only when every guest has'" in failure.message
    assert failure.message.endswith(
        "with state {pending: [Ann], checked_out: true, swap_a: 1, swap_b: 2}"
    )


def test_delayed_policies_given_commands_and_issued_commands() -> None:
    results = run(BOOKINGS)
    assert all(r.passed for r in results.values()), {n: lines(r) for n, r in results.items()}


def test_given_events_reach_read_models_but_not_policies() -> None:
    text = (
        BOOKINGS.split("scenarios:")[0]
        + """
scenarios:
  - name: history does not trigger policies
    given:
      - BookingRequested: {booking_id: b1, customer_id: c1, guests: [Ann]}
      - advance: 48h
    then:
      state: {aggregate: Mailbox, id: c1, fields: {sent: 0}}
  - name: given commands do
    given:
      - RequestBooking: {booking_id: b1, customer_id: c1, guests: [Ann]}
      - advance: 48h
    then:
      state: {aggregate: Booking, id: b1, fields: {cancelled: true}}
"""
    )
    results = run(text)
    assert all(r.passed for r in results.values()), {n: lines(r) for n, r in results.items()}


READ_MODEL_SCENARIOS = (
    SHOP
    + """
scenarios:
  - name: rows match by key in any order
    given:
      - OrderPlaced: {order_id: o1, customer_id: c1, items: [pen], total: "1.50"}
      - OrderPlaced: {order_id: o2, customer_id: c1, items: [ink], total: "2"}
      - OrderPlaced: {order_id: o3, customer_id: c2, items: [], total: "1"}
      - OrderCancelled: {order_id: o1, customer_id: c1}
    then:
      read_models:
        Customers:
          - {customer_id: c2, spent: "1.00"}
          - {customer_id: c1, orders: 1, by_order: {o2: "2"}}
        Orders:
          - {order_id: o2, items: [ink], status: open}
          - {order_id: o3}
  - name: row differences and counts
    given:
      - OrderPlaced: {order_id: o1, customer_id: c1, items: [pen], total: "1.50"}
      - OrderPlaced: {order_id: o2, customer_id: c1, items: [ink], total: "2"}
    then:
      read_models:
        Orders:
          - {order_id: o1, status: shipped, total: "1.5"}
          - {order_id: o9}
"""
)


def test_read_model_rows_match_by_key_regardless_of_order() -> None:
    result = run(READ_MODEL_SCENARIOS)["rows match by key in any order"]
    assert result.passed, lines(result)


def test_read_model_differences_list_fields_missing_rows_and_counts() -> None:
    result = run(READ_MODEL_SCENARIOS)["row differences and counts"]
    assert lines(result) == [
        "then.read_models.Orders[0] {order_id: o1}",
        "  status: expected shipped, got open",
        "then.read_models.Orders[1]",
        "  expected {order_id: o9}, got no such row (rows there: {order_id: o2})",
    ]


def test_a_missing_row_shows_the_closest_rows_there() -> None:
    text = (
        SHOP
        + """
scenarios:
  - name: a total nobody spent
    given:
      - OrderPlaced: {order_id: o1, customer_id: c1, items: [pen], total: "1"}
      - OrderPlaced: {order_id: o2, customer_id: c1, items: [ink], total: "2"}
      - OrderPlaced: {order_id: o3, customer_id: c1, items: [pad], total: "3"}
      - OrderPlaced: {order_id: o4, customer_id: c1, items: [ink], total: "4"}
      - OrderShipped: {order_id: o1}
    then:
      read_models:
        Orders:
          - {order_id: o9, items: [ink], total: "4.00", status: open}
"""
    )
    (failure, _count) = run(text)["a total nobody spent"].failures
    assert failure.line() == (
        "expected {order_id: o9, items: [ink], total: 4.00, status: open}, got no such row"
        " (closest of 4 rows: {order_id: o4, items: [ink], total: 4, status: open};"
        " {order_id: o2, items: [ink], total: 2, status: open};"
        " {order_id: o3, items: [pad], total: 3, status: open})"
    )


def test_an_extra_row_is_reported_with_the_row_count() -> None:
    text = READ_MODEL_SCENARIOS.replace("          - {order_id: o9}\n", "")
    result = run(text)["row differences and counts"]
    assert (
        result.failures[-1]
        .line()
        .startswith("rows: expected 1, got 2 (unexpected: {order_id: o2, items: [ink]")
    )


def test_the_same_seed_gives_the_same_ids_in_every_run() -> None:
    first = run(HOTEL_SCENARIOS, "last guest")
    second = run(HOTEL_SCENARIOS, "last guest")
    assert [r.placeholders for r in first.values()] == [r.placeholders for r in second.values()]


def test_at_sets_the_clock_for_the_scenario_and_for_one_step() -> None:
    text = (
        BOOKINGS.split("scenarios:")[0]
        + """
scenarios:
  - name: a step at a later time lets the delayed policy fire first
    at: "2030-06-01T08:00:00"
    given:
      - RequestBooking: {booking_id: b1, customer_id: c1, guests: []}
    when: {message: PayBooking, fields: {booking_id: b1}, at: "2030-06-02T08:00:01"}
    then:
      error: BookingCancelled
  - name: paying a minute before the deadline works
    at: "2030-06-01T08:00:00"
    given:
      - RequestBooking: {booking_id: b1, customer_id: c1, guests: []}
    when: {message: PayBooking, fields: {booking_id: b1}, at: "2030-06-02T07:59:00"}
    then:
      events:
        - BookingPaid: {booking_id: b1}
"""
    )
    results = run(text)
    assert all(r.passed for r in results.values()), {n: lines(r) for n, r in results.items()}
