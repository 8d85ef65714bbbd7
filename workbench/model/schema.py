"""The event-model format: pydantic classes for one YAML model file.

These classes are the contract every other part reads (simulator, renderer, code
generator, TUI), so they describe the *whole* vocabulary of Event Modeling: types,
aggregates, commands, events with their version history, projections, policies,
translations, external systems, screens, roles, slices and scenarios.

Design choices:

* Every element is frozen and forbids unknown keys, so a typo is an error with a
  "did you mean" hint instead of a silently ignored setting.
* Short forms keep files pleasant to write: a field may be just its type
  (``title: str``), an emit may be ``- BookLent: {book_id: command.book_id}``.
  ``mode="before"`` validators normalise short forms into the long form, and
  :func:`workbench.model.json_schema.model_json_schema` documents both forms for editors.
* Expressions are kept as source strings here; :mod:`workbench.model.expressions`
  compiles them once when the model is validated. A YAML scalar in an expression slot
  (``available: true``) is turned into its Python spelling (``True``).
* Elements are keyed by name in mappings (names are unique across the model), except
  slices and scenarios, which are ordered lists because their order means something:
  slices are the blueprint's timeline, scenarios read like a specification.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    from workbench.model.types import TypeRef

FORMAT_VERSION = 1

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_NAME_RE = re.compile(NAME_PATTERN)


def _expression_text(value: Any) -> Any:
    """Turn a YAML scalar in an expression slot into Python source (``true`` -> ``True``)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, _dt.date):
        return f"date({value.year}, {value.month}, {value.day})"
    return value


#: An expression in the sandboxed language, kept as source text.
Expression = Annotated[str, BeforeValidator(_expression_text)]
#: A field type in the type language, e.g. ``uuid``, ``int?``, ``dict[str, int]``, ``Money``.
TypeName = Annotated[str, Field(min_length=1, max_length=200)]
#: The name of a model element: an identifier.
ElementName = Annotated[str, Field(pattern=NAME_PATTERN, max_length=120)]


class Element(BaseModel):
    """Base of every model element: frozen, strict about keys, documented and taggable."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    description: str = ""
    tags: tuple[str, ...] = ()


class Contextual(Element):
    """An element that may belong to a bounded context (used by the context map)."""

    context: str | None = None


# --------------------------------------------------------------------------- types


class FieldSpec(Element):
    """One field of a command, event, state, record or read model.

    Short form: ``title: str``. Long form: ``title: {type: str, default: "", description: ...}``.
    ``default`` is required for aggregate state fields (the state of a new stream) and
    optional elsewhere; ``pii`` marks personal data for generated schemas.
    """

    type: TypeName
    default: Any = None
    pii: bool = False

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"type": value}
        return value

    @property
    def has_default(self) -> bool:
        """Whether the file gave a default (``default: null`` counts: it is a real default)."""
        return "default" in self.model_fields_set

    def may_be_left_out(self, type_ref: TypeRef) -> bool:
        """Whether a command or event may be given without this field (``type_ref`` is
        its parsed type), as the simulator decides: it takes its declared default, or
        ``None`` when its type is optional (or unknown, ``any``)."""
        return self.has_default or type_ref.kind in ("optional", "any")


Fields = dict[str, FieldSpec]


class TypeDefinition(Element):
    """A named type: an enum (``Currency: {enum: [EUR, USD]}``) or a record, a value
    object (``Money: {fields: {amount: decimal, currency: Currency}}``)."""

    enum: tuple[str, ...] | None = None
    fields: Fields | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TypeDefinition:
        if (self.enum is None) == (self.fields is None):
            raise ValueError(
                "a type needs exactly one of 'enum' (a list of values) or 'fields' (a record)"
            )
        if self.enum is not None and not self.enum:
            raise ValueError("an enum needs at least one value")
        return self

    @property
    def is_enum(self) -> bool:
        return self.enum is not None


class Constant(Element):
    """Reference data that expressions read (price lists, limits, routes).

    Short form: ``MAX_QUANTITY: 10``. Long form: ``PRICES: {value: {...}, type: "dict[str, decimal]"}``.
    """

    value: Any
    type: TypeName | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict) and "value" in value:
            return value
        return {"value": value}


# ------------------------------------------------------------------ write side


class Invariant(Element):
    """A condition over ``state`` that must hold after every command.

    A violated invariant is a *modeling bug* (a rule is missing), not a user error, so
    the simulator reports it with the command and the state that broke it.
    Short form: the expression alone.
    """

    check: Expression
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, str | bool | int | float) or value is None:
            return {"check": _expression_text(value)}
        return value


class Aggregate(Contextual):
    """A consistency boundary: one event stream per id, state folded from its events."""

    id: str = Field(
        pattern=NAME_PATTERN, description="the command/event field that names the stream"
    )
    id_type: TypeName = "uuid"
    state: Fields = Field(default_factory=dict)
    invariants: tuple[Invariant, ...] = ()
    snapshot_every: int | None = Field(default=None, ge=1)


class Rule(Element):
    """A business rule checked in order; the first that fails rejects the command.

    ``require`` must be true for the command to go on; otherwise the command fails with
    ``error`` (a name from the ubiquitous language) and ``message``.
    """

    require: Expression
    error: ElementName
    message: str = ""


StreamExpectation = Literal["new", "existing", "any"]
#: The error a ``stream: new`` command fails with when its stream already exists.
STREAM_EXISTS_ERROR = "AlreadyExists"
#: The error a ``stream: existing`` command fails with when its stream does not exist yet.
STREAM_MISSING_ERROR = "NotFound"


class Emit(Element):
    """One event a command emits.

    Short form: ``- BookLent: {book_id: command.book_id}``. Long form adds ``when``
    (emit only if true), ``for_each`` (fan out over a list; the item is bound to the
    name in ``as``, default ``item``). Each later emit of the same command sees the
    state with the earlier emits already applied.
    """

    event: ElementName
    fields: dict[str, Expression] = Field(default_factory=dict)
    when: Expression | None = None
    for_each: Expression | None = None
    as_: str = Field(default="item", alias="as", pattern=NAME_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return _named_short_form(value, "event", _EMIT_OPTIONS)


_EMIT_OPTIONS = frozenset({"when", "for_each", "as", "description", "tags"})
_STEP_OPTIONS = frozenset({"at", "description", "tags"})


def _named_short_form(value: Any, name_key: str, options: frozenset[str] = frozenset()) -> Any:
    """Normalise ``{Name: {...fields}}`` into ``{name_key: Name, fields: {...}}``.

    Keys of the long form (``options``, e.g. ``when`` or ``at``) may stand beside the
    name, so ``- BookLent: {...}`` can take a ``when:`` without switching to the long form.
    """
    if isinstance(value, str):
        return {name_key: value}
    if isinstance(value, dict) and name_key not in value and "fields" not in value:
        names = [key for key in value if key not in options]
        if len(names) == 1:
            name, fields = names[0], value[names[0]]
            if (
                isinstance(name, str)
                and _NAME_RE.match(name)
                and (fields is None or isinstance(fields, dict))
            ):
                rest = {key: item for key, item in value.items() if key != name}
                return {name_key: name, "fields": fields or {}, **rest}
    return value


class Command(Contextual):
    """An intention to change the system, handled by one aggregate.

    ``stream`` says what the command expects of its stream: ``new`` (must not exist
    yet, else it fails with ``AlreadyExists``), ``existing`` (must exist, else
    ``NotFound``) or ``any``. Fields an emit does not set are copied by name from the
    command. ``emits: []`` is a valid command that
    never changes anything; a command whose emits are all skipped is *ignored*.
    """

    aggregate: ElementName
    stream: StreamExpectation = "any"
    fields: Fields = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    emits: tuple[Emit, ...] = ()
    role: str | None = None
    errors: dict[str, str] = Field(
        default_factory=dict,
        description="extra named errors this command may raise (name -> message), e.g. from the stream expectation",
    )

    @field_validator("emits", mode="before")
    @classmethod
    def _emits_list(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [{name: fields} for name, fields in value.items()]
        return value


class UpcastStep(Element):
    """An earlier version of an event and how to bring it one version forward.

    ``upcast`` maps each field that the next version adds or changes to an expression
    over ``event`` (the old payload); unchanged fields carry over, removed ones drop.
    """

    fields: Fields = Field(default_factory=dict)
    upcast: dict[str, Expression] = Field(default_factory=dict)
    rename: dict[str, str] = Field(default_factory=dict)


class Event(Contextual):
    """A fact that happened, recorded in its aggregate's stream (or from an external system).

    ``version`` is the current schema version; ``history`` holds every earlier version
    with its upcast step; ``evolve`` says how the aggregate state changes when the event
    is applied (state field -> expression over ``state`` and ``event``).
    """

    aggregate: ElementName | None = None
    external: ElementName | None = None
    version: int = Field(default=1, ge=1)
    fields: Fields = Field(default_factory=dict)
    evolve: dict[str, Expression] = Field(default_factory=dict)
    history: dict[int, UpcastStep] = Field(default_factory=dict)
    deprecated: bool | str = False

    @model_validator(mode="after")
    def _one_source(self) -> Event:
        if self.aggregate and self.external:
            raise ValueError(
                "an event belongs to an aggregate or comes from an external system, not both"
            )
        return self


# ------------------------------------------------------------------- read side


class ProjectionHandler(Element):
    """How one event changes a read model.

    Exactly one of ``upsert`` (insert or update; ``row`` holds the current row or the
    defaults), ``update`` (only if the row exists) or ``delete: true``. ``key`` is an
    expression giving the row key (default: the event field named like the projection
    key), which lets one read model gather rows across many streams.
    """

    upsert: dict[str, Expression] | None = None
    update: dict[str, Expression] | None = None
    delete: bool = False
    key: Expression | tuple[Expression, ...] | None = None
    when: Expression | None = None

    @model_validator(mode="after")
    def _one_action(self) -> ProjectionHandler:
        chosen = [self.upsert is not None, self.update is not None, self.delete]
        if sum(chosen) != 1:
            raise ValueError("a handler needs exactly one of 'upsert', 'update' or 'delete: true'")
        return self

    @property
    def action(self) -> Literal["upsert", "update", "delete"]:
        if self.upsert is not None:
            return "upsert"
        if self.update is not None:
            return "update"
        return "delete"

    @property
    def assignments(self) -> dict[str, str]:
        return dict(self.upsert or self.update or {})


class Projection(Contextual):
    """A read model: rows keyed by ``key`` (one field or several), built from events."""

    key: str | tuple[str, ...]
    fields: Fields = Field(min_length=1)
    on: dict[str, ProjectionHandler] = Field(min_length=1)
    screen: str | None = None
    version: int = Field(default=1, ge=1)

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else tuple(self.key)


class IssuedCommand(Element):
    """A command a policy issues. Short form: ``- SendWelcome: {member_id: event.member_id}``."""

    command: ElementName
    fields: dict[str, Expression] = Field(default_factory=dict)
    when: Expression | None = None
    for_each: Expression | None = None
    as_: str = Field(default="item", alias="as", pattern=NAME_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        return _named_short_form(value, "command", _EMIT_OPTIONS)


class Policy(Contextual):
    """An automation: when an event happens (and ``when`` holds), issue commands.

    ``after`` delays the reaction in simulated time ("24h", "30m", "2d"), so "24 hours
    after BookingRequested, if still unpaid, cancel" is a delayed policy whose command
    rules decide whether it still applies. ``issue`` may fan out one command per item.
    """

    on: ElementName
    when: Expression | None = None
    after: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?\s*(s|m|h|d|w)$")
    issue: tuple[IssuedCommand, ...] = Field(min_length=1)
    role: str | None = None

    @field_validator("issue", mode="before")
    @classmethod
    def _issue_list(cls, value: Any) -> Any:
        if isinstance(value, dict) and "command" not in value:
            return [{name: fields} for name, fields in value.items()]
        if isinstance(value, dict | str):
            return [value]
        return value


# ------------------------------------------------------- people, places, context


class BoundedContext(Element):
    """A bounded context, for the context map; ``upstream`` names contexts it depends on."""

    upstream: tuple[str, ...] = ()
    relationship: str | None = None


class Role(Element):
    """A person's role (a swimlane at the top of the blueprint)."""


class Screen(Element):
    """A screen (UI) a role uses to issue commands and see read models."""

    role: str | None = None
    shows: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()


class ExternalSystem(Contextual):
    """A system outside the model whose events come in through translations."""


SliceStatus = Literal["idea", "planned", "in-progress", "review", "done", "blocked"]


class Slice(Element):
    """One column group of the blueprint timeline, in Event Modeling terms.

    A *state change* slice has a screen, a command and its events; a *state view* has a
    read model shown on a screen; an *automation* has a policy; a *translation* has a
    translation. ``chapter`` groups slices into the larger steps of the story.
    """

    name: str = Field(min_length=1)
    chapter: str | None = None
    status: SliceStatus = "planned"
    screen: str | None = None
    role: str | None = None
    command: str | None = None
    events: tuple[str, ...] = ()
    read_model: str | None = None
    automation: str | None = None
    translation: str | None = None
    external: str | None = None
    scenarios: tuple[str, ...] = ()

    @property
    def kind(self) -> Literal["state change", "state view", "automation", "translation"]:
        if self.translation:
            return "translation"
        if self.automation:
            return "automation"
        if self.command:
            return "state change"
        return "state view"


# ------------------------------------------------------------------- scenarios


class Step(Element):
    """A command or event with literal field values, as used in scenarios.

    Short form: ``- BookLent: {book_id: b1, member_id: m1}``. Values are literals, not
    expressions; an id such as ``b1`` is a placeholder for a generated id, the same
    wherever it appears in the scenario. ``at`` sets the simulated clock for this step.
    """

    message: str = Field(description="the command or event name")
    fields: dict[str, Any] = Field(default_factory=dict)
    at: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        problem = _step_shape_problem(value, "a step")
        if problem:
            raise ValueError(problem)
        return _named_short_form(value, "message", _STEP_OPTIONS)


def _step_names(value: Any) -> list[str] | None:
    """The command or event names a short-form step gives (one when well formed).

    ``None`` when ``value`` is not a short-form mapping (text, a list, the long form
    with ``message``/``fields``): those shapes get pydantic's own errors.
    """
    if not isinstance(value, dict) or "message" in value or "fields" in value:
        return None
    return [str(key) for key in value if key not in _STEP_OPTIONS]


def _step_shape_problem(value: Any, what: str) -> str | None:
    """Why a short-form step cannot be read, in the words the file uses.

    Without this the step falls through to the long form and the user is told it
    "needs the key 'message'" and that their command name is an unknown key: true of
    the internal form, but not of anything they wrote.
    """
    names = _step_names(value)
    if names is None:
        return None
    assert isinstance(value, dict)
    if not names:
        return f"{what} needs a command or event, e.g. 'BookLent: {{book_id: b1}}'"
    if len(names) > 1:
        return (
            f"{what} takes exactly one command or event, not {len(names)} "
            f"({', '.join(names)}); give each its own step"
        )
    name = names[0]
    fields = value[name]
    if not _NAME_RE.match(name):
        return f"'{name}' is not a command or event name"
    if fields is not None and not isinstance(fields, dict):
        return f"the fields of '{name}' must be a mapping such as {{field: value}}"
    return None


class Advance(Element):
    """A given-step that moves the simulated clock, e.g. ``- advance: 24h``."""

    advance: str = Field(pattern=r"^\d+(\.\d+)?\s*(s|m|h|d|w)$")


def _given_kind(value: Any) -> str:
    if isinstance(value, dict) and "advance" in value:
        return "advance"
    if isinstance(value, Advance):
        return "advance"
    return "step"


#: A given-step: an earlier event or command, or a clock advance.
GivenItem = Annotated[
    Annotated[Advance, Tag("advance")] | Annotated[Step, Tag("step")],
    Discriminator(_given_kind),
]


class StateExpectation(Element):
    """Expected aggregate state after the scenario (partial: only the listed fields)."""

    aggregate: str | None = None
    id: Any = None
    fields: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, dict) and "fields" not in value:
            return {"fields": value}
        return value


class Then(Element):
    """What a scenario expects. Several parts may be combined (events and read models)."""

    events: tuple[Step, ...] | None = None
    error: str | None = None
    nothing: bool = False
    state: StateExpectation | None = None
    read_models: dict[str, tuple[dict[str, Any], ...]] | None = None
    commands: tuple[Step, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        """``then: nothing`` reads as ``then: {nothing: true}``."""
        return {"nothing": True} if value == "nothing" else value

    @model_validator(mode="after")
    def _something(self) -> Then:
        if (
            self.events is None
            and self.error is None
            and not self.nothing
            and self.state is None
            and self.read_models is None
            and self.commands is None
        ):
            raise ValueError(
                "'then' needs at least one of events, error, nothing, state, read_models, commands"
            )
        if self.error and (self.events or self.nothing):
            raise ValueError("'then' cannot expect an error together with events or nothing")
        return self


class Scenario(Element):
    """A given/when/then specification, run by ``workbench test`` on a fresh store.

    * state change: given events, when a command, then events / an error / nothing;
    * state view: given events, then read-model rows (no ``when``);
    * automation: given events, when an event, then issued commands.
    """

    name: str = Field(min_length=1)
    at: str | None = Field(default=None, description="the simulated clock at the start (ISO 8601)")
    given: tuple[GivenItem, ...] = ()
    when: Step | None = None
    then: Then

    @field_validator("given", mode="before")
    @classmethod
    def _given_list(cls, value: Any) -> Any:
        if value is None:
            return ()
        return value

    @field_validator("when", mode="before")
    @classmethod
    def _one_when(cls, value: Any) -> Any:
        """``when`` is one command or event; what happened before it belongs in ``given``."""
        if isinstance(value, list | tuple):
            raise ValueError(
                "'when' takes exactly one command or event, not a list;"
                " what happens before it belongs under 'given'"
            )
        names = _step_names(value)
        if names is not None and len(names) > 1:
            raise ValueError(
                f"'when' takes exactly one command or event, not {len(names)}"
                f" ({', '.join(names)}); what happens before it belongs under 'given'"
            )
        problem = _step_shape_problem(value, "'when'")
        if problem:
            raise ValueError(problem)
        return value


# ------------------------------------------------------------------- the model


class Model(Element):
    """One event model: everything one YAML file describes."""

    workbench: Literal[1] = Field(description="the format version of this file")
    name: str = Field(min_length=1)
    contexts: dict[str, BoundedContext] = Field(default_factory=dict)
    types: dict[str, TypeDefinition] = Field(default_factory=dict)
    constants: dict[str, Constant] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)
    screens: dict[str, Screen] = Field(default_factory=dict)
    externals: dict[str, ExternalSystem] = Field(default_factory=dict)
    aggregates: dict[str, Aggregate] = Field(default_factory=dict)
    commands: dict[str, Command] = Field(default_factory=dict)
    events: dict[str, Event] = Field(default_factory=dict)
    projections: dict[str, Projection] = Field(default_factory=dict)
    policies: dict[str, Policy] = Field(default_factory=dict)
    translations: dict[str, Policy] = Field(default_factory=dict)
    slices: tuple[Slice, ...] = ()
    scenarios: tuple[Scenario, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _empty_sections(cls, value: Any) -> Any:
        """An empty section (``events:`` with nothing under it) is an empty one, not an error."""
        if not isinstance(value, dict):
            return value
        empty: dict[str, object] = {
            name: () if name in {"slices", "scenarios"} else {} for name in SECTION_ORDER[4:]
        }
        return {
            key: empty[key] if item is None and key in empty else item
            for key, item in value.items()
        }

    # -- lookups used by every consumer -------------------------------------

    def message_kind(self, name: str) -> Literal["command", "event"] | None:
        """Whether a name in a scenario step is a command or an event."""
        if name in self.commands:
            return "command"
        if name in self.events:
            return "event"
        return None

    def events_of(self, aggregate: str) -> dict[str, Event]:
        return {n: e for n, e in self.events.items() if e.aggregate == aggregate}

    def commands_of(self, aggregate: str) -> dict[str, Command]:
        return {n: c for n, c in self.commands.items() if c.aggregate == aggregate}

    def enums(self) -> dict[str, tuple[str, ...]]:
        return {n: t.enum for n, t in self.types.items() if t.enum is not None}

    def records(self) -> dict[str, Fields]:
        return {n: t.fields for n, t in self.types.items() if t.fields is not None}


#: The top-level sections in canonical order (``fmt`` orders them this way).
SECTION_ORDER: tuple[str, ...] = (
    "workbench",
    "name",
    "description",
    "tags",
    "contexts",
    "types",
    "constants",
    "roles",
    "screens",
    "externals",
    "aggregates",
    "commands",
    "events",
    "projections",
    "policies",
    "translations",
    "slices",
    "scenarios",
)
