"""Choosing what to draw: the view names the CLI and TUI accept, and the graphs they give.

A view is ``blueprint``, ``flow``, ``context-map``, ``aggregate:NAME``, ``slice:NAME``
or ``chapter:NAME``; a slice range (``--slices A..B``) narrows the blueprint to some
columns. Views that are parts of the blueprint (a slice, a chapter, a range) give a
:class:`~workbench.render.blueprint.Blueprint`; the others give a
:class:`~workbench.render.graph.Graph`. Every mistake (an unknown view, a slice that
does not exist) is a :class:`ViewError` whose message lists what would have worked.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.model.diagnostics import did_you_mean
from workbench.model.schema import Model
from workbench.render.blueprint import Blueprint, ColumnSpec, build_blueprint, timeline
from workbench.render.errors import ViewError
from workbench.render.graph import Edge, EdgeKind, Graph, Group, Node, NodeKind, model_graph, slug

#: View names without an argument.
PLAIN_VIEWS = ("blueprint", "flow", "context-map")
#: View names that take ``:NAME``.
NAMED_VIEWS = ("aggregate", "slice", "chapter")
VIEW_HELP = "blueprint, flow, context-map, aggregate:NAME, slice:NAME or chapter:NAME"


@dataclass(frozen=True)
class ViewSpec:
    """A parsed ``--view`` value."""

    kind: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}" if self.name is not None else self.kind


def parse_view(text: str) -> ViewSpec:
    """``"aggregate:Book"`` -> ``ViewSpec("aggregate", "Book")``; unknown names raise :class:`ViewError`."""
    kind, sep, name = text.strip().partition(":")
    kind = kind.strip().lower()
    if not sep and kind in PLAIN_VIEWS:
        return ViewSpec(kind)
    if sep and kind in NAMED_VIEWS:
        if not name.strip():
            raise ViewError(f"view '{text}' needs a name after the colon, e.g. '{kind}:NAME'")
        return ViewSpec(kind, name.strip())
    if not sep and kind in NAMED_VIEWS:
        raise ViewError(f"view '{kind}' needs a name: '{kind}:NAME'")
    if sep and kind in PLAIN_VIEWS:
        raise ViewError(f"view '{kind}' takes no name; use '--view {kind}'")
    hint = did_you_mean(kind, [*PLAIN_VIEWS, *NAMED_VIEWS])
    raise ViewError(f"unknown view '{text}'{'; ' + hint if hint else ''}; choose {VIEW_HELP}")


# ----------------------------------------------------------------- slices


def _column_named(columns: list[ColumnSpec], text: str) -> ColumnSpec:
    """A column by slice name (exact, then case-insensitive) or by 1-based index."""
    wanted = text.strip()
    for column in columns:
        if column.slice.name == wanted:
            return column
    for column in columns:
        if column.slice.name.lower() == wanted.lower():
            return column
    if wanted.isdigit():
        index = int(wanted)
        if 1 <= index <= len(columns):
            return columns[index - 1]
        raise ViewError(
            f"there is no slice {index}: the blueprint has {len(columns)} column(s), numbered from 1"
        )
    names = [c.slice.name for c in columns]
    hint = did_you_mean(wanted, names)
    shown = ", ".join(f"'{n}'" for n in names[:12]) + (", …" if len(names) > 12 else "")
    raise ViewError(
        f"no slice named '{wanted}'"
        + (f" ({hint})" if hint else "")
        + f"; slices: {shown or 'none'} (or a 1-based number)"
    )


def select_slices(model: Model, text: str) -> list[int]:
    """The column indexes of ``A..B`` (inclusive; names or 1-based numbers; either end may be empty), or of ``A``."""
    columns = timeline(model)
    if not columns:
        raise ViewError("the model has no slices (and no elements to derive columns from)")
    if ".." not in text:
        return [_column_named(columns, text).index]
    start_text, _, end_text = text.partition("..")
    start = _column_named(columns, start_text).index if start_text.strip() else 1
    end = _column_named(columns, end_text).index if end_text.strip() else len(columns)
    if start > end:
        raise ViewError(
            f"slice range '{text}' runs backwards: slice {start} comes after slice {end}"
        )
    return list(range(start, end + 1))


def _chapter_columns(model: Model, name: str) -> tuple[str, list[int]]:
    """The chapter's name as the model spells it, and its column indexes.

    The name matches exactly, else case-insensitively (``chapter:lending`` finds
    ``Lending``); the drawing is titled with the model's spelling either way.
    """
    columns = timeline(model)
    chapters = list(dict.fromkeys(c.slice.chapter for c in columns if c.slice.chapter))
    spelled = name if name in chapters else None
    if spelled is None:
        spelled = next((c for c in chapters if c.lower() == name.lower()), None)
    chosen = [c.index for c in columns if spelled is not None and c.slice.chapter == spelled]
    if spelled is None or not chosen:
        hint = did_you_mean(name, chapters)
        listed = ", ".join(f"'{c}'" for c in chapters) or "none (give slices a 'chapter:')"
        raise ViewError(
            f"no chapter named '{name}'" + (f" ({hint})" if hint else "") + f"; chapters: {listed}"
        )
    return spelled, chosen


# ----------------------------------------------------------------- graphs


def flow_graph(model: Model) -> Graph:
    """Command -> aggregate -> event -> read model / automation -> command.

    Each aggregate is a group holding the commands it handles and the events it records,
    so the drawing reads "command -> [aggregate] -> event" and still shows which command
    emits which event. Screens are left out: this is the system's own flow.
    """
    full = model_graph(model)
    kinds = {
        NodeKind.COMMAND,
        NodeKind.EVENT,
        NodeKind.READ_MODEL,
        NodeKind.AUTOMATION,
        NodeKind.EXTERNAL,
    }
    edge_kinds = {
        EdgeKind.EMITS,
        EdgeKind.FEEDS,
        EdgeKind.TRIGGERS,
        EdgeKind.ISSUES,
        EdgeKind.PUBLISHES,
    }
    nodes = [n for n in full.nodes if n.kind in kinds]
    keep = {n.id for n in nodes}
    edges = [
        e for e in full.edges if e.kind in edge_kinds and e.source in keep and e.target in keep
    ]
    return Graph(
        f"{model.name} — flow", tuple(nodes), tuple(edges), _aggregate_groups(full, keep), "LR"
    )


def _aggregate_groups(full: Graph, keep: set[str]) -> tuple[Group, ...]:
    groups = []
    for aggregate in full.of_kind(NodeKind.AGGREGATE):
        members = [e.source for e in full.incoming(aggregate.id, EdgeKind.HANDLED_BY)]
        members += [e.target for e in full.outgoing(aggregate.id, EdgeKind.RECORDS)]
        members = [m for m in dict.fromkeys(members) if m in keep]
        if members:
            groups.append(Group(aggregate.id, aggregate.name, NodeKind.AGGREGATE, tuple(members)))
    return tuple(groups)


def aggregate_graph(model: Model, name: str) -> Graph:
    """One aggregate: its commands and events, who issues the commands, who consumes the events."""
    if name not in model.aggregates:
        hint = did_you_mean(name, model.aggregates)
        listed = ", ".join(model.aggregates) or "none"
        raise ViewError(
            f"no aggregate named '{name}'"
            + (f" ({hint})" if hint else "")
            + f"; aggregates: {listed}"
        )
    full = model_graph(model)
    aggregate = full.find(NodeKind.AGGREGATE, name)
    assert aggregate is not None
    core = [e.source for e in full.incoming(aggregate.id, EdgeKind.HANDLED_BY)]
    core += [e.target for e in full.outgoing(aggregate.id, EdgeKind.RECORDS)]
    keep = set(core)
    for node_id in core:
        node = full.node(node_id)
        if node.kind is NodeKind.COMMAND:
            keep.update(e.source for e in full.incoming(node_id, EdgeKind.ISSUES))
        else:
            keep.update(
                e.target
                for e in full.outgoing(node_id)
                if e.kind in {EdgeKind.FEEDS, EdgeKind.TRIGGERS}
            )
    # an automation that reacts to this aggregate's events: show the command it issues next
    for node_id in list(keep):
        if full.node(node_id).kind is NodeKind.AUTOMATION:
            keep.update(e.target for e in full.outgoing(node_id, EdgeKind.ISSUES))
    edge_kinds = {
        EdgeKind.EMITS,
        EdgeKind.FEEDS,
        EdgeKind.TRIGGERS,
        EdgeKind.ISSUES,
        EdgeKind.SHOWN_ON,
    }
    nodes = tuple(n for n in full.nodes if n.id in keep)
    edges = tuple(
        e for e in full.edges if e.kind in edge_kinds and e.source in keep and e.target in keep
    )
    group = Group(aggregate.id, name, NodeKind.AGGREGATE, tuple(m for m in dict.fromkeys(core)))
    return Graph(f"{model.name} — aggregate {name}", nodes, edges, (group,), "LR")


def _message_label(messages: list[str]) -> str:
    unique = sorted(set(messages))
    return ", ".join(unique[:3]) + (f" +{len(unique) - 3}" if len(unique) > 3 else "")


def _count(n: int) -> str:
    return f"{n} element{'s' if n != 1 else ''}"


def context_map(model: Model) -> Graph:
    """Bounded contexts and how they depend on each other, with the external systems.

    Declared ``upstream`` relationships give labelled edges; messages that cross a
    context boundary (an event consumed in another context, a command issued into one)
    give edges labelled with the message names, so the map shows the coupling the model
    really has, not only the one that was declared. An external system that belongs to
    no context is drawn as itself, sending its events to the contexts that consume them.

    A model without bounded contexts but with external systems is drawn as one context
    (the model itself, as the title says) and the systems around it; a model with
    neither has no map to draw.
    """
    full = model_graph(model)
    used = [n.context for n in full.nodes if n.context]
    names = list(dict.fromkeys([*model.contexts, *used]))
    systems = [n for n in full.of_kind(NodeKind.EXTERNAL) if not n.context]
    if not names and not systems:
        raise ViewError(
            "the model uses no bounded contexts and no external systems, so there is no context "
            "map: declare 'contexts:' or give elements a 'context:'"
        )
    if not names:
        return _single_context_map(model, full, systems)
    ids = {name: f"ctx_{slug(name)}_{i}" for i, name in enumerate(names, 1)}
    counts = {name: sum(1 for n in full.nodes if n.context == name) for name in names}
    nodes = [Node(ids[name], NodeKind.CONTEXT, name, detail=_count(counts[name])) for name in names]
    nodes += [Node(n.id, NodeKind.EXTERNAL, n.name, detail="external system") for n in systems]
    edges: dict[tuple[str, str], list[str]] = {}
    declared: dict[tuple[str, str], str] = {}
    for name, context in model.contexts.items():
        for upstream in context.upstream:
            if upstream in ids:
                declared[(ids[upstream], ids[name])] = context.relationship or ""
    crossing = {EdgeKind.FEEDS, EdgeKind.TRIGGERS, EdgeKind.ISSUES}
    for edge in full.edges:
        if edge.kind not in crossing:
            continue
        source, target = full.node(edge.source), full.node(edge.target)
        if source.context and target.context and source.context != target.context:
            message = source.name if source.kind is NodeKind.EVENT else target.name
            edges.setdefault((ids[source.context], ids[target.context]), []).append(message)
    sent: dict[tuple[str, str], list[str]] = {}
    for system in systems:
        for published in full.outgoing(system.id, EdgeKind.PUBLISHES):
            event = full.node(published.target)
            for consumed in full.outgoing(event.id):
                receiver = full.node(consumed.target).context
                if consumed.kind in crossing and receiver:
                    sent.setdefault((system.id, ids[receiver]), []).append(event.name)
    result: list[Edge] = []
    for (upstream_id, downstream_id), relationship in declared.items():
        result.append(Edge(upstream_id, downstream_id, EdgeKind.DEPENDS_ON, relationship))
    for (sender_id, receiver_id), messages in [*edges.items(), *sent.items()]:
        result.append(Edge(sender_id, receiver_id, EdgeKind.SENDS, _message_label(messages)))
    return Graph(f"{model.name} — context map", tuple(nodes), tuple(result), (), "LR")


def _single_context_map(model: Model, full: Graph, systems: list[Node]) -> Graph:
    """The context map of a model without bounded contexts: the model and its external systems."""
    own = sum(1 for n in full.nodes if n.kind is not NodeKind.EXTERNAL)
    model_id = f"ctx_model_{slug(model.name)}"
    nodes = [Node(model_id, NodeKind.CONTEXT, model.name, detail=_count(own))]
    edges: list[Edge] = []
    for system in systems:
        nodes.append(Node(system.id, NodeKind.EXTERNAL, system.name, detail="external system"))
        events = [full.node(e.target).name for e in full.outgoing(system.id, EdgeKind.PUBLISHES)]
        if events:
            edges.append(Edge(system.id, model_id, EdgeKind.SENDS, _message_label(events)))
    return Graph(
        f"{model.name} — context map (the whole model as one context, with its external systems)",
        tuple(nodes),
        tuple(edges),
        (),
        "LR",
    )


# ----------------------------------------------------------------- entry point


def build_view(
    model: Model,
    view: str | ViewSpec = "blueprint",
    *,
    slices: str | None = None,
    scenarios: bool = False,
) -> Blueprint | Graph:
    """The drawing for a view: a blueprint (or part of one) or a graph."""
    spec = parse_view(view) if isinstance(view, str) else view
    blueprint_kinds = {"blueprint", "slice", "chapter"}
    if slices is not None and spec.kind != "blueprint":
        raise ViewError(
            f"--slices selects blueprint columns; it cannot be combined with --view {spec}"
        )
    if scenarios and spec.kind not in blueprint_kinds:
        raise ViewError(
            f"--scenarios adds panels to the blueprint; it cannot be combined with --view {spec}"
        )
    if spec.kind == "blueprint":
        if slices is None:
            return build_blueprint(model, scenarios=scenarios)
        return build_blueprint(
            model,
            select_slices(model, slices),
            scenarios=scenarios,
            title=f"{model.name} — slices {slices}",
        )
    if spec.kind == "slice":
        assert spec.name is not None
        column = _column_named(timeline(model), spec.name)
        return build_blueprint(
            model, [column.index], scenarios=scenarios, title=f"{model.name} — {column.slice.name}"
        )
    if spec.kind == "chapter":
        assert spec.name is not None
        chapter, chosen = _chapter_columns(model, spec.name)
        return build_blueprint(
            model, chosen, scenarios=scenarios, title=f"{model.name} — {chapter}"
        )
    if spec.kind == "flow":
        return flow_graph(model)
    if spec.kind == "aggregate":
        assert spec.name is not None
        return aggregate_graph(model, spec.name)
    return context_map(model)


__all__ = [
    "VIEW_HELP",
    "ViewError",
    "ViewSpec",
    "aggregate_graph",
    "build_view",
    "context_map",
    "flow_graph",
    "parse_view",
    "select_slices",
]
