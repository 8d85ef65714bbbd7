"""Mermaid flowcharts, for Markdown that GitHub (and most wikis) render without plugins.

Mermaid cannot pin a grid, so the blueprint becomes one subgraph per slice column,
left to right in timeline order, each stacking its elements top to bottom in lane order
(screen, automation, command or read model, events). Colours follow the same table as
the Graphviz drawings.

Labels are always quoted and every character outside a small safe set is written as a
Mermaid entity code (``#35;`` for ``#``), so a model name with quotes, brackets, pipes
or angle brackets cannot break the chart or inject markup into GitHub's renderer.
"""

from __future__ import annotations

from workbench.render.blueprint import Blueprint
from workbench.render.graph import EdgeKind, Graph, NodeKind
from workbench.render.style import (
    EDGE_STYLES,
    EXTERNAL_EVENT_BORDER,
    EXTERNAL_EVENT_PENWIDTH,
    STYLES,
)

_SAFE = frozenset(" .,:;!?()_-'/+*=@~$%·—–…")

#: Mermaid class names per kind (identifiers, no spaces).
_CLASS = {
    NodeKind.SCREEN: "screen",
    NodeKind.COMMAND: "command",
    NodeKind.EVENT: "event",
    NodeKind.READ_MODEL: "readmodel",
    NodeKind.AUTOMATION: "automation",
    NodeKind.EXTERNAL: "external",
    NodeKind.AGGREGATE: "aggregate",
    NodeKind.CONTEXT: "context",
}


def escape(text: str) -> str:
    """Text safe inside a double-quoted Mermaid label: ``a "b" #c`` -> ``a #34;b#34; #35;c``."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in _SAFE:
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def _label(name: str, detail: str = "") -> str:
    return escape(f"{name} · {detail}" if detail else name)


def _node(node_id: str, kind: NodeKind, name: str, detail: str = "") -> str:
    label = _label(name, detail)
    if kind is NodeKind.AUTOMATION:
        return f'{node_id}{{{{"{label}"}}}}'
    if kind is NodeKind.SCREEN:
        return f'{node_id}[["{label}"]]'
    return f'{node_id}["{label}"]'


def _arrow(kind: EdgeKind, label: str = "") -> str:
    arrow = "-.->" if EDGE_STYLES[kind].dashed else "-->"
    if label:
        return f'{arrow}|"{escape(label)}"|'
    return arrow


def _class_defs(used: dict[NodeKind, list[str]]) -> list[str]:
    lines = []
    for kind, ids in used.items():
        if not ids:
            continue
        style = STYLES[kind]
        lines.append(
            f"  classDef {_CLASS[kind]} fill:{style.fill},stroke:{style.border},color:#111111"
        )
        lines.append(f"  class {','.join(ids)} {_CLASS[kind]}")
    return lines


def _variant_defs(external: list[str], copies: list[str]) -> list[str]:
    """External events get a thick dark border, copies of events a dashed one (as in the SVG)."""
    lines = []
    if external:
        width = f"{round(EXTERNAL_EVENT_PENWIDTH)}px"
        lines.append(
            f"  classDef externalevent stroke:{EXTERNAL_EVENT_BORDER},stroke-width:{width}"
        )
        lines.append(f"  class {','.join(external)} externalevent")
    if copies:
        lines.append("  classDef dashed stroke-dasharray:4")
        lines.append(f"  class {','.join(copies)} dashed")
    return lines


def blueprint_mermaid(blueprint: Blueprint) -> str:
    """The blueprint as ``flowchart LR`` with one subgraph per column."""
    lines = ["flowchart LR", f"  %% {escape(blueprint.title)}"]
    lane_order = {lane.id: i for i, lane in enumerate(blueprint.lanes)}
    used: dict[NodeKind, list[str]] = {kind: [] for kind in _CLASS}
    for column in blueprint.columns:
        title = f"{column.index}. {column.name}"
        if column.chapter:
            title += f" ({column.chapter})"
        lines.append(f'  subgraph col{column.index:03d}["{escape(title)}"]')
        lines.append("    direction TB")
        items = sorted(
            (i for i in blueprint.items if i.column == column.index),
            key=lambda i: lane_order[i.lane],
        )
        for item in items:
            lines.append(f"    {_node(item.id, item.kind, item.name, item.detail)}")
            used[item.kind].append(item.id)
        lines.append("  end")
    for arrow in blueprint.arrows:
        lines.append(f"  {arrow.source} {_arrow(arrow.kind)} {arrow.target}")
    lines.extend(_class_defs(used))
    lines.extend(
        _variant_defs(
            [i.id for i in blueprint.items if i.external],
            [i.id for i in blueprint.items if i.copy],
        )
    )
    return "\n".join(lines) + "\n"


def graph_mermaid(graph: Graph) -> str:
    """A graph view as a flowchart; groups become subgraphs."""
    lines = [f"flowchart {graph.direction}", f"  %% {escape(graph.title)}"]
    used: dict[NodeKind, list[str]] = {kind: [] for kind in _CLASS}
    grouped: set[str] = set()
    for group in graph.groups:
        lines.append(f'  subgraph {group.id}["{escape(group.label)}"]')
        for member in group.members:
            node = graph.node(member)
            lines.append(f"    {_node(node.id, node.kind, node.name, node.detail)}")
            used[node.kind].append(node.id)
            grouped.add(member)
        lines.append("  end")
    for node in graph.nodes:
        if node.id not in grouped:
            lines.append(f"  {_node(node.id, node.kind, node.name, node.detail)}")
            used[node.kind].append(node.id)
    for edge in graph.edges:
        lines.append(f"  {edge.source} {_arrow(edge.kind, edge.label)} {edge.target}")
    lines.extend(_class_defs(used))
    lines.extend(_variant_defs([n.id for n in graph.nodes if n.external], []))
    return "\n".join(lines) + "\n"


__all__ = ["blueprint_mermaid", "escape", "graph_mermaid"]
