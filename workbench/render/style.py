"""The look of each kind of element, shared by every output (DOT, Mermaid, text, docs).

Event Modeling has conventional colours that a team recognises across tools and
whiteboards: commands are blue, events orange, read models green, screens white
wireframes; automations (processors) are drawn with a gear. Keeping them in one table
means the blueprint, the flow graph, the Mermaid export, the terminal rendering and the
docs site never disagree about what blue means.

The text markers come from the WGL4 character set (□ ► ● ○ ≡ ☼ ◊ ■ ⌂ √), which every
common monospace font (Consolas, Courier New, Menlo, DejaVu Sans Mono, Liberation
Mono) draws at one cell's width: a glyph the font lacks is borrowed from another font
with another width, and the terminal grid shown in a browser would no longer line up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workbench.render.blueprint import Blueprint
from workbench.render.graph import EdgeKind, Graph, NodeKind


@dataclass(frozen=True)
class KindStyle:
    """How one kind of node looks: fill and border colours, DOT shape, text marker."""

    title: str
    fill: str
    border: str
    shape: str
    marker: str
    dashed: bool = False


STYLES: dict[NodeKind, KindStyle] = {
    NodeKind.SCREEN: KindStyle("Screen", "#ffffff", "#6b7280", "box", "□"),
    NodeKind.COMMAND: KindStyle("Command", "#a8d1ff", "#2f6fb3", "box", "►"),
    NodeKind.EVENT: KindStyle("Event", "#ffb86b", "#c46a12", "box", "●"),
    NodeKind.READ_MODEL: KindStyle("Read model", "#b6e3a1", "#3f8a2a", "box", "≡"),
    NodeKind.AUTOMATION: KindStyle("Automation", "#ddd0f5", "#6c4bb4", "box", "☼"),
    NodeKind.EXTERNAL: KindStyle("External system", "#f9d1e0", "#b0476d", "box", "◊"),
    NodeKind.AGGREGATE: KindStyle("Aggregate", "#fff3b0", "#a8900c", "box", "■"),
    NodeKind.CONTEXT: KindStyle("Bounded context", "#eef2f7", "#4b5563", "box", "⌂"),
}

#: Events that come from an external system keep the event colour and get a thick dark
#: border; a copy of an event drawn again in a later column gets a dashed one instead, so
#: the two never look alike (an external event's copy has both).
EXTERNAL_EVENT_BORDER = "#1f2937"
EXTERNAL_EVENT_PENWIDTH = 2.6
#: Text marker of an external event: a hollow event.
EXTERNAL_EVENT_MARKER = "○"
#: Text marker of a given/when/then scenario in the blueprint's panels.
SCENARIO_MARKER = "√"


@dataclass(frozen=True)
class EdgeStyle:
    """How one kind of arrow looks in the drawings."""

    color: str
    dashed: bool = False


EDGE_STYLES: dict[EdgeKind, EdgeStyle] = {
    EdgeKind.ISSUES: EdgeStyle("#2f6fb3"),
    EdgeKind.HANDLED_BY: EdgeStyle("#a8900c"),
    EdgeKind.EMITS: EdgeStyle("#c46a12"),
    EdgeKind.RECORDS: EdgeStyle("#c46a12"),
    EdgeKind.PUBLISHES: EdgeStyle("#b0476d", dashed=True),
    EdgeKind.FEEDS: EdgeStyle("#3f8a2a"),
    EdgeKind.SHOWN_ON: EdgeStyle("#3f8a2a", dashed=True),
    EdgeKind.TRIGGERS: EdgeStyle("#6c4bb4"),
    EdgeKind.READS: EdgeStyle("#3f8a2a", dashed=True),
    EdgeKind.DEPENDS_ON: EdgeStyle("#4b5563"),
    EdgeKind.SENDS: EdgeStyle("#c46a12", dashed=True),
}

#: Colours of the blueprint's background furniture (lane labels, slice headers, panels).
LANE_LABEL_COLOR = "#374151"
HEADER_FILL = "#f3f4f6"
HEADER_BORDER = "#9ca3af"
PANEL_FILL = "#fafafa"
FONT = "Helvetica"

#: Slice status -> colour of the small status mark in the column header.
STATUS_COLORS: dict[str, str] = {
    "idea": "#9ca3af",
    "planned": "#60a5fa",
    "in-progress": "#f59e0b",
    "review": "#a855f7",
    "done": "#16a34a",
    "blocked": "#dc2626",
}

#: The order kinds are listed in a legend: the order a reader meets them on the blueprint
#: (top to bottom), then the kinds only other views draw. A legend lists only the kinds
#: its drawing contains.
LEGEND_KINDS: tuple[NodeKind, ...] = (
    NodeKind.SCREEN,
    NodeKind.AUTOMATION,
    NodeKind.COMMAND,
    NodeKind.READ_MODEL,
    NodeKind.EVENT,
    NodeKind.EXTERNAL,
    NodeKind.AGGREGATE,
    NodeKind.CONTEXT,
)


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: a swatch drawn like the element, its text marker and a title."""

    title: str
    fill: str
    border: str
    marker: str
    dashed: bool = False
    thick: bool = False
    kind: NodeKind | None = None


def legend_entries(
    kinds: Iterable[NodeKind], *, external_events: bool = False, copies: bool = False
) -> list[LegendEntry]:
    """The legend of a drawing that contains ``kinds`` (and external events, event copies).

    Only what the drawing contains is listed, in :data:`LEGEND_KINDS` order, so a model
    without automations or external systems gets no entry for them.
    """
    present = set(kinds)
    event = STYLES[NodeKind.EVENT]
    entries: list[LegendEntry] = []
    for kind in LEGEND_KINDS:
        style = STYLES[kind]
        if kind in present:
            entries.append(
                LegendEntry(style.title, style.fill, style.border, style.marker, kind=kind)
            )
        if kind is NodeKind.EVENT:
            if external_events:
                entries.append(
                    LegendEntry(
                        "External event",
                        event.fill,
                        EXTERNAL_EVENT_BORDER,
                        EXTERNAL_EVENT_MARKER,
                        thick=True,
                    )
                )
            if copies:
                entries.append(
                    LegendEntry(
                        "Event repeated from another column",
                        event.fill,
                        event.border,
                        event.marker,
                        dashed=True,
                    )
                )
    return entries


def _plain_kinds(nodes: Iterable[tuple[NodeKind, bool, bool]]) -> list[NodeKind]:
    """The kinds drawn in their plain style: an event that is external or a copy is not."""
    return [
        kind
        for kind, external, copy in nodes
        if not (kind is NodeKind.EVENT and (external or copy))
    ]


def blueprint_legend(blueprint: Blueprint) -> list[LegendEntry]:
    """The legend entries for what this blueprint shows."""
    return legend_entries(
        _plain_kinds((item.kind, item.external, item.copy) for item in blueprint.items),
        external_events=any(item.external for item in blueprint.items),
        copies=any(item.copy for item in blueprint.items),
    )


def graph_legend(graph: Graph) -> list[LegendEntry]:
    """The legend entries for what this graph shows (its groups count as their kind)."""
    return legend_entries(
        [
            *_plain_kinds((node.kind, node.external, False) for node in graph.nodes),
            *(group.kind for group in graph.groups),
        ],
        external_events=any(node.external for node in graph.nodes),
    )
