"""Loading a model file: guards, composition with positions, conversion to plain Python.

The file is parsed into YAML *events* (by ruamel's C parser when one is installed,
else by its pure-Python parser) and composed here, iteratively, into a small node tree
that remembers where every value sits in the text. Composing ourselves is what lets us
stop at the first sign of hostile input: nesting deeper than :data:`MAX_DEPTH` stops the
parse at that point (no recursion, so a 100,000-deep ``[[[[`` cannot overflow the stack),
a second document stops it too, and tags, duplicate keys and alias expansion are checked
while the plain data is built.

The plain data follows the YAML 1.2 core schema (``on``/``yes``/``no`` are strings),
plus underscores in numbers and timestamps, which become ISO-8601 strings.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
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

from workbench.model.diagnostics import Diagnostic, Location
from workbench.model.yaml_scalar import (
    MAP_TAG,
    MERGE_TAG,
    NULL_TAG,
    SCALAR_TAGS,
    SEQ_TAG,
    STR_TAG,
    resolve_plain,
    scalar_value,
    short_tag,
)

#: Files larger than this are refused before they are read in full.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Deepest nesting of mappings and sequences accepted (the root mapping is level 1).
MAX_DEPTH = 64
#: How many nodes alias expansion may add on top of the nodes written in the file.
MAX_ALIAS_NODES = 200_000

YamlPath = tuple[str | int, ...]

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


# --------------------------------------------------------------------------- parsing


class _Problem(Exception):
    def __init__(self, code: str, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, counting lines as YAML does."""
    line = 1 + len(_LINE_BREAK.findall(text, 0, offset))
    last = max(text.rfind(c, 0, offset) for c in "\r\n\x85\u2028\u2029")
    return line, offset - last


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


def _compose(text: str, offset: int, fail: _Failure, fast: bool = True) -> tuple[Node | None, int]:
    """Compose events into nodes; returns the root (None if no document) and node count.

    ``fast`` uses the C parser when there is one. It follows libyaml's grammar, which
    rejects a few things the pure-Python parser accepts (``{at: 10:30}``), so when it
    fails the pure-Python parser decides: a file valid on one machine is valid on all.
    """
    if fast and _C_PARSER is not None:
        try:
            return _compose_events(_events(text, True), text, offset, fail)
        except _Problem:
            raise
        except Exception:
            pass
    return _compose_events(_events(text, False), text, offset, fail)


def _compose_events(
    events: Iterator[Any], text: str, offset: int, fail: _Failure
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


class _Failure:
    """Builds located problems for one file."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def at(self, code: str, message: str, mark: Any) -> _Problem:
        if mark is None:
            return _Problem(code, message)
        return _Problem(code, message, mark.line + 1, mark.column + 1)

    def node(self, code: str, message: str, node: Node) -> _Problem:
        return _Problem(code, message, node.line, node.column)


class _Builder:
    """Turns the node tree into plain data, checking keys, tags and the alias budget."""

    def __init__(self, fail: _Failure, budget: int) -> None:
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

    def _duplicate(self, second: Node, first: Node, key: Any) -> _Problem:
        return self.fail.node(
            "WB006",
            f"duplicate key {key!r}: it is already defined on line {first.line}",
            second,
        )


def _syntax_problem(error: MarkedYAMLError) -> _Problem:
    mark = error.problem_mark or error.context_mark
    problem = (error.problem or "").strip()
    context = (error.context or "").strip()
    message = problem or context or "invalid YAML"
    if problem and context:
        where = ""
        if (
            error.context_mark is not None
            and error.problem_mark is not None
            and error.context_mark.line != error.problem_mark.line
        ):
            where = f" started on line {error.context_mark.line + 1}"
        message = f"{problem} ({context}{where})"
    if mark is None:
        return _Problem("WB005", message)
    return _Problem("WB005", message, mark.line + 1, mark.column + 1)


def _tab_problem(body: str, problem: _Problem) -> _Problem | None:
    """A friendly WB008 when a tab is what the parser tripped over."""
    lines = _LINE_BREAK.split(body)
    line = problem.line
    if "'\\t'" in problem.message and 1 <= line <= len(lines):
        text = lines[line - 1]
        column = problem.column
        if text[column - 1 : column] != "\t" and "\t" in text:
            column = text.index("\t") + 1
        if text[: column - 1].strip(" \t"):
            return _Problem(
                "WB008",
                "a tab character cannot be used here; write a space instead "
                "(YAML accepts tabs almost nowhere)",
                line,
                column,
            )
    for number in (line, line - 1, line + 1):
        if 1 <= number <= len(lines):
            text = lines[number - 1]
            indent = len(text) - len(text.lstrip(" \t"))
            if "\t" in text[:indent] and text.strip():
                return _Problem(
                    "WB008",
                    "a tab character is used for indentation; YAML allows only spaces "
                    "there (set your editor to insert spaces)",
                    number,
                    text.index("\t") + 1,
                )
    return None


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        offset = content.index(b"\x00")
        line = content.count(b"\n", 0, offset) + 1
        raise _Problem(
            "WB002",
            f"this looks like a binary file, not YAML text (NUL byte at byte offset {offset})",
            line,
        )
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start
        line = content.count(b"\n", 0, offset) + 1
        column = (
            len(content[content.rfind(b"\n", 0, offset) + 1 : offset].decode("utf-8", "replace"))
            + 1
        )
        raise _Problem(
            "WB002",
            f"the file is not valid UTF-8: byte 0x{content[offset]:02x} at byte offset {offset} "
            f"(line {line}); save it as UTF-8",
            line,
            column,
        ) from None


def _load(content: bytes | str, filename: str) -> YamlDocument:
    if isinstance(content, bytes):
        if len(content) > MAX_FILE_BYTES:
            raise _too_large(len(content))
        text = _decode(content)
    else:
        text = content
        if (
            len(text) > MAX_FILE_BYTES
            or len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES
        ):
            raise _too_large(len(text.encode("utf-8", "surrogatepass")))
    offset = 1 if text.startswith("\ufeff") else 0
    body = text[offset:]
    bad = _NON_PRINTABLE.search(body)
    if bad is not None:
        line, column = _line_col(body, bad.start())
        char = bad.group()
        what = (
            "a NUL byte (binary file?)"
            if char == "\x00"
            else f"the control character U+{ord(char):04X}"
        )
        raise _Problem(
            "WB002",
            f"the file contains {what}, which YAML text cannot contain",
            line,
            column,
        )
    if not body.strip():
        raise _Problem("WB003", "the file is empty")
    fail = _Failure(offset)
    try:
        root, count = _compose(body, offset, fail)
    except MarkedYAMLError as error:
        problem = _syntax_problem(error)
        tab = _tab_problem(body, problem) if problem.line else None
        raise (tab or problem) from None
    except RecursionError:
        raise _Problem(
            "WB009", f"the document is nested more than {MAX_DEPTH} levels deep"
        ) from None
    if root is None:
        raise _Problem("WB003", "the file is empty: it holds only comments and blank lines")
    if root.kind == "scalar" and root.tag == NULL_TAG and root.style is None and root.value == "":
        raise _Problem("WB003", "the file holds no data (an empty document)")
    if root.deref().kind != "map":
        kind = {"seq": "a list", "scalar": "a single value"}.get(root.deref().kind, "not a mapping")
        raise _Problem(
            "WB010",
            f"the top level of a model file must be a mapping of keys (like 'name: ...'), not {kind}",
            root.line,
            root.column,
        )
    data = _Builder(fail, count + MAX_ALIAS_NODES).build(root, 1)
    return YamlDocument(filename=filename, text=text, data=data, root=root)


def _too_large(size: int) -> _Problem:
    return _Problem(
        "WB004",
        f"the file is too large ({size:,} bytes); model files may be at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB",
    )


def parse_document(content: bytes | str, filename: str) -> YamlDocument:
    """Parse a model file's content; raises :class:`DocumentError` if it can't be used."""
    try:
        return _load(content, filename)
    except _Problem as found:
        raise DocumentError([_diagnostic(filename, found)]) from None
    except DocumentError:
        raise
    except RecursionError:
        deep = _Problem("WB009", f"the document is nested more than {MAX_DEPTH} levels deep")
        raise DocumentError([_diagnostic(filename, deep)]) from None
    except Exception as error:  # a parser bug must not become a traceback
        broken = _Problem(
            "WB005", f"the YAML could not be parsed ({type(error).__name__}: {error})"
        )
        raise DocumentError([_diagnostic(filename, broken)]) from None


def _diagnostic(filename: str, problem: _Problem) -> Diagnostic:
    return Diagnostic(
        code=problem.code,
        message=problem.message,
        location=Location(filename, problem.line, problem.column),
    )


def read_document(path: str | Path) -> YamlDocument:
    """Read and parse a model file; raises :class:`DocumentError` (WB001 if unreadable)."""
    filename = str(path)
    target = Path(path)

    def fail(code: str, message: str) -> DocumentError:
        return DocumentError([Diagnostic(code=code, message=message, location=Location(filename))])

    try:
        if target.is_dir():
            raise fail("WB001", "this is a directory, not a model file")
        size = target.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                "WB004",
                f"the file is too large ({size:,} bytes); model files may be at most "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MiB",
            )
        with target.open("rb") as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except DocumentError:
        raise
    except FileNotFoundError:
        raise fail("WB001", "no such file") from None
    except PermissionError:
        raise fail("WB001", "permission denied: the file cannot be read") from None
    except OSError as error:
        raise fail("WB001", f"the file cannot be read ({error.strerror or error})") from None
    if len(content) > MAX_FILE_BYTES:
        raise fail(
            "WB004",
            f"the file is too large (more than {MAX_FILE_BYTES // (1024 * 1024)} MiB); "
            "model files may be at most 4 MiB",
        )
    return parse_document(content, filename)
