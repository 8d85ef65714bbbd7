"""Canonical formatting (``workbench fmt``): keeps comments, reorders sections, never changes data."""

from __future__ import annotations

import itertools
import re
import string
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.cli import cli
from workbench.model.yaml_fmt import (
    CANONICAL_ORDER,
    canonical_order,
    line_ending,
    normalize_newlines,
)
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
        ("workbench: 1\nname: x", "workbench: 1\nname: x\n"),
        ("workbench: 1\nname: x\n\n\n\n", "workbench: 1\nname: x\n"),
    ],
)
def test_whitespace_normalisation(text: str, expected: str) -> None:
    assert format_text(text, "w.yaml") == expected


# ----------------------------------------------------------------- line endings and BOM


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("workbench: 1\r\nname: x\r\n", "workbench: 1\r\nname: x\r\n"),
        ("workbench: 1   \r\nname: x\r\n\r\n\r\n", "workbench: 1\r\nname: x\r\n"),
        ("workbench: 1\r\nname: x", "workbench: 1\r\nname: x\r\n"),
        # mixed: the most common style wins; a tie goes to LF
        ("workbench: 1\r\nname: x\r\ntags: []\n", "workbench: 1\r\nname: x\r\ntags: []\r\n"),
        ("workbench: 1\nname: x\ntags: []\r\n", "workbench: 1\nname: x\ntags: []\n"),
        ("workbench: 1\r\nname: x\n", "workbench: 1\nname: x\n"),
        ("workbench: 1\rname: x\r", "workbench: 1\rname: x\r"),
        ("\ufeffworkbench: 1\n", "\ufeffworkbench: 1\n"),
        ("\ufeffworkbench: 1  \r\nname: x", "\ufeffworkbench: 1\r\nname: x\r\n"),
        ("\ufeffname: x\r\nworkbench: 1\r\n", "\ufeffworkbench: 1\r\nname: x\r\n"),
    ],
)
def test_line_endings_and_bom_are_kept(text: str, expected: str) -> None:
    formatted = format_text(text, "w.yaml")
    assert formatted == expected
    assert format_text(formatted, "w.yaml") == formatted


def test_crlf_messy_file_gets_the_canonical_form_with_crlf() -> None:
    crlf = MESSY.replace("\n", "\r\n")
    assert format_text(crlf, "m.yaml") == EXPECTED.replace("\n", "\r\n")
    assert format_text("\ufeff" + crlf, "m.yaml") == "\ufeff" + EXPECTED.replace("\n", "\r\n")


def test_block_scalars_keep_their_data_with_crlf() -> None:
    text = "workbench: 1\r\nnote: |+\r\n  keep   \r\n\r\nfolded: >\r\n  a\r\n  b\r\n"
    formatted = format_text(text, "b.yaml")
    assert formatted == text
    assert parse_document(formatted, "b.yaml").data == {
        "workbench": 1,
        "note": "keep   \n\n",
        "folded": "a b\n",
    }


def test_fmt_check_accepts_a_crlf_or_bom_copy_of_a_canonical_file(
    models_dir: Path, tmp_path: Path
) -> None:
    text = (models_dir / "library.yaml").read_text(encoding="utf-8")
    assert "\r" not in text
    crlf = tmp_path / "crlf.yaml"
    crlf.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(("\ufeff" + text).encode("utf-8"))
    result = CliRunner().invoke(cli, ["fmt", "--check", str(crlf), str(bom)])
    assert result.exit_code == 0, result.output
    assert "0 files would be reformatted" in result.output


def test_fmt_rewrites_a_crlf_file_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(("\ufeff" + MESSY.replace("\n", "\r\n")).encode("utf-8"))
    result = CliRunner().invoke(cli, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == ("\ufeff" + EXPECTED.replace("\n", "\r\n")).encode("utf-8")


def test_line_ending_helper() -> None:
    assert line_ending("a: 1") == "\n"
    assert line_ending("a: 1\r\nb: 2\r\n") == "\r\n"
    assert line_ending("a: 1\r\nb: 2\nc: 3\r\n") == "\r\n"
    assert line_ending("a: 1\r\nb: 2\n") == "\n"
    assert line_ending("a: 1\rb: 2\r") == "\r"


# ----------------------------------------------------------------- comment indentation

FOUR_SPACES = """\
# Library model
workbench: 1
name: Library
aggregates:
    # the one aggregate
    Book:
        # how a book is identified
        id: book_id
        # what it keeps
        state:
            # shown in lists
            title: str
            copies: int
commands:
    # lending
    LendBook:
        aggregate: Book
        # the fields
        fields: {book_id: uuid}
        # emits below
        emits:
            # the only event
            - BookLent: {}
    ReturnBook:
        emits:
            - BookReturned: {}
            # a list item
            - name: BookChecked
              # inside the item
              at: now
"""


def _comment_indents(text: str) -> list[tuple[str, int, int]]:
    """(comment, its indentation, indentation of the next line) for each full-line comment."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines[:-1]):
        if line.lstrip().startswith("#"):
            following = lines[number + 1]
            found.append(
                (
                    line.strip(),
                    len(line) - len(line.lstrip()),
                    len(following) - len(following.lstrip()),
                )
            )
    return found


def test_comments_above_keys_take_the_new_indentation() -> None:
    formatted = format_text(FOUR_SPACES, "c.yaml")
    comments = _comment_indents(formatted)
    assert len(comments) == 11
    for comment, indent, next_indent in comments:
        assert indent == next_indent, (comment, formatted)
    assert "\n  # the one aggregate\n  Book:\n    # how a book is identified\n" in formatted
    assert "\n      # the only event\n      - BookLent: {}\n" in formatted
    assert (
        "\n      # a list item\n      - name: BookChecked\n        # inside the item\n" in formatted
    )
    assert parse_document(formatted, "c.yaml").data == parse_document(FOUR_SPACES, "c.yaml").data
    assert format_text(formatted, "c.yaml") == formatted


def test_comments_at_the_end_of_a_block_keep_their_relation_to_it() -> None:
    text = """\
workbench: 1
aggregates:
    Book:
        id: book_id
        state:
            title: str
            # more state later
        # end of Book

    # Loan: not modelled yet
commands:
    A: {}
    # the last command
# the end
"""
    formatted = format_text(text, "e.yaml")
    assert (
        formatted
        == """\
workbench: 1
aggregates:
  Book:
    id: book_id
    state:
      title: str
      # more state later
    # end of Book

  # Loan: not modelled yet
commands:
  A: {}
  # the last command
# the end
"""
    )
    assert format_text(formatted, "e.yaml") == formatted


def test_comment_like_lines_inside_scalars_are_not_moved() -> None:
    text = (
        "workbench: 1\nnotes:\n    text: |\n        # not a comment\n          # nor this\n"
        '    quoted: "a\n        # inside quotes\n        b"\n'
    )
    formatted = format_text(text, "s.yaml")
    assert parse_document(formatted, "s.yaml").data == parse_document(text, "s.yaml").data
    assert "\n  text: |\n    # not a comment\n      # nor this\n" in formatted
    assert format_text(formatted, "s.yaml") == formatted


def test_a_comment_mis_indented_by_qa_becomes_canonical_only_at_the_right_indentation() -> None:
    # the QA case: `--check` must not accept a comment left at its old indentation
    stale = "workbench: 1\ncommands:\n  A:\n        # emits below\n    emits: [X]\n"
    assert (
        format_text(stale, "q.yaml")
        == "workbench: 1\ncommands:\n  A:\n    # emits below\n    emits: [X]\n"
    )


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
    bom = "\ufeff" if draw(st.integers(0, 7)) == 0 else ""
    if draw(st.integers(0, 5)) == 0:  # a mixed file
        breaks = draw(st.lists(st.sampled_from(["\n", "\r\n"]), min_size=len(lines)))
        return bom + "".join(line + end for line, end in zip(lines, breaks, strict=False))
    return bom + newline.join(lines) + ending


def _entry_columns(line: str) -> set[int]:
    """Where entries start on a line: its indentation, and in ``-   - x`` each dash and ``x``."""
    prefix = re.match(r" *(?:-[ ]+)*", line)
    assert prefix is not None
    columns = {len(line) - len(line.lstrip()), prefix.end()}
    columns.update(match.start() for match in re.finditer("-", prefix.group()))
    return columns


_GENERATED_COMMENT = re.compile(r"# (comment \d+|column-0 comment|header comment)")


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
    plain = normalize_newlines(formatted)
    assert (plain.endswith("\n") and not plain.endswith("\n\n")) or "|+" in plain
    assert all(line == line.rstrip(" \t") for line in plain.split("\n") if "|" not in plain)
    # the file's line-ending style and BOM are kept
    assert formatted.startswith("\ufeff") == text.startswith("\ufeff")
    assert formatted.removeprefix("\ufeff") == plain.replace("\n", line_ending(text))
    # a comment directly above a key or list item has its indentation (ruamel moves
    # comments around empty values that have an end-of-line comment: not checked then)
    if any(quirk in text for quirk in ("null  # trailing", "-  # trailing")):
        return
    lines = plain.split("\n")
    for line, following in itertools.pairwise(lines):
        if _GENERATED_COMMENT.fullmatch(line.strip()) and following.strip()[:1] not in ("", "#"):
            indent = len(line) - len(line.lstrip())
            assert indent in _entry_columns(following), (line, following)


def test_fmt_never_drops_a_comment_even_where_ruamel_would() -> None:
    """ruamel loses comments inside multi-line flow lists and beside empty values."""
    from workbench.model.yaml_fmt import comment_texts

    text = "workbench: 1\nname: x\ntags: [a,\n  # keep me\n  b]\nlist:\n  - null # side\n  -   # empty\n"
    formatted = format_text(text, "x.yaml")
    assert comment_texts(parse_document(formatted, "x.yaml")) == comment_texts(
        parse_document(text, "x.yaml")
    )
    assert format_text(formatted, "x.yaml") == formatted
