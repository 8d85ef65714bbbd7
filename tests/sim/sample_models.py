"""Small models, each written to exercise one part of the simulator's semantics."""

from __future__ import annotations

#: A group checks out when its last pending guest does: a later emit sees earlier ones.
HOTEL = """
workbench: 1
name: Hotel
aggregates:
  Group:
    id: group_id
    state:
      pending: {type: "list[str]", default: []}
      checked_out: {type: bool, default: false}
      swap_a: {type: int, default: 1}
      swap_b: {type: int, default: 2}
    invariants:
      - check: "not (state.checked_out and len(state.pending) > 0)"
        name: a group checks out only when every guest has
commands:
  RegisterGroup:
    aggregate: Group
    stream: new
    fields: {group_id: uuid, guests: "list[str]"}
    rules:
      - {require: "len(command.guests) > 0", error: NoGuests, message: A group needs guests.}
    emits:
      - GroupRegistered: {}
      - event: GuestArrived
        for_each: command.guests
        as: guest
        fields: {guest: guest}
  CheckOut:
    aggregate: Group
    stream: existing
    fields: {group_id: uuid, guest: str}
    rules:
      - {require: "not state.checked_out", error: AlreadyGone}
      - {require: "command.guest in state.pending", error: UnknownGuest}
      - {require: "len(command.guest) < 10", error: NameTooLong}
    emits:
      - GuestCheckedOut: {}
      - event: GroupCheckedOut
        when: "len(state.pending) == 0"
  ForceCheckOut:
    aggregate: Group
    stream: existing
    description: A command missing a rule, so the invariant catches it.
    fields: {group_id: uuid}
    emits:
      - GroupCheckedOut: {}
  Nudge:
    aggregate: Group
    fields: {group_id: uuid}
    emits:
      - event: Nudged
        when: "len(state.pending) > 0"
  Swap:
    aggregate: Group
    fields: {group_id: uuid}
    emits:
      - Swapped: {}
  Split:
    aggregate: Group
    fields: {group_id: uuid, parts: int}
    rules:
      - {require: "len(state.pending) // command.parts >= 0", error: Never}
    emits:
      - Nudged: {}
events:
  GroupRegistered:
    aggregate: Group
    fields: {group_id: uuid, guests: "list[str]"}
  GuestArrived:
    aggregate: Group
    fields: {group_id: uuid, guest: str}
    evolve: {pending: "state.pending + [event.guest]"}
  GuestCheckedOut:
    aggregate: Group
    fields: {group_id: uuid, guest: str}
    evolve: {pending: "[g for g in state.pending if g != event.guest]"}
  GroupCheckedOut:
    aggregate: Group
    fields: {group_id: uuid}
    evolve: {checked_out: "True"}
  Nudged:
    aggregate: Group
    fields: {group_id: uuid}
  Swapped:
    aggregate: Group
    fields: {group_id: uuid}
    evolve: {swap_a: state.swap_b, swap_b: state.swap_a}
"""

#: Read models: one row per order (deleted on cancel), one per customer across streams.
SHOP = """
workbench: 1
name: Shop
types:
  Status: {enum: [open, shipped]}
aggregates:
  Order:
    id: order_id
    state:
      placed: {type: bool, default: false}
commands:
  PlaceOrder:
    aggregate: Order
    stream: new
    fields: {order_id: uuid, customer_id: uuid, items: "list[str]", total: decimal}
    emits: [OrderPlaced: {}]
  ShipOrder:
    aggregate: Order
    stream: existing
    fields: {order_id: uuid}
    emits: [OrderShipped: {}]
  CancelOrder:
    aggregate: Order
    stream: existing
    fields: {order_id: uuid, customer_id: uuid}
    emits: [OrderCancelled: {}]
events:
  OrderPlaced:
    aggregate: Order
    fields: {order_id: uuid, customer_id: uuid, items: "list[str]", total: decimal}
    evolve: {placed: "True"}
  OrderShipped:
    aggregate: Order
    fields: {order_id: uuid}
  OrderCancelled:
    aggregate: Order
    fields: {order_id: uuid, customer_id: uuid}
projections:
  Orders:
    key: order_id
    fields:
      order_id: uuid
      items: "list[str]"
      total: decimal
      status: Status
    on:
      OrderPlaced: {upsert: {items: event.items, total: event.total, status: "'open'"}}
      OrderShipped: {update: {status: "'shipped'"}}
      OrderCancelled: {delete: true}
  Customers:
    key: customer_id
    fields:
      customer_id: uuid
      orders: {type: int, default: 0}
      spent: {type: decimal, default: "0"}
      by_order: {type: "dict[str, decimal]", default: {}}
    on:
      OrderPlaced:
        upsert:
          orders: "row.orders + 1"
          spent: "row.spent + event.total"
          by_order: "merge(row.by_order, {event.order_id: event.total})"
      OrderCancelled:
        update:
          orders: "row.orders - 1"
          by_order: "without(row.by_order, event.order_id)"
  FirstItems:
    key: [customer_id, item]
    fields: {customer_id: uuid, item: str, count: {type: int, default: 0}}
    on:
      OrderPlaced:
        key: [event.customer_id, "event.items[0]"]
        when: "len(event.items) > 0"
        upsert: {count: "row.count + 1"}
"""

#: Policies: an immediate one, a delayed one, and a fan-out.
BOOKINGS = """
workbench: 1
name: Bookings
aggregates:
  Booking:
    id: booking_id
    state:
      paid: {type: bool, default: false}
      cancelled: {type: bool, default: false}
  Mailbox:
    id: customer_id
    state:
      sent: {type: int, default: 0}
commands:
  RequestBooking:
    aggregate: Booking
    stream: new
    fields: {booking_id: uuid, customer_id: uuid, guests: "list[str]"}
    emits: [BookingRequested: {}]
  PayBooking:
    aggregate: Booking
    stream: existing
    fields: {booking_id: uuid}
    rules:
      - {require: "not state.cancelled", error: BookingCancelled}
    emits: [BookingPaid: {}]
  CancelUnpaid:
    aggregate: Booking
    stream: existing
    fields: {booking_id: uuid}
    emits:
      - event: BookingCancelled
        when: "not state.paid and not state.cancelled"
  SendConfirmation:
    aggregate: Mailbox
    fields: {customer_id: uuid, booking_id: uuid, guest: "str?"}
    emits: [ConfirmationSent: {}]
events:
  BookingRequested:
    aggregate: Booking
    fields: {booking_id: uuid, customer_id: uuid, guests: "list[str]"}
  BookingPaid:
    aggregate: Booking
    fields: {booking_id: uuid}
    evolve: {paid: "True"}
  BookingCancelled:
    aggregate: Booking
    fields: {booking_id: uuid}
    evolve: {cancelled: "True"}
  ConfirmationSent:
    aggregate: Mailbox
    fields: {customer_id: uuid, booking_id: uuid, guest: "str?"}
    evolve: {sent: "state.sent + 1"}
policies:
  ConfirmRequest:
    on: BookingRequested
    issue:
      - SendConfirmation: {}
      - command: SendConfirmation
        for_each: event.guests
        as: name
        when: "name != 'nobody'"
        fields: {guest: name}
  CancelIfUnpaid:
    on: BookingRequested
    after: 24h
    issue:
      CancelUnpaid: {}
scenarios:
  - name: an unpaid booking is cancelled after a day
    given:
      - RequestBooking: {booking_id: b1, customer_id: c1, guests: []}
      - advance: 25h
    when:
      PayBooking: {booking_id: b1}
    then:
      error: BookingCancelled
  - name: a booking paid in time stays
    given:
      - RequestBooking: {booking_id: b1, customer_id: c1, guests: []}
      - advance: 2h
      - PayBooking: {booking_id: b1}
      - advance: 24h
    then:
      state: {aggregate: Booking, id: b1, fields: {paid: true, cancelled: false}}
  - name: a request is confirmed once per guest
    when:
      BookingRequested: {booking_id: b1, customer_id: c1, guests: [Ann, nobody, Bea]}
    then:
      commands:
        - SendConfirmation: {customer_id: c1, booking_id: b1, guest: null}
        - SendConfirmation: {guest: Ann}
        - SendConfirmation: {guest: Bea}
        - CancelUnpaid: {booking_id: b1}
"""

#: A policy loop with no way out: the depth guard must stop it.
PING = """
workbench: 1
name: Ping
aggregates:
  Ball:
    id: ball_id
    state:
      hits: {type: int, default: 0}
commands:
  Hit:
    aggregate: Ball
    fields: {ball_id: uuid}
    emits: [Hit_: {}]
events:
  Hit_:
    aggregate: Ball
    fields: {ball_id: uuid}
    evolve: {hits: "state.hits + 1"}
policies:
  HitAgain:
    on: Hit_
    issue: {Hit: {}}
"""

#: An event with three versions: v1 -> v2 renames and adds, v2 -> v3 drops and converts.
LOANS = """
workbench: 1
name: Loans
aggregates:
  Book:
    id: book_id
    state:
      borrower: {type: "uuid?", default: null}
      due: {type: "date?", default: null}
      fee: {type: decimal, default: "0"}
      lent: {type: int, default: 0}
    snapshot_every: 2
commands:
  Lend:
    aggregate: Book
    fields: {book_id: uuid, borrower: uuid, due: date, fee: decimal}
    emits: [BookLent: {}]
events:
  BookLent:
    aggregate: Book
    version: 3
    fields: {book_id: uuid, borrower: uuid, due: date, fee: decimal}
    evolve:
      borrower: event.borrower
      due: event.due
      fee: "state.fee + event.fee"
      lent: "state.lent + 1"
    history:
      1:
        fields: {book_id: uuid, member: uuid, days: int}
        rename: {member: borrower}
        upcast:
          due: "date(2030, 1, 1) + timedelta(days=event.days)"
          fee: "event.days * 2"
      2:
        fields: {book_id: uuid, borrower: uuid, due: date, fee: int, note: "str?"}
"""
