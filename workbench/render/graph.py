"""The model as a graph: typed nodes and edges with their meaning, in pure Python.

Every drawing (blueprint, flow, aggregate view, context map) and the docs site's
"who emits / who consumes" tables read relationships from here, so the rules that turn
YAML references into arrows live in one place and are tested without graphviz.

Node ids are derived from the kind and the name (``cmd_LendBook``, ``scr_Loan_desk``)
and contain only ``[A-Za-z0-9_]``, so they are valid in DOT, Mermaid and file names
alike. Order is the model file's order (kinds in a fixed order), never hash order, so the
same model gives the same graph and the same bytes downstream.

References to names the model does not define are skipped rather than invented: a model
with validation errors can still be drawn, and the validator (not the renderer) is the
one that reports the dangling name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from workbench.model.schema import Model, Policy


class NodeKind(StrEnum):
    """The kinds of element a drawing shows."""

    SCREEN = "screen"
    COMMAND = "command"
    EVENT = "event"
    READ_MODEL = "read model"
    AUTOMATION = "automation"
    EXTERNAL = "external"
    AGGREGATE = "aggregate"
    CONTEXT = "context"


class EdgeKind(StrEnum):
    """What an arrow means; the value reads as "source <value> target"."""

    ISSUES = "issues"  # screen or automation -> command
    HANDLED_BY = "handled by"  # command -> aggregate
    EMITS = "emits"  # command -> event
    RECORDS = "records"  # aggregate -> event (the event is in its stream)
    PUBLISHES = "publishes"  # external system -> event
    FEEDS = "feeds"  # event -> read model
    SHOWN_ON = "is shown on"  # read model -> screen
    TRIGGERS = "triggers"  # event -> automation
    READS = "is read by"  # read model -> automation (a to-do list)
    DEPENDS_ON = "is upstream of"  # context -> context (declared)
    SENDS = "sends"  # context -> context (messages that cross the boundary)


_PREFIX: dict[NodeKind, str] = {
    NodeKind.SCREEN: "scr",
    NodeKind.COMMAND: "cmd",
    NodeKind.EVENT: "evt",
    NodeKind.READ_MODEL: "rm",
    NodeKind.AUTOMATION: "auto",
    NodeKind.EXTERNAL: "ext",
    NodeKind.AGGREGATE: "agg",
    NodeKind.CONTEXT: "ctx",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def slug(name: str) -> str:
    """``"Sign-up form"`` -> ``"Sign_up_form"``: a name made safe for ids and file names.

    Non-ASCII letters become ``_`` too, and a collision between two names that slug alike
    is resolved by :class:`_IdMaker`, never here.
    """
    return _UNSAFE.sub("_", name) or "_"


class _IdMaker:
    """Hands out unique ids, appending ``_2``, ``_3`` when two names slug alike."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[NodeKind, str], str] = {}
        self._used: set[str] = set()

    def __call__(self, kind: NodeKind, name: str) -> str:
        key = (kind, name)
        if key in self._by_key:
            return self._by_key[key]
        base = f"{_PREFIX[kind]}_{slug(name)}"
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f"{base}_{n}"
        self._used.add(candidate)
        self._by_key[key] = candidate
        return candidate


@dataclass(frozen=True)
class Node:
    """One element. ``detail`` is a short second line ("v2", "translation", "Book")."""

    id: str
    kind: NodeKind
    name: str
    detail: str = ""
    context: str | None = None
    external: bool = False  # an event that comes from an external system


@dataclass(frozen=True)
class Edge:
    """A directed relationship between two node ids."""

    source: str
    target: str
    kind: EdgeKind
    label: str = ""


@dataclass(frozen=True)
class Group:
    """A set of nodes drawn together (an aggregate's commands and events in the flow view)."""

    id: str
    label: str
    kind: NodeKind
    members: tuple[str, ...]


@dataclass(frozen=True)
class Graph:
    """Nodes, edges and optional groups, in a deterministic order.

    ``direction`` is a hint for the writers: ``LR`` (time or flow left to right) or ``TB``.
    """

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    groups: tuple[Group, ...] = ()
    direction: str = "LR"
    _index: dict[str, Node] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node:
        return self._index[node_id]

    def find(self, kind: NodeKind, name: str) -> Node | None:
        """The node of this kind and name, or ``None``."""
        for node in self.nodes:
            if node.kind is kind and node.name == name:
                return node
        return None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def of_kind(self, kind: NodeKind) -> Iterator[Node]:
        return (n for n in self.nodes if n.kind is kind)

    def outgoing(self, node_id: str, kind: EdgeKind | None = None) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id and (kind is None or e.kind is kind)]

    def incoming(self, node_id: str, kind: EdgeKind | None = None) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id and (kind is None or e.kind is kind)]

    def subgraph(self, node_ids: Iterable[str], *, title: str | None = None) -> Graph:
        """The nodes in ``node_ids`` (kept in graph order) and the edges between them."""
        keep = set(node_ids)
        groups = tuple(
            Group(g.id, g.label, g.kind, tuple(m for m in g.members if m in keep))
            for g in self.groups
            if any(m in keep for m in g.members)
        )
        return Graph(
            title if title is not None else self.title,
            tuple(n for n in self.nodes if n.id in keep),
            tuple(e for e in self.edges if e.source in keep and e.target in keep),
            groups,
            self.direction,
        )


class _Builder:
    """Collects nodes and edges in first-seen order, dropping duplicates."""

    def __init__(self) -> None:
        self.ids = _IdMaker()
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, EdgeKind], Edge] = {}

    def add(self, kind: NodeKind, name: str, **extra: object) -> str:
        node_id = self.ids(kind, name)
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, kind, name, **extra)  # type: ignore[arg-type]
        return node_id

    def id(self, kind: NodeKind, name: str) -> str | None:
        """The id of an existing node, or ``None`` for a name the model does not define."""
        node_id = self.ids(kind, name)
        return node_id if node_id in self.nodes else None

    def link(
        self,
        kind: NodeKind,
        name: str,
        edge: EdgeKind,
        other_kind: NodeKind,
        other: str,
        *,
        reverse: bool = False,
    ) -> None:
        """Add ``name -edge-> other`` (or the reverse) when both ends exist."""
        a, b = self.id(kind, name), self.id(other_kind, other)
        if a is None or b is None:
            return
        source, target = (b, a) if reverse else (a, b)
        self.edges.setdefault((source, target, edge), Edge(source, target, edge))


def event_context(model: Model, name: str) -> str | None:
    """An event's bounded context: its own, else its aggregate's, else its external system's."""
    event = model.events.get(name)
    if event is None:
        return None
    if event.context:
        return event.context
    if event.aggregate and event.aggregate in model.aggregates:
        return model.aggregates[event.aggregate].context
    if event.external and event.external in model.externals:
        return model.externals[event.external].context
    return None


def command_context(model: Model, name: str) -> str | None:
    """A command's bounded context: its own, else its aggregate's."""
    command = model.commands.get(name)
    if command is None:
        return None
    if command.context:
        return command.context
    aggregate = model.aggregates.get(command.aggregate)
    return aggregate.context if aggregate else None


def automations(model: Model) -> dict[str, tuple[Policy, bool]]:
    """Policies and translations together, name -> (definition, is a translation)."""
    found: dict[str, tuple[Policy, bool]] = {n: (p, False) for n, p in model.policies.items()}
    for name, translation in model.translations.items():
        found.setdefault(name, (translation, True))
    return found


def emitted_events(model: Model, command: str) -> list[str]:
    """The events a command emits, in the order of its ``emits`` and without repeats."""
    found = model.commands.get(command)
    if found is None:
        return []
    return list(dict.fromkeys(e.event for e in found.emits))


def screen_shows(model: Model) -> list[tuple[str, str]]:
    """(read model, screen) pairs from screens' ``shows``, projections' ``screen`` and slices."""
    pairs: list[tuple[str, str]] = []
    for screen_name, screen in model.screens.items():
        pairs.extend((rm, screen_name) for rm in screen.shows)
    for rm_name, projection in model.projections.items():
        if projection.screen:
            pairs.append((rm_name, projection.screen))
    for slice_ in model.slices:
        if slice_.read_model and slice_.screen:
            pairs.append((slice_.read_model, slice_.screen))
    return list(dict.fromkeys(pairs))


def screen_issues(model: Model) -> list[tuple[str, str]]:
    """(screen, command) pairs from screens' ``issues`` and from slices."""
    pairs: list[tuple[str, str]] = []
    for screen_name, screen in model.screens.items():
        pairs.extend((screen_name, c) for c in screen.issues)
    for slice_ in model.slices:
        if slice_.command and slice_.screen:
            pairs.append((slice_.screen, slice_.command))
    return list(dict.fromkeys(pairs))


def model_graph(model: Model) -> Graph:
    """Every element of the model and every relationship between them.

    >>> from workbench.model.schema import Model
    >>> g = model_graph(Model.model_validate({"workbench": 1, "name": "M",
    ...     "aggregates": {"A": {"id": "a"}},
    ...     "commands": {"Do": {"aggregate": "A", "emits": ["Done"]}},
    ...     "events": {"Done": {"aggregate": "A"}}}))
    >>> [(e.source, e.kind.value, e.target) for e in g.edges]
    [('cmd_Do', 'handled by', 'agg_A'), ('cmd_Do', 'emits', 'evt_Done'), ('agg_A', 'records', 'evt_Done')]
    """
    b = _Builder()
    slice_screens = [s.screen for s in model.slices if s.screen]
    for name in [*model.screens, *slice_screens]:
        b.add(NodeKind.SCREEN, name)
    for name in model.commands:
        b.add(NodeKind.COMMAND, name, context=command_context(model, name))
    for name, event in model.events.items():
        detail = f"v{event.version}" if event.version > 1 else ""
        b.add(
            NodeKind.EVENT,
            name,
            detail=detail,
            context=event_context(model, name),
            external=bool(event.external),
        )
    for name, projection in model.projections.items():
        b.add(NodeKind.READ_MODEL, name, context=projection.context)
    for name, (policy, is_translation) in automations(model).items():
        detail = (
            "translation" if is_translation else (f"after {policy.after}" if policy.after else "")
        )
        b.add(NodeKind.AUTOMATION, name, detail=detail, context=policy.context)
    external_names = [*model.externals, *(e.external for e in model.events.values() if e.external)]
    for name in external_names:
        ext = model.externals.get(name)
        b.add(NodeKind.EXTERNAL, name, context=ext.context if ext else None)
    for name, aggregate in model.aggregates.items():
        b.add(NodeKind.AGGREGATE, name, context=aggregate.context)

    C, E, A = NodeKind.COMMAND, NodeKind.EVENT, NodeKind.AGGREGATE
    for screen, issued in screen_issues(model):
        b.link(NodeKind.SCREEN, screen, EdgeKind.ISSUES, C, issued)
    for name, command in model.commands.items():
        b.link(C, name, EdgeKind.HANDLED_BY, A, command.aggregate)
        for emitted in emitted_events(model, name):
            b.link(C, name, EdgeKind.EMITS, E, emitted)
    for name, event in model.events.items():
        if event.aggregate:
            b.link(E, name, EdgeKind.RECORDS, A, event.aggregate, reverse=True)
        if event.external:
            b.link(E, name, EdgeKind.PUBLISHES, NodeKind.EXTERNAL, event.external, reverse=True)
    for name, projection in model.projections.items():
        for fed_by in projection.on:
            b.link(E, fed_by, EdgeKind.FEEDS, NodeKind.READ_MODEL, name)
    for read_model, screen in screen_shows(model):
        b.link(NodeKind.READ_MODEL, read_model, EdgeKind.SHOWN_ON, NodeKind.SCREEN, screen)
    for name, (policy, _) in automations(model).items():
        b.link(E, policy.on, EdgeKind.TRIGGERS, NodeKind.AUTOMATION, name)
        for step in policy.issue:
            b.link(NodeKind.AUTOMATION, name, EdgeKind.ISSUES, C, step.command)
    for slice_ in model.slices:
        automation = slice_.automation or slice_.translation
        if automation and slice_.read_model:
            b.link(
                NodeKind.READ_MODEL,
                slice_.read_model,
                EdgeKind.READS,
                NodeKind.AUTOMATION,
                automation,
            )
    return Graph(model.name, tuple(b.nodes.values()), tuple(b.edges.values()))


__all__ = [
    "Edge",
    "EdgeKind",
    "Graph",
    "Group",
    "Node",
    "NodeKind",
    "automations",
    "command_context",
    "emitted_events",
    "event_context",
    "model_graph",
    "screen_issues",
    "screen_shows",
    "slug",
]
