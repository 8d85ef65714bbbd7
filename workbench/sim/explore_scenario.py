"""Writing generated values the way a model file writes them, and scenarios to paste.

An explore finding ends as a scenario the user pastes into the model's ``scenarios:``,
so it must read like one a person wrote: generated uuids become placeholders (``a1``
for the first account, ``gc2`` for the second gift card, the same placeholder for the
same id everywhere), decimals are quoted text (``"19.99"``), dates are ISO dates, and
values a field leaves empty are left out. It must also *load*: what is written here is
parsed back and run by :mod:`workbench.sim.explore_report` before it is shown.

>>> flow({"account_id": "a1", "amount": Quoted("1.00"), "due": Bare("2031-05-10")})
'{account_id: a1, amount: "1.00", due: 2031-05-10}'
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from workbench.model.schema import Model
from workbench.model.types import TypeRef, parse_type
from workbench.model.yaml_scalar import render_scalar, render_string
from workbench.sim.generate import IdKinds, singular
from workbench.sim.values import set_in_order


class Quoted(str):
    """Text written in double quotes, as models write decimals and date-times."""

    __slots__ = ()


class Bare(str):
    """Text written as it is, as models write dates (``2031-05-10``)."""

    __slots__ = ()


def flow(value: Any) -> str:
    """A literal on one line in YAML flow style: ``{account_id: a1, amount: "1.00"}``."""
    if isinstance(value, Quoted):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Bare):
        return str(value)
    if isinstance(value, Mapping):
        items = (f"{_key(k)}: {flow(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return render_scalar(value, flow=True)


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    return render_string(str(key), flow=True)


class Spelling:
    """Turns runtime values into model literals, with one placeholder per generated id.

    Placeholders take the initials of the id's kind (``account_id`` -> ``a``,
    ``gift_card_id`` -> ``gc``), longer when two kinds share initials, and count up
    per kind in the order ids are first written.
    """

    def __init__(self, model: Model) -> None:
        self.kinds = IdKinds(model)
        self.enums = model.enums()
        self.records = {
            name: {f: parse_type(spec.type) for f, spec in fields.items()}
            for name, fields in model.records().items()
        }
        self.names: dict[str, str] = {}
        self._prefixes: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    # -- ids -------------------------------------------------------------------------

    def placeholder(self, value: str, field: str) -> str:
        """The placeholder of a generated id, given on first use."""
        found = self.names.get(value)
        if found is not None:
            return found
        prefix = self._prefix(self.kinds.kind(field) or "id")
        taken = set(self.names.values())
        count = self._counts.get(prefix, 0) + 1
        while f"{prefix}{count}" in taken:
            count += 1
        self._counts[prefix] = count
        self.names[value] = f"{prefix}{count}"
        return self.names[value]

    def _prefix(self, kind: str) -> str:
        found = self._prefixes.get(kind)
        if found is not None:
            return found
        words = [w.lower() for w in kind.split("_") if w and w.lower() not in ("id", "ids")]
        words = words or [kind.lower()]
        initials = "".join(w[0] for w in words)
        tried = [initials]
        tried += [words[0][:n] + initials[1:] for n in range(2, len(words[0]) + 1)]
        tried.append("".join(words))
        used = set(self._prefixes.values())
        prefix = next((p for p in tried if p not in used and p.isidentifier()), "id")
        self._prefixes[kind] = prefix
        return prefix

    def text(self, text: str) -> str:
        """``text`` with every id written so far replaced by its placeholder."""
        for value, name in self.names.items():
            if value in text:
                text = text.replace(value, name)
        return text

    # -- values ----------------------------------------------------------------------

    def fields(self, values: Mapping[str, Any], types: Mapping[str, TypeRef]) -> dict[str, Any]:
        """A message's fields as literals, leaving out the ones that are empty."""
        out: dict[str, Any] = {}
        for name, value in values.items():
            t = types.get(name, _ANY)
            if value is None and t.kind in ("optional", "any"):
                continue
            out[name] = self.literal(value, t, name)
        return out

    def literal(self, value: Any, t: TypeRef, field: str = "") -> Any:
        """One runtime value of type ``t`` as the literal a model file would hold."""
        if value is None:
            return None
        kind = t.kind
        if kind == "optional":
            return self.literal(value, t.args[0], field)
        if kind == "list" and isinstance(value, list | tuple):
            return [self.literal(v, t.args[0], singular(field)) for v in value]
        if kind == "dict" and isinstance(value, Mapping):
            return {
                self._dict_key(k, t.args[0], singular(field)): self.literal(v, t.args[1], "")
                for k, v in value.items()
            }
        if kind == "named" and t.name in self.records and isinstance(value, Mapping):
            return self.fields(value, self.records[t.name])
        if kind == "primitive" and t.name == "uuid" and isinstance(value, str):
            return self.placeholder(value, field)
        return plain(value)

    def _dict_key(self, key: Any, t: TypeRef, field: str) -> Any:
        if t.kind == "primitive" and t.name == "uuid" and isinstance(key, str):
            return self.placeholder(key, field)
        if isinstance(key, dt.date):
            return key.isoformat()
        return key if isinstance(key, int | str) else str(key)


_ANY = TypeRef("any")


def plain(value: Any) -> Any:
    """A runtime value without a field type as a literal (decimals quoted, dates ISO)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return Quoted(format(value, "f"))
    if isinstance(value, dt.datetime):
        return Quoted(value.isoformat())
    if isinstance(value, dt.date):
        return Bare(value.isoformat())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k) if not isinstance(k, int | str) else k: plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):  # in the order the store keeps them
        return [plain(v) for v in set_in_order(value)]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Message:
    """A step of a scenario: an event or command with literal fields, maybe at a time;
    or, with ``advance`` set, a move of the clock (``advance: 24h``)."""

    name: str
    fields: dict[str, Any] = field(default_factory=dict)
    at: dt.datetime | None = None
    advance: str | None = None

    def line(self) -> str:
        if self.advance is not None:
            return f"advance: {render_string(self.advance, flow=True)}"
        if self.at is None:
            return f"{self.name}: {flow(self.fields)}"
        return flow(
            {"message": self.name, "fields": self.fields, "at": Quoted(self.at.isoformat())}
        )


@dataclass
class ScenarioText:
    """The parts of a scenario to write; ``then`` holds its lines (below ``then:``)."""

    name: str
    comments: list[str] = field(default_factory=list)
    given: list[Message] = field(default_factory=list)
    when: Message | None = None
    then: list[str] = field(default_factory=list)

    def render(self, indent: int = 2) -> str:
        """The scenario as an item of the ``scenarios:`` list, ``indent`` spaces in."""
        pad = " " * indent
        lines = [f"{pad}- name: {render_string(self.name)}"]
        lines += [f"{pad}  # {comment}".rstrip() for comment in self.comments]
        if self.given:
            lines.append(f"{pad}  given:")
            lines += [f"{pad}    - {message.line()}" for message in self.given]
        if self.when is not None:
            if self.when.at is None:
                lines += [f"{pad}  when:", f"{pad}    {self.when.line()}"]
            else:
                lines.append(f"{pad}  when: {self.when.line()}")
        lines.append(f"{pad}  then:")
        lines += [f"{pad}    {line}".rstrip() for line in self.then]
        return "\n".join(lines) + "\n"


def then_events(events: Sequence[Message]) -> list[str]:
    """``then`` lines expecting these events."""
    return ["events:", *(f"  - {event.line()}" for event in events)]


def then_commands(commands: Sequence[Message]) -> list[str]:
    """``then`` lines expecting these issued commands."""
    return ["commands:", *(f"  - {command.line()}" for command in commands)]
