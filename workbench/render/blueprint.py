"""The Event Modeling blueprint as a grid: lanes top to bottom, slice columns left to right.

This module decides *what goes where*; the writers (:mod:`~workbench.render.dot`,
:mod:`~workbench.render.mermaid`, :mod:`~workbench.render.text`) only decide how it
looks. Keeping the placement pure is what makes the drawing testable and stable.

Following eventmodeling.org:

* top lanes: one per role (or per screen when the screen has no role), then one lane of
  automations (processors);
* one lane of commands (blue) and read models (green), in time order;
* event lanes (orange), one per aggregate stream, then one per external system at the
  bottom;
* one column per slice, in file order, headed by the slice name. Elements the slices do
  not cover get columns *after* the slices, so adding a slice never moves earlier
  columns: commands, read models, automations, and last the events nothing shows
  otherwise (an external system's event that no slice lists and nothing consumes sits
  in its external lane at the bottom);
* arrows: screen -> command -> event (down), event -> read model -> screen (up),
  event -> automation -> command.

An element appears once per column that uses it, as on a real board: a screen is
redrawn in every slice that shows it. When a read model or automation needs an event
that the drawn columns do not show yet (a single-slice view, or an event recorded too
far back) a copy of the event is placed in that column, so every slice drawn alone
still tells its story. An event that no column records (an external event that starts
a translation or feeds a read model) is drawn where it is used, as itself, not as a
copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from workbench.model.schema import Model, Slice
from workbench.render.crossref import ScenarioText, scenario_text, scenarios_for_slice
from workbench.render.graph import (
    EdgeKind,
    NodeKind,
    automations,
    emitted_events,
    model_graph,
    screen_issues,
    screen_shows,
    slug,
)


class Band(StrEnum):
    """The horizontal areas of the blueprint, top to bottom."""

    ACTOR = "actor"
    AUTOMATION = "automation"
    COMMANDS = "commands"
    EVENTS = "events"
    EXTERNAL = "external"
    SPECS = "specs"


_BAND_ORDER = {band: i for i, band in enumerate(Band)}

#: Farthest an arrow from an event reaches back, in columns, before the event is repeated.
MAX_ARROW_SPAN = 8


@dataclass(frozen=True)
class Lane:
    """One horizontal swimlane."""

    id: str
    title: str
    band: Band


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the full timeline, before any selection.

    ``index`` is the 1-based position in the whole timeline and never changes when a
    view draws only some columns; ``derived`` marks columns made for elements that no
    slice covers.
    """

    index: int
    slice: Slice
    events: tuple[str, ...]
    derived: bool = False

    @property
    def kind(self) -> str:
        """What the column shows: the slice's kind, or ``event``/``external event`` for a
        derived column that holds nothing but an event."""
        s = self.slice
        if self.derived and not (s.command or s.read_model or s.automation or s.translation):
            return "external event" if s.external else "event"
        return s.kind


@dataclass(frozen=True)
class Column:
    """A column as drawn: its header and, when asked for, its given/when/then panels."""

    index: int
    name: str
    chapter: str | None
    status: str | None
    kind: str
    derived: bool
    scenarios: tuple[ScenarioText, ...] = ()


@dataclass(frozen=True)
class Item:
    """One sticky note on the board: an element placed in a lane and a column."""

    id: str
    kind: NodeKind
    name: str
    lane: str
    column: int
    detail: str = ""
    external: bool = False
    copy: bool = False


@dataclass(frozen=True)
class Arrow:
    """An arrow between two items."""

    source: str
    target: str
    kind: EdgeKind


@dataclass(frozen=True)
class Blueprint:
    """The placed blueprint: lanes, columns, items and arrows, all in drawing order."""

    title: str
    lanes: tuple[Lane, ...]
    columns: tuple[Column, ...]
    items: tuple[Item, ...]
    arrows: tuple[Arrow, ...]
    show_scenarios: bool = False

    def cell(self, lane: str, column: int) -> list[Item]:
        """The items in one lane of one column, in placement order."""
        return [i for i in self.items if i.lane == lane and i.column == column]

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


# ----------------------------------------------------------------- timeline


def timeline(model: Model) -> list[ColumnSpec]:
    """Every column of the blueprint in order: the slices, then derived columns.

    Derived columns, in this order: commands no slice covers (an automation that no
    slice covers and issues the command shares its column), read models no slice covers,
    the remaining automations, then events that would appear nowhere else: recorded by
    no column, triggering no automation and feeding no read model (typically an external
    system's event nobody handles yet).
    """
    columns: list[ColumnSpec] = []
    for slice_ in model.slices:
        events = (
            (slice_.events or tuple(emitted_events(model, slice_.command)))
            if slice_.command
            else slice_.events
        )
        columns.append(ColumnSpec(len(columns) + 1, slice_, tuple(dict.fromkeys(events))))

    placed_commands = {s.command for s in model.slices if s.command}
    placed_read_models = {s.read_model for s in model.slices if s.read_model}
    placed_automations = {
        s.automation or s.translation for s in model.slices if s.automation or s.translation
    }
    all_automations = automations(model)
    issuer: dict[str, str] = {}
    for name, (policy, _) in all_automations.items():
        if name not in placed_automations:
            for issued in policy.issue:
                issuer.setdefault(issued.command, name)
    issuing_screen: dict[str, str] = {}
    for screen, command in screen_issues(model):
        issuing_screen.setdefault(command, screen)
    showing_screen: dict[str, str] = {}
    for read_model, screen in screen_shows(model):
        showing_screen.setdefault(read_model, screen)

    def automation_fields(name: str) -> dict[str, str]:
        return {"translation": name} if all_automations[name][1] else {"automation": name}

    used: set[str] = set()
    for name in model.commands:
        if name in placed_commands:
            continue
        fields: dict[str, str] = {"name": name, "command": name}
        automation = issuer.get(name)
        if automation and automation not in used:
            used.add(automation)
            fields.update(automation_fields(automation))
        elif name in issuing_screen:
            fields["screen"] = issuing_screen[name]
        events = tuple(emitted_events(model, name))
        columns.append(
            ColumnSpec(len(columns) + 1, Slice(**fields, events=events), events, derived=True)
        )
    for name in model.projections:
        if name in placed_read_models:
            continue
        fields = {"name": name, "read_model": name}
        if name in showing_screen:
            fields["screen"] = showing_screen[name]
        columns.append(ColumnSpec(len(columns) + 1, Slice(**fields), (), derived=True))
    for name, (policy, _) in all_automations.items():
        if name in placed_automations or name in used:
            continue
        fields = {"name": name, **automation_fields(name)}
        if policy.issue:
            fields["command"] = policy.issue[0].command
        columns.append(ColumnSpec(len(columns) + 1, Slice(**fields), (), derived=True))
    shown = {event for spec in columns for event in spec.events}
    shown.update(policy.on for policy, _ in all_automations.values())
    shown.update(event for projection in model.projections.values() for event in projection.on)
    for name, event in model.events.items():
        if name in shown:
            continue
        fields = {"name": name}
        if event.external:
            fields["external"] = event.external
        columns.append(
            ColumnSpec(len(columns) + 1, Slice(**fields, events=(name,)), (name,), derived=True)
        )
    return columns


# ----------------------------------------------------------------- placement


class _Placer:
    """Places items column by column and remembers the latest copy of each event."""

    def __init__(self, model: Model, first_seen: dict[str, int]) -> None:
        self.model = model
        self.first_seen = first_seen  # event name -> first column recording it, whole timeline
        self.graph = model_graph(model)
        self.items: dict[str, Item] = {}
        self.arrows: dict[tuple[str, str, EdgeKind], Arrow] = {}
        self.lanes: dict[str, Lane] = {}
        self.lane_rank: dict[str, tuple[int, int, int]] = {}
        self.latest: dict[str, str] = {}  # event name -> item id of its latest occurrence
        self._extra_ids: dict[tuple[NodeKind, str], str] = {}

    # -- ids and lanes ------------------------------------------------------

    def node_id(self, kind: NodeKind, name: str) -> str:
        node = self.graph.find(kind, name)
        if node is not None:
            return node.id
        key = (kind, name)
        if key not in self._extra_ids:
            base = f"undef_{kind.name.lower()}_{slug(name)}"
            self._extra_ids[key] = f"{base}_{len(self._extra_ids) + 1}"
        return self._extra_ids[key]

    def lane(self, band: Band, key: str, title: str, order: int) -> str:
        lane_id = f"lane_{band.value}" + (f"_{slug(key)}" if key else "")
        while lane_id in self.lanes and self.lanes[lane_id].title != title:
            lane_id += "_"
        if lane_id not in self.lanes:
            self.lanes[lane_id] = Lane(lane_id, title, band)
            self.lane_rank[lane_id] = (_BAND_ORDER[band], order, len(self.lanes))
        return lane_id

    def actor_lane(self, screen: str, role: str | None) -> str:
        model = self.model
        found = model.screens.get(screen)
        role = role or (found.role if found else None)
        if role:
            order = list(model.roles).index(role) if role in model.roles else len(model.roles)
            return self.lane(Band.ACTOR, f"role_{role}", role, order)
        order = list(model.screens).index(screen) if screen in model.screens else len(model.screens)
        return self.lane(Band.ACTOR, f"screen_{screen}", screen, 10_000 + order)

    def event_lane(self, event_name: str) -> str:
        model = self.model
        event = model.events.get(event_name)
        if event is not None and event.external:
            order = (
                list(model.externals).index(event.external)
                if event.external in model.externals
                else len(model.externals)
            )
            return self.lane(Band.EXTERNAL, event.external, f"{event.external} (external)", order)
        if event is not None and event.aggregate:
            aggregates = list(model.aggregates)
            order = (
                aggregates.index(event.aggregate)
                if event.aggregate in aggregates
                else len(aggregates)
            )
            return self.lane(Band.EVENTS, event.aggregate, f"{event.aggregate} events", order)
        return self.lane(Band.EVENTS, "", "Other events", 1_000_000)

    # -- items --------------------------------------------------------------

    def place(
        self, column: int, kind: NodeKind, name: str, lane: str, *, copy: bool = False
    ) -> str:
        item_id = f"c{column:03d}_{self.node_id(kind, name)}"
        if item_id not in self.items:
            node = self.graph.find(kind, name)
            self.items[item_id] = Item(
                item_id,
                kind,
                name,
                lane,
                column,
                detail=node.detail if node and kind is not NodeKind.COMMAND else "",
                external=bool(node and node.external),
                copy=copy,
            )
        return item_id

    def arrow(self, source: str | None, target: str | None, kind: EdgeKind) -> None:
        if source and target:
            self.arrows.setdefault((source, target, kind), Arrow(source, target, kind))

    def event_source(self, column: int, event: str) -> str:
        """The latest drawn occurrence of ``event``, or a copy placed in this column.

        A copy is also placed when the latest occurrence is more than
        :data:`MAX_ARROW_SPAN` columns back: on a long board an arrow across dozens of
        slices is unreadable, and repeating the event where it is used is what a team
        does on a real board.
        """
        latest = self.latest.get(event)
        if latest is not None and column - self.items[latest].column <= MAX_ARROW_SPAN:
            return latest
        # a copy when the event has a place of its own on the timeline (drawn or not);
        # an event no column records is drawn where it is used, as itself
        copy = latest is not None or event in self.first_seen
        item_id = self.place(column, NodeKind.EVENT, event, self.event_lane(event), copy=copy)
        self.latest[event] = item_id
        return item_id

    def column(self, spec: ColumnSpec) -> None:
        model, s, c = self.model, spec.slice, spec.index
        screen = automation = command = read_model = None
        if s.screen:
            screen = self.place(c, NodeKind.SCREEN, s.screen, self.actor_lane(s.screen, s.role))
        automation_name = s.automation or s.translation
        if automation_name:
            automation = self.place(
                c,
                NodeKind.AUTOMATION,
                automation_name,
                self.lane(Band.AUTOMATION, "", "Automation", 0),
            )
        commands_lane = self.lane(Band.COMMANDS, "", "Commands · Read models", 0)
        if s.command:
            command = self.place(c, NodeKind.COMMAND, s.command, commands_lane)
        if s.read_model:
            read_model = self.place(c, NodeKind.READ_MODEL, s.read_model, commands_lane)
        events = [self.place(c, NodeKind.EVENT, e, self.event_lane(e)) for e in spec.events]
        self.latest.update(zip(spec.events, events, strict=True))

        self.arrow(screen, command, EdgeKind.ISSUES)
        self.arrow(automation, command, EdgeKind.ISSUES)
        for event in events:
            self.arrow(command, event, EdgeKind.EMITS)
        self.arrow(read_model, screen, EdgeKind.SHOWN_ON)
        self.arrow(read_model, automation, EdgeKind.READS)
        if automation_name and automation_name in automations(model):
            trigger = automations(model)[automation_name][0].on
            self.arrow(self.event_source(c, trigger), automation, EdgeKind.TRIGGERS)
        if s.read_model and s.read_model in model.projections:
            first_seen = self.first_seen
            for event in model.projections[s.read_model].on:
                # fed from earlier columns only; an event no column records (say, one an
                # external system sends straight to a read model) is drawn right here
                earlier = event in self.latest or first_seen.get(event, c + 1) <= c
                if earlier or (event not in first_seen and event in model.events):
                    self.arrow(self.event_source(c, event), read_model, EdgeKind.FEEDS)


def _first_seen(columns: Sequence[ColumnSpec]) -> dict[str, int]:
    """Event name -> index of the first column that records it, over the whole timeline."""
    seen: dict[str, int] = {}
    for spec in columns:
        for event in spec.events:
            seen.setdefault(event, spec.index)
    return seen


def build_blueprint(
    model: Model,
    columns: Iterable[int] | None = None,
    *,
    scenarios: bool = False,
    title: str | None = None,
) -> Blueprint:
    """Place the model on the blueprint grid.

    ``columns`` selects 1-based timeline indexes to draw (all when ``None``); they are
    drawn in timeline order whatever order they are given in. ``scenarios`` adds a lane
    of given/when/then panels under the columns.
    """
    full = timeline(model)
    wanted = set(columns) if columns is not None else {spec.index for spec in full}
    chosen = [spec for spec in full if spec.index in wanted]
    placer = _Placer(model, _first_seen(full))
    drawn: list[Column] = []
    for spec in chosen:
        placer.column(spec)
        panels = (
            tuple(scenario_text(s) for s in scenarios_for_slice(model, spec.slice))
            if scenarios
            else ()
        )
        s = spec.slice
        drawn.append(
            Column(
                spec.index,
                s.name,
                s.chapter,
                None if spec.derived else s.status,
                spec.kind,
                spec.derived,
                panels,
            )
        )
    if scenarios and any(col.scenarios for col in drawn):
        placer.lane(Band.SPECS, "", "Given / When / Then", 0)
    lanes = sorted(placer.lanes.values(), key=lambda lane: placer.lane_rank[lane.id])
    lane_pos = {lane.id: i for i, lane in enumerate(lanes)}
    items = sorted(placer.items.values(), key=lambda it: (it.column, lane_pos[it.lane]))
    return Blueprint(
        title if title is not None else f"{model.name} — blueprint",
        tuple(lanes),
        tuple(drawn),
        tuple(items),
        tuple(placer.arrows.values()),
        scenarios,
    )


__all__ = [
    "Arrow",
    "Band",
    "Blueprint",
    "Column",
    "ColumnSpec",
    "Item",
    "Lane",
    "build_blueprint",
    "timeline",
]
