"""A static documentation site for a model: the blueprint and one page per element.

The site is plain HTML with relative links and no scripts, so it opens straight from the
file system (``file://…/index.html``), can be committed next to the model, and can be
published by any static host. Pages are built here as plain data (:class:`Page` with
:class:`Section` parts) and rendered by the jinja2 templates in ``templates/docs``, so a
team can restyle the site without touching Python.

Pictures come from Graphviz when ``dot`` is installed; without it the index shows the
terminal rendering of the blueprint instead (the ``docs`` command says so on stderr),
and everything else is the same. The terminal rendering only uses characters every
common monospace font draws one cell wide, so its grid lines up in a browser too.

The site is built in a temporary folder beside the target and then swapped in, so a
reader never sees half a site, and stale pages of renamed elements disappear. To avoid
deleting someone's files, an existing target folder is only replaced when it is empty
or was made by this generator (it holds :data:`MARKER`).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from workbench.model.schema import Fields, Model, Scenario
from workbench.render.blueprint import build_blueprint, timeline
from workbench.render.crossref import (
    ScenarioText,
    scenario_text,
    scenarios_about,
    scenarios_for_slice,
    version_changes,
)
from workbench.render.engine import has_dot, run_dot
from workbench.render.errors import RenderError
from workbench.render.export import source
from workbench.render.graph import EdgeKind, Graph, Node, NodeKind, automations, model_graph, slug
from workbench.render.style import STYLES
from workbench.render.views import context_map, flow_graph
from workbench.resources import template_set

#: A file in every generated site; its presence means the folder may be replaced.
MARKER = ".workbench-docs"
TEMPLATE_SET = "docs"

#: Kind -> (folder, section title on the index), in the order the index lists them.
KIND_FOLDERS: dict[NodeKind, tuple[str, str]] = {
    NodeKind.SCREEN: ("screens", "Screens"),
    NodeKind.COMMAND: ("commands", "Commands"),
    NodeKind.EVENT: ("events", "Events"),
    NodeKind.READ_MODEL: ("read-models", "Read models"),
    NodeKind.AUTOMATION: ("automations", "Automations"),
    NodeKind.AGGREGATE: ("aggregates", "Aggregates"),
    NodeKind.EXTERNAL: ("externals", "External systems"),
}


class DocsError(RenderError):
    """The site cannot be written where asked; the message says why."""


# ----------------------------------------------------------------- page data


@dataclass(frozen=True)
class Part:
    """A piece of a table cell or list: text, optionally a link, optionally code-styled."""

    text: str
    href: str | None = None
    code: bool = False
    css: str = ""


@dataclass
class Section:
    """One block of a page. ``kind`` picks the template macro: table, links, versions, scenarios, text."""

    kind: str
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[list[Part]]] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    anchor: str = ""


@dataclass
class Page:
    """One HTML page: where it goes, what it says."""

    path: str
    title: str
    kind: str
    kind_css: str
    description: str = ""
    facts: list[tuple[str, list[Part]]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    crumbs: list[Part] = field(default_factory=list)

    @property
    def root(self) -> str:
        """The relative way back to the site root (``""`` or ``"../"``)."""
        return "../" * self.path.count("/")


def _css(kind: NodeKind) -> str:
    return "k-" + slug(kind.value).replace("_", "-")


class _Site:
    """Knows every page's path, so any page can link to any element by kind and name."""

    def __init__(self, model: Model, graph: Graph) -> None:
        self.model = model
        self.graph = graph
        self.paths: dict[str, str] = {}
        for node in graph.nodes:
            if node.kind in KIND_FOLDERS:
                folder = KIND_FOLDERS[node.kind][0]
                self.paths[node.id] = f"{folder}/{node.id.split('_', 1)[1]}.html"
        self.slice_paths = {
            c.index: f"slices/{c.index:03d}-{slug(c.slice.name)}.html" for c in timeline(model)
        }

    def link(self, page: Page, kind: NodeKind, name: str) -> Part:
        node = self.graph.find(kind, name)
        if node is None or node.id not in self.paths:
            return Part(name, code=True, css="missing")
        return Part(name, page.root + self.paths[node.id], code=True, css=_css(kind))

    def node_link(self, page: Page, node: Node) -> Part:
        return self.link(page, node.kind, node.name)

    def links(self, page: Page, nodes: Iterable[Node]) -> list[Part]:
        return [self.node_link(page, n) for n in dict.fromkeys(nodes)]


def _fields_table(title: str, fields: Fields, *, state: bool = False) -> Section:
    rows = []
    for name, spec in fields.items():
        notes = [spec.description] if spec.description else []
        if spec.pii:
            notes.append("personal data")
        default = repr(spec.default) if spec.has_default or state else ""
        rows.append(
            [
                [Part(name, code=True)],
                [Part(spec.type, code=True)],
                _code(default),
                _text("; ".join(notes)),
            ]
        )
    return Section("table", title, ["Field", "Type", "Default", "Notes"], rows)


def _links_section(title: str, parts: list[Part], empty: str = "none") -> Section:
    return Section("links", title, parts=parts or [Part(empty, css="none")])


def _scenario_section(
    scenarios: Sequence[Scenario], title: str = "Specifications (given / when / then)"
) -> Section:
    return Section("scenarios", title, items=[scenario_text(s) for s in scenarios])


def _code(text: str) -> list[Part]:
    return [Part(text, code=True)] if text else []


def _text(text: str) -> list[Part]:
    return [Part(text)] if text else []


# ----------------------------------------------------------------- pages


class _Builder:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.graph = model_graph(model)
        self.site = _Site(model, self.graph)
        self.columns = timeline(model)

    def _page(self, node: Node, description: str) -> Page:
        folder, heading = KIND_FOLDERS[node.kind]
        page = Page(
            self.site.paths[node.id],
            node.name,
            STYLES[node.kind].title,
            _css(node.kind),
            description,
        )
        page.crumbs = [
            Part(self.model.name, f"{page.root}index.html"),
            Part(heading, f"{page.root}index.html#{folder}"),
        ]
        return page

    def _neighbours(self, node: Node, kind: EdgeKind, *, incoming: bool) -> list[Node]:
        edges = (
            self.graph.incoming(node.id, kind) if incoming else self.graph.outgoing(node.id, kind)
        )
        return [self.graph.node(e.source if incoming else e.target) for e in edges]

    def _slices_using(self, page: Page, kind: NodeKind, name: str) -> Section:
        parts = []
        for column in self.columns:
            s = column.slice
            uses = {
                NodeKind.SCREEN: s.screen == name,
                NodeKind.COMMAND: s.command == name,
                NodeKind.EVENT: name in column.events,
                NodeKind.READ_MODEL: s.read_model == name,
                NodeKind.AUTOMATION: name in (s.automation, s.translation),
                NodeKind.EXTERNAL: s.external == name,
                NodeKind.AGGREGATE: any(
                    self.model.events.get(e) and self.model.events[e].aggregate == name
                    for e in column.events
                ),
            }[kind]
            if uses:
                parts.append(
                    Part(
                        f"{column.index}. {s.name}", page.root + self.site.slice_paths[column.index]
                    )
                )
        return _links_section("Slices", parts, "not in any slice")

    def aggregate(self, node: Node) -> Page:
        agg = self.model.aggregates[node.name]
        page = self._page(node, agg.description)
        page.facts = [("Stream id", _code(f"{agg.id}: {agg.id_type}"))]
        if agg.snapshot_every:
            page.facts.append(("Snapshot every", [Part(f"{agg.snapshot_every} events")]))
        if agg.context:
            page.facts.append(("Context", [Part(agg.context)]))
        page.sections.append(_fields_table("State", agg.state, state=True))
        invariants = [[[Part(i.name or "")], [Part(i.check, code=True)]] for i in agg.invariants]
        if invariants:
            page.sections.append(
                Section("table", "Invariants", ["Name", "Must always hold"], invariants)
            )
        page.sections.append(
            _links_section(
                "Commands handled",
                self.site.links(page, self._neighbours(node, EdgeKind.HANDLED_BY, incoming=True)),
            )
        )
        page.sections.append(
            _links_section(
                "Events recorded",
                self.site.links(page, self._neighbours(node, EdgeKind.RECORDS, incoming=False)),
            )
        )
        page.sections.append(self._slices_using(page, NodeKind.AGGREGATE, node.name))
        page.sections.append(_scenario_section(scenarios_about(self.model, "aggregate", node.name)))
        return page

    def command(self, node: Node) -> Page:
        cmd = self.model.commands[node.name]
        page = self._page(node, cmd.description)
        page.facts = [
            ("Aggregate", [self.site.link(page, NodeKind.AGGREGATE, cmd.aggregate)]),
            ("Stream", [Part(cmd.stream)]),
        ]
        if cmd.role:
            page.facts.append(("Role", [Part(cmd.role)]))
        if cmd.context:
            page.facts.append(("Context", [Part(cmd.context)]))
        page.sections.append(_fields_table("Fields", cmd.fields))
        rules = [
            [[Part(r.require, code=True)], [Part(r.error, code=True)], [Part(r.message)]]
            for r in cmd.rules
        ]
        if rules:
            page.sections.append(
                Section(
                    "table",
                    "Rules (checked in order)",
                    ["Requires", "Else error", "Message"],
                    rules,
                )
            )
        emits = []
        for emit in cmd.emits:
            assignments = ", ".join(f"{k} = {v}" for k, v in emit.fields.items())
            condition = " ".join(
                p
                for p in (
                    f"when {emit.when}" if emit.when else "",
                    f"for each {emit.as_} in {emit.for_each}" if emit.for_each else "",
                )
                if p
            )
            emits.append(
                [
                    [self.site.link(page, NodeKind.EVENT, emit.event)],
                    _code(condition),
                    _code(assignments),
                ]
            )
        page.sections.append(
            Section("table", "Emits", ["Event", "Condition", "Fields set"], emits)
            if emits
            else _links_section("Emits", [], "nothing")
        )
        page.sections.append(
            _links_section(
                "Issued by",
                self.site.links(page, self._neighbours(node, EdgeKind.ISSUES, incoming=True)),
                "nobody yet",
            )
        )
        page.sections.append(self._slices_using(page, NodeKind.COMMAND, node.name))
        page.sections.append(_scenario_section(scenarios_about(self.model, "command", node.name)))
        return page

    def event(self, node: Node) -> Page:
        evt = self.model.events[node.name]
        page = self._page(node, evt.description)
        if evt.aggregate:
            page.facts.append(
                ("Aggregate", [self.site.link(page, NodeKind.AGGREGATE, evt.aggregate)])
            )
        if evt.external:
            page.facts.append(
                ("From external system", [self.site.link(page, NodeKind.EXTERNAL, evt.external)])
            )
        page.facts.append(("Version", [Part(str(evt.version))]))
        if evt.deprecated:
            page.facts.append(
                ("Deprecated", [Part(evt.deprecated if isinstance(evt.deprecated, str) else "yes")])
            )
        if evt.context:
            page.facts.append(("Context", [Part(evt.context)]))
        page.sections.append(_fields_table(f"Fields (version {evt.version})", evt.fields))
        changes = version_changes(evt)
        page.sections.append(Section("versions", "Versions and their changes", items=changes))
        if evt.evolve:
            rows = [[[Part(k, code=True)], [Part(v, code=True)]] for k, v in evt.evolve.items()]
            page.sections.append(
                Section(
                    "table", "Changes to the aggregate's state", ["State field", "New value"], rows
                )
            )
        emitters = self._neighbours(node, EdgeKind.EMITS, incoming=True) + self._neighbours(
            node, EdgeKind.PUBLISHES, incoming=True
        )
        page.sections.append(
            _links_section("Emitted by", self.site.links(page, emitters), "nobody yet")
        )
        consumers = self._neighbours(node, EdgeKind.FEEDS, incoming=False) + self._neighbours(
            node, EdgeKind.TRIGGERS, incoming=False
        )
        page.sections.append(
            _links_section("Consumed by", self.site.links(page, consumers), "nobody yet")
        )
        page.sections.append(self._slices_using(page, NodeKind.EVENT, node.name))
        page.sections.append(_scenario_section(scenarios_about(self.model, "event", node.name)))
        return page

    def read_model(self, node: Node) -> Page:
        proj = self.model.projections[node.name]
        page = self._page(node, proj.description)
        page.facts = [
            ("Key", _code(", ".join(proj.key_fields))),
            ("Version", [Part(str(proj.version))]),
        ]
        if proj.context:
            page.facts.append(("Context", [Part(proj.context)]))
        page.sections.append(_fields_table("Fields", proj.fields))
        rows = []
        for event, handler in proj.on.items():
            detail = ", ".join(f"{k} = {v}" for k, v in handler.assignments.items())
            extra = " ".join(
                p
                for p in (
                    f"when {handler.when}" if handler.when else "",
                    f"key {handler.key}" if handler.key else "",
                )
                if p
            )
            rows.append(
                [
                    [self.site.link(page, NodeKind.EVENT, event)],
                    [Part(handler.action)],
                    _code(detail),
                    _code(extra),
                ]
            )
        page.sections.append(
            Section("table", "Built from", ["Event", "Action", "Sets", "Condition"], rows)
        )
        page.sections.append(
            _links_section(
                "Shown on",
                self.site.links(page, self._neighbours(node, EdgeKind.SHOWN_ON, incoming=False)),
                "no screen",
            )
        )
        readers = self._neighbours(node, EdgeKind.READS, incoming=False)
        if readers:
            page.sections.append(_links_section("Read by", self.site.links(page, readers)))
        page.sections.append(self._slices_using(page, NodeKind.READ_MODEL, node.name))
        page.sections.append(
            _scenario_section(scenarios_about(self.model, "read model", node.name))
        )
        return page

    def automation(self, node: Node) -> Page:
        policy, is_translation = automations(self.model)[node.name]
        page = self._page(node, policy.description)
        page.facts = [
            ("Kind", [Part("translation" if is_translation else "policy")]),
            ("When this happens", [self.site.link(page, NodeKind.EVENT, policy.on)]),
        ]
        if policy.when:
            page.facts.append(("Only if", _code(policy.when)))
        if policy.after:
            page.facts.append(("After", [Part(policy.after)]))
        if policy.role:
            page.facts.append(("Role", [Part(policy.role)]))
        rows = []
        for issued in policy.issue:
            assignments = ", ".join(f"{k} = {v}" for k, v in issued.fields.items())
            condition = " ".join(
                p
                for p in (
                    f"when {issued.when}" if issued.when else "",
                    f"for each {issued.as_} in {issued.for_each}" if issued.for_each else "",
                )
                if p
            )
            rows.append(
                [
                    [self.site.link(page, NodeKind.COMMAND, issued.command)],
                    _code(condition),
                    _code(assignments),
                ]
            )
        page.sections.append(
            Section("table", "Issues", ["Command", "Condition", "Fields set"], rows)
        )
        page.sections.append(self._slices_using(page, NodeKind.AUTOMATION, node.name))
        page.sections.append(
            _scenario_section(scenarios_about(self.model, "automation", node.name))
        )
        return page

    def screen(self, node: Node) -> Page:
        found = self.model.screens.get(node.name)
        page = self._page(node, found.description if found else "")
        if found and found.role:
            page.facts.append(("Role", [Part(found.role)]))
        page.sections.append(
            _links_section(
                "Issues",
                self.site.links(page, self._neighbours(node, EdgeKind.ISSUES, incoming=False)),
                "no commands",
            )
        )
        page.sections.append(
            _links_section(
                "Shows",
                self.site.links(page, self._neighbours(node, EdgeKind.SHOWN_ON, incoming=True)),
                "no read models",
            )
        )
        page.sections.append(self._slices_using(page, NodeKind.SCREEN, node.name))
        return page

    def external(self, node: Node) -> Page:
        found = self.model.externals.get(node.name)
        page = self._page(node, found.description if found else "")
        published = self._neighbours(node, EdgeKind.PUBLISHES, incoming=False)
        page.sections.append(_links_section("Events it sends", self.site.links(page, published)))
        handlers = [
            n for e in published for n in self._neighbours(e, EdgeKind.TRIGGERS, incoming=False)
        ]
        page.sections.append(
            _links_section("Translated by", self.site.links(page, handlers), "nobody yet")
        )
        page.sections.append(self._slices_using(page, NodeKind.EXTERNAL, node.name))
        return page

    def slices(self) -> list[Page]:
        pages = []
        for n, column in enumerate(self.columns):
            s = column.slice
            path = self.site.slice_paths[column.index]
            page = Page(path, f"{column.index}. {s.name}", "Slice", "k-slice", s.description)
            page.crumbs = [
                Part(self.model.name, "../index.html"),
                Part("Slices", "../index.html#slices"),
            ]
            page.facts = [("Kind", [Part(column.kind)])]
            if s.chapter:
                page.facts.append(("Chapter", [Part(s.chapter)]))
            page.facts.append(
                (
                    "Status",
                    [
                        Part(
                            "not in a slice yet" if column.derived else s.status,
                            css=f"status-{s.status}",
                        )
                    ],
                )
            )
            elements: list[Part] = []
            if s.screen:
                elements.append(self.site.link(page, NodeKind.SCREEN, s.screen))
            for automation in (s.automation, s.translation):
                if automation:
                    elements.append(self.site.link(page, NodeKind.AUTOMATION, automation))
            if s.command:
                elements.append(self.site.link(page, NodeKind.COMMAND, s.command))
            if s.read_model:
                elements.append(self.site.link(page, NodeKind.READ_MODEL, s.read_model))
            elements.extend(self.site.link(page, NodeKind.EVENT, e) for e in column.events)
            page.sections.append(_links_section("Elements", elements))
            page.sections.append(_scenario_section(scenarios_for_slice(self.model, s)))
            neighbours = []
            if n > 0:
                prev = self.columns[n - 1]
                neighbours.append(
                    Part(
                        f"← {prev.index}. {prev.slice.name}",
                        "../" + self.site.slice_paths[prev.index],
                    )
                )
            if n + 1 < len(self.columns):
                nxt = self.columns[n + 1]
                neighbours.append(
                    Part(
                        f"{nxt.index}. {nxt.slice.name} →", "../" + self.site.slice_paths[nxt.index]
                    )
                )
            if neighbours:
                page.sections.append(Section("links", "Timeline", parts=neighbours))
            pages.append(page)
        return pages

    def element_pages(self) -> list[Page]:
        makers = {
            NodeKind.AGGREGATE: self.aggregate,
            NodeKind.COMMAND: self.command,
            NodeKind.EVENT: self.event,
            NodeKind.READ_MODEL: self.read_model,
            NodeKind.AUTOMATION: self.automation,
            NodeKind.SCREEN: self.screen,
            NodeKind.EXTERNAL: self.external,
        }
        return [makers[n.kind](n) for n in self.graph.nodes if n.kind in makers]

    def index(self, pictures: list[dict[str, str]]) -> dict[str, Any]:
        model = self.model
        slices = [
            {
                "index": c.index,
                "name": c.slice.name,
                "href": self.site.slice_paths[c.index],
                "chapter": c.slice.chapter or "",
                "kind": c.kind,
                "status": "" if c.derived else c.slice.status,
            }
            for c in self.columns
        ]
        groups = []
        for kind, (folder, heading) in KIND_FOLDERS.items():
            nodes = list(self.graph.of_kind(kind))
            if nodes:
                groups.append(
                    {
                        "anchor": folder,
                        "title": heading,
                        "css": _css(kind),
                        "members": [
                            {"name": n.name, "href": self.site.paths[n.id], "detail": n.detail}
                            for n in nodes
                        ],
                    }
                )
        return {
            "model": {
                "name": model.name,
                "description": model.description,
                "tags": list(model.tags),
            },
            "pictures": pictures,
            "slices": slices,
            "groups": groups,
            "scenario_count": len(model.scenarios),
        }


# ----------------------------------------------------------------- writing


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(template_set(TEMPLATE_SET))),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _pictures(
    model: Model, out: Path, written: list[Path], *, pictures: bool
) -> list[dict[str, str]]:
    """Draw the overview pictures into ``out``; text renderings when Graphviz is missing."""
    views: list[tuple[str, str, Any]] = [
        ("blueprint", "Blueprint", build_blueprint(model)),
        ("flow", "Flow: command → aggregate → event → read model / automation", flow_graph(model)),
    ]
    graph = model_graph(model)
    if (
        model.contexts
        or any(n.context for n in graph.nodes)
        or any(graph.of_kind(NodeKind.EXTERNAL))
    ):
        views.append(("context-map", "Context map", context_map(model)))
    found = []
    use_dot = pictures and has_dot()
    for name, title, drawing in views:
        if use_dot:
            (out / f"{name}.svg").write_bytes(run_dot(source(drawing, "dot"), "svg"))
            written.append(out / f"{name}.svg")
            found.append({"title": title, "src": f"{name}.svg", "text": "", "anchor": name})
        else:
            found.append(
                {
                    "title": title,
                    "src": "",
                    "text": source(drawing, "text", width=140),
                    "anchor": name,
                }
            )
    return found


def _render_pages(model: Model, out: Path, *, pictures: bool) -> list[Path]:
    env = _environment()
    builder = _Builder(model)
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)

    (out / "style.css").write_bytes((template_set(TEMPLATE_SET) / "style.css").read_bytes())
    written.append(out / "style.css")
    context = builder.index(_pictures(model, out, written, pictures=pictures))
    write(
        "index.html",
        env.get_template("index.html.j2").render(
            root="", title=model.name, model_name=model.name, **context
        ),
    )
    scenarios: list[ScenarioText] = [scenario_text(s) for s in model.scenarios]
    write(
        "scenarios.html",
        env.get_template("scenarios.html.j2").render(
            root="",
            title=f"{model.name}: specifications",
            model_name=model.name,
            scenarios=scenarios,
        ),
    )
    page_template = env.get_template("page.html.j2")
    for page in [*builder.element_pages(), *builder.slices()]:
        write(
            page.path,
            page_template.render(
                root=page.root, title=page.title, page=page, model_name=model.name
            ),
        )
    (out / MARKER).write_text(
        "Made by 'workbench docs'; this folder is replaced on every run.\n", encoding="utf-8"
    )
    return written


def build_docs(model: Model, out_dir: str | Path, *, pictures: bool = True) -> list[Path]:
    """Write the documentation site for ``model`` into ``out_dir``; returns the files written.

    ``pictures=False`` skips Graphviz even when it is installed (text renderings instead).
    Raises :class:`DocsError` when ``out_dir`` holds files this generator did not make.
    """
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise DocsError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists():
        raise DocsError(
            f"{target} is not empty and was not made by 'workbench docs'; choose a new or empty folder "
            "(the site replaces the folder's contents)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        written = _render_pages(model, staging, pictures=pictures)
        staging.chmod(0o755)
        _swap(staging, target)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise
    return sorted(target / p.relative_to(staging) for p in written)


def _swap(new: Path, target: Path) -> None:
    """Put the folder ``new`` where ``target`` is, putting the old one back if that fails."""
    if not target.exists():
        new.rename(target)
        return
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


__all__ = ["MARKER", "DocsError", "Page", "Part", "Section", "build_docs"]
