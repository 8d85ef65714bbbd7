"""Random but reproducible command workloads for any model, for the engine's tests.

Field values are drawn by type from small pools, so commands keep hitting the same
few streams (a pool of ids per id field name) and rules both pass and fail.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from typing import Any

from workbench.model.schema import Model
from workbench.model.types import TypeRef, parse_type

WORDS = ("Dune", "Emma", "Ada", "Bob", "  ", "x")


class Workload:
    """Draws commands for ``model`` from a seeded generator."""

    def __init__(self, model: Model, seed: int = 42, ids_per_field: int = 3) -> None:
        self.model = model
        self.rng = random.Random(seed)
        self.ids_per_field = ids_per_field
        self.pools: dict[str, list[str]] = {}
        self.enums = model.enums()
        self.records = {
            n: {f: parse_type(s.type) for f, s in fs.items()} for n, fs in model.records().items()
        }
        # Text the model's reference data knows (price-list keys, routes), so rules that
        # look things up in constants pass now and then.
        self.known_text = sorted(
            {
                item
                for constant in model.constants.values()
                if isinstance(constant.value, dict | list)
                for item in constant.value
                if isinstance(item, str)
            }
        )

    def commands(self, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
        names = sorted(self.model.commands)
        for _ in range(count):
            name = self.rng.choice(names)
            command = self.model.commands[name]
            yield name, {f: self.value(parse_type(s.type), f) for f, s in command.fields.items()}

    def value(self, t: TypeRef, field: str, depth: int = 0) -> Any:
        rng = self.rng
        if t.kind == "optional":
            return None if rng.random() < 0.2 else self.value(t.args[0], field, depth)
        if t.kind == "list":
            return [
                self.value(t.args[0], field, depth + 1)
                for _ in range(rng.randint(0, 2 if depth else 3))
            ]
        if t.kind == "dict":
            return {
                self.value(t.args[0], field, depth + 1): self.value(t.args[1], field, depth + 1)
                for _ in range(rng.randint(0, 2))
            }
        if t.kind == "named":
            if t.name in self.enums:
                return rng.choice(self.enums[t.name])
            if t.name in self.records:
                return {f: self.value(ft, f, depth + 1) for f, ft in self.records[t.name].items()}
            return None
        if t.kind == "any":
            return None
        return self.primitive(t.name, field)

    def primitive(self, name: str, field: str) -> Any:
        rng = self.rng
        if name == "uuid":
            pool = self.pools.setdefault(field, [])
            # A few fixed ids keep commands on the same streams; a new one now and then
            # starts fresh streams when the old ones have reached a dead end.
            if len(pool) < self.ids_per_field or rng.random() < 0.05:
                pool.append(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
            return rng.choice(pool)
        if name == "str":
            if self.known_text and rng.random() < 0.6:
                return rng.choice(self.known_text)
            return rng.choice(WORDS)
        if name == "int":
            return rng.randint(-1, 8)
        if name == "float":
            return rng.choice((0.5, 1.0, 2.25))
        if name == "decimal":
            return rng.choice(("0.50", "1", "2.25", "-1"))
        if name == "bool":
            return rng.random() < 0.5
        if name == "date":
            return (dt.date(2030, 1, 1) + dt.timedelta(days=rng.randint(0, 40))).isoformat()
        if name == "datetime":
            return (
                dt.datetime(2030, 1, 1, 9) + dt.timedelta(hours=rng.randint(0, 400))
            ).isoformat()
        raise AssertionError(name)
