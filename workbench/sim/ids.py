"""Deterministic ids: entity ids shaped as uuid4, message ids shaped as uuid7.

Why not :func:`uuid.uuid4`: it reads the operating system's randomness, so two runs
would store different ids and their files could never be compared byte for byte. Here
every id (commands, events, scenario placeholders) comes from one ``random.Random``
seeded by the run, in the order the run asks for them.

Two shapes, for two jobs:

* :meth:`IdGenerator.new` — an entity id (a placeholder such as ``b1``, a generated
  ``uuid`` field): version 4, all random, as the teams' own systems would make them.
* :meth:`IdGenerator.message_id` — the id of a command or an event: version 7 (RFC
  9562), the simulated clock's millisecond first, then random bits. Event ids sit in a
  unique index; random ones land all over it, so once the log outgrows the page cache
  each append reads an index page back from disk. Time-ordered ids append at the
  index's right edge, which is why event stores use them (a fifth faster on a
  200,000-event run, ``benchmarks/bench_engine.py``). They carry the same instant
  as the event's ``recorded_at``, simulated, so they stay deterministic.

>>> ids = IdGenerator(seed=1)
>>> ids.new() == IdGenerator(seed=1).new()
True
>>> ids.new()[14]  # the version digit of a uuid4
'4'
>>> import uuid
>>> a, b = IdGenerator(seed=5), random.Random(5)
>>> all(a.new() == str(uuid.UUID(int=b.getrandbits(128), version=4)) for _ in range(1000))
True
>>> from workbench.sim.clock import SimClock
>>> clock = SimClock()
>>> messages = IdGenerator(seed=1, clock=clock)
>>> first = messages.message_id(); clock.tick(); second = messages.message_id()
>>> first[14], first < second, uuid.UUID(first).version
('7', True, 7)
>>> unix_ms(uuid.UUID(first)) == int(clock.now.replace(tzinfo=dt.timezone.utc).timestamp() * 1000) - 1000
True
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Protocol

#: The bits ``uuid.UUID(int=n, version=4)`` clears, and the variant and version it sets.
_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_SET = (0x8000 << 48) | (4 << 76)
#: The variant bits of a uuid7's last 64 bits: cleared, then set to binary 10.
_CLEAR_VARIANT = ~(3 << 62)
_VARIANT = 1 << 63
_EPOCH = dt.datetime(1970, 1, 1)
_MILLISECOND = dt.timedelta(milliseconds=1)
_MS_MASK = (1 << 48) - 1


class Clock(Protocol):
    """What :meth:`IdGenerator.message_id` needs of the simulated clock."""

    @property
    def now(self) -> dt.datetime: ...


def unix_ms(value: uuid.UUID) -> int:
    """The millisecond a uuid7 was made at (its first 48 bits)."""
    return value.int >> 80


class IdGenerator:
    """Hands out ids from a seeded generator; the same seed gives the same sequence."""

    def __init__(self, seed: int = 0, clock: Clock | None = None) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._bits = self._rng.getrandbits
        self._clock = clock
        self._instant: dt.datetime | None = None
        self._prefix = ""

    def new(self) -> str:
        """The next entity id, in canonical uuid text form.

        Exactly ``str(uuid.UUID(int=bits, version=4))``, formatted directly: a run
        asks for two ids per command, and building a ``UUID`` object for each cost
        more than the rest of the id's life.
        """
        h = ((self._bits(128) & _CLEAR) | _SET).to_bytes(16, "big").hex()  # "%032x", faster
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def message_id(self) -> str:
        """The next command or event id: a uuid7 at the simulated clock's millisecond.

        Without a clock (a generator made for placeholders only) it is :meth:`new`.
        A clock set before 1970 gives millisecond 0: still a valid, unique id.
        """
        clock = self._clock
        if clock is None:
            return self.new()
        now = clock.now
        if now is not self._instant:  # the clock moves once per command; ids come faster
            offset = now.utcoffset()
            naive = now if offset is None else now.replace(tzinfo=None) - offset
            millisecond = max(0, (naive - _EPOCH) // _MILLISECOND) & _MS_MASK
            h = f"{millisecond:012x}"
            self._prefix = f"{h[:8]}-{h[8:]}-7"
            self._instant = now
        # 76 random bits as 20 hex digits: the first is 0, the next three are rand_a, and
        # the top two bits of the last 64 become the variant (binary 10).
        h = ((self._bits(76) & _CLEAR_VARIANT) | _VARIANT).to_bytes(10, "big").hex()
        return f"{self._prefix}{h[1:4]}-{h[4:8]}-{h[8:]}"
