"""Policies: issuing commands, the causation chain, delays, fan-out and the depth guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from workbench.sim.engine import Engine
from workbench.sim.messages import Accepted

from .sample_models import BOOKINGS, PING

OpenEngine = Callable[..., Engine]
BOOKING = "b0000000-0000-4000-8000-000000000001"
CUSTOMER = "c0000000-0000-4000-8000-000000000001"


def request(engine: Engine, guests: list[str] | None = None) -> None:
    engine.execute(
        "RequestBooking", {"booking_id": BOOKING, "customer_id": CUSTOMER, "guests": guests or []}
    )


def test_issued_commands_copy_fields_from_the_event_and_run_after_the_command(
    open_engine: OpenEngine,
) -> None:
    engine = open_engine(BOOKINGS)
    run = engine.execute(
        "RequestBooking", {"booking_id": BOOKING, "customer_id": CUSTOMER, "guests": ["Ann"]}
    )
    assert [(r.command.name, r.outcome) for r in run.results] == [
        ("RequestBooking", "accepted"),
        ("SendConfirmation", "accepted"),
        ("SendConfirmation", "accepted"),
    ]
    assert [i.message.fields for i in run.issued if i.due is None] == [
        {"customer_id": CUSTOMER, "booking_id": BOOKING, "guest": None},
        {"customer_id": CUSTOMER, "booking_id": BOOKING, "guest": "Ann"},
    ]
    assert engine.state("Mailbox", CUSTOMER) == {"sent": 2}


def test_causation_and_correlation_ids_chain_commands_and_events(open_engine: OpenEngine) -> None:
    engine = open_engine(BOOKINGS)
    run = engine.execute(
        "RequestBooking", {"booking_id": BOOKING, "customer_id": CUSTOMER, "guests": []}
    )
    first, follow_up = run.results
    assert isinstance(first, Accepted) and isinstance(follow_up, Accepted)
    root = first.command
    (requested,) = first.events
    assert requested.causation_id == root.command_id
    assert follow_up.command.causation_id == requested.event_id
    assert follow_up.command.issued_by == "ConfirmRequest"
    (sent,) = follow_up.events
    assert sent.causation_id == follow_up.command.command_id
    assert {requested.correlation_id, follow_up.command.correlation_id, sent.correlation_id} == {
        root.command_id
    }
    stored = engine.store.read_stream(f"Mailbox-{CUSTOMER}")[0]
    assert (stored.causation_id, stored.correlation_id) == (sent.causation_id, root.command_id)


def test_a_delayed_policy_fires_when_the_clock_passes_its_time(open_engine: OpenEngine) -> None:
    engine = open_engine(BOOKINGS)
    request(engine)
    (pending,) = engine.schedule.pending()
    assert pending.due == dt.datetime(2030, 1, 1, 9, 0, 0) + dt.timedelta(hours=24)
    assert engine.advance(dt.timedelta(hours=23)).results == []
    run = engine.advance(dt.timedelta(hours=2))
    assert [(r.command.name, [e.type for e in r.events]) for r in run.results] == [
        ("CancelUnpaid", ["BookingCancelled"])
    ]
    (cancelled,) = run.events
    assert cancelled.recorded_at == "2030-01-02T09:00:00"
    assert engine.clock.now == dt.datetime(2030, 1, 2, 10, 0, 2)  # 2 ticks, then 25 hours
    assert engine.state("Booking", BOOKING)["cancelled"] is True
    assert len(engine.schedule) == 0


def test_a_delayed_command_whose_rules_no_longer_apply_is_ignored(open_engine: OpenEngine) -> None:
    engine = open_engine(BOOKINGS)
    request(engine)
    engine.execute("PayBooking", {"booking_id": BOOKING})
    run = engine.advance(dt.timedelta(days=2))
    assert [r.outcome for r in run.results] == ["ignored"]
    assert engine.state("Booking", BOOKING) == {"paid": True, "cancelled": False}


def test_due_delayed_commands_run_before_the_next_command(open_engine: OpenEngine) -> None:
    engine = open_engine(BOOKINGS, tick=dt.timedelta(hours=13))
    request(engine)  # and its follow-up: two ticks, so the clock is 11:00 the next day
    assert engine.clock.now == dt.datetime(2030, 1, 2, 11, 0, 0)
    run = engine.execute("PayBooking", {"booking_id": BOOKING})
    assert [r.command.name for r in run.results] == ["CancelUnpaid", "PayBooking"]
    assert run.result is not None and run.result.command.name == "PayBooking"
    assert run.result.outcome == "rejected"


def test_the_depth_guard_stops_an_endless_chain_and_names_it(open_engine: OpenEngine) -> None:
    engine = open_engine(PING, max_depth=5)
    run = engine.execute("Hit", {"ball_id": BOOKING})
    assert len(run.results) == 5
    (problem,) = run.problems
    assert problem.source == "depth guard"
    assert "more than 5 commands" in problem.message
    assert "(Hit -> Hit_) x 5 -> Hit" in problem.message  # the chain, its loop folded
    assert engine.state("Ball", BOOKING) == {"hits": 5}


def test_a_loop_that_fans_out_is_stopped_by_its_size_and_reported_once(
    open_engine: OpenEngine,
) -> None:
    """Three commands per event grow as 3^depth: the depth limit alone would let a
    chain run 3^20 commands; the chain limit stops it, with one problem each."""
    fanning = PING.replace(
        "issue: {Hit: {}}", 'issue: [{command: Hit, for_each: "[1, 2, 3]", as: k}]'
    )
    engine = open_engine(fanning, max_chain=200)
    run = engine.execute("Hit", {"ball_id": BOOKING})
    assert len(run.results) == 200
    (problem,) = run.problems
    assert problem.source == "depth guard"
    assert "more than 200 commands for one command" in problem.message
    assert engine.state("Ball", BOOKING) == {"hits": 200}
    deep = open_engine(fanning, max_depth=3)  # the depth guard reports once, not per branch
    run = deep.execute("Hit", {"ball_id": BOOKING})
    assert len(run.results) == 1 + 3 + 9 and len(run.problems) == 1


def test_the_default_depth_limit_is_twenty(open_engine: OpenEngine) -> None:
    engine = open_engine(PING)
    run = engine.execute("Hit", {"ball_id": BOOKING})
    assert len(run.results) == 20 and len(run.problems) == 1


def test_react_without_executing_only_records_the_issued_commands(open_engine: OpenEngine) -> None:
    engine = open_engine(BOOKINGS)
    event = engine.append_event(
        "BookingRequested",
        {"booking_id": BOOKING, "customer_id": CUSTOMER, "guests": ["nobody", "Bea"]},
    )
    run = engine.react(event, execute=False)
    assert [(i.policy, i.message.name, i.message.fields.get("guest")) for i in run.issued] == [
        ("ConfirmRequest", "SendConfirmation", None),
        ("ConfirmRequest", "SendConfirmation", "Bea"),
        ("CancelIfUnpaid", "CancelUnpaid", None),
    ]
    assert {i.message.causation_id for i in run.issued} == {event.event_id}
    assert run.results == [] and len(engine.schedule) == 0
    assert engine.store.stream_version(f"Mailbox-{CUSTOMER}") == 0


def test_a_failing_policy_expression_is_a_problem_and_other_policies_still_run(
    open_engine: OpenEngine,
) -> None:
    broken = BOOKINGS.replace(
        "    after: 24h\n", "    after: 24h\n    when: \"event.guests[3] == 'x'\"\n"
    )
    engine = open_engine(broken)
    run = engine.execute(
        "RequestBooking", {"booking_id": BOOKING, "customer_id": CUSTOMER, "guests": []}
    )
    (problem,) = run.problems
    assert problem.source == "policy 'CancelIfUnpaid'"
    assert "event.guests[3] == 'x'" in problem.message and "out of range" in problem.message
    assert [r.command.name for r in run.results] == ["RequestBooking", "SendConfirmation"]
    assert engine.problems == [problem]
