"""Canonical formatting (``workbench fmt``): keeps comments, reorders sections, never changes data."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model.yaml_fmt import CANONICAL_ORDER, canonical_order
from workbench.model.yaml_scalar import literal_block_allowed, render_literal, render_scalar
from workbench.model.yamlio import DocumentError, format_text, parse_document, same_data

MESSY = """\
# Library model
# (file header stays on top)

aggregates:   # the aggregates
    Book:
        id: b···
        state:
        - registered
        - title
        flow: {type: str, default: ""}
    # Loan: not modelled yet (indented: stays with aggregates)

# ---- commands ----
commands:
  LendBook:
      fields: {book_id: uuid,   member_id: uuid}
      emits:
          -   BookLent: {}
workbench: 1
x-notes: kept at the end
name: "Library"
description: "a very long description that goes on and on and on and on and on and on and on and on and on and on past any sensible width"
scenarios:
- name: one
  then: |
    literal text
      indented···
    more
# trailing comment of the file
""".replace("·", " ")

EXPECTED = """\
# Library model
# (file header stays on top)

workbench: 1
name: "Library"
description: "a very long description that goes on and on and on and on and on and on and on and on and on and on past any sensible width"
aggregates:   # the aggregates
  Book:
    id: b
    state:
      - registered
      - title
    flow: {type: str, default: ""}
    # Loan: not modelled yet (indented: stays with aggregates)

# ---- commands ----
commands:
  LendBook:
    fields: {book_id: uuid, member_id: uuid}
    emits:
      - BookLent: {}
scenarios:
  - name: one
    then: |
      literal text
        indented···
      more
x-notes: kept at the end
# trailing comment of the file
""".replace("·", " ")


def test_messy_file_gets_canonical_form() -> None:
    assert format_text(MESSY, "m.yaml") == EXPECTED


def test_formatting_keeps_data_and_is_idempotent_on_the_messy_file() -> None:
    formatted = format_text(MESSY, "m.yaml")
    assert parse_document(formatted, "m.yaml").data == parse_document(MESSY, "m.yaml").data
    assert format_text(formatted, "m.yaml") == formatted


def test_every_comment_survives() -> None:
    formatted = format_text(MESSY, "m.yaml")
    for line in MESSY.splitlines():
        if "#" in line and not line.strip().startswith('"'):
            comment = line[line.index("#") :].strip()
            assert comment in formatted, comment


def test_library_example_is_already_canonical(models_dir: Path) -> None:
    text = (models_dir / "library.yaml").read_text(encoding="utf-8")
    assert format_text(text, "library.yaml") == text


def test_example_models_keep_their_data(models_dir: Path) -> None:
    paths = sorted(models_dir.glob("*.yaml"), key=lambda p: (p.stat().st_size, p.name))
    assert paths
    for path in paths[:3]:  # the smallest few: keeps the test fast as examples grow
        text = path.read_text(encoding="utf-8")
        formatted = format_text(text, str(path))
        assert parse_document(formatted, "f").data == parse_document(text, "f").data, path.name
        assert format_text(formatted, str(path)) == formatted, path.name


def test_sections_in_canonical_order_with_unknown_keys_last() -> None:
    text = "zeta: 1\nscenarios: []\nalpha: 2\nevents: {}\nworkbench: 1\ncommands: {}\n"
    formatted = format_text(text, "o.yaml")
    assert list(parse_document(formatted, "o.yaml").data) == [
        "workbench",
        "commands",
        "events",
        "scenarios",
        "zeta",
        "alpha",
    ]


def test_section_comments_move_with_their_section() -> None:
    text = "commands:\n  A: {}\n\n# the model's name\nname: X\n\n# version\nworkbench: 1\n"
    assert format_text(text, "c.yaml") == (
        "# version\nworkbench: 1\n\n# the model's name\nname: X\n\ncommands:\n  A: {}\n"
    )


def test_flow_mappings_stay_on_one_line() -> None:
    text = 'workbench: 1\nstate:\n  title: {type: str, default: ""}\n  tags: [a, b]\n'
    assert format_text(text, "f.yaml") == text


def test_long_strings_are_not_wrapped() -> None:
    long = "word " * 60
    text = f"workbench: 1\ndescription: {long.strip()}\n"
    assert format_text(text, "l.yaml") == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workbench: 1   \nname: x  \n", "workbench: 1\nname: x\n"),
        ("workbench: 1\r\nname: x\r\n", "workbench: 1\nname: x\n"),
        ("workbench: 1\nname: x", "workbench: 1\nname: x\n"),
        ("workbench: 1\nname: x\n\n\n\n", "workbench: 1\nname: x\n"),
        ("\ufeffworkbench: 1\n", "workbench: 1\n"),
    ],
)
def test_whitespace_normalisation(text: str, expected: str) -> None:
    assert format_text(text, "w.yaml") == expected


def test_block_scalar_content_is_untouched() -> None:
    text = "workbench: 1\nnote: |+\n  keep   \n\n"
    formatted = format_text(text, "b.yaml")
    assert parse_document(formatted, "b.yaml").data == {"workbench": 1, "note": "keep   \n\n"}
    assert format_text(formatted, "b.yaml") == formatted


def test_unparseable_input_raises() -> None:
    with pytest.raises(DocumentError) as info:
        format_text("workbench: 1\nname: [unclosed\n", "bad.yaml")
    assert info.value.diagnostics[0].code == "WB005"
    with pytest.raises(DocumentError):
        format_text("- a list\n", "bad.yaml")


def test_canonical_order_helper() -> None:
    assert list(canonical_order({"x": 1, "scenarios": 2, "workbench": 3, 7: 4})) == [
        "workbench",
        "scenarios",
        "x",
        7,
    ]
    assert CANONICAL_ORDER[0] == "workbench" and CANONICAL_ORDER[-1] == "scenarios"


# ----------------------------------------------------------------- property tests

_KEY = st.one_of(
    st.sampled_from(list(CANONICAL_ORDER)),
    st.text(alphabet=string.ascii_letters + string.digits + "_ -:#'é", min_size=1, max_size=8),
)
_STRING = st.text(
    alphabet=string.ascii_letters + string.digits + " _-:#,'\"[]{}!&*?|>%@`\\\té\n", max_size=14
)
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, width=32),
    _STRING,
    st.sampled_from(
        ["yes", "on", "1.0", "0x10", "~", "2024-01-15", "2024-01-15 10:00:00", "=", "a: b", ""]
    ),
)
_DATA = st.recursive(
    _SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_KEY, children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Model-like text in a random mix of styles, indents, comments, blank lines and line ends."""
    data = draw(st.dictionaries(_KEY, _DATA, min_size=1, max_size=6))
    indent = draw(st.sampled_from([2, 3, 4]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# header comment")

    def flow(value: Any) -> str:
        if isinstance(value, dict):
            return (
                "{"
                + ", ".join(f"{render_scalar(k, flow=True)}: {flow(v)}" for k, v in value.items())
                + "}"
            )
        if isinstance(value, list):
            return "[" + ", ".join(flow(v) for v in value) + "]"
        return render_scalar(value, flow=True)

    def noise(pad: str) -> None:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            lines.append(f"{pad}# comment {len(lines)}")
        elif choice == 1:
            lines.append("")
        elif choice == 2:
            lines.append("# column-0 comment")

    def block(value: dict[Any, Any] | list[Any], level: int) -> None:
        pad = " " * (indent * level)
        items = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
        for key, item in items:
            noise(pad)
            head = f"{render_scalar(key)}:" if isinstance(value, dict) else "-"
            trailing = "  # trailing" if draw(st.integers(0, 7)) == 0 else ""
            spaces = " " * draw(st.integers(0, 2)) if draw(st.integers(0, 5)) == 0 else ""
            if isinstance(item, dict | list) and item and draw(st.booleans()):
                lines.append(f"{pad}{head}{trailing}")
                block(item, level + 1)
            elif isinstance(item, str) and literal_block_allowed(item) and draw(st.booleans()):
                literal = render_literal(item, indent * (level + 1))
                lines.append(f"{pad}{head} {literal[0]}")
                lines.extend(literal[1:])
            else:
                lines.append(f"{pad}{head} {flow(item)}{trailing}{spaces}")

    block(data, 0)
    if draw(st.booleans()):
        lines.append("# the end")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    ending = draw(st.sampled_from(["", newline, newline * 3]))
    return newline.join(lines) + ending


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
def test_formatting_never_changes_data_and_is_idempotent(text: str) -> None:
    original = parse_document(text, "g.yaml")
    formatted = format_text(text, "g.yaml")
    reparsed = parse_document(formatted, "g.yaml")
    assert reparsed.data == original.data
    assert same_data(reparsed.data, canonical_order(original.data))
    assert format_text(formatted, "g.yaml") == formatted
    assert (formatted.endswith("\n") and not formatted.endswith("\n\n")) or "|+" in formatted
    assert "\r" not in formatted
    assert all(line == line.rstrip(" \t") for line in formatted.split("\n") if "|" not in formatted)
