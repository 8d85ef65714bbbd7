"""Choosing what to draw: view names, slice ranges, chapters, aggregates, the context map."""

from __future__ import annotations

from pathlib import Path

import pytest
from render_checks import REPO_ROOT, load, mermaid_problems, tiny_model

from workbench.render.blueprint import Blueprint
from workbench.render.errors import ViewError
from workbench.render.export import render
from workbench.render.graph import EdgeKind, Graph, NodeKind
from workbench.render.views import (
    ViewSpec,
    aggregate_graph,
    build_view,
    context_map,
    flow_graph,
    parse_view,
    select_slices,
)

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"
MODELS = REPO_ROOT / "models"


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("blueprint", ViewSpec("blueprint")),
        ("Flow", ViewSpec("flow")),
        ("context-map", ViewSpec("context-map")),
        ("aggregate:Book", ViewSpec("aggregate", "Book")),
        ("slice:Lend a book", ViewSpec("slice", "Lend a book")),
        ("chapter: Lending ", ViewSpec("chapter", "Lending")),
    ],
)
def test_view_names_parse(text: str, spec: ViewSpec) -> None:
    assert parse_view(text) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("blueprnt", "did you mean 'blueprint'"),
        ("sequence", "choose blueprint, flow"),
        ("aggregate", "needs a name"),
        ("slice:", "needs a name"),
        ("flow:Book", "takes no name"),
    ],
)
def test_bad_view_names_say_what_would_work(text: str, message: str) -> None:
    with pytest.raises(ViewError, match=message):
        parse_view(text)


def test_slice_ranges_by_name_number_or_open_end() -> None:
    model = load(LIBRARY)
    assert select_slices(model, "2..4") == [2, 3, 4]
    assert select_slices(model, "Lend a book..Reserve a book") == [4, 5, 6]
    assert select_slices(model, "lend a book..6") == [4, 5, 6]  # case-insensitive fallback
    assert select_slices(model, "..2") == [1, 2]
    assert select_slices(model, "9..") == [9, 10]
    assert select_slices(model, "Pay a fine") == [9]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5..2", "runs backwards"),
        ("0..2", "no slice 0"),
        ("Lend a boo..", "did you mean 'Lend a book'"),
        ("42", "has 10 column"),
    ],
)
def test_bad_slice_ranges(text: str, message: str) -> None:
    with pytest.raises(ViewError, match=message):
        select_slices(load(LIBRARY), text)


def test_slices_range_and_chapter_give_part_of_the_blueprint() -> None:
    model = load(LIBRARY)
    part = build_view(model, "blueprint", slices="4..6")
    assert isinstance(part, Blueprint) and [c.index for c in part.columns] == [4, 5, 6]
    chapter = build_view(model, "chapter:Returns")
    assert isinstance(chapter, Blueprint) and [c.name for c in chapter.columns] == [
        "Return a book",
        "Charge late fees",
        "Pay a fine",
        "See loans per member",
    ]
    one = build_view(model, "slice:7")
    assert isinstance(one, Blueprint) and [c.name for c in one.columns] == ["Return a book"]
    with pytest.raises(
        ViewError, match="chapters: 'Membership', 'Catalogue', 'Lending', 'Returns'"
    ):
        build_view(model, "chapter:Nope")


def test_options_that_do_not_fit_the_view_are_refused() -> None:
    model = load(LIBRARY)
    with pytest.raises(ViewError, match="--slices selects blueprint columns"):
        build_view(model, "flow", slices="1..2")
    with pytest.raises(ViewError, match="--scenarios"):
        build_view(model, "aggregate:Book", scenarios=True)


def test_flow_graph_groups_commands_and_events_by_aggregate() -> None:
    graph = flow_graph(load(LIBRARY))
    assert {n.kind for n in graph.nodes} <= {
        NodeKind.COMMAND,
        NodeKind.EVENT,
        NodeKind.READ_MODEL,
        NodeKind.AUTOMATION,
        NodeKind.EXTERNAL,
    }
    book = next(g for g in graph.groups if g.label == "Book")
    members = {graph.node(m).name for m in book.members}
    assert {"LendBook", "BookLent", "ReturnBook", "BookReturned"} <= members
    kinds = {e.kind for e in graph.edges}
    assert kinds == {EdgeKind.EMITS, EdgeKind.FEEDS, EdgeKind.TRIGGERS, EdgeKind.ISSUES}
    # command -> event -> policy -> command: the loop the flow view exists to show
    names = {(graph.node(e.source).name, graph.node(e.target).name) for e in graph.edges}
    assert {
        ("LendBook", "BookLent"),
        ("BookLent", "TrackLoanOnMember"),
        ("TrackLoanOnMember", "RecordLoan"),
    } <= names


def test_aggregate_view_shows_one_aggregate_and_its_neighbours() -> None:
    graph = aggregate_graph(load(LIBRARY), "Member")
    names = {n.name for n in graph.nodes}
    assert {
        "JoinLibrary",
        "MemberJoined",
        "PayFine",
        "FinePaid",
        "LoansPerMember",
        "TrackLoanOnMember",
    } <= names
    assert "BookReserved" not in names and "ReserveBook" not in names
    with pytest.raises(ViewError, match="did you mean 'Member'"):
        aggregate_graph(load(LIBRARY), "Membr")


def _contexts_model() -> Graph:
    model = tiny_model(
        contexts={
            "Sales": {},
            "Billing": {"upstream": ["Sales"], "relationship": "customer-supplier"},
        },
        aggregates={
            "Account": {"id": "account_id", "context": "Sales"},
            "Invoice": {"id": "invoice_id", "context": "Billing"},
        },
        commands={"Bill": {"aggregate": "Invoice", "emits": ["Billed"]}},
        events={"Billed": {"aggregate": "Invoice"}},
        policies={"BillNewAccounts": {"on": "Opened", "issue": ["Bill"], "context": "Billing"}},
    )
    return context_map(model)


def test_context_map_shows_declared_and_real_coupling() -> None:
    graph = _contexts_model()
    assert [n.name for n in graph.nodes] == ["Sales", "Billing"]
    edges = {
        (graph.node(e.source).name, graph.node(e.target).name, e.kind, e.label) for e in graph.edges
    }
    assert ("Sales", "Billing", EdgeKind.DEPENDS_ON, "customer-supplier") in edges
    assert ("Sales", "Billing", EdgeKind.SENDS, "Opened") in edges


def test_context_map_without_contexts_explains_itself() -> None:
    with pytest.raises(ViewError, match="no bounded contexts and no external systems"):
        context_map(load(LIBRARY))


def test_a_chapter_view_is_titled_with_the_model_s_spelling() -> None:
    model = load(LIBRARY)
    for asked in ("lending", "LENDING", "Lending"):
        drawing = build_view(model, f"chapter:{asked}")
        assert isinstance(drawing, Blueprint) and drawing.title == "Library — Lending"
    assert render(model, "chapter:lending", "text").decode().startswith("Library — Lending\n")


@pytest.mark.parametrize(
    ("path", "system", "event"),
    [
        (MODELS / "hotel.yaml", "PaymentProvider", "PaymentIntentSucceeded"),
        (MODELS / "inventory.yaml", "SupplierPortal", "OrderResponseReceived"),
    ],
)
def test_a_model_without_contexts_is_one_context_beside_its_external_systems(
    path: Path, system: str, event: str
) -> None:
    model = load(path)
    assert not model.contexts and system in model.externals
    graph = context_map(model)
    assert "the whole model as one context" in graph.title
    assert [(n.kind, n.name) for n in graph.nodes] == [
        (NodeKind.CONTEXT, model.name),
        (NodeKind.EXTERNAL, system),
    ]
    assert [
        (graph.node(e.source).name, graph.node(e.target).name, e.kind) for e in graph.edges
    ] == [(system, model.name, EdgeKind.SENDS)]
    assert event in graph.edges[0].label
    assert mermaid_problems(render(model, "context-map", "mermaid").decode()) == []
    assert f"◊ {system} ─sends" in render(model, "context-map", "text").decode()


def test_an_external_system_outside_every_context_is_on_the_context_map() -> None:
    model = tiny_model(
        contexts={"Sales": {}},
        aggregates={"Account": {"id": "account_id", "context": "Sales"}},
        externals={"Bank": {}},
        events={"PaymentReceived": {"external": "Bank"}},
        translations={
            "BookPayment": {"on": "PaymentReceived", "issue": ["Open"], "context": "Sales"}
        },
    )
    graph = context_map(model)
    assert [n.name for n in graph.nodes] == ["Sales", "Bank"]
    edges = {(graph.node(e.source).name, graph.node(e.target).name, e.label) for e in graph.edges}
    assert ("Bank", "Sales", "PaymentReceived") in edges
