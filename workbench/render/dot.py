"""Graphviz DOT source for the blueprint and for the other views.

Only text is produced here; :mod:`workbench.render.engine` runs ``dot`` when a picture
is wanted, so DOT export works on machines without Graphviz.

How the blueprint grid is held in place (dot has no grid, so we build one):

* ``newrank=true`` and one ``rank=same`` subgraph per lane make each lane a row;
  an invisible chain through the lane labels (the left column) orders the rows;
* one header node per slice forms the top row; an invisible chain through them (and
  through each lane's cells, left to right) orders the columns, because dot keeps a
  flat edge's tail left of its head;
* each column has a heavy invisible *spine* from its header down through every lane to
  its lowest item, with an invisible point in each empty cell, so no spine edge skips a
  rank (a rank-skipping edge gets virtual nodes that dot may push sideways);
* visible arrows are written top-down (an upward arrow is drawn reversed with
  ``dir=back``), so they agree with the lane order; arrows between columns get
  ``weight=0`` so they never pull columns together. Adding a slice therefore cannot
  reshuffle earlier columns.

Deliberately not used: clusters (dot routes edges around them, which bends spines) and
the ``group`` attribute (its crossing penalty overflows dot's crossing counter on big
boards, after which the ordering step routes arrows across the whole drawing).
Everything is emitted in a fixed order, so the same model gives byte-identical DOT.
"""

from __future__ import annotations

from html import escape as _html_escape

from workbench.render.blueprint import Band, Blueprint, Column, Item
from workbench.render.crossref import ScenarioText
from workbench.render.graph import EdgeKind, Graph, Node, NodeKind
from workbench.render.style import (
    EDGE_STYLES,
    EXTERNAL_EVENT_BORDER,
    EXTERNAL_EVENT_PENWIDTH,
    FONT,
    HEADER_BORDER,
    HEADER_FILL,
    LANE_LABEL_COLOR,
    PANEL_FILL,
    STATUS_COLORS,
    STYLES,
    LegendEntry,
    blueprint_legend,
    graph_legend,
)

#: Longest scenario line drawn in a given/when/then panel before it is cut with "…".
PANEL_LINE_CHARS = 46
#: Most scenarios drawn in one panel; the rest are summarised as "+ N more".
PANEL_SCENARIOS = 4


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, newlines kept as ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html(text: str) -> str:
    """Text made safe inside a DOT HTML-like label."""
    return _html_escape(text, quote=True)


def _attrs(**values: str | float | int | bool) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, str) and value.startswith("<") and value.endswith(">"):
            parts.append(f"{key}={value}")
        elif isinstance(value, str):
            parts.append(f"{key}={quote(value)}")
        else:
            parts.append(f"{key}={value}")
    return "[" + ", ".join(parts) + "]"


def _node_label(name: str, detail: str) -> str:
    if not detail:
        return f"<{html(name)}>"
    return f'<{html(name)}<br/><font point-size="8">{html(detail)}</font>>'


def _node_attrs(
    kind: NodeKind,
    name: str,
    detail: str,
    *,
    external: bool = False,
    copy: bool = False,
) -> str:
    style = STYLES[kind]
    styles = ["filled"] if kind is NodeKind.SCREEN else ["rounded", "filled"]
    if copy:
        styles.append("dashed")
    label_name = f"⚙ {name}" if kind is NodeKind.AUTOMATION else name
    values: dict[str, str | float] = {
        "label": _node_label(label_name, detail),
        "shape": style.shape,
        "style": ",".join(styles),
        "fillcolor": style.fill,
        "color": EXTERNAL_EVENT_BORDER if external else style.border,
        "tooltip": f"{'External event' if external else style.title}: {name}",
    }
    if external:
        values["penwidth"] = EXTERNAL_EVENT_PENWIDTH
    return _attrs(**values)


def _edge_attrs(
    kind: EdgeKind, *, label: str = "", extra: dict[str, str | int | bool] | None = None
) -> str:
    style = EDGE_STYLES[kind]
    values: dict[str, str | int | bool] = {"color": style.color}
    if style.dashed:
        values["style"] = "dashed"
    values.update(extra or {})
    if label:
        values["label"] = label
        values["fontcolor"] = style.color
    return _attrs(**values)


_HEADER = (
    'graph [fontname={font}, fontsize=12, bgcolor="#ffffff", pad=0.3, nodesep=0.25, ranksep=0.35];\n'
    '  node [fontname={font}, fontsize=10, margin="0.12,0.06", height=0.45, penwidth=1.2];\n'
    "  edge [fontname={font}, fontsize=8, arrowsize=0.7, penwidth=1.1];"
)


def _preamble(title: str, *, rankdir: str, newrank: bool = False) -> list[str]:
    font = quote(FONT)
    lines = [
        f"digraph {quote(title)} {{",
        "  " + _HEADER.format(font=font),
        f"  graph [rankdir={rankdir}, labelloc=t, labeljust=l, label=<<b>{html(title)}</b>>];",
    ]
    if newrank:
        lines.append("  graph [newrank=true, splines=true];")
    return lines


# ----------------------------------------------------------------- blueprint


def _header_label(column: Column) -> str:
    name = f"{column.index}. {column.name}"
    info = [column.chapter or "", column.kind]
    text = " · ".join(i for i in info if i)
    status = ""
    if column.derived:
        status = ' <font color="#6b7280">(no slice)</font>'
    elif column.status:
        colour = STATUS_COLORS.get(column.status, "#6b7280")
        status = f' <font color="{colour}">● {html(column.status)}</font>'
    return f'<<b>{html(name)}</b><br/><font point-size="8">{html(text)}{status}</font>>'


def _cut(text: str, limit: int = PANEL_LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _panel_label(scenarios: tuple[ScenarioText, ...]) -> str:
    rows: list[str] = []
    for scenario in scenarios[:PANEL_SCENARIOS]:
        rows.append(
            f'<tr><td align="left" balign="left"><b>{html(_cut(scenario.name))}</b></td></tr>'
        )
        parts = [
            ("Given", scenario.given),
            ("When", (scenario.when,) if scenario.when else ()),
            ("Then", scenario.then),
        ]
        for word, lines in parts:
            for i, line in enumerate(lines or ()):
                prefix = f"<i>{word}</i> " if i == 0 else "&nbsp;&nbsp;&nbsp;"
                rows.append(
                    f'<tr><td align="left" balign="left"><font point-size="8">{prefix}{html(_cut(line))}</font></td></tr>'
                )
    if len(scenarios) > PANEL_SCENARIOS:
        rows.append(
            f'<tr><td align="left"><font point-size="8">+ {len(scenarios) - PANEL_SCENARIOS} more</font></td></tr>'
        )
    return (
        '<<table border="0" cellborder="0" cellspacing="1" cellpadding="1">'
        + "".join(rows)
        + "</table>>"
    )


def _legend_label(entries: list[LegendEntry]) -> str:
    """A legend table: one swatch per entry, drawn like the nodes it explains."""
    rows = ['<tr><td colspan="2" align="left"><b>Legend</b></td></tr>']
    for entry in entries:
        title = f"{entry.title} ⚙" if entry.kind is NodeKind.AUTOMATION else entry.title
        extra = ' style="dashed"' if entry.dashed else ""
        border = "3" if entry.thick else "1"
        rows.append(
            f'<tr><td bgcolor="{entry.fill}" width="18" height="12" border="{border}" color="{entry.border}"{extra}></td>'
            f'<td align="left"><font point-size="9">{html(title)}</font></td></tr>'
        )
    return (
        '<<table border="0" cellborder="0" cellspacing="3" cellpadding="1">'
        + "".join(rows)
        + "</table>>"
    )


def _cells(blueprint: Blueprint) -> list[dict[int, list[Item | str]]]:
    """Per lane (row), per column index: the items of that cell, a placeholder name, or nothing.

    From the header down to a column's lowest item every cell holds at least one node,
    so the column's spine can run from one lane to the next without skipping a rank; an
    edge that skipped ranks would get virtual nodes that dot is free to push sideways,
    and the column would no longer be straight. Below the lowest item nothing is needed,
    which keeps big sparse boards (many aggregates, many slices) fast to lay out.
    """
    placed: dict[tuple[str, int], list[Item | str]] = {}
    for item in blueprint.items:
        placed.setdefault((item.lane, item.column), []).append(item)
    for lane in blueprint.lanes:
        if lane.band is Band.SPECS:
            for column in blueprint.columns:
                if column.scenarios:
                    placed[(lane.id, column.index)] = [f"s{column.index:03d}"]
    lowest = {
        column.index: max(
            (row for row, lane in enumerate(blueprint.lanes) if (lane.id, column.index) in placed),
            default=-1,
        )
        for column in blueprint.columns
    }
    rows: list[dict[int, list[Item | str]]] = []
    for row, lane in enumerate(blueprint.lanes):
        cells: dict[int, list[Item | str]] = {}
        for column in blueprint.columns:
            items = placed.get((lane.id, column.index), [])
            if not items and row < lowest[column.index]:
                items = [f"p{column.index:03d}_{row}"]
            cells[column.index] = items
        rows.append(cells)
    return rows


def _node_name(cell_entry: Item | str) -> str:
    return cell_entry.id if isinstance(cell_entry, Item) else cell_entry


def blueprint_dot(blueprint: Blueprint) -> str:
    """DOT source for the blueprint grid (see the module docstring for how it holds)."""
    lines = _preamble(blueprint.title, rankdir="TB", newrank=True)
    columns = blueprint.columns

    # header row: the corner above the lane labels, then one header per column
    lines.append("  // slice headers: the column anchors, in timeline order")
    lines.append("  { rank=same;")
    lines.append(f"    corner {_attrs(label='', shape='plaintext', width=0.1, height=0.1)};")
    for column in columns:
        header = f"h{column.index:03d}"
        attrs = _attrs(
            label=_header_label(column),
            shape="box",
            style="filled",
            fillcolor=HEADER_FILL,
            color=HEADER_BORDER,
        )
        lines.append(f"    {header} {attrs};")
    lines.append("  }")

    # one row per lane: every cell holds its items, a panel, or an invisible placeholder
    cells = _cells(blueprint)
    for row, lane in enumerate(blueprint.lanes):
        lines.append(f"  // lane: {lane.title}")
        lines.append("  { rank=same;")
        label = f"<<b>{html(lane.title)}</b>>"
        lines.append(
            f"    {lane.id} {_attrs(label=label, shape='plaintext', fontcolor=LANE_LABEL_COLOR, fontsize=11)};"
        )
        for column in columns:
            cell = cells[row][column.index]
            if not cell:
                continue
            if lane.band is Band.SPECS and column.scenarios:
                attrs = _attrs(
                    label=_panel_label(column.scenarios),
                    shape="note",
                    style="filled",
                    fillcolor=PANEL_FILL,
                    color=HEADER_BORDER,
                )
                lines.append(f"    {cell[0]} {attrs};")
            elif not isinstance(cell[0], Item):
                lines.append(f"    {cell[0]} [shape=point, style=invis, width=0, height=0];")
            else:
                for item in cell:
                    assert isinstance(item, Item)
                    attrs = _node_attrs(
                        item.kind,
                        item.name,
                        item.detail,
                        external=item.external,
                        copy=item.copy,
                    )
                    lines.append(f"    {item.id} {attrs};")
        lines.append("  }")

    lines.append(
        f"  legend {_attrs(label=_legend_label(blueprint_legend(blueprint)), shape='plaintext')};"
    )

    # the invisible grid: lanes top to bottom, columns left to right, straight spines
    lines.append("  // invisible grid: lane order, column order, column spines")
    lines.append("  edge [style=invis];")
    lines.append(
        "  "
        + " -> ".join(["corner", *(lane.id for lane in blueprint.lanes), "legend"])
        + " [weight=100];"
    )
    if columns:
        lines.append("  " + " -> ".join(["corner", *(f"h{c.index:03d}" for c in columns)]) + ";")
    for row, lane in enumerate(blueprint.lanes):
        chain = [lane.id, *(_node_name(n) for c in columns for n in cells[row][c.index])]
        if len(chain) > 1:
            lines.append("  " + " -> ".join(chain) + ";")
    for column in columns:
        spine = [
            f"h{column.index:03d}",
            *(
                _node_name(cells[row][column.index][0])
                for row in range(len(blueprint.lanes))
                if cells[row][column.index]
            ),
        ]
        lines.append("  " + " -> ".join(spine) + " [weight=100];")

    # the arrows people read
    lines.append(
        "  // arrows: screen -> command -> event, event -> read model -> screen, event -> automation -> command"
    )
    lines.append("  edge [style=solid];")
    row_of = {lane.id: row for row, lane in enumerate(blueprint.lanes)}
    where = {item.id: (row_of[item.lane], item.column) for item in blueprint.items}
    for arrow in blueprint.arrows:
        (source_row, source_column), (target_row, target_column) = (
            where[arrow.source],
            where[arrow.target],
        )
        extra: dict[str, str | int | bool] = {}
        if source_column != target_column:
            extra["weight"] = 0
        if source_row < target_row:
            edge = f"{arrow.source} -> {arrow.target}"
        elif source_row > target_row:
            # drawn top-down like the grid (so it cannot pull lanes out of order), arrowhead up
            edge = f"{arrow.target} -> {arrow.source}"
            extra["dir"] = "back"
        else:
            edge = f"{arrow.source} -> {arrow.target}"
            extra["constraint"] = False
        lines.append(f"  {edge} {_edge_attrs(arrow.kind, extra=extra)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- other views


def _graph_node(node: Node) -> str:
    return f"{node.id} {_node_attrs(node.kind, node.name, node.detail, external=node.external)}"


def graph_dot(graph: Graph) -> str:
    """DOT source for a flow-style graph: nodes, groups as clusters, labelled edges."""
    lines = _preamble(graph.title, rankdir=graph.direction)
    lines.append("  graph [splines=true, ranksep=0.5, nodesep=0.3];")
    grouped: set[str] = set()
    for group in graph.groups:
        style = STYLES[group.kind]
        lines.append(f"  subgraph cluster_{group.id} {{")
        lines.append(
            f"    graph {_attrs(label=f'<<b>{html(group.label)}</b>>', style='rounded,filled', fillcolor=style.fill, color=style.border, fontsize=11)};"
        )
        for member in group.members:
            lines.append(f"    {_graph_node(graph.node(member))};")
            grouped.add(member)
        lines.append("  }")
    for node in graph.nodes:
        if node.id not in grouped:
            lines.append(f"  {_graph_node(node)};")
    for edge in graph.edges:
        lines.append(
            f"  {edge.source} -> {edge.target} {_edge_attrs(edge.kind, label=edge.label)};"
        )
    entries = graph_legend(graph)
    if entries:
        # its own rank at the end of the flow, so it never sits between connected nodes
        lines.append(
            f"  {{ rank=sink; legend {_attrs(label=_legend_label(entries), shape='plaintext')}; }}"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


__all__ = ["blueprint_dot", "graph_dot", "html", "quote"]
