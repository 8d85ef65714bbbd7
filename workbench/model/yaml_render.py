"""Writing plain data as YAML text for the editor: keys, flow and block collections.

Everything rendered here reads back as exactly the value given (the editor verifies it
anyway). Scalars come from :mod:`workbench.model.yaml_scalar`.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.model.yaml_document import Node
from workbench.model.yaml_scalar import (
    literal_block_allowed,
    render_literal,
    render_scalar,
    render_string,
)

#: Flow collections longer than this are written in block style instead.
FLOW_WIDTH = 80


# --------------------------------------------------------------------------- plain data


def same_data(left: Any, right: Any) -> bool:
    """Strict equality of plain data: types must match (``1 != 1.0 != True``), order of keys too."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        if [(type(k), k) for k in left] != [(type(k), k) for k in right]:
            return False
        return all(same_data(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(
            same_data(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


def check_plain(value: Any, depth: int = 0) -> None:
    """Raise ``TypeError`` unless ``value`` is plain model data."""
    if depth > 50:
        raise TypeError("value is nested too deeply")
    if value is None or isinstance(value, str | int | float | bool):
        return
    if isinstance(value, list):
        for item in value:
            check_plain(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"mapping keys must be strings or integers, not {key!r}")
            check_plain(item, depth + 1)
        return
    raise TypeError(f"cannot write a {type(value).__name__} to a model file")


# --------------------------------------------------------------------------- rendering


def render_key(key: str | int, *, flow: bool = False) -> str:
    return str(key) if isinstance(key, int) else render_string(key, flow=flow)


def render_flow(value: Any) -> str:
    """``value`` on one line in flow style: ``{a: 1, b: [x, y]}``."""
    if isinstance(value, dict):
        items = (f"{render_key(k, flow=True)}: {render_flow(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_flow(v) for v in value) + "]"
    return render_scalar(value, flow=True)


def render_inline(value: Any) -> str:
    """``value`` on one line in block context: scalars as in block style, collections as flow."""
    return render_flow(value) if isinstance(value, dict | list) else render_scalar(value)


def is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def render_block(value: Any, indent: int) -> list[str]:
    """A non-empty mapping or list in block style, each line indented by ``indent``.

    Lists under a key are written the canonical way (dash at the key's indent + 2).
    """
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{render_key(key)}:"
            lines.extend(entry(head, item, indent + 2))
        return lines
    for item in value:
        if is_block(item):
            inner = render_block(item, indent + 2)
            inner[0] = pad + "- " + inner[0][indent + 2 :]
            lines.extend(inner)
        else:
            lines.extend(entry(f"{pad}-", item, indent + 2))
    return lines


def entry(head: str, item: Any, child_indent: int) -> list[str]:
    """``head`` (``key:`` or ``-``) followed by ``item``, inline or on the next lines."""
    if is_block(item):
        return [head, *render_block(item, child_indent)]
    if isinstance(item, str) and literal_block_allowed(item):
        literal = render_literal(item, child_indent)
        return [f"{head} {literal[0]}", *literal[1:]]
    return [f"{head} {render_inline(item)}"]


def flow_like(sibling: Node, head: str, value: Any) -> bool:
    """Whether a new collection should copy its sibling's one-line flow style."""
    if not is_block(value) or sibling.kind not in ("map", "seq") or not sibling.flow:
        return False
    flow = render_flow(value)
    return "\n" not in flow and len(head) + 1 + len(flow) <= FLOW_WIDTH
