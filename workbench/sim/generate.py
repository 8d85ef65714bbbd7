"""Generated commands: typed input for dry runs that nobody had to write by hand.

``workbench explore`` searches random command sequences for modeling bugs and
``workbench simulate`` runs generated workloads; both need commands whose values fit
the field types *and* reach the interesting paths of the model. Uniformly random
values rarely do: a random uuid never names an account that exists, so nearly every
command would be rejected with ``NotFound`` and the rules behind it never run. So the
generator is biased towards what a model's rules look at:

* ids come from the ids already used for the same kind of id most of the time (an
  ``account_id``, a ``to_account_id`` and the items of ``account_ids`` are one kind),
  fresh ones sometimes: commands meet existing streams and create new ones;
* text reuses what was used for the same field before, or the model's own constants
  (the keys of a price list, the bins of a warehouse), or a few edge words;
* numbers are small and positive mostly, and sometimes the edges that break rules:
  zero, negative, large, a constant and one past it, less than a cent;
* dates and times lie near the simulated clock; enums take their values; lists and
  dicts are small.

Which commands: by default only the ones a person issues (:func:`person_issued`): a
command that only policies or translations issue (``RecordLoan`` after ``BookLent``)
is left to them, as in the running system. ``person_only=False`` generates every
command (``explore`` does: calling an automation's command directly is a way in too),
and ``commands=`` names them outright.

Ids of existing streams: a caller that runs the commands tells the generator what
was appended, ``generator.observe_run(run)`` after each engine call (or
``observe(event.type, event.data)`` per event); from then on a command on an
existing stream, and any other field naming an aggregate, picks ids of streams that
exist rather than ids a rejected command once made up. Without it the generator
falls back to ids it used before.

Where the choices come from is pluggable (:class:`Choices`): a seeded
``random.Random`` for workloads, or hypothesis draws for ``explore``
(:meth:`CommandGenerator.strategy`), which lets hypothesis shrink a failing sequence
choice by choice. Every choice shrinks towards the plain case: the first option, the
lower bound, an id that was used before.

>>> from workbench.model.loader import load_model
>>> model = load_model("models/bank.yaml").model                     # doctest: +SKIP
>>> generator = CommandGenerator(model, random.Random(7))            # doctest: +SKIP
>>> name, fields = generator.next_command()                          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from workbench.model.schema import Model
from workbench.model.types import TypeRef, parse_type
from workbench.sim.clock import DEFAULT_START
from workbench.sim.compiled import constant_values
from workbench.sim.messages import Run
from workbench.sim.values import ValueTypes

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

T = TypeVar("T")

#: Words for text fields: plain ones first (what shrinking ends at), then the edges.
WORDS: tuple[str, ...] = ("alpha", "beta", "gamma", "", "  ", "Zoë ✓", "x" * 120)
#: How far from the simulated clock generated dates fall, in days.
DATE_OFFSETS: tuple[int, ...] = (0, 1, -1, 2, 7, 30, -30, 365, -365, 400)
#: How far from the simulated clock generated date-times fall, in hours.
HOUR_OFFSETS: tuple[int, ...] = (0, 1, -1, 24, -24, 24 * 30, -24 * 30, 24 * 400)
#: Plain offsets, for runs that want realistic input rather than edges (days, hours).
PLAIN_DATE_OFFSETS: tuple[int, ...] = (0, 1, 2, 7, 14, 30)
PLAIN_HOUR_OFFSETS: tuple[int, ...] = (0, 1, 2, 24, 48)
#: How often a person-issued run takes an edge value rather than a plain one.
PERSON_EDGES = 0.05
#: ``DrawChoices.index`` draws below this and wraps around the list's size.
INDEX_RANGE = 64
#: :meth:`CommandGenerator.next_accepted_command`: drafts of one command's values, and
#: commands drawn, before it gives up and returns a draft the model rejects.
ACCEPT_TRIES = 8
ACCEPT_COMMANDS = 6
#: Large numbers: far beyond any sensible limit, yet inside a 64-bit integer.
LARGE: tuple[int, ...] = (1_000_000, 2**31 - 1, 10**12)


class Choices(Protocol):
    """Where a generator's decisions come from; every choice shrinks towards the first/lowest."""

    def integer(self, low: int, high: int) -> int:
        """A whole number from ``low`` to ``high`` inclusive."""
        ...

    def pick(self, options: Sequence[T]) -> T:
        """One of ``options`` (not empty)."""
        ...

    def chance(self, probability: float) -> bool:
        """True with about ``probability``; shrinks towards False."""
        ...

    def index(self, size: int) -> int:
        """A position in a list of ``size`` items that grows as a run goes on."""
        ...


class RandomChoices:
    """Choices from a seeded ``random.Random``: the same seed gives the same commands."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def index(self, size: int) -> int:
        return self.rng.randrange(size)


class DrawChoices:
    """Choices drawn through hypothesis, so it can replay and shrink them.

    ``chance`` is a pick among twenty slots, the first ones False: hypothesis has no
    public weighted coin, and a pick shrinks towards its first option.
    """

    # The generator makes the same choices whatever it has seen so far (it draws
    # ``chance`` and ``index`` even where the answer will not be used): hypothesis
    # shrinks the sequence of choices, and a step left out must not shift the meaning
    # of every choice after it.

    def __init__(self, draw: DrawFn) -> None:
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(_integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        if len(options) == 1:
            return options[0]
        return options[self.draw(_integers(0, len(options) - 1))]

    def chance(self, probability: float) -> bool:
        slots = round(probability * 20)
        if slots <= 0:
            return False
        if slots >= 20:
            return True
        return self.draw(_integers(0, 19)) >= 20 - slots

    def index(self, size: int) -> int:
        # Drawn from a fixed range, whatever the size: when shrinking drops a step, the
        # later steps see shorter lists, and their choices must still line up.
        return self.draw(_integers(0, INDEX_RANGE - 1)) % size


_INTEGER_STRATEGIES: dict[tuple[int, int], SearchStrategy[int]] = {}


def _integers(low: int, high: int) -> SearchStrategy[int]:
    """``st.integers(low, high)``, built once: a sequence draws thousands of them."""
    found = _INTEGER_STRATEGIES.get((low, high))
    if found is None:
        from hypothesis import strategies

        found = _INTEGER_STRATEGIES[(low, high)] = strategies.integers(low, high)
    return found


def singular(name: str) -> str:
    """The name of one item of a list field: ``account_ids`` -> ``account_id``."""
    if name.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 1:
        return name[:-1]
    return name


class ValuePool(list[Any]):
    """Values in order of first use, with a set beside the list: a long run asks
    whether it has seen a value once per field of every command and event, and a
    list alone answers that in time that grows with the run."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[Any] = set()

    def add(self, value: Any) -> None:
        """Append ``value`` unless it is in the pool already."""
        try:
            if value in self.seen:
                return
            self.seen.add(value)
        except TypeError:  # an unhashable value: the list alone knows
            if value in self:
                return
        self.append(value)


class IdKinds:
    """Which kind of id a field holds, so ids are reused where they make sense.

    An aggregate's id field is its own kind; a field that ends in it (``to_account_id``,
    ``from_account_id``) is the same kind; any other id field is a kind of its own,
    named after the field (``customer_id``, ``transfer_id``).
    """

    def __init__(self, model: Model) -> None:
        self.id_fields: dict[str, TypeRef] = {
            aggregate.id: parse_type(aggregate.id_type) for aggregate in model.aggregates.values()
        }
        self._longest_first = sorted(self.id_fields, key=len, reverse=True)

    def kind(self, field: str) -> str:
        if field in self.id_fields:
            return field
        for id_field in self._longest_first:
            if field.endswith("_" + id_field):
                return id_field
        return field

    def is_aggregate_id(self, field: str) -> bool:
        return self.kind(field) in self.id_fields


def person_issued(model: Model) -> tuple[str, ...]:
    """The commands a person issues, in model order.

    A command is issued by a person when a screen lists it (``screens.*.issues``), a
    slice with a screen or role has it, it has a ``role``, or no policy or translation
    issues it. The rest are issued only by automations.
    """
    on_screens = {name for screen in model.screens.values() for name in screen.issues}
    on_slices = {s.command for s in model.slices if s.command and (s.screen or s.role)}
    automated = {
        issued.command
        for policy in (*model.policies.values(), *model.translations.values())
        for issued in policy.issue
    }
    return tuple(
        name
        for name, command in model.commands.items()
        if name in on_screens
        or name in on_slices
        or command.role is not None
        or name not in automated
    )


class CommandGenerator:
    """Generates commands of one model, one at a time, remembering the values it used.

    ``rng`` drives :meth:`next_command` unless a call passes its own :class:`Choices`
    (explore passes hypothesis draws). ``commands`` names the commands to generate;
    without it, ``person_only`` (the default) generates the commands a person issues
    (:func:`person_issued`; all of them if no command qualifies), ``person_only=False``
    every command. ``edges`` is how often a value is drawn from the edges that break
    rules (zero, negative, huge, odd text, far dates) rather than plain: by default
    always for ``person_only=False`` (explore is after the edges), seldom (5%) for
    person-issued runs, which should look like real use. ``now`` reads the simulated clock, so dates fall near it. The
    values are runtime values (``Decimal``, ``datetime.date``, uuid text), ready for
    :meth:`workbench.sim.engine.Engine.execute`. Feed what the engine appended back
    with :meth:`observe_run`, so commands meet streams that exist.
    """

    def __init__(
        self,
        model: Model,
        rng: random.Random | None = None,
        *,
        commands: Iterable[str] | None = None,
        now: Callable[[], dt.datetime] | None = None,
        fresh_ids: float = 0.2,
        person_only: bool = True,
        edges: float | None = None,
    ) -> None:
        self.model = model
        rng = rng or random.Random(0)
        self.choices: Choices = RandomChoices(rng)
        self.now = now or (lambda: DEFAULT_START)
        self.fresh_ids = fresh_ids
        #: How often a value may be an edge (zero, negative, huge, odd text, far dates).
        self.edges = (PERSON_EDGES if person_only else 1.0) if edges is None else edges
        self.kinds = IdKinds(model)
        self.values = ValueTypes(model)
        if commands is not None:
            names = list(commands)
        else:
            names = list((person_only and person_issued(model)) or model.commands)
        unknown = [name for name in names if name not in model.commands]
        if unknown:
            raise ValueError(f"unknown command {', '.join(repr(n) for n in unknown)}")
        if not names:
            raise ValueError("there is no command to generate")
        self.command_names = tuple(names)
        self.command_types = {
            name: {f: parse_type(spec.type) for f, spec in model.commands[name].fields.items()}
            for name in model.commands
        }
        self.record_types = {
            name: {f: parse_type(spec.type) for f, spec in fields.items()}
            for name, fields in model.records().items()
        }
        texts, numbers = _constant_edges(model, self.values)
        self.constant_texts = texts
        self.constant_numbers = numbers
        #: Text the model's expressions compare with (``'AP'``, ``'eur'``) and constants.
        self.words = tuple(
            dict.fromkeys((*WORDS, *texts, *(t for t in _expression_texts(model) if t)))
        )
        #: The plain words: the texts of the model's constants (a price list's skus, a
        #: warehouse's bins), else the texts its expressions compare with, else a few.
        self.plain_words = tuple(t for t in texts if t.strip()) or tuple(
            w for w in self.words if w.strip() and w not in WORDS[3:]
        )
        #: Values used so far: id kind or field name -> values, in order of first use.
        self.used: dict[str, ValuePool] = {}
        #: Ids of streams known to exist (from :meth:`observe`): id kind -> ids.
        self.streams: dict[str, ValuePool] = {}
        #: Ids this generator gave commands that create a stream (``stream: new`` or
        #: ``any``): the best guess at the streams that exist while nothing is observed.
        self.created: dict[str, ValuePool] = {}
        self._observed = False
        self.event_types = {
            name: {f: parse_type(spec.type) for f, spec in event.fields.items()}
            for name, event in model.events.items()
        }
        self.event_id_fields = {
            name: model.aggregates[event.aggregate].id
            for name, event in model.events.items()
            if event.aggregate in model.aggregates
        }
        # Its own stream of ids, seeded from ``rng``: a fresh id costs no choice, so
        # shrinking the other choices never renames the ids a sequence uses.
        self._id_rng = random.Random(rng.getrandbits(64))

    # -- commands --------------------------------------------------------------------

    def next_command(self, choices: Choices | None = None) -> tuple[str, dict[str, Any]]:
        """A command name and its field values; the values are remembered for reuse.

        A command on an existing stream is chosen only once some id could name one:
        one given to a command that creates a stream, or, when the caller reports
        appended events through :meth:`observe_run`, one whose stream exists.
        """
        pick = choices or self.choices
        name = self._ready(pick.pick(self.command_names))
        fields = self._fields(name, pick)
        self._keep(name, fields)
        return name, fields

    def next_accepted_command(
        self,
        accepts: Callable[[str, dict[str, Any]], bool],
        *,
        unchecked: float = 0.0,
        tries: int = ACCEPT_TRIES,
        commands: int = ACCEPT_COMMANDS,
    ) -> tuple[str, dict[str, Any]]:
        """:meth:`next_command`, redrawn until ``accepts`` says the model takes it.

        Random values meet a model's rules as a person's input seldom does: a return
        for a book that is not lent, a payment larger than the fine. A workload of
        those measures the rejection path. So each command is drawn, its values
        redrawn up to ``tries`` times, and if none is accepted another command is
        drawn, up to ``commands`` of them; failing all that, the last draw is returned
        and will be rejected (the summary shows it). ``accepts`` is the engine's own
        decision on the current state (:meth:`~workbench.sim.engine.Engine.decide`).
        A share ``unchecked`` of the commands is returned as first drawn, so a run can
        keep some of the errors people do make. Only the returned values are
        remembered: ids of drafts that were turned down are not reused.
        """
        pick = self.choices
        if unchecked > 0 and pick.chance(unchecked):
            return self.next_command()
        name, fields = "", {}
        for _ in range(commands):
            name = self._ready(pick.pick(self.command_names))
            for _ in range(tries):
                fields = self._fields(name, pick)
                if accepts(name, fields):
                    self._keep(name, fields)
                    return name, fields
        self._keep(name, fields)
        return name, fields

    def _fields(self, name: str, pick: Choices) -> dict[str, Any]:
        """Values for every field of command ``name``; nothing is remembered yet."""
        command = self.model.commands[name]
        id_field = self.model.aggregates[command.aggregate].id
        fields: dict[str, Any] = {}
        for field, t in self.command_types[name].items():
            if field == id_field:
                fields[field] = self._stream_id(command.stream, field, t, pick)
            else:
                fields[field] = self.value(t, field, pick)
        return fields

    def _keep(self, name: str, fields: dict[str, Any]) -> None:
        """Remember a command's values for reuse, and the stream it may create."""
        command = self.model.commands[name]
        id_field = self.model.aggregates[command.aggregate].id
        self.remember(fields, self.command_types[name])
        if command.stream != "existing" and fields.get(id_field) is not None:
            self.created.setdefault(self.kinds.kind(id_field), ValuePool()).add(fields[id_field])

    def event_fields(self, event: str, choices: Choices | None = None) -> dict[str, Any]:
        """Field values for an event from outside (an external system's), remembered.

        Explore feeds such events to the translations that react to them.
        """
        pick = choices or self.choices
        types = self.event_types[event]
        fields = {field: self.value(t, field, pick) for field, t in types.items()}
        self.remember(fields, types)
        return fields

    def strategy(self) -> SearchStrategy[tuple[str, dict[str, Any]]]:
        """The hypothesis twin of :meth:`next_command`: each draw is one command.

        The strategy shares this generator's memory of used values (a draw adds to
        it), so make one generator per hypothesis example.
        """
        from hypothesis import strategies

        @strategies.composite
        def command(draw: DrawFn) -> tuple[str, dict[str, Any]]:
            return self.next_command(DrawChoices(draw))

        return command()

    def _ready(self, name: str) -> str:
        """``name``, or the next command after it that can run: a command on an existing
        stream needs an id that was used before."""
        names = self.command_names
        start = names.index(name)
        for offset in range(len(names)):
            candidate = names[(start + offset) % len(names)]
            kind = self.kinds.kind(self._id_field(candidate))
            known = self.streams if self._observed else self.created
            if self.model.commands[candidate].stream != "existing" or known.get(kind):
                return candidate
        return name

    def _id_field(self, command: str) -> str:
        return self.model.aggregates[self.model.commands[command].aggregate].id

    def _stream_id(self, stream: str, field: str, t: TypeRef, choices: Choices) -> Any:
        """A new stream wants a fresh id, an existing one the id of a stream that exists
        (or at least was used); ``any`` takes either."""
        fresh = {"new": 0.8, "existing": 0.05, "any": 0.35}[stream]
        return self._id(t, field, choices, fresh, existing=stream != "new")

    # -- values ----------------------------------------------------------------------

    def value(self, t: TypeRef | str, field: str = "", choices: Choices | None = None) -> Any:
        """A value of type ``t`` for a field named ``field`` (the name guides id reuse)."""
        pick = choices or self.choices
        t = parse_type(t) if isinstance(t, str) else t
        kind = t.kind
        if kind == "optional":
            return None if pick.chance(0.15) else self.value(t.args[0], field, pick)
        if kind == "any":
            return pick.pick((None, 1, "alpha", True))
        if kind == "list":
            return [self.value(t.args[0], singular(field), pick) for _ in range(pick.integer(0, 3))]
        if kind == "dict":
            return {
                self.value(t.args[0], singular(field), pick): self.value(t.args[1], "", pick)
                for _ in range(pick.integer(0, 2))
            }
        if kind == "primitive":
            return self._primitive(t, field, pick)
        if t.name in self.values.enums:
            return pick.pick(self.values.enums[t.name])
        if t.name in self.record_types:
            return {f: self.value(ft, f, pick) for f, ft in self.record_types[t.name].items()}
        return None

    def _primitive(self, t: TypeRef, field: str, pick: Choices) -> Any:
        name = t.name
        if name == "uuid" or (name == "str" and self.kinds.is_aggregate_id(field)):
            # Another aggregate's id (``to_account_id``) names a stream that exists, once
            # the caller reports appended events.
            existing = self._observed and self.kinds.is_aggregate_id(field)
            # A person names an account that exists; an id nobody knows is an edge.
            fresh = min(self.fresh_ids, self.edges) if existing else self.fresh_ids
            return self._id(t, field, pick, fresh, existing=existing)
        if name == "str":
            return self._text(field, pick)
        if name == "bool":
            return pick.pick((False, True))
        if name == "int":
            return self._int(pick)
        if name == "decimal":
            return self._decimal(pick)
        if name == "float":
            return float(self._decimal(pick))
        if name == "date":
            days = DATE_OFFSETS if self._edge(pick) else PLAIN_DATE_OFFSETS
            return self.now().date() + dt.timedelta(days=pick.pick(days))
        if name == "datetime":
            hours = HOUR_OFFSETS if self._edge(pick) else PLAIN_HOUR_OFFSETS
            return self.now() + dt.timedelta(hours=pick.pick(hours))
        return None

    def _id(
        self, t: TypeRef, field: str, pick: Choices, fresh: float, *, existing: bool = False
    ) -> Any:
        kind = self.kinds.kind(field)
        known = self.streams if self._observed else self.created
        used = (existing and known.get(kind)) or self.used.get(kind)
        make_fresh = pick.chance(fresh)
        position = pick.index(len(used) if used else 1)
        if used and not make_fresh:
            return used[position]
        if t.kind == "primitive" and t.name == "str":
            return self._fresh_text(kind, pick)
        return str(uuid.UUID(int=self._id_rng.getrandbits(128), version=4))

    def _fresh_text(self, kind: str, pick: Choices) -> str:
        """A text id nobody used yet: a constant text if one is left, else ``sku-3``."""
        pool = self.used.get(kind)
        used = pool.seen if pool is not None else set()
        unused = [text for text in self.constant_texts if text and text not in used]
        from_constants = pick.chance(0.7)
        position = pick.index(len(unused) or 1)
        if unused and from_constants:
            return unused[position]
        number = len(pool or ()) + 1
        while f"{kind}-{number}" in used:
            number += 1
        return f"{kind}-{number}"

    def _edge(self, pick: Choices) -> bool:
        """Whether this value may be an edge; no choice is drawn when every one may."""
        return self.edges >= 1 or pick.chance(self.edges)

    def _text(self, field: str, pick: Choices) -> str:
        used = self.used.get(field)
        reuse = pick.chance(0.5)
        position = pick.index(len(used) if used else 1)
        word = pick.pick(self.words if self._edge(pick) else self.plain_words)
        if used and reuse:
            return str(used[position])
        return word

    def _int(self, pick: Choices) -> int:
        if not self._edge(pick):
            return pick.integer(1, 10)
        shape = pick.pick(("small", "small", "small", "zero", "negative", "edge", "large"))
        if shape == "small":
            return pick.integer(1, 10)
        if shape == "zero":
            return 0
        if shape == "negative":
            return -pick.integer(1, 10)
        if shape == "edge" and self.constant_numbers:
            edge = pick.pick(self.constant_numbers)
            return int(edge) + pick.pick((0, 1, -1))
        return pick.pick(LARGE)

    def _decimal(self, pick: Choices) -> Decimal:
        if not self._edge(pick):
            return Decimal(pick.integer(1, 500)).quantize(_CENT)
        shape = pick.pick(
            ("whole", "whole", "cents", "zero", "negative", "edge", "large", "fraction")
        )
        if shape == "whole":
            return Decimal(pick.integer(1, 1000)).quantize(_CENT)
        if shape == "cents":
            return (Decimal(pick.integer(1, 99_999)) / 100).quantize(_CENT)
        if shape == "zero":
            return Decimal("0.00")
        if shape == "negative":
            return -(Decimal(pick.integer(1, 10_000)) / 100).quantize(_CENT)
        if shape == "edge" and self.constant_numbers:
            edge = Decimal(pick.pick(self.constant_numbers))
            return edge + pick.pick((Decimal("0.00"), _CENT, -_CENT))
        if shape == "fraction":
            return Decimal("0.001")
        return Decimal(pick.pick(LARGE)).quantize(_CENT)

    # -- memory ----------------------------------------------------------------------

    def remember(self, fields: Mapping[str, Any], types: Mapping[str, TypeRef]) -> None:
        """Note the ids and texts in a message's ``fields``, so later commands reuse them.

        ``next_command`` calls this itself; a caller may add the fields of events (or of
        commands policies issued) with their types, so their ids are reused too.
        """
        for field, value in fields.items():
            t = types.get(field)
            if t is not None:
                self._remember(value, t, field)

    def observe(self, event: str, data: Mapping[str, Any]) -> None:
        """Note an event that was appended: its stream exists, its ids may be reused.

        Commands on existing streams then name streams that really exist, rather than
        ids a rejected command once used.
        """
        self._observed = True
        self.remember(data, self.event_types.get(event, {}))
        id_field = self.event_id_fields.get(event)
        if id_field is not None and data.get(id_field) is not None:
            self.streams.setdefault(self.kinds.kind(id_field), ValuePool()).add(data[id_field])

    def observe_run(self, run: Run) -> None:
        """Note every event one engine call appended (:meth:`observe` for each).

        Call it with the :class:`~workbench.sim.messages.Run` of every ``execute``,
        ``submit``, ``advance`` or ``react`` on the engine the commands go to: the
        events of follow-up commands count too.
        """
        for event in run.events:
            self.observe(event.type, event.data)

    def _remember(self, value: Any, t: TypeRef, field: str) -> None:
        if value is None:
            return
        kind = t.kind
        if kind == "optional":
            self._remember(value, t.args[0], field)
        elif kind == "list" and isinstance(value, list | tuple):
            for item in value:
                self._remember(item, t.args[0], singular(field))
        elif kind == "dict" and isinstance(value, Mapping):
            for key in value:
                self._remember(key, t.args[0], singular(field))
        elif kind == "named" and t.name in self.record_types and isinstance(value, Mapping):
            self.remember(value, self.record_types[t.name])
        elif kind == "primitive" and t.name in ("uuid", "str"):
            pool = (
                self.kinds.kind(field)
                if t.name == "uuid" or self.kinds.is_aggregate_id(field)
                else field
            )
            self.used.setdefault(pool, ValuePool()).add(value)


_CENT = Decimal("0.01")


_STRING_LITERAL = re.compile(r"'([^'\\\n]{0,60})'|\"([^\"\\\n]{0,60})\"")


def _expression_texts(model: Model) -> list[str]:
    """The string literals in a model's expressions: statuses, codes, currencies."""
    sources: list[str] = []
    for aggregate in model.aggregates.values():
        sources += [invariant.check for invariant in aggregate.invariants]
    for command in model.commands.values():
        sources += [rule.require for rule in command.rules]
        for emit in command.emits:
            sources += [*emit.fields.values(), emit.when or "", emit.for_each or ""]
    for event in model.events.values():
        sources += event.evolve.values()
    for projection in model.projections.values():
        for handler in projection.on.values():
            sources += [*handler.assignments.values(), handler.when or ""]
    for policy in (*model.policies.values(), *model.translations.values()):
        sources.append(policy.when or "")
        for issued in policy.issue:
            sources += [*issued.fields.values(), issued.when or "", issued.for_each or ""]
    texts: list[str] = []
    for source in sources:
        for single, double in _STRING_LITERAL.findall(source):
            texts.append(single or double)
    return texts


def _constant_edges(model: Model, values: ValueTypes) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The texts and numbers in a model's constants: the values its rules compare with."""
    texts: list[str] = []
    numbers: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, str):
            if value not in texts:
                texts.append(value)
        elif isinstance(value, int | Decimal):
            if value not in numbers:
                numbers.append(value)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    try:
        constants = constant_values(model, values)
    except ValueError:
        constants = {}
    for value in constants.values():
        walk(value)
    return tuple(texts), tuple(numbers)
