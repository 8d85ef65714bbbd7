"""Checks the render tests share: a Mermaid syntax checker, SVG label extraction, DOT acceptance.

No Mermaid CLI is available offline, so :func:`mermaid_problems` checks the subset of
flowchart syntax the writer emits, strictly: a valid header, identifiers made of
``[A-Za-z0-9_]``, every label quoted with nothing inside that could end it or inject
markup, every edge endpoint and class member declared, ``subgraph``/``end`` balanced.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from workbench.model.loader import load_model
from workbench.model.schema import Model

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MODELS = sorted((REPO_ROOT / "models").glob("*.yaml"))

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz 'dot' is not installed (apt-get install graphviz)"
)


def load(path: Path) -> Model:
    loaded = load_model(path)
    assert loaded.model is not None, [str(d) for d in loaded.diagnostics]
    return loaded.model


# ----------------------------------------------------------------- mermaid

_ID = r"[A-Za-z0-9_]+"
# inside a quoted label: no quote, no markup or bracket characters, "#" only as an entity code
_LABEL_BODY = r'(?:[^"<>\[\]{}|`#]|#\d+;)*'
_LABEL = f'"{_LABEL_BODY}"'
_NODE = re.compile(
    rf"^({_ID})(\[{_LABEL}\]|\[\[{_LABEL}\]\]|\{{\{{{_LABEL}\}}\}}|\(\[{_LABEL}\]\))$"
)
_EDGE = re.compile(rf"^({_ID}) (-->|-\.->)(\|{_LABEL}\|)? ({_ID})$")
_SUBGRAPH = re.compile(rf"^subgraph ({_ID})\[{_LABEL}\]$")
_CLASSDEF = re.compile(rf"^classDef ({_ID}) [a-z-]+:[#A-Za-z0-9]+(,[a-z-]+:[#A-Za-z0-9]+)*$")
_CLASS = re.compile(rf"^class ({_ID}(?:,{_ID})*) ({_ID})$")
_RESERVED = {
    "end",
    "subgraph",
    "graph",
    "flowchart",
    "class",
    "classDef",
    "style",
    "click",
    "direction",
    "linkStyle",
}


def mermaid_problems(text: str) -> list[str]:
    """Everything wrong with a Mermaid flowchart, as messages (empty when it is fine)."""
    lines = text.splitlines()
    problems: list[str] = []
    if not lines or not re.fullmatch(r"flowchart (LR|TB|RL|BT)", lines[0]):
        problems.append(
            f"line 1: expected 'flowchart LR' (or TB/RL/BT), got {lines[0] if lines else ''!r}"
        )
    nodes: set[str] = set()
    subgraphs: set[str] = set()
    edges: list[tuple[int, str, str]] = []
    classes: list[tuple[int, list[str], str]] = []
    class_defs: set[str] = set()
    depth = 0
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line or line.startswith("%%"):
            continue
        if line == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: 'end' without 'subgraph'")
                depth = 0
            continue
        if re.fullmatch(r"direction (TB|LR|RL|BT)", line):
            continue
        if m := _SUBGRAPH.match(line):
            depth += 1
            if m.group(1) in subgraphs or m.group(1) in _RESERVED:
                problems.append(f"line {number}: subgraph id {m.group(1)!r} reused or reserved")
            subgraphs.add(m.group(1))
            continue
        if m := _NODE.match(line):
            if m.group(1) in nodes or m.group(1) in _RESERVED:
                problems.append(f"line {number}: node id {m.group(1)!r} declared twice or reserved")
            nodes.add(m.group(1))
            continue
        if m := _EDGE.match(line):
            edges.append((number, m.group(1), m.group(4)))
            continue
        if m := _CLASSDEF.match(line):
            class_defs.add(m.group(1))
            continue
        if m := _CLASS.match(line):
            classes.append((number, m.group(1).split(","), m.group(2)))
            continue
        problems.append(
            f"line {number}: not valid flowchart syntax (or an unescaped label): {line!r}"
        )
    if depth:
        problems.append(f"{depth} 'subgraph' without 'end'")
    if nodes & subgraphs:
        problems.append(f"ids used for both nodes and subgraphs: {sorted(nodes & subgraphs)}")
    for number, source, target in edges:
        for end in (source, target):
            if end not in nodes:
                problems.append(f"line {number}: edge endpoint {end!r} is not a declared node")
    for number, members, name in classes:
        if name not in class_defs:
            problems.append(f"line {number}: class {name!r} has no classDef")
        problems.extend(
            f"line {number}: class member {m!r} is not a declared node"
            for m in members
            if m not in nodes
        )
    return problems


def mermaid_labels(text: str) -> list[str]:
    """The decoded node labels of a flowchart (entity codes turned back into characters)."""
    found = []
    for line in text.splitlines():
        m = _NODE.match(line.strip())
        if m:
            quoted = re.search(r'"(.*)"', m.group(2))
            assert quoted is not None
            found.append(re.sub(r"#(\d+);", lambda e: chr(int(e.group(1))), quoted.group(1)))
    return found


# ----------------------------------------------------------------- svg and dot


def svg_node_texts(svg: bytes) -> dict[str, str]:
    """Node id (the ``<title>`` of each ``g.node``) -> all its text, joined by spaces."""
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "node":
            continue
        title = group.find("s:title", ns)
        assert title is not None and title.text
        texts[title.text] = " ".join(
            "".join(t.itertext()) for t in group.iter("{http://www.w3.org/2000/svg}text")
        )
    return texts


def assert_labels_present(svg: bytes, names: Iterable[str]) -> None:
    texts = " | ".join(svg_node_texts(svg).values())
    missing = [n for n in names if n not in texts]
    assert not missing, f"labels missing from the SVG: {missing}"


def dot_accepts(source: str) -> tuple[bool, str]:
    """Whether Graphviz parses and lays out ``source`` without errors or warnings."""
    proc = subprocess.run(
        ["dot", "-Tdot"], input=source.encode(), capture_output=True, timeout=120, check=False
    )
    stderr = proc.stderr.decode(errors="replace")
    return proc.returncode == 0 and not stderr.strip(), stderr


def tiny_model(**extra: Any) -> Model:
    """A small valid model with one aggregate, built in code so each test can vary it."""
    data: dict[str, Any] = {
        "workbench": 1,
        "name": "Tiny",
        "roles": {"Clerk": {}},
        "screens": {"Desk": {"role": "Clerk", "issues": ["Open"], "shows": ["Overview"]}},
        "aggregates": {"Account": {"id": "account_id"}},
        "commands": {
            "Open": {"aggregate": "Account", "fields": {"account_id": "uuid"}, "emits": ["Opened"]}
        },
        "events": {"Opened": {"aggregate": "Account", "fields": {"account_id": "uuid"}}},
        "projections": {
            "Overview": {
                "key": "account_id",
                "fields": {"account_id": "uuid"},
                "on": {"Opened": {"upsert": {}}},
            }
        },
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Model.model_validate(data)
