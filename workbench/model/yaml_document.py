"""The loaded document: its text, plain data, and the composed nodes that locate values.

:class:`Node` is our own small node tree (character offsets, 1-based line and column);
:meth:`YamlDocument.location` and :meth:`YamlDocument.value_span` walk it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.model.diagnostics import Diagnostic, Location

YamlPath = tuple[str | int, ...]


class DocumentError(Exception):
    """The file can't be used at all; the CLI prints the diagnostics and exits 2."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.render() for d in diagnostics))
        self.diagnostics = diagnostics


# --------------------------------------------------------------------------- nodes


class Node:
    """One composed YAML node with its position (character offsets into the full text)."""

    __slots__ = (
        "anchor",
        "column",
        "end",
        "flow",
        "index",
        "kind",
        "line",
        "shared",
        "start",
        "style",
        "tag",
        "target",
        "value",
    )

    def __init__(self, kind: str, start: int, line: int, column: int) -> None:
        self.kind = kind  # "scalar", "seq", "map" or "alias"
        self.start = start
        self.end = start
        self.line = line  # 1-based
        self.column = column  # 1-based
        self.tag: str | None = None
        self.value: Any = None  # str, list[Node] or list[Node] of alternating keys/values
        self.style: str | None = None
        self.flow = False
        self.anchor: str | None = None
        self.shared = False  # an alias refers to this node
        self.target: Node | None = None  # for aliases
        self.index: dict[Any, tuple[Node, Node, bool]] | None = None  # maps: key -> k, v, merged

    def deref(self) -> Node:
        return self.target if self.target is not None else self

    def pairs(self) -> list[tuple[Node, Node]]:
        items: list[Node] = self.value
        return list(zip(items[0::2], items[1::2], strict=True))

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.line}:{self.column}, {self.start}-{self.end})"


def content_end(node: Node, text: str) -> int:
    """Offset just past the last character that belongs to ``node``.

    Block collections end where their last child ends (not after trailing comments and
    blank lines); block scalars end at their last non-blank line.
    """
    while True:
        if node.kind in ("seq", "map") and not node.flow and node.value:
            node = node.value[-1]
            continue
        if node.kind == "scalar" and node.style in ("|", ">"):
            end = node.end
            header_end = text.find("\n", node.start, end)
            if "+" in text[node.start : header_end if header_end != -1 else end].split("#")[0]:
                return end  # "keep" chomping: the trailing blank lines belong to the value
            while end > node.start and text[end - 1] == "\n":
                end -= 1
                if end > node.start and text[end - 1] == "\r":
                    end -= 1
                line_start = max(text.rfind("\n", node.start, end) + 1, node.start)
                if line_start > node.start and not text[line_start:end].strip(" \t"):
                    end = line_start
            return end
        return node.end


# --------------------------------------------------------------------------- document


@dataclass
class YamlDocument:
    """A loaded model file: exact text, plain data and the positions of every value."""

    filename: str
    text: str
    data: Any
    root: Node | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ locating

    def _walk(self, path: YamlPath) -> tuple[Node, Node | None, int]:
        """Resolve ``path`` as far as it goes: (node, key node, segments resolved)."""
        assert self.root is not None
        return _walk(self.root, path, 0)

    def node_at(self, path: YamlPath) -> Node:
        """The node at exactly ``path`` (aliases are not followed); ``KeyError`` if absent."""
        if self.root is None:
            raise KeyError(path)
        node: Node = self.root
        for segment in path:
            child = _child(node.deref(), segment)
            if child is None:
                raise KeyError(path)
            node = child[1]
        return node

    def key_node_at(self, path: YamlPath) -> Node:
        """The key node of the mapping entry at ``path``; ``KeyError`` if absent."""
        if not path:
            raise KeyError(path)
        parent = self.node_at(path[:-1]).deref()
        child = _child(parent, path[-1])
        if child is None or child[0] is None:
            raise KeyError(path)
        return child[0]

    def location(self, path: YamlPath, *, key: bool = False) -> Location:
        """1-based line and column of the value at ``path`` (of its key with ``key=True``).

        Falls back, never raising: through a single-key shorthand mapping (see module
        docs of :mod:`workbench.model.yamlio`), else to the deepest existing prefix.
        """
        try:
            if self.root is None:
                return Location(self.filename, 1, 1)
            node, key_node, resolved = self._walk(tuple(path))
            target = key_node if key and key_node is not None and resolved == len(path) else node
            return Location(self.filename, target.line, target.column)
        except Exception:
            return Location(self.filename, 1, 1)

    def value_span(self, path: YamlPath) -> tuple[int, int]:
        """Character offsets ``[start, end)`` of the value at exactly ``path`` in :attr:`text`.

        Raises ``KeyError`` if there is no value at ``path``.
        """
        node = self.node_at(tuple(path))
        return node.start, content_end(node, self.text)


def _child(node: Node, segment: str | int) -> tuple[Node | None, Node] | None:
    if node.kind == "map" and node.index is not None:
        entry = node.index.get(segment)
        if entry is not None and not isinstance(segment, bool):
            return entry[0], entry[1]
        return None
    if node.kind == "seq" and isinstance(segment, int) and not isinstance(segment, bool):
        items: list[Node] = node.value
        if 0 <= segment < len(items):
            return None, items[segment]
    return None


def _walk(node: Node, path: YamlPath, depth: int) -> tuple[Node, Node | None, int]:
    key_node: Node | None = None
    for position, segment in enumerate(path):
        current = node.deref()
        child = _child(current, segment)
        if child is not None:
            key_node, node = child
            continue
        index = current.index
        if current.kind == "map" and index is not None and len(index) == 1 and depth < 8:
            # shorthand such as ``- BookLent: {book_id: x}`` for a longer normalized form:
            # the single value stands for the missing segment (or, if that resolves
            # less, for the node that holds it)
            short_key, inner, _ = next(iter(index.values()))
            consumed = _walk(inner, path[position + 1 :], depth + 1)
            kept = _walk(inner, path[position:], depth + 1)
            if kept[2] > consumed[2] + 1:
                return kept[0], kept[1], position + kept[2]
            found_key = consumed[1] if consumed[2] else short_key
            return consumed[0], found_key, position + 1 + consumed[2]
        return node, key_node, position
    return node, key_node, len(path)
