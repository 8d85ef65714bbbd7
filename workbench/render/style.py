"""The look of each kind of element, shared by every output (DOT, Mermaid, text, docs).

Event Modeling has conventional colours that a team recognises across tools and
whiteboards: commands are blue, events orange, read models green, screens white
wireframes; automations (processors) are drawn with a gear. Keeping them in one table
means the blueprint, the flow graph, the Mermaid export, the terminal rendering and the
docs site never disagree about what blue means.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.render.graph import EdgeKind, NodeKind


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
    NodeKind.COMMAND: KindStyle("Command", "#a8d1ff", "#2f6fb3", "box", "▶"),
    NodeKind.EVENT: KindStyle("Event", "#ffb86b", "#c46a12", "box", "●"),
    NodeKind.READ_MODEL: KindStyle("Read model", "#b6e3a1", "#3f8a2a", "box", "≡"),
    NodeKind.AUTOMATION: KindStyle("Automation", "#ddd0f5", "#6c4bb4", "box", "⟳"),
    NodeKind.EXTERNAL: KindStyle("External system", "#f9d1e0", "#b0476d", "box", "◆"),
    NodeKind.AGGREGATE: KindStyle("Aggregate", "#fff3b0", "#a8900c", "box", "▣"),
    NodeKind.CONTEXT: KindStyle("Bounded context", "#eef2f7", "#4b5563", "box", "◎"),
}

#: Events that come from an external system keep the event colour but get a dashed border.
EXTERNAL_EVENT_BORDER = "#b0476d"


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

#: The kinds shown in the blueprint legend, in the order a reader meets them (top to bottom).
LEGEND_KINDS: tuple[NodeKind, ...] = (
    NodeKind.SCREEN,
    NodeKind.AUTOMATION,
    NodeKind.COMMAND,
    NodeKind.READ_MODEL,
    NodeKind.EVENT,
    NodeKind.EXTERNAL,
)
