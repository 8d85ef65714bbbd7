"""The model graph: nodes and edges with their meaning, pure Python, no graphviz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from render_checks import EXAMPLE_MODELS, load, tiny_model

from workbench.render.graph import EdgeKind, NodeKind, model_graph, slug

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


def _edges(graph_kind: EdgeKind, path: Path = LIBRARY) -> set[tuple[str, str]]:
    graph = model_graph(load(path))
    return {
        (graph.node(e.source).name, graph.node(e.target).name)
        for e in graph.edges
        if e.kind is graph_kind
    }


def test_every_kind_of_element_becomes_a_node() -> None:
    graph = model_graph(load(LIBRARY))
    kinds = {n.kind for n in graph.nodes}
    assert {
        NodeKind.SCREEN,
        NodeKind.COMMAND,
        NodeKind.EVENT,
        NodeKind.READ_MODEL,
        NodeKind.AUTOMATION,
        NodeKind.AGGREGATE,
    } <= kinds
    assert graph.find(NodeKind.SCREEN, "Sign-up form") is not None
    assert graph.find(NodeKind.EVENT, "BookLent") is not None
    assert graph.find(NodeKind.EVENT, "BookLent").detail == "v2"  # type: ignore[union-attr]


def test_edges_carry_their_meaning() -> None:
    assert ("Loan desk", "LendBook") in _edges(EdgeKind.ISSUES)
    assert ("TrackLoanOnMember", "RecordLoan") in _edges(EdgeKind.ISSUES)
    assert ("LendBook", "Book") in _edges(EdgeKind.HANDLED_BY)
    assert ("LendBook", "BookLent") in _edges(EdgeKind.EMITS)
    assert ("Book", "BookLent") in _edges(EdgeKind.RECORDS)
    assert ("BookLent", "AvailableBooks") in _edges(EdgeKind.FEEDS)
    assert ("AvailableBooks", "Catalogue") in _edges(EdgeKind.SHOWN_ON)
    assert ("BookLent", "TrackLoanOnMember") in _edges(EdgeKind.TRIGGERS)
    assert ("RecordReturn", "FineCharged") in _edges(EdgeKind.EMITS)


def test_external_systems_publish_their_events() -> None:
    model = tiny_model(
        externals={"Bank": {}},
        events={"PaymentReceived": {"external": "Bank", "fields": {"account_id": "uuid"}}},
        translations={"BookPayment": {"on": "PaymentReceived", "issue": ["Open"]}},
    )
    graph = model_graph(model)
    event = graph.find(NodeKind.EVENT, "PaymentReceived")
    assert event is not None and event.external
    assert [graph.node(e.source).name for e in graph.incoming(event.id, EdgeKind.PUBLISHES)] == [
        "Bank"
    ]
    translation = graph.find(NodeKind.AUTOMATION, "BookPayment")
    assert translation is not None and translation.detail == "translation"


def test_dangling_references_are_skipped_not_invented() -> None:
    model = tiny_model(screens={"Desk": {"issues": ["Open", "Nope"], "shows": ["Missing"]}})
    graph = model_graph(model)
    names = {n.name for n in graph.nodes}
    assert "Nope" not in names and "Missing" not in names
    assert all(e.source in graph and e.target in graph for e in graph.edges)


def test_ids_are_safe_and_unique_even_when_names_slug_alike() -> None:
    model = tiny_model(screens={"Loan desk": {}, "Loan_desk": {}, "Caf\u00e9 — 1": {}})
    graph = model_graph(model)
    ids = [n.id for n in graph.nodes]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", i) for i in ids)
    assert slug("Sign-up form") == "Sign_up_form"


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_graph_is_deterministic_and_consistent(path: Path) -> None:
    first, second = model_graph(load(path)), model_graph(load(path))
    assert first.nodes == second.nodes and first.edges == second.edges
    assert all(e.source in first and e.target in first for e in first.edges)
    model = load(path)
    for name in model.commands:
        assert first.find(NodeKind.COMMAND, name) is not None
    for name in model.events:
        assert first.find(NodeKind.EVENT, name) is not None
