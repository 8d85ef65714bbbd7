"""Minimal edits of a model file: textual surgery on node spans.

Every edit replaces, inserts or removes only the text of the value it touches, so all
other lines stay byte-identical (comments, blank lines, quoting, key order). After
each edit the new text is parsed again and its data compared with the data the edit
was meant to produce; if they differ the edit is refused with :class:`EditError` and
the editor keeps its previous text, so a wrong file is never produced.
"""

from __future__ import annotations

import copy
from typing import Any

from workbench.model.yaml_document import (
    DocumentError,
    Node,
    YamlDocument,
    YamlPath,
    content_end,
)
from workbench.model.yaml_load import parse_document
from workbench.model.yaml_render import (
    FLOW_WIDTH,
    check_plain,
    entry,
    flow_like,
    is_block,
    render_block,
    render_flow,
    render_inline,
    render_key,
    same_data,
)
from workbench.model.yaml_scalar import literal_block_allowed, render_literal

__all__ = ["DocumentEditor", "EditError", "same_data"]


class EditError(ValueError):
    """An edit that can't be made safely (missing path, shared value, bad value...)."""


# --------------------------------------------------------------------------- editor


class DocumentEditor:
    """Edits a :class:`YamlDocument` in place, changing only the lines each edit touches."""

    def __init__(self, document: YamlDocument) -> None:
        self._doc = document
        self._text = document.text
        self._newline = "\r\n" if "\r\n" in document.text else "\n"

    # ------------------------------------------------------------------ results

    def text(self) -> str:
        """The edited text."""
        return self._text

    def document(self) -> YamlDocument:
        """The edited text, parsed (each edit has already verified it)."""
        return self._doc

    # ------------------------------------------------------------------ edits

    def set_value(self, path: YamlPath, value: Any) -> None:
        """Replace the existing value at ``path`` (the same value again changes nothing)."""
        path = tuple(path)
        check_plain(value)
        if not path:
            raise EditError("cannot replace the whole document")
        chain = self._chain(path)
        if same_data(_get(self._doc.data, path), value):
            return
        parent, node = chain[-2][1], chain[-1][1]
        key_node = chain[-1][0]
        intended = copy.deepcopy(self._doc.data)
        container = _get(intended, path[:-1])
        container[path[-1]] = copy.deepcopy(value)
        self._apply(self._replace(parent, key_node, node, value), intended)

    def set_key(self, mapping_path: YamlPath, key: str | int, value: Any) -> None:
        """Set ``key`` in the mapping at ``mapping_path``; a new key goes at the end."""
        mapping_path = tuple(mapping_path)
        check_plain(value)
        check_plain({key: None})
        current = _get(self._doc.data, mapping_path)
        if current is None and mapping_path:
            self.set_value(mapping_path, {key: value})
            return
        if not isinstance(current, dict):
            raise EditError(f"the value at {_show(mapping_path)} is not a mapping")
        if key in current:
            self.set_value((*mapping_path, key), value)
            return
        node = self._container(mapping_path)
        intended = copy.deepcopy(self._doc.data)
        _get(intended, mapping_path)[key] = copy.deepcopy(value)
        if node.flow:
            edit = self._flow_insert(node, f"{render_key(key, flow=True)}: {render_flow(value)}")
        else:
            indent = node.value[0].column - 1
            head = f"{' ' * indent}{render_key(key)}:"
            if flow_like(node.value[-1], head, value):
                lines = [f"{head} {render_flow(value)}"]
            else:
                lines = entry(head, value, indent + 2)
            edit = self._block_insert(node, lines)
        self._apply(edit, intended)

    def delete_key(self, mapping_path: YamlPath, key: str | int) -> None:
        """Remove ``key`` and its value from the mapping at ``mapping_path``."""
        mapping_path = tuple(mapping_path)
        current = _get(self._doc.data, mapping_path)
        if not isinstance(current, dict) or key not in current:
            raise EditError(f"there is no key {key!r} at {_show(mapping_path)}")
        chain = self._chain((*mapping_path, key))
        node = chain[-2][1]
        intended = copy.deepcopy(self._doc.data)
        del _get(intended, mapping_path)[key]
        position = _entry_position(node, chain[-1][0])
        self._apply(self._remove_entry(chain, position), intended)

    def rename_key(self, mapping_path: YamlPath, old: str | int, new: str | int) -> None:
        """Rename a key in place, keeping its position and value."""
        mapping_path = tuple(mapping_path)
        check_plain({new: None})
        current = _get(self._doc.data, mapping_path)
        if not isinstance(current, dict) or old not in current:
            raise EditError(f"there is no key {old!r} at {_show(mapping_path)}")
        if old == new and type(old) is type(new):
            return
        if new in current:
            raise EditError(f"key {new!r} already exists at {_show(mapping_path)}")
        chain = self._chain((*mapping_path, old))
        key_node = chain[-1][0]
        assert key_node is not None
        intended = copy.deepcopy(self._doc.data)
        container = _get(intended, mapping_path)
        renamed = {
            (new if k == old and type(k) is type(old) else k): v for k, v in container.items()
        }
        container.clear()
        container.update(renamed)
        rendered = render_key(new, flow=self._inside_flow(chain))
        self._apply((key_node.start, key_node.end, rendered), intended)

    def append_item(self, seq_path: YamlPath, value: Any) -> None:
        """Add ``value`` at the end of the list at ``seq_path``."""
        seq_path = tuple(seq_path)
        check_plain(value)
        current = _get(self._doc.data, seq_path)
        if current is None and seq_path:
            self.set_value(seq_path, [value])
            return
        if not isinstance(current, list):
            raise EditError(f"the value at {_show(seq_path)} is not a list")
        node = self._container(seq_path)
        intended = copy.deepcopy(self._doc.data)
        _get(intended, seq_path).append(copy.deepcopy(value))
        if node.flow or not node.value:
            edit = self._flow_insert(node, render_flow(value))
        else:
            indent = node.start - self._line_start(node.start)
            if flow_like(node.value[-1], " " * indent + "-", value):
                lines = [f"{' ' * indent}- {render_flow(value)}"]
            elif is_block(value):
                lines = render_block(value, indent + 2)
                lines[0] = " " * indent + "- " + lines[0][indent + 2 :]
            else:
                lines = entry(" " * indent + "-", value, indent + 2)
            edit = self._block_insert(node, lines)
        self._apply(edit, intended)

    def delete_item(self, seq_path: YamlPath, index: int) -> None:
        """Remove the item at ``index`` from the list at ``seq_path``."""
        seq_path = tuple(seq_path)
        current = _get(self._doc.data, seq_path)
        if not isinstance(current, list):
            raise EditError(f"the value at {_show(seq_path)} is not a list")
        if not -len(current) <= index < len(current):
            raise EditError(f"there is no item {index} in the list at {_show(seq_path)}")
        index %= len(current)
        chain = self._chain((*seq_path, index))
        intended = copy.deepcopy(self._doc.data)
        del _get(intended, seq_path)[index]
        self._apply(self._remove_entry(chain, index), intended)

    # ------------------------------------------------------------------ machinery

    def _chain(self, path: YamlPath) -> list[tuple[Node | None, Node]]:
        """(key node, node) for the root and each segment; refuses values shared by aliases."""
        root = self._doc.root
        if root is None:
            raise EditError("the document has no data")
        chain: list[tuple[Node | None, Node]] = [(None, root)]
        node = root
        for depth, segment in enumerate(path):
            if node.kind == "alias" or node.shared:
                raise EditError(
                    f"{_show(path[:depth])} is shared through a YAML alias; edit the anchor instead"
                )
            entry: tuple[Node | None, Node] | None = None
            if node.kind == "map" and node.index is not None and not isinstance(segment, bool):
                found = node.index.get(segment)
                if found is not None:
                    if found[2]:
                        raise EditError(
                            f"{_show(path[: depth + 1])} comes from a '<<' merge; edit its source"
                        )
                    entry = (found[0], found[1])
            elif (
                node.kind == "seq"
                and isinstance(segment, int)
                and not isinstance(segment, bool)
                and 0 <= segment < len(node.value)
            ):
                entry = (None, node.value[segment])
            if entry is None:
                raise EditError(f"there is no value at {_show(path[: depth + 1])}")
            chain.append(entry)
            node = entry[1]
        if node.shared:
            raise EditError(
                f"{_show(path)} is shared through a YAML alias; edit the anchor instead"
            )
        return chain

    def _container(self, path: YamlPath) -> Node:
        """The mapping or list node at ``path``, which must be written out (not an alias)."""
        node = self._chain(path)[-1][1]
        if node.kind == "alias":
            raise EditError(
                f"{_show(path)} is shared through a YAML alias; edit the anchor instead"
            )
        return node

    def _inside_flow(self, chain: list[tuple[Node | None, Node]]) -> bool:
        return any(node.flow for _, node in chain[:-1])

    def _apply(self, edit: tuple[int, int, str], intended: Any) -> None:
        start, end, replacement = edit
        text = self._text[:start] + replacement + self._text[end:]
        try:
            document = parse_document(text, self._doc.filename)
        except DocumentError as error:
            raise EditError(
                "the edit would make the file invalid: " + error.diagnostics[0].message
            ) from None
        if not same_data(document.data, intended):
            raise EditError("the edit could not be made without changing other values")
        self._text = text
        self._doc = document

    def _line_start(self, position: int) -> int:
        return self._text.rfind("\n", 0, position) + 1

    def _line_end(self, position: int) -> int:
        """Offset just past the line break of the line holding ``position``."""
        found = self._text.find("\n", position)
        return len(self._text) if found == -1 else found + 1

    def _lines(self, lines: list[str]) -> str:
        return "".join(line + self._newline for line in lines)

    def _after_colon(self, key_node: Node) -> int:
        colon = self._text.find(":", key_node.end)
        if colon == -1:
            raise EditError("cannot find the ':' after the key")
        return colon + 1

    def _replace(
        self, parent: Node, key_node: Node | None, node: Node, value: Any
    ) -> tuple[int, int, str]:
        """The text edit that replaces ``node`` (a value in ``parent``) with ``value``."""
        text, newline = self._text, self._newline
        start, end = node.start, content_end(node, text)
        if parent.flow or (node.kind in ("map", "seq") and node.flow):
            return start, end, render_flow(value)
        empty = node.kind == "scalar" and node.style is None and node.value == "" and start == end
        collection = node.kind in ("map", "seq")
        own_line = collection and text[self._line_start(start) : start].strip() == ""
        # where an inline value starts, and how far new block lines are indented
        if parent.kind == "map":
            if key_node is None:
                raise EditError("cannot edit a value without a key")
            inline_start = self._after_colon(key_node) if own_line or empty else start
            child_indent = key_node.column + 1
        else:
            dash = self._dash_after(start) - 1
            inline_start = dash + 1 if own_line or empty else start
            child_indent = dash - self._line_start(dash) + 2
        if empty:
            end = inline_start
        pad = " " if inline_start != start or empty else ""
        if collection and is_block(value):
            column = node.column - 1
            if isinstance(value, dict) and parent.kind == "map":
                column = max(column, child_indent)
            lines = render_block(value, column)
            if own_line:
                return self._line_start(start), end, newline.join(lines)
            lines[0] = lines[0][column:]
            return start, end, newline.join(lines)
        if is_block(value):
            flow = render_flow(value)
            width = inline_start - self._line_start(inline_start) + len(pad) + len(flow)
            if "\n" not in flow and width <= FLOW_WIDTH:
                return inline_start, end, pad + flow
            lines = render_block(value, child_indent)
            if parent.kind == "map" and key_node is not None:
                colon = self._after_colon(key_node)
                return self._with_comment(colon, end, newline + newline.join(lines))
            lines[0] = lines[0][child_indent:]
            return self._with_comment(inline_start, end, pad + newline.join(lines))
        if isinstance(value, str) and literal_block_allowed(value):
            body = newline.join(render_literal(value, child_indent))
        else:
            body = render_inline(value)
        return self._with_comment(inline_start, end, pad + body)

    def _with_comment(self, start: int, end: int, replacement: str) -> tuple[int, int, str]:
        """Keep a comment that follows the old value on the first line of a multi-line one."""
        if "\n" not in replacement:
            return start, end, replacement
        line_end = self._text.find("\n", end)
        line_end = len(self._text) if line_end == -1 else line_end
        if self._text[line_end - 1 : line_end] == "\r":
            line_end -= 1
        trailing = self._text[end:line_end].strip()
        if not trailing.startswith("#"):
            return start, end, replacement
        first_break = replacement.index(self._newline)
        replacement = replacement[:first_break] + "  " + trailing + replacement[first_break:]
        return start, line_end, replacement

    def _dash_after(self, position: int) -> int:
        """Offset just past the ``-`` that introduces the list item starting at ``position``."""
        text = self._text
        end = position
        while True:
            line_start = text.rfind("\n", 0, end) + 1
            code = text[line_start:end]
            if end != position:  # an earlier line: drop a trailing comment
                for index, char in enumerate(code):
                    if char == "#" and (index == 0 or code[index - 1] in " \t"):
                        code = code[:index]
                        break
            stripped = code.rstrip(" \t\r\n")
            if stripped:
                if stripped.endswith("-"):
                    return line_start + len(stripped)
                raise EditError("cannot find the '-' of the list item")
            if line_start == 0:
                raise EditError("cannot find the '-' of the list item")
            end = line_start - 1

    def _flow_insert(self, node: Node, rendered: str) -> tuple[int, int, str]:
        """Insert ``rendered`` as a new last entry of a flow collection."""
        if not node.flow:
            raise EditError("cannot add to this value")
        if node.value:
            last = content_end(node.value[-1], self._text)
            return last, last, ", " + rendered
        close = node.end - 1
        return close, close, rendered

    def _block_insert(self, node: Node, lines: list[str]) -> tuple[int, int, str]:
        """Insert ``lines`` after the last entry of a block collection."""
        last = content_end(node, self._text)
        position = self._line_end(max(last - 1, node.start))
        prefix = ""
        if position == len(self._text) and not self._text.endswith("\n"):
            prefix = self._newline
        return position, position, prefix + self._lines(lines)

    def _remove_entry(
        self, chain: list[tuple[Node | None, Node]], position: int
    ) -> tuple[int, int, str]:
        """The edit that removes entry ``position`` of the collection ``chain[-2]``."""
        text = self._text
        collection = chain[-2][1]
        key_node, value_node = chain[-1]
        count = len(collection.value) // 2 if collection.kind == "map" else len(collection.value)
        first: Node = key_node if key_node is not None else value_node
        end = content_end(value_node, text)
        if collection.kind == "map" and value_node.start == end and key_node is not None:
            end = max(end, key_node.end)
        step = 2 if collection.kind == "map" else 1
        entries: list[Node] = collection.value[0::step]
        if collection.flow:
            if count == 1:
                return first.start, end, ""
            if position < count - 1:
                return first.start, entries[position + 1].start, ""
            previous: Node = collection.value[len(collection.value) - 1 - step]
            return content_end(previous, text), end, ""
        if count == 1:
            if len(chain) < 3:
                return collection.start, content_end(collection, text), "{}"
            return self._replace(chain[-3][1], chain[-2][0], collection, {} if step == 2 else [])
        entry_start = first.start if step == 2 else self._dash_after(first.start) - 1
        line_start = self._line_start(entry_start)
        if text[line_start:entry_start].strip() == "":
            return line_start, self._line_end(max(end - 1, entry_start)), ""
        # the entry shares its line with a parent's '- ' or key: pull the next one up
        following = entries[position + 1]
        following_start = following.start if step == 2 else self._dash_after(following.start) - 1
        return entry_start, following_start, ""


def _entry_position(mapping: Node, key_node: Node | None) -> int:
    for position, key in enumerate(mapping.value[0::2]):
        if key is key_node:
            return position
    raise EditError("key not found")


def _get(data: Any, path: YamlPath) -> Any:
    current = data
    for depth, segment in enumerate(path):
        try:
            if (
                isinstance(current, list)
                and isinstance(segment, int)
                and not isinstance(segment, bool)
            ):
                if segment < 0:
                    raise IndexError(segment)
                current = current[segment]
            elif isinstance(current, dict) and not isinstance(segment, bool):
                current = current[segment]
            else:
                raise KeyError(segment)
        except (KeyError, IndexError):
            raise EditError(f"there is no value at {_show(path[: depth + 1])}") from None
    return current


def _show(path: YamlPath) -> str:
    if not path:
        return "the top level"
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
