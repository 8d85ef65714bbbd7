"""Terminal renderings with box drawing: the blueprint grid and a listing of graph views.

The TUI shows the blueprint where no image can be drawn, so the grid must fit a given
width: columns keep one width, and when they do not all fit side by side the timeline
wraps into several bands, each repeating the lane labels. Widths are measured in
terminal cells (East Asian wide characters count two), never in code points, so a
model with CJK names still lines up.
"""

from __future__ import annotations

import unicodedata

from workbench.render.blueprint import Band, Blueprint, Column
from workbench.render.graph import EdgeKind, Graph, NodeKind
from workbench.render.style import (
    EXTERNAL_EVENT_MARKER,
    SCENARIO_MARKER,
    STYLES,
    LegendEntry,
    graph_legend,
    legend_entries,
)

#: Narrowest useful column; below this names become unreadable stubs.
MIN_COLUMN = 8
#: Widest column; longer names are cut with "…".
MAX_COLUMN = 24
#: Widest lane-label column.
MAX_LABEL = 22


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells (ending in "…" when cut) and padded to exactly ``width``."""
    if cell_width(text) > width:
        out, used = [], 0
        for ch in text:
            w = cell_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - cell_width(text))


def _wrap(text: str, width: int, lines: int) -> list[str]:
    """Word-wrap ``text`` into at most ``lines`` lines of ``width`` cells (the last one cut)."""
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if cell_width(candidate) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return out


def _marker(kind: NodeKind, external: bool = False) -> str:
    return EXTERNAL_EVENT_MARKER if external else STYLES[kind].marker


def _rule(left: str, middle: str, right: str, label: int, widths: list[int]) -> str:
    return left + "─" * (label + 2) + "".join(middle + "─" * (w + 2) for w in widths) + right


def _row(label: str, cells: list[str], label_width: int, width: int) -> str:
    return (
        "│ " + fit(label, label_width) + " │" + "".join(" " + fit(c, width) + " │" for c in cells)
    )


def _header_lines(column: Column, width: int) -> list[str]:
    lines = _wrap(f"{column.index}. {column.name}", width, 2)
    lines += [""] * (2 - len(lines))
    status = "(no slice)" if column.derived else (column.status or "")
    lines.append(" · ".join(p for p in (column.chapter or "", status) if p))
    return lines


def blueprint_text(blueprint: Blueprint, width: int = 100) -> str:
    """The blueprint as a box-drawn grid no wider than ``width`` cells."""
    width = max(width, 30)
    labels = [lane.title for lane in blueprint.lanes]
    label_width = min(max([cell_width(t) for t in labels] + [4]), MAX_LABEL)
    longest = [cell_width(f"{_marker(i.kind)} {i.name}") for i in blueprint.items]
    longest += [
        cell_width(f"{c.index}. {c.name}") // 2 + 1 for c in blueprint.columns
    ]  # headers wrap on two lines
    column_width = max(MIN_COLUMN, min(max([*longest, MIN_COLUMN]), MAX_COLUMN))
    # squeeze when even one column does not fit
    if label_width + 4 + column_width + 3 > width:
        label_width = max(4, min(label_width, width // 4))
        column_width = max(4, width - label_width - 7)
    per_band = max(1, (width - label_width - 4) // (column_width + 3))
    if blueprint.columns and per_band >= len(blueprint.columns):
        # everything fits in one band: use the spare room so headers wrap less
        spare = (width - label_width - 4) // len(blueprint.columns) - 3
        column_width = max(column_width, min(spare, MAX_COLUMN))

    cells: dict[tuple[str, int], list[str]] = {}
    for item in blueprint.items:
        cells.setdefault((item.lane, item.column), []).append(
            f"{_marker(item.kind, item.external)} {item.name}"
        )
    for column in blueprint.columns:
        for lane in blueprint.lanes:
            if lane.band is Band.SPECS:
                cells[(lane.id, column.index)] = [
                    f"{SCENARIO_MARKER} {s.name}" for s in column.scenarios
                ]

    out = [fit(blueprint.title, width).rstrip()]
    columns = list(blueprint.columns)
    if not columns:
        out.append("(no slices to draw)")
    for start in range(0, len(columns), per_band):
        band = columns[start : start + per_band]
        widths = [column_width] * len(band)
        out.append(_rule("┌", "┬", "┐", label_width, widths))
        headers = [_header_lines(c, column_width) for c in band]
        for line in range(3):
            out.append(_row("", [h[line] for h in headers], label_width, column_width))
        for lane in blueprint.lanes:
            out.append(_rule("├", "┼", "┤", label_width, widths))
            contents = [cells.get((lane.id, c.index), []) for c in band]
            height = max([len(c) for c in contents] + [1])
            for line in range(height):
                label = lane.title if line == 0 else ""
                out.append(
                    _row(
                        label,
                        [c[line] if line < len(c) else "" for c in contents],
                        label_width,
                        column_width,
                    )
                )
        out.append(_rule("└", "┴", "┘", label_width, widths))
    # text does not mark copies of events: they are listed like any other event
    entries = legend_entries(
        (i.kind for i in blueprint.items if not (i.kind is NodeKind.EVENT and i.external)),
        external_events=any(i.external for i in blueprint.items),
    )
    scenarios = any(column.scenarios for column in blueprint.columns)
    out.extend(_legend(entries, width, scenarios=scenarios))
    return "\n".join(out) + "\n"


def _legend(entries: list[LegendEntry], width: int, *, scenarios: bool = False) -> list[str]:
    """The marker legend of what the drawing shows, wrapped between entries (never inside one)."""
    texts = [f"{entry.marker} {entry.title.lower()}" for entry in entries]
    if scenarios:
        texts.append(f"{SCENARIO_MARKER} scenario")
    if not texts:
        return []
    lines, current = [], ""
    for entry in texts:
        candidate = f"{current}  {entry}" if current else entry
        if current and cell_width(candidate) > width:
            lines.append(current)
            current = entry
        else:
            current = candidate
    lines.append(current)
    return [fit(line, width).rstrip() for line in lines]


def graph_text(graph: Graph, width: int = 100) -> str:
    """A graph view as a listing: each group with its members, then each node's outgoing arrows."""
    width = max(width, 30)
    out = [fit(graph.title, width).rstrip(), "─" * min(width, max(cell_width(graph.title), 20))]

    def name(node_id: str) -> str:
        node = graph.node(node_id)
        return f"{_marker(node.kind, node.external)} {node.name}"

    for group in graph.groups:
        out.extend(
            _wrapped(
                f"{STYLES[group.kind].marker} {group.label}: ",
                [name(m) for m in group.members],
                width,
            )
        )
    if graph.groups:
        out.append("")
    by_source: dict[tuple[str, EdgeKind, str], list[str]] = {}
    for edge in graph.edges:
        by_source.setdefault((edge.source, edge.kind, edge.label), []).append(edge.target)
    for (source, kind, label), targets in by_source.items():
        verb = f"{kind.value} ({label})" if label else kind.value
        out.extend(_wrapped(f"{name(source)} ─{verb}→ ", [name(t) for t in targets], width))
    lonely = [
        n for n in graph.nodes if not any(e.source == n.id or e.target == n.id for e in graph.edges)
    ]
    if lonely:
        out.extend(_wrapped("not connected: ", [name(n.id) for n in lonely], width))
    legend = _legend(graph_legend(graph), width)
    if legend:
        out.extend(["", *legend])
    return "\n".join(out) + "\n"


def _wrapped(head: str, items: list[str], width: int) -> list[str]:
    """``head`` then ``items`` separated by commas, wrapped at ``width`` between items.

    Continuation lines are indented by four cells. An item (a marker and its name) is
    never split unless it is longer than a whole line; then it breaks between words,
    still keeping the marker with the first word of the name.
    """
    indent = "    "
    lines: list[str] = []
    current = head
    for n, item in enumerate(items):
        text = item + ("," if n + 1 < len(items) else "")
        joiner = "" if current.endswith(" ") or not current else " "
        if cell_width(current + joiner + text) <= width or not current.strip():
            current += joiner + text
            continue
        lines.append(current.rstrip())
        current = indent
        if cell_width(current + text) <= width:
            current += text
            continue
        # longer than a line: break between words, the marker glued to the first one
        marker, _, rest = text.partition(" ")
        words = rest.split(" ") if rest else []
        if words:
            words[0] = f"{marker} {words[0]}"
        else:
            words = [marker]
        for word in words:
            joiner = "" if current.endswith(" ") else " "
            if cell_width(current + joiner + word) > width and current.strip():
                lines.append(current.rstrip())
                current = indent + word
            else:
                current += joiner + word
    lines.append(current.rstrip())
    return [fit(line, width).rstrip() for line in lines]


__all__ = ["blueprint_text", "cell_width", "fit", "graph_text"]
