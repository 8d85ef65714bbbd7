"""The simulated clock: time in a dry run is data, not the wall clock.

Why simulate time: a run must be reproducible (the same seed gives the same bytes), and
scenarios must be able to say "on 2030-01-25" or "24 hours later" without waiting. The
clock starts at :data:`DEFAULT_START`, moves on by a fixed ``tick`` after every command
(so events get distinct, ordered timestamps) and jumps when a scenario sets or advances
it. ``now()`` and ``today()`` in expressions read this clock.

>>> clock = SimClock()
>>> clock.now.isoformat()
'2030-01-01T09:00:00'
>>> clock.advance(parse_duration("1.5h")).isoformat()
'2030-01-01T10:30:00'
"""

from __future__ import annotations

import datetime as dt
import re

#: Where a run's clock starts unless told otherwise.
DEFAULT_START = dt.datetime(2030, 1, 1, 9, 0, 0)
#: How far the clock moves after each command.
DEFAULT_TICK = dt.timedelta(seconds=1)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> dt.timedelta:
    """``"24h"`` -> 24 hours; units s, m, h, d, w, as the model format writes delays."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit, e.g. 30m, 24h, 2d"
        )
    return dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def parse_instant(text: str) -> dt.datetime:
    """An ISO-8601 date or date-time as a naive datetime (a date means midnight)."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=None) if value.tzinfo is None else value


class SimClock:
    """A clock that only moves when told to."""

    def __init__(
        self, start: dt.datetime = DEFAULT_START, tick: dt.timedelta = DEFAULT_TICK
    ) -> None:
        if tick < dt.timedelta(0):
            raise ValueError("the clock tick cannot be negative")
        self._now = start
        self.tick_size = tick
        self._text_of: dt.datetime | None = None
        self._text = ""

    @property
    def now(self) -> dt.datetime:
        return self._now

    def text(self) -> str:
        """The current time as the ISO text stored in ``recorded_at`` columns."""
        now = self._now
        if now is not self._text_of:  # formatted once per instant: asked for per event
            self._text = now.isoformat()
            self._text_of = now
        return self._text

    def set(self, instant: dt.datetime) -> None:
        """Jump to ``instant`` (a scenario's ``at``); time may go backwards here on purpose."""
        self._now = instant

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by ``delta`` and return the new time."""
        if delta < dt.timedelta(0):
            raise ValueError("the clock cannot advance by a negative duration")
        self._now += delta
        return self._now

    def tick(self) -> None:
        """Move forward by one tick, after a command ran."""
        self._now += self.tick_size
