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
>>> import uuid
>>> a, b = IdGenerator(seed=5), random.Random(5)
>>> all(a.new() == str(uuid.UUID(int=b.getrandbits(128), version=4)) for _ in range(1000))
True
"""

from __future__ import annotations

import random

#: The bits ``uuid.UUID(int=n, version=4)`` clears, and the variant and version it sets.
_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_SET = (0x8000 << 48) | (4 << 76)


class IdGenerator:
    """Hands out ids from a seeded generator; the same seed gives the same sequence."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rng = random.Random(seed)
        self._bits = self._rng.getrandbits

    def new(self) -> str:
        """The next id, in canonical uuid text form.

        Exactly ``str(uuid.UUID(int=bits, version=4))``, formatted directly: a run
        asks for two ids per command, and building a ``UUID`` object for each cost
        more than the rest of the id's life.
        """
        h = ((self._bits(128) & _CLEAR) | _SET).to_bytes(16, "big").hex()  # "%032x", faster
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
