"""Deterministic ids: uuid4-shaped strings from a seeded random generator.

Why not :func:`uuid.uuid4`: it reads the operating system's randomness, so two runs
would store different ids and their files could never be compared byte for byte. Here
every id (commands, events, scenario placeholders) comes from one ``random.Random``
seeded by the run, in the order the run asks for them.

>>> ids = IdGenerator(seed=1)
>>> ids.new() == IdGenerator(seed=1).new()
True
>>> ids.new()[14]  # the version digit of a uuid4
'4'
"""

from __future__ import annotations

import random
import uuid


class IdGenerator:
    """Hands out ids from a seeded generator; the same seed gives the same sequence."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def new(self) -> str:
        """The next id, in canonical uuid text form."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
