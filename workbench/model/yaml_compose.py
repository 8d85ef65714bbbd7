"""Composing parser events into located nodes, and nodes into plain data.

Composition is iterative (no recursion), so nesting deeper than :data:`MAX_DEPTH` stops
the parse right there and a 100,000-deep ``[[[[`` cannot overflow the stack; a second
document stops it too. Tags are checked while composing; duplicate keys, merge keys and
the alias-expansion budget (:data:`MAX_ALIAS_NODES`) while building the plain data.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from workbench.model.yaml_document import Node
from workbench.model.yaml_scalar import (
    MAP_TAG,
    MERGE_TAG,
    SCALAR_TAGS,
    SEQ_TAG,
    STR_TAG,
    resolve_plain,
    scalar_value,
    short_tag,
)

#: Deepest nesting of mappings and sequences accepted (the root mapping is level 1).
MAX_DEPTH = 64
#: How many nodes alias expansion may add on top of the nodes written in the file.
MAX_ALIAS_NODES = 200_000

_C_PARSER: Any = None
for _module_name in ("_ruamel_yaml", "_ruamel_yaml_clibz"):
    try:
        _C_PARSER = importlib.import_module(_module_name).CParser
        break
    except (ImportError, AttributeError):
        continue


def c_parser_available() -> bool:
    """Whether ruamel's C parser (``ruamel.yaml.clib`` or ``clibz``) is used."""
    return _C_PARSER is not None


class Problem(Exception):
    """One located problem; the loader turns it into a :class:`DocumentError`."""

    def __init__(self, code: str, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


def _events(text: str, fast: bool) -> Iterator[Any]:
    if fast and _C_PARSER is not None:
        parser = _C_PARSER(text)
        while parser.check_event():
            yield parser.get_event()
        return
    yield from YAML(typ="safe", pure=True).parse(text)


_SCALAR, _MAP_START, _SEQ_START, _END, _ALIAS, _DOC_START, _STREAM_END = range(7)
_EVENT_KINDS: dict[type, int] = {
    ScalarEvent: _SCALAR,
    MappingStartEvent: _MAP_START,
    SequenceStartEvent: _SEQ_START,
    MappingEndEvent: _END,
    SequenceEndEvent: _END,
    AliasEvent: _ALIAS,
    DocumentStartEvent: _DOC_START,
    StreamEndEvent: _STREAM_END,
}
_ALLOWED_TAGS = SCALAR_TAGS | {MAP_TAG, SEQ_TAG, "!"}


def compose(text: str, offset: int, fail: Failure, fast: bool = True) -> tuple[Node | None, int]:
    """Compose events into nodes; returns the root (None if no document) and node count.

    ``fast`` uses the C parser when there is one. It follows libyaml's grammar, which
    rejects a few things the pure-Python parser accepts (``{at: 10:30}``), so when it
    fails the pure-Python parser decides: a file valid on one machine is valid on all.
    """
    if fast and _C_PARSER is not None:
        try:
            return _compose_events(_events(text, True), text, offset, fail)
        except Problem:
            raise
        except Exception:
            pass
    return _compose_events(_events(text, False), text, offset, fail)


def _compose_events(
    events: Iterator[Any], text: str, offset: int, fail: Failure
) -> tuple[Node | None, int]:
    stack: list[Node] = []
    anchors: dict[str, Node] = {}
    root: Node | None = None
    documents = 0
    count = 0
    kinds = _EVENT_KINDS
    try:
        for event in events:
            kind = kinds.get(type(event))
            if kind is None:
                continue
            node: Node
            if kind == _SCALAR:
                count += 1
                mark = event.start_mark
                node = Node("scalar", offset + mark.index, mark.line + 1, mark.column + 1)
                node.end = offset + event.end_mark.index
                value = node.value = event.value
                style = node.style = event.style or None
                tag = event.ctag
                if tag is None:
                    if style is not None:
                        node.tag = STR_TAG
                    else:
                        resolved = node.tag = resolve_plain(value)
                        if resolved == STR_TAG and value == "<<":
                            node.tag = MERGE_TAG
                        elif value == "" and stack:
                            _place_empty(node, stack[-1], text, offset)
                else:
                    tag = str(tag)
                    if tag not in _ALLOWED_TAGS:
                        raise fail.at(
                            "WB012",
                            f"tag {short_tag(tag)} is not allowed: a model file holds plain data only",
                            mark,
                        )
                    if tag in (MAP_TAG, SEQ_TAG):
                        raise fail.at(
                            "WB012", f"tag {short_tag(tag)} cannot be used on a scalar", mark
                        )
                    node.tag = STR_TAG if tag == "!" else tag
                if event.anchor is not None:
                    node.anchor = event.anchor
                    anchors[event.anchor] = node
                if stack:
                    stack[-1].value.append(node)
                else:
                    root = node
            elif kind == _END:
                node = stack.pop()
                node.end = offset + event.end_mark.index
                if node.kind == "map" and len(node.value) % 2:
                    raise fail.at("WB005", "mapping has a key without a value", event.start_mark)
                if stack:
                    stack[-1].value.append(node)
                else:
                    root = node
            elif kind in (_MAP_START, _SEQ_START):
                count += 1
                mark = event.start_mark
                name = "map" if kind == _MAP_START else "seq"
                tag = event.ctag
                if tag is not None:
                    tag = str(tag)
                    if tag not in _ALLOWED_TAGS:
                        raise fail.at(
                            "WB012",
                            f"tag {short_tag(tag)} is not allowed: a model file holds plain data only",
                            mark,
                        )
                    if tag != "!" and tag != (MAP_TAG if name == "map" else SEQ_TAG):
                        raise fail.at("WB012", f"tag {short_tag(tag)} cannot be used here", mark)
                if len(stack) >= MAX_DEPTH:
                    raise fail.at(
                        "WB009", f"the document is nested more than {MAX_DEPTH} levels deep", mark
                    )
                node = Node(name, offset + mark.index, mark.line + 1, mark.column + 1)
                node.value = []
                node.flow = bool(event.flow_style)
                if event.anchor is not None:
                    node.anchor = event.anchor
                    anchors[event.anchor] = node
                stack.append(node)
            elif kind == _ALIAS:
                mark = event.start_mark
                target = anchors.get(event.anchor)
                if target is None:
                    raise fail.at("WB007", f"alias *{event.anchor} refers to no anchor", mark)
                if any(open_node is target for open_node in stack):
                    raise fail.at(
                        "WB007",
                        f"recursive alias *{event.anchor}: it refers to a value that contains it",
                        mark,
                    )
                node = Node("alias", offset + mark.index, mark.line + 1, mark.column + 1)
                node.end = offset + event.end_mark.index
                node.target = target
                node.anchor = event.anchor
                count += 1
                if stack:
                    stack[-1].value.append(node)
                else:
                    root = node
            elif kind == _DOC_START:
                documents += 1
                if documents > 1:
                    raise fail.at(
                        "WB005",
                        "the file holds more than one YAML document (a second one starts here); "
                        "a model file must be a single document",
                        event.start_mark,
                    )
            else:
                break
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    return root, count


def _place_empty(node: Node, parent: Node, text: str, offset: int) -> None:
    """Move an empty value (``key:`` with nothing after it) to just after its key or dash.

    The parser puts it where the next token starts, often on the next line.
    """
    if parent.kind == "map" and len(parent.value) % 2 == 1:
        key: Node = parent.value[-1]
        if "\n" not in text[key.start - offset : key.end - offset]:
            node.start = node.end = key.end
            node.line = key.line
            node.column = key.column + (key.end - key.start)
        return
    if parent.kind == "seq" and not parent.flow:
        position = node.start - offset
        dash = position - 1
        while dash >= 0 and text[dash] in " \t\r\n":
            dash -= 1
        if dash >= 0 and text[dash] == "-":
            line_start = text.rfind("\n", 0, dash) + 1
            node.start = node.end = offset + dash + 1
            node.line -= text.count("\n", dash, position)
            node.column = dash + 2 - line_start


def build_data(root: Node, fail: Failure, count: int) -> Any:
    """The plain data of a composed tree of ``count`` nodes (aliases may add a few)."""
    return _Builder(fail, count + MAX_ALIAS_NODES).build(root, 1)


class Failure:
    """Builds located problems for one file."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def at(self, code: str, message: str, mark: Any) -> Problem:
        if mark is None:
            return Problem(code, message)
        return Problem(code, message, mark.line + 1, mark.column + 1)

    def node(self, code: str, message: str, node: Node) -> Problem:
        return Problem(code, message, node.line, node.column)


class _Builder:
    """Turns the node tree into plain data, checking keys, tags and the alias budget."""

    def __init__(self, fail: Failure, budget: int) -> None:
        self.fail = fail
        self.budget = budget
        self.done: set[int] = set()

    def build(self, node: Node, depth: int) -> Any:
        if node.kind == "alias":
            assert node.target is not None
            node.target.shared = True
            return self.build(node.target, depth)
        self.budget -= 1
        if self.budget < 0:
            raise self.fail.node(
                "WB007",
                "aliases expand to too many values (an 'alias bomb'); "
                f"at most {MAX_ALIAS_NODES:,} extra values may come from aliases",
                node,
            )
        if depth > MAX_DEPTH:
            raise self.fail.node(
                "WB009", f"aliases nest the document more than {MAX_DEPTH} levels deep", node
            )
        if node.kind == "scalar":
            try:
                return scalar_value(node.tag or STR_TAG, node.value)
            except ValueError:
                raise self.fail.node(
                    "WB012",
                    f"{node.value!r} is not a valid {short_tag(node.tag or STR_TAG)} value",
                    node,
                ) from None
        if node.kind == "seq":
            return [self.build(item, depth + 1) for item in node.value]
        return self.build_map(node, depth)

    def key_of(self, key_node: Node) -> Any:
        target = key_node.deref()
        if target.kind != "scalar":
            raise self.fail.node(
                "WB013",
                "a mapping key must be a plain value, not a mapping or a list",
                key_node,
            )
        value = self.build(key_node, 0)
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        return str(target.value)

    def build_map(self, node: Node, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        index: dict[Any, tuple[Node, Node, bool]] = {}
        explicit: list[tuple[Any, Node, Node]] = []
        merges: list[Node] = []
        seen: dict[Any, Node] = {}
        merge_key: Node | None = None
        for key_node, value_node in node.pairs():
            target = key_node.deref()
            if target.kind == "scalar" and target.tag == MERGE_TAG:
                if merge_key is not None:
                    raise self._duplicate(key_node, merge_key, "<<")
                merge_key = key_node
                merges.append(value_node)
                continue
            key = self.key_of(key_node)
            if key in seen:
                raise self._duplicate(key_node, seen[key], key)
            seen[key] = key_node
            explicit.append((key, key_node, value_node))
        for merge_value in merges:
            for source in self._merge_sources(merge_value):
                sub = self.build(source, depth)
                source_index = source.deref().index or {}
                for key, value in sub.items():
                    if key not in result and key not in seen:
                        result[key] = value
                        k_node, v_node, _ = source_index[key]
                        index[key] = (k_node, v_node, True)
        for key, key_node, value_node in explicit:
            result[key] = self.build(value_node, depth + 1)
            index[key] = (key_node, value_node, False)
        node.index = index
        return result

    def _merge_sources(self, value_node: Node) -> list[Node]:
        target = value_node.deref()
        if target.kind == "map":
            return [value_node]
        if target.kind == "seq" and all(item.deref().kind == "map" for item in target.value):
            return list(target.value)
        raise self.fail.node(
            "WB005", "a merge key '<<' needs a mapping or a list of mappings", value_node
        )

    def _duplicate(self, second: Node, first: Node, key: Any) -> Problem:
        return self.fail.node(
            "WB006",
            f"duplicate key {key!r}: it is already defined on line {first.line}",
            second,
        )
