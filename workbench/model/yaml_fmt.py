"""Canonical formatting for ``workbench fmt``, keeping comments.

Steps: the text is worked on with LF line endings and without a BOM, the top-level
sections are put in :data:`CANONICAL_ORDER` (text chunks move whole, with their
comments), ruamel's round-trip dumper re-indents (2 spaces for mappings, lists as
``  - `` under their key, no line wrapping, flow mappings stay flow), full-line comments
follow the re-indentation (see :func:`reindent_comments`), trailing spaces are stripped
outside block scalars and the file ends with exactly one newline. Finally the file's own
line-ending style comes back (see :func:`line_ending`: CRLF stays CRLF, a mixed file
gets its most common style) and so does a UTF-8 BOM if the file had one, so formatting
a Windows file does not rewrite every line.

Formatting never changes the data: each result is parsed and compared with the input's
data; if ruamel's output would differ, a lighter formatting is used instead.
"""

from __future__ import annotations

import bisect
import io
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.representer import RoundTripRepresenter

from workbench.model.schema import SECTION_ORDER
from workbench.model.yaml_document import DocumentError, Node, YamlDocument, content_end
from workbench.model.yaml_load import parse_document
from workbench.model.yaml_render import same_data

#: The top-level sections in the order ``fmt`` puts them (the schema owns the list);
#: other keys follow in their original order.
CANONICAL_ORDER: tuple[str, ...] = SECTION_ORDER

#: Larger inputs skip the second pass that checks the result is a fixed point.
CONFIRM_LIMIT = 512 * 1024


def format_text(text: str, filename: str) -> str:
    """The canonical form of a model file's text; raises :class:`DocumentError` if unparseable."""
    document = parse_document(text, filename)
    result, result_doc = _format_once(document)
    if result != normalize_newlines(text) and len(result) <= CONFIRM_LIMIT:
        for _ in range(3):
            again, again_doc = _format_once(result_doc)
            if again == result:
                break
            result, result_doc = again, again_doc
    return _restore_style(result, result_doc, text)


def line_ending(text: str) -> str:
    """The line-ending style of ``text``: the most common of LF, CRLF and a lone CR.

    A file without line breaks, or with a tie, counts as LF (CRLF wins a tie with CR).
    """
    crlf = text.count("\r\n")
    counts = {"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": text.count("\r") - crlf}
    return max(counts, key=lambda style: counts[style])  # the first of equal counts


def _restore_style(result: str, result_doc: YamlDocument, original: str) -> str:
    """``result`` with the line endings and BOM of ``original``, if the data stays the same."""
    styled = normalize_newlines(result)
    newline = line_ending(original)
    if newline != "\n":
        styled = styled.replace("\n", newline)
    if original.startswith("\ufeff"):
        styled = "\ufeff" + styled
    if styled == result:
        return result
    try:
        parsed = parse_document(styled, result_doc.filename)
    except DocumentError:
        return result
    return styled if same_data(parsed.data, result_doc.data) else result


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
        lambda: tidy(reindent_comments(_ruamel_dump(tidied), tidied, filename), filename),
        lambda: reindent_comments(tidied, tidied, filename),
        lambda: tidied,
        lambda: reordered,
        lambda: normalized,
    ]
    comments = comment_texts(base)
    for make in candidates:
        try:
            candidate = make()
            parsed = parse_document(candidate, filename)
        except Exception:  # ruamel may reject what we accept: use a lighter formatting
            continue
        # ruamel occasionally drops a comment (inside multi-line flow lists, beside empty
        # values): a formatting that loses any comment is refused for a lighter one
        if same_data(parsed.data, expected) and comment_texts(parsed) == comments:
            return candidate, parsed
    return document.text, document


_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.MULTILINE)


def comment_texts(document: YamlDocument) -> Counter[str]:
    """Every comment of the document: a ``#`` at a line start or after white space,
    outside every scalar (what looks like a comment inside a quoted or block scalar is
    text, and the formatter may re-flow quoted scalars)."""
    spans = sorted(_scalar_spans(document))
    starts = [start for start, _ in spans]
    found: Counter[str] = Counter()
    for match in _COMMENT.finditer(document.text):
        index = bisect.bisect_right(starts, match.start()) - 1
        if index >= 0 and spans[index][0] <= match.start() < spans[index][1]:
            continue
        found[match.group(0).rstrip()] += 1
    return found


def _scalar_spans(document: YamlDocument) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    stack: list[Node] = [document.root] if document.root is not None else []
    while stack:
        node = stack.pop()
        if node.kind in ("map", "seq"):
            stack.extend(node.value)
        elif node.kind == "scalar" and node.end > node.start:
            spans.append((node.start, node.end))
    return spans


def canonical_order(data: Any) -> Any:
    """``data`` with its top-level keys in :data:`CANONICAL_ORDER` (others after, in order)."""
    if not isinstance(data, dict):
        return data
    rank = {name: position for position, name in enumerate(CANONICAL_ORDER)}
    keys = sorted(data, key=lambda k: rank.get(k, len(rank)) if isinstance(k, str) else len(rank))
    return {key: data[key] for key in keys}


def normalize_newlines(text: str) -> str:
    """Drop a BOM and turn CRLF and lone CR line breaks into LF (the working form)."""
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


# ----------------------------------------------------------------- comment indentation

#: (old column, new column) of a block entry and of each entry that holds it, outermost first.
_Chain = tuple[tuple[int, int], ...]


def reindent_comments(text: str, source: str, filename: str) -> str:
    """Give the full-line comments of re-indented ``text`` the new indentation.

    ruamel writes comments exactly as they were, at their old column. ``source`` is the
    text ``text`` was re-indented from (same data, same structure; ``text`` itself when
    the indentation was kept); matching the two node trees gives each block entry (a
    key or a list item's dash) its old and new column.

    A comment directly above an entry (only comment lines between) and no more indented
    than it takes that entry's new column (on a line such as ``- key: x``: the first
    entry it is no more indented than). Any other comment (at the end of a block, before
    a blank line, at the end of the file) keeps its relation to the blocks around it: it
    gets the new column of the deepest entry, among those holding the entries before and
    after it, whose old column is at most the comment's. Comment-like lines inside
    scalars and flow collections are content and stay as they are.
    """
    try:
        new_doc = parse_document(text, filename)
        old_doc = new_doc if source == text else parse_document(source, filename)
    except DocumentError:
        return text
    if new_doc.root is None or old_doc.root is None:
        return text
    entries: dict[int, tuple[_Chain, int]] = {}  # line -> (chain of its deepest entry, first)
    breaks = _breaks(text)
    _match_entries(old_doc.root, source, new_doc.root, text, breaks, (), entries)
    protected = _content_lines(new_doc, breaks)
    lines = text.split("\n")
    comment = [
        number not in protected and line.lstrip(" \t").startswith("#")
        for number, line in enumerate(lines)
    ]
    following: list[int | None] = [None] * len(lines)  # the next entry line after each line
    below = [len(lines)] * len(lines)  # the first line after each that is not a comment
    upcoming: int | None = None
    for number in range(len(lines) - 1, -1, -1):
        following[number] = upcoming
        if number in entries:
            upcoming = number
        if number + 1 < len(lines):
            below[number] = below[number + 1] if comment[number + 1] else number + 1
    previous: int | None = None
    for number, line in enumerate(lines):
        if number in entries:
            previous = number
        if not comment[number]:
            continue
        column = len(line) - len(line.lstrip(" \t"))
        above = entries.get(below[number])  # the entry this comment is directly above
        target: int | None = None
        if above is not None:
            chain, first = above
            for old_column, new_column in chain[first:]:  # ``- - x``: each entry on the line
                if column <= old_column:
                    target = new_column
                    break
        if target is None:
            candidates: list[tuple[int, int]] = []
            if previous is not None:
                candidates.extend(entries[previous][0])
            after = following[number]
            if after is not None:
                candidates.extend(entries[after][0])
            if not candidates:
                continue
            best: tuple[int, int] | None = None
            for old_column, new_column in candidates:  # the entries before win a tie
                if old_column <= column and (best is None or old_column > best[0]):
                    best = (old_column, new_column)
            target = best[1] if best is not None else min(new for _, new in candidates)
            if above is not None:  # more indented than the entry below: not above it
                target = max(target, above[0][above[1]][1])
        lines[number] = " " * target + line.lstrip(" \t")
    return "\n".join(lines)


def _breaks(text: str) -> list[int]:
    """Offsets of the line breaks of ``text``, for :func:`_line_of`."""
    return [match.start() for match in re.finditer("\n", text)]


def _line_of(breaks: list[int], offset: int) -> int:
    """0-based line of ``offset``, given the line breaks of its text."""
    return bisect.bisect_left(breaks, offset)


def _column(text: str, offset: int) -> int:
    return offset - (text.rfind("\n", 0, offset) + 1)


def _dash(text: str, item: Node) -> int | None:
    """Offset of the ``-`` that introduces a block sequence item (comment lines between)."""
    end = item.start
    while end >= 0:
        line_start = text.rfind("\n", 0, end) + 1
        code = text[line_start:end].split("#", 1)[0].rstrip(" \t")
        if code.endswith("-"):
            return line_start + len(code) - 1
        if code.strip():
            return None
        end = line_start - 1
    return None


def _match_entries(
    old: Node,
    old_text: str,
    new: Node,
    new_text: str,
    new_breaks: list[int],
    chain: _Chain,
    entries: dict[int, tuple[_Chain, int]],
) -> None:
    """Record, for each line of ``new_text`` that starts a block entry, its chain."""
    if old.kind != new.kind or old.flow or new.flow or old.kind not in ("map", "seq"):
        return
    if len(old.value) != len(new.value):
        return
    starts: list[tuple[int | None, int | None, Node, Node]] = []
    if new.kind == "map":
        for (old_key, old_value), (new_key, new_value) in zip(
            old.pairs(), new.pairs(), strict=True
        ):
            starts.append((old_key.start, new_key.start, old_value, new_value))
    else:
        for old_item, new_item in zip(old.value, new.value, strict=True):
            starts.append(
                (_dash(old_text, old_item), _dash(new_text, new_item), old_item, new_item)
            )
    for old_start, new_start, old_child, new_child in starts:
        if old_start is None or new_start is None:
            _match_entries(old_child, old_text, new_child, new_text, new_breaks, chain, entries)
            continue
        inner = (*chain, (_column(old_text, old_start), _column(new_text, new_start)))
        line = _line_of(new_breaks, new_start)
        first = entries[line][1] if line in entries else len(inner) - 1
        entries[line] = (inner, first)  # a deeper entry on the same line replaces the chain
        _match_entries(old_child, old_text, new_child, new_text, new_breaks, inner, entries)


def _content_lines(document: YamlDocument, breaks: list[int]) -> set[int]:
    """0-based lines after the first of multi-line scalars and flow collections."""
    lines: set[int] = set()
    if document.root is None:
        return lines
    stack: list[Node] = [document.root]
    while stack:
        node = stack.pop()
        if node.kind in ("map", "seq") and not node.flow:
            stack.extend(node.value)
        elif node.kind in ("scalar", "map", "seq"):
            first = _line_of(breaks, node.start)
            last = _line_of(breaks, max(node.end - 1, node.start))
            lines.update(range(first + 1, last + 1))
    return lines


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
    return _scalar_lines(document, styles=("|", ">"))


def _scalar_lines(document: YamlDocument, styles: tuple[str, ...] | None) -> set[int]:
    """0-based numbers of the lines after the first of each multi-line scalar of ``styles``.

    ``styles=None`` means every style (plain, quoted and block).
    """
    lines: set[int] = set()
    if document.root is None:
        return lines
    text = document.text
    stack: list[Node] = [document.root]
    while stack:
        node = stack.pop()
        if node.kind in ("map", "seq"):
            stack.extend(node.value)
        elif node.kind == "scalar" and (styles is None or node.style in styles):
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
