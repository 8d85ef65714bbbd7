"""Canonical formatting for ``workbench fmt``, keeping comments.

Steps: line endings become LF (and a BOM is dropped), the top-level sections are put
in :data:`CANONICAL_ORDER` (text chunks move whole, with their comments), ruamel's
round-trip dumper re-indents (2 spaces for mappings, lists as ``  - `` under their key,
no line wrapping, flow mappings stay flow), trailing spaces are stripped outside block
scalars and the file ends with exactly one newline.

Formatting never changes the data: each result is parsed and compared with the input's
data; if ruamel's output would differ, a lighter formatting is used instead.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.representer import RoundTripRepresenter

from workbench.model.yaml_document import DocumentError, Node, YamlDocument, content_end
from workbench.model.yaml_load import parse_document
from workbench.model.yaml_render import same_data

#: The order of the top-level sections; other keys follow in their original order.
CANONICAL_ORDER: tuple[str, ...] = (
    "workbench",
    "name",
    "description",
    "tags",
    "contexts",
    "types",
    "constants",
    "roles",
    "screens",
    "externals",
    "aggregates",
    "commands",
    "events",
    "projections",
    "policies",
    "translations",
    "slices",
    "scenarios",
)

#: Larger inputs skip the second pass that checks the result is a fixed point.
CONFIRM_LIMIT = 512 * 1024


def format_text(text: str, filename: str) -> str:
    """The canonical form of a model file's text; raises :class:`DocumentError` if unparseable."""
    document = parse_document(text, filename)
    result, result_doc = _format_once(document)
    if result != text and len(result) <= CONFIRM_LIMIT:
        for _ in range(3):
            again, again_doc = _format_once(result_doc)
            if again == result:
                break
            result, result_doc = again, again_doc
    return result


def _format_once(document: YamlDocument) -> tuple[str, YamlDocument]:
    filename = document.filename
    normalized = normalize_newlines(document.text)
    try:
        base = document if normalized == document.text else parse_document(normalized, filename)
    except DocumentError:
        return document.text, document
    reordered = reorder_sections(base)
    expected = canonical_order(document.data)
    tidied = tidy(reordered, filename)
    candidates: list[Callable[[], str]] = [
        lambda: tidy(_ruamel_dump(tidied), filename),
        lambda: tidied,
        lambda: reordered,
        lambda: normalized,
    ]
    for make in candidates:
        try:
            candidate = make()
            parsed = parse_document(candidate, filename)
        except Exception:  # ruamel may reject what we accept: use a lighter formatting
            continue
        if same_data(parsed.data, expected):
            return candidate, parsed
    return document.text, document


def canonical_order(data: Any) -> Any:
    """``data`` with its top-level keys in :data:`CANONICAL_ORDER` (others after, in order)."""
    if not isinstance(data, dict):
        return data
    rank = {name: position for position, name in enumerate(CANONICAL_ORDER)}
    keys = sorted(data, key=lambda k: rank.get(k, len(rank)) if isinstance(k, str) else len(rank))
    return {key: data[key] for key in keys}


def normalize_newlines(text: str) -> str:
    """Drop a BOM and turn CRLF and lone CR line breaks into LF."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _VerbatimFloat(str):
    """A float's original text: ruamel's float re-rendering can lose precision."""


class _Constructor(RoundTripConstructor):
    def construct_verbatim_float(self, node: Any) -> _VerbatimFloat:
        return _VerbatimFloat(node.value)


class _Representer(RoundTripRepresenter):
    def represent_verbatim_float(self, data: _VerbatimFloat) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:float", str(data))


_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_verbatim_float)
_Representer.add_representer(_VerbatimFloat, _Representer.represent_verbatim_float)


def _ruamel_dump(text: str) -> str:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Representer = _Representer
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1 << 30
    yaml.preserve_quotes = True
    data: Any = yaml.load(text)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def tidy(text: str, filename: str) -> str:
    """Strip trailing spaces (outside block scalars) and end with exactly one newline."""
    try:
        protected = _block_scalar_lines(parse_document(text, filename))
    except DocumentError:
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if number not in protected:
            lines[number] = line.rstrip(" \t")
    result = "\n".join(lines)
    if len(lines) - 1 in protected or len(lines) - 2 in protected:
        return result if result.endswith("\n") else result + "\n"
    return result.rstrip("\n") + "\n"


def _block_scalar_lines(document: YamlDocument) -> set[int]:
    """0-based numbers of the lines inside literal or folded block scalars."""
    lines: set[int] = set()
    if document.root is None:
        return lines
    text = document.text
    stack: list[Node] = [document.root]
    while stack:
        node = stack.pop()
        if node.kind in ("map", "seq"):
            stack.extend(node.value)
        elif node.kind == "scalar" and node.style in ("|", ">"):
            first = text.count("\n", 0, node.start)
            last = text.count("\n", 0, max(node.end - 1, node.start))
            lines.update(range(first + 1, last + 1))
    return lines


def reorder_sections(document: YamlDocument) -> str:
    """The text with top-level sections in canonical order; comments move with sections.

    A section's chunk is its lines plus the comments and blank lines between it and the
    previous section, except indented comments right after the previous section, which
    stay with that one. Comments before the first key stay at the top of the file; the
    section that comes first loses its leading blank lines and the one that was first
    gets the blank lines most sections have before them.
    """
    text = document.text
    root = document.root
    if root is None or root.kind != "map" or root.flow or root.index is None:
        return text
    names = {id(entry[0]): key for key, entry in root.index.items() if not entry[2]}
    rank = {name: position for position, name in enumerate(CANONICAL_ORDER)}
    spans: list[tuple[int, int, int]] = []  # (rank, line start, line end)
    for key_node, value_node in root.pairs():
        line_start = text.rfind("\n", 0, key_node.start) + 1
        if text[line_start : key_node.start].strip():
            return text
        last = max(content_end(value_node, text), key_node.end) - 1
        found = text.find("\n", last)
        line_end = len(text) if found == -1 else found + 1
        if spans and line_start < spans[-1][2]:
            return text
        name = names.get(id(key_node))
        spans.append(
            (
                rank.get(name, len(CANONICAL_ORDER))
                if isinstance(name, str)
                else len(CANONICAL_ORDER),
                line_start,
                line_end,
            )
        )
    order = sorted(range(len(spans)), key=lambda i: spans[i][0])
    if order == list(range(len(spans))):
        return text
    preamble = text[: spans[0][1]]
    seps: list[str] = [""]
    heads: list[str] = [""]
    tails: list[str] = []
    for index in range(1, len(spans)):
        tail, sep, head = _split_gap(text[spans[index - 1][2] : spans[index][1]])
        tails.append(tail)
        seps.append(sep)
        heads.append(head)
    last_tail, epilogue_sep, epilogue_head = _split_gap(text[spans[-1][2] :])
    tails.append(last_tail)
    epilogue = epilogue_sep + epilogue_head
    if len(seps) > 1:
        # the first section had no separator of its own: give it the file's usual one
        counts = Counter(seps[1:])
        seps[0] = max(counts, key=lambda sep: (counts[sep], len(sep)))
    parts = [preamble]
    for position, index in enumerate(order):
        chunk = heads[index] + text[spans[index][1] : spans[index][2]]
        chunk = _ensure_newline(chunk) + tails[index]
        parts.append(("" if position == 0 else seps[index]) + _ensure_newline(chunk))
    parts.append(epilogue)
    return "".join(parts)


def _ensure_newline(chunk: str) -> str:
    return chunk if not chunk or chunk.endswith("\n") else chunk + "\n"


def _split_gap(gap: str) -> tuple[str, str, str]:
    """Split the text between two sections into (tail of the previous, blank lines, head)."""
    lines = gap.splitlines(keepends=True)
    tail_end = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#") and line[:1] in (" ", "\t"):
            tail_end = number + 1
            continue
        break
    rest = lines[tail_end:]
    blank_end = 0
    while blank_end < len(rest) and not rest[blank_end].strip():
        blank_end += 1
    return "".join(lines[:tail_end]), "".join(rest[:blank_end]), "".join(rest[blank_end:])
