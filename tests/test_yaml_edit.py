"""Minimal edits: each edit changes only the lines it touches and always gives the intended data."""

from __future__ import annotations

import copy
import difflib
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model.yaml_scalar import literal_block_allowed, render_literal, render_scalar
from workbench.model.yamlio import DocumentEditor, EditError, parse_document, same_data

MODEL = """\
# Event model of a small public library.
# Keep sections in canonical order; `workbench fmt` does it for you.
workbench: 1
name: Library
description: Lending books to members, with reservations and late fees.
tags: [example, lending]   # shown in the catalogue

types:
  Genre:
    enum: [fiction, science, history]
    description: Shelf section.

constants:
  LOAN_DAYS:
    value: 21     # three weeks
    type: int
  FINE_PER_DAY:
    value: "0.25"
    type: decimal

roles:
  Librarian:
    description: Staff at the loan desk.
  Member:
    description: A registered reader.

aggregates:
  # A physical copy, not a title.
  Book:
    id: book_id
    description: One physical copy on the shelf.
    state:
      registered: {type: bool, default: false}
      title: {type: str, default: ""}
      lent_to: {type: "uuid?", default: null}
      # reservations are kept in order
      reserved_by: {type: "list[uuid]", default: []}
    invariants:
      - "not (state.lent_to and not state.registered)"
      - check: "state.times_lent >= 0"
        name: lend count never negative
    snapshot_every: 50

  Member:
    id: member_id
    state:
      joined: {type: bool, default: false}
      loans: {type: "list[uuid]", default: []}
    invariants:
      - "len(state.loans) <= 5"

commands:
  RegisterBook:
    aggregate: Book
    stream: new
    fields: {book_id: uuid, title: str, genre: Genre}
    rules:
      - {require: "len(command.title) > 0", error: TitleMissing}
    emits:
      - BookRegistered: {}

  LendBook:
    aggregate: Book
    stream: existing
    role: Librarian
    fields: {book_id: uuid, member_id: uuid}
    rules:
      - {require: "state.registered", error: UnknownBook}
      - {require: "state.lent_to is None", error: BookAlreadyLent}
      - require: "not state.reserved_by"
        error: ReservedForSomeoneElse
        message: Another member reserved this book first.
    emits:
      - BookLent: {due: "today() + timedelta(days=LOAN_DAYS)"}

  ReturnBook:
    aggregate: Book
    stream: existing
    fields: {book_id: uuid}
    emits:
      - event: BookReturned
        fields:
          member_id: state.lent_to

events:
  BookRegistered:
    fields: {book_id: uuid, title: str}
    evolve:
      registered: "True"
      title: event.title
  BookLent:
    fields: {book_id: uuid, member_id: uuid, due: date}
    evolve: {lent_to: event.member_id}
    history:
      1: {added: 2024-01-15}
      2:
        added: 2024-03-01
        note: due date added
  BookReturned:
    fields: {book_id: uuid, member_id: uuid}
    evolve: {lent_to: "None"}

projections:
  AvailableBooks:
    key: book_id
    fields: {title: str, available: bool}
    on:
      BookRegistered: {title: event.title, available: "True"}
      BookLent: {available: "False"}
      BookReturned: {available: "True"}

policies:
  TrackLoans:
    on: BookLent
    issue: RecordLoan
    with: {member_id: event.member_id}

slices:
  - name: Lending
    commands: [LendBook, ReturnBook]
    events: [BookLent, BookReturned]

scenarios:
  - name: lending a registered book
    given:
      - BookRegistered: {book_id: b1, title: Dune}
    when:
      LendBook: {book_id: b1, member_id: m1}
    then:
      - BookLent: {book_id: b1, member_id: m1}
  # the unhappy path
  - name: lending an unknown book fails
    when:
      LendBook: {book_id: b9, member_id: m1}
    then:
      error: UnknownBook
"""


def _diff(before: str, after: str) -> list[str]:
    """The changed lines, as ``-old`` / ``+new`` (no context, no headers)."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and not line.startswith(("---", "+++"))]


def _edit(operation: Any) -> tuple[DocumentEditor, list[str]]:
    document = parse_document(MODEL, "library.yaml")
    editor = DocumentEditor(document)
    operation(editor)
    assert editor.document().text == editor.text()
    return editor, _diff(MODEL, editor.text())


def test_model_is_realistic() -> None:
    assert 130 <= MODEL.count("\n") <= 170
    assert MODEL.count("#") >= 6


def test_set_scalar_value() -> None:
    editor, diff = _edit(lambda e: e.set_value(("constants", "LOAN_DAYS", "value"), 28))
    assert diff == ["-    value: 21     # three weeks", "+    value: 28     # three weeks"]
    assert editor.document().data["constants"]["LOAN_DAYS"]["value"] == 28


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("12", "'12'"),
        ("true", "'true'"),
        ("yes", "'yes'"),
        ("null", "'null'"),
        ("", "''"),
        ("a: b", "'a: b'"),
        ("see #3", "'see #3'"),
        ("- item", "'- item'"),
        ("it's", "it's"),
        ("it's: here", "'it''s: here'"),
        ("tab\there", '"tab\\there"'),
        ("plain words, commas ok", "plain words, commas ok"),
        (None, "null"),
        (False, "false"),
        (2.5, "2.5"),
    ],
)
def test_scalar_quoting(value: object, rendered: str) -> None:
    editor, diff = _edit(lambda e: e.set_value(("name",), value))
    assert diff == ["-name: Library", f"+name: {rendered}"]
    assert same_data(editor.document().data["name"], value)


def test_setting_the_same_value_changes_nothing() -> None:
    editor, diff = _edit(lambda e: e.set_value(("constants", "FINE_PER_DAY", "value"), "0.25"))
    assert diff == []
    assert editor.text() == MODEL
    _, diff = _edit(lambda e: e.set_value(("constants", "FINE_PER_DAY", "value"), 0.25))
    assert diff == ['-    value: "0.25"', "+    value: 0.25"]


def test_set_value_inside_flow_mapping() -> None:
    _, diff = _edit(
        lambda e: e.set_value(("aggregates", "Book", "state", "title", "default"), "Untitled, 1st")
    )
    assert diff == [
        '-      title: {type: str, default: ""}',
        "+      title: {type: str, default: 'Untitled, 1st'}",
    ]


def test_set_value_small_mapping_stays_flow() -> None:
    _, diff = _edit(
        lambda e: e.set_value(
            ("aggregates", "Book", "state", "title"), {"type": "str", "default": "?"}
        )
    )
    assert diff == [
        '-      title: {type: str, default: ""}',
        "+      title: {type: str, default: '?'}",
    ]


def test_set_value_block_mapping_stays_block() -> None:
    _, diff = _edit(
        lambda e: e.set_value(
            ("events", "BookLent", "history", 2),
            {"added": "2024-03-02", "note": "fixed", "by": ["ann"]},
        )
    )
    assert diff == [
        "-        added: 2024-03-01",
        "-        note: due date added",
        "+        added: '2024-03-02'",
        "+        note: fixed",
        "+        by:",
        "+          - ann",
    ]


def test_set_value_scalar_to_large_mapping_goes_block_and_keeps_comment() -> None:
    value = {"every": 50, "keep": ["last", "first"], "reason": "x" * 60}
    _, diff = _edit(lambda e: e.set_value(("constants", "LOAN_DAYS", "value"), value))
    assert diff == [
        "-    value: 21     # three weeks",
        "+    value:  # three weeks",
        "+      every: 50",
        "+      keep:",
        "+        - last",
        "+        - first",
        "+      reason: " + "x" * 60,
    ]


def test_set_value_multiline_string_becomes_literal_block() -> None:
    editor, diff = _edit(
        lambda e: e.set_value(("roles", "Member", "description"), "A reader.\nWith a card.")
    )
    assert diff == [
        "-    description: A registered reader.",
        "+    description: |-",
        "+      A reader.",
        "+      With a card.",
    ]
    assert editor.document().data["roles"]["Member"]["description"] == "A reader.\nWith a card."


def test_set_key_existing_key_replaces() -> None:
    _, diff = _edit(lambda e: e.set_key(("commands", "LendBook"), "stream", "new"))
    assert diff == ["-    stream: existing", "+    stream: new"]


def test_set_key_inserts_at_end_of_block_mapping() -> None:
    editor, diff = _edit(
        lambda e: e.set_key(
            ("aggregates", "Book", "state"), "times_lent", {"type": "int", "default": 0}
        )
    )
    assert diff == ["+      times_lent: {type: int, default: 0}"]
    lines = editor.text().splitlines()
    assert lines.index('      reserved_by: {type: "list[uuid]", default: []}') + 1 == next(
        i for i, line in enumerate(lines) if "times_lent" in line
    )
    assert list(editor.document().data["aggregates"]["Book"]["state"])[-1] == "times_lent"


def test_set_key_inserts_into_flow_mapping() -> None:
    _, diff = _edit(lambda e: e.set_key(("commands", "ReturnBook", "fields"), "late", "bool"))
    assert diff == ["-    fields: {book_id: uuid}", "+    fields: {book_id: uuid, late: bool}"]


def test_set_key_inserts_at_top_level_after_trailing_item() -> None:
    editor, diff = _edit(lambda e: e.set_key((), "translations", {"Catalogue": {"from": "x"}}))
    assert diff == ["+translations:", "+  Catalogue:", "+    from: x"]
    assert editor.text().endswith(
        "      error: UnknownBook\ntranslations:\n  Catalogue:\n    from: x\n"
    )


def test_set_key_into_sequence_item_mapping() -> None:
    _, diff = _edit(lambda e: e.set_key(("slices", 0), "policies", ["TrackLoans"]))
    assert diff == ["+    policies: [TrackLoans]"]
    _, diff = _edit(lambda e: e.set_key(("slices", 0), "note", {"why": "lending is the core"}))
    assert diff == ["+    note: {why: lending is the core}"]


def test_set_key_block_value_after_block_sibling() -> None:
    editor, diff = _edit(
        lambda e: e.set_key(
            ("events", "BookLent", "history"), 3, {"added": "2024-05-01", "by": [2]}
        )
    )
    assert diff == ["+      3:", "+        added: '2024-05-01'", "+        by:", "+          - 2"]
    assert list(editor.document().data["events"]["BookLent"]["history"]) == [1, 2, 3]


def test_set_key_on_empty_flow_mapping() -> None:
    _, diff = _edit(
        lambda e: e.set_key(
            ("commands", "RegisterBook", "emits", 0, "BookRegistered"), "title", "command.title"
        )
    )
    assert diff == [
        "-      - BookRegistered: {}",
        "+      - BookRegistered: {title: command.title}",
    ]


def test_delete_key_removes_its_lines_and_keeps_neighbour_comments() -> None:
    editor, diff = _edit(lambda e: e.delete_key(("aggregates", "Book"), "invariants"))
    assert diff == [
        "-    invariants:",
        '-      - "not (state.lent_to and not state.registered)"',
        '-      - check: "state.times_lent >= 0"',
        "-        name: lend count never negative",
    ]
    assert "# reservations are kept in order" in editor.text()


def test_delete_key_with_comment_above_keeps_comment() -> None:
    editor, diff = _edit(lambda e: e.delete_key(("aggregates", "Book", "state"), "reserved_by"))
    assert diff == ['-      reserved_by: {type: "list[uuid]", default: []}']
    assert "      # reservations are kept in order\n    invariants:" in editor.text()


def test_delete_key_in_flow_mapping() -> None:
    _, diff = _edit(lambda e: e.delete_key(("commands", "RegisterBook", "fields"), "title"))
    assert diff == [
        "-    fields: {book_id: uuid, title: str, genre: Genre}",
        "+    fields: {book_id: uuid, genre: Genre}",
    ]
    _, diff = _edit(lambda e: e.delete_key(("commands", "RegisterBook", "fields"), "genre"))
    assert diff == [
        "-    fields: {book_id: uuid, title: str, genre: Genre}",
        "+    fields: {book_id: uuid, title: str}",
    ]


def test_delete_first_key_of_sequence_item() -> None:
    _, diff = _edit(lambda e: e.delete_key(("slices", 0), "name"))
    assert diff == [
        "-  - name: Lending",
        "-    commands: [LendBook, ReturnBook]",
        "+  - commands: [LendBook, ReturnBook]",
    ]


def test_delete_only_key_leaves_empty_mapping() -> None:
    editor, diff = _edit(
        lambda e: e.delete_key(("commands", "ReturnBook", "emits", 0, "fields"), "member_id")
    )
    assert diff == [
        "-        fields:",
        "-          member_id: state.lent_to",
        "+        fields: {}",
    ]
    assert editor.document().data["commands"]["ReturnBook"]["emits"][0]["fields"] == {}


def test_delete_top_level_section() -> None:
    editor, diff = _edit(lambda e: e.delete_key((), "policies"))
    assert diff == [
        "-policies:",
        "-  TrackLoans:",
        "-    on: BookLent",
        "-    issue: RecordLoan",
        "-    with: {member_id: event.member_id}",
    ]
    assert "policies" not in editor.document().data


def test_rename_key_keeps_position() -> None:
    editor, diff = _edit(lambda e: e.rename_key(("commands",), "LendBook", "BorrowBook"))
    assert diff == ["-  LendBook:", "+  BorrowBook:"]
    assert list(editor.document().data["commands"]) == ["RegisterBook", "BorrowBook", "ReturnBook"]


def test_rename_key_to_int_and_existing_key() -> None:
    _, diff = _edit(lambda e: e.rename_key(("events", "BookLent", "history"), 2, 3))
    assert diff == ["-      2:", "+      3:"]
    with pytest.raises(EditError, match="already exists"):
        _edit(lambda e: e.rename_key(("commands",), "LendBook", "ReturnBook"))


def test_append_item_block_sequence() -> None:
    editor, diff = _edit(
        lambda e: e.append_item(
            ("commands", "LendBook", "rules"), {"require": "True", "error": "Never"}
        )
    )
    assert diff == ["+      - require: 'True'", "+        error: Never"]
    assert editor.document().data["commands"]["LendBook"]["rules"][-1] == {
        "require": "True",
        "error": "Never",
    }


def test_append_item_flow_sequence() -> None:
    _, diff = _edit(lambda e: e.append_item(("tags",), "new: tag"))
    assert diff == [
        "-tags: [example, lending]   # shown in the catalogue",
        "+tags: [example, lending, 'new: tag']   # shown in the catalogue",
    ]


def test_append_item_top_level_list_of_mappings() -> None:
    _, diff = _edit(lambda e: e.append_item(("scenarios",), {"name": "third", "then": []}))
    assert diff == ["+  - name: third", "+    then: []"]


def test_delete_item_block_and_flow() -> None:
    _, diff = _edit(lambda e: e.delete_item(("commands", "LendBook", "rules"), 1))
    assert diff == ['-      - {require: "state.lent_to is None", error: BookAlreadyLent}']
    _, diff = _edit(lambda e: e.delete_item(("commands", "LendBook", "rules"), -1))
    assert diff == [
        '-      - require: "not state.reserved_by"',
        "-        error: ReservedForSomeoneElse",
        "-        message: Another member reserved this book first.",
    ]
    _, diff = _edit(lambda e: e.delete_item(("slices", 0, "events"), 0))
    assert diff == ["-    events: [BookLent, BookReturned]", "+    events: [BookReturned]"]


def test_delete_item_keeps_comment_before_next_item() -> None:
    editor, diff = _edit(lambda e: e.delete_item(("scenarios",), 0))
    assert all(line.startswith("-") for line in diff) and len(diff) == 7
    assert "  # the unhappy path\n  - name: lending an unknown book fails" in editor.text()


def test_delete_only_item_leaves_empty_list() -> None:
    _, diff = _edit(lambda e: e.delete_item(("aggregates", "Member", "invariants"), 0))
    assert diff == ["-    invariants:", '-      - "len(state.loans) <= 5"', "+    invariants: []"]


def test_sequence_of_edits_keeps_comments_and_order() -> None:
    document = parse_document(MODEL, "library.yaml")
    editor = DocumentEditor(document)
    editor.set_value(("name",), "City Library")
    editor.set_key(("constants",), "MAX_LOANS", {"value": 5, "type": "int"})
    editor.delete_key(("roles",), "Member")
    editor.append_item(("tags",), "city")
    editor.rename_key(("events",), "BookLent", "BookBorrowed")
    text = editor.text()
    for line in MODEL.splitlines():
        if line.lstrip().startswith("#"):
            assert line in text
    assert list(editor.document().data) == list(document.data)
    assert len(_diff(MODEL, text)) == 2 + 2 + 2 + 2 + 2 + 1


def test_crlf_file_gets_crlf_lines() -> None:
    text = "a: 1\r\nb:\r\n  c: 2\r\n"
    editor = DocumentEditor(parse_document(text, "w.yaml"))
    editor.set_key(("b",), "d", [1, 2, {"e": "f", "g": "h"}])
    assert "\n" not in editor.text().replace("\r\n", "")
    assert editor.document().data == {"a": 1, "b": {"c": 2, "d": [1, 2, {"e": "f", "g": "h"}]}}


def test_refuses_edits_through_aliases_and_merges() -> None:
    text = "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n"
    editor = DocumentEditor(parse_document(text, "a.yaml"))
    with pytest.raises(EditError, match="alias"):
        editor.set_value(("use", "x"), 2)
    with pytest.raises(EditError, match="alias"):
        editor.set_value(("base", "x"), 2)
    with pytest.raises(EditError, match="merge"):
        editor.set_value(("merged", "x"), 2)
    with pytest.raises(EditError, match="alias"):
        editor.set_key(("use",), "z", 2)
    with pytest.raises(EditError, match="alias"):
        editor.delete_key(("use",), "x")
    editor.set_value(("merged", "y"), 3)
    editor.set_value(("use",), {"z": 1})
    assert editor.document().data == {"base": {"x": 1}, "use": {"z": 1}, "merged": {"x": 1, "y": 3}}


def test_bad_edits_raise_and_keep_text() -> None:
    document = parse_document(MODEL, "library.yaml")
    editor = DocumentEditor(document)
    with pytest.raises(EditError):
        editor.set_value(("nope", "deeper"), 1)
    with pytest.raises(EditError):
        editor.delete_key(("commands",), "Nope")
    with pytest.raises(EditError):
        editor.delete_item(("tags",), 5)
    with pytest.raises(EditError):
        editor.append_item(("name",), 1)
    with pytest.raises(TypeError):
        editor.set_value(("name",), object())
    with pytest.raises(TypeError):
        editor.set_value(("name",), {True: 1})
    assert editor.text() == MODEL


def test_set_value_of_empty_value() -> None:
    editor = DocumentEditor(parse_document("a:\nb: 1\nlist:\n  -\n  - x\n", "e.yaml"))
    editor.set_value(("a",), "now set")
    editor.set_value(("list", 0), {"k": "v"})
    assert editor.text() == "a: now set\nb: 1\nlist:\n  - {k: v}\n  - x\n"
    other = DocumentEditor(parse_document("a:\nb:\n", "e.yaml"))
    other.set_key(("a",), "k", 1)
    other.append_item(("b",), "x")
    assert other.text() == "a: {k: 1}\nb: [x]\n"


# ----------------------------------------------------------------- property tests

_KEY = st.text(alphabet=string.ascii_letters + string.digits + "_ -:#'\"é", min_size=1, max_size=8)
_STRING = st.text(
    alphabet=string.ascii_letters + string.digits + " _-:#,'\"[]{}!&*?|>%@`\\\té\n", max_size=12
)
_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, width=64),
    _STRING,
    st.sampled_from(["yes", "on", "1.0", "0x10", "~", "2024-01-15", "<<", "=", "- a", "a: b", ""]),
)
_DATA = st.recursive(
    _SCALAR,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEY, children, max_size=4),
    ),
    max_leaves=12,
)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[Any, Any]]:
    """A top-level mapping written in a random mix of block/flow styles, indents and comments."""
    data = draw(st.dictionaries(_KEY, _DATA, min_size=1, max_size=5))
    indent = draw(st.sampled_from([2, 4]))
    lines: list[str] = []

    def scalar(value: Any, flow: bool) -> str:
        return render_scalar(value, flow=flow)

    def flow(value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{scalar(k, True)}: {flow(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(flow(v) for v in value) + "]"
        return scalar(value, True)

    def comment(pad: str) -> None:
        if draw(st.integers(0, 5)) == 0:
            lines.append(f"{pad}# comment {len(lines)}")
        if draw(st.integers(0, 8)) == 0:
            lines.append("")

    def block(
        value: dict[Any, Any] | list[Any], level: int, first_prefix: str | None = None
    ) -> None:
        pad = " " * (indent * level)
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        for position, (key, item) in enumerate(items):
            comment(pad)
            head = f"{scalar(key, False)}:" if isinstance(value, dict) else "-"
            prefix = first_prefix if (first_prefix is not None and position == 0) else pad
            if isinstance(item, dict | list) and item and draw(st.booleans()):
                if isinstance(item, dict) and isinstance(value, list) and draw(st.booleans()):
                    block(item, level + 1, first_prefix=prefix + "- " + " " * (indent - 2))
                    continue
                lines.append(prefix + head + (" # note" if draw(st.integers(0, 6)) == 0 else ""))
                block(item, level + 1)
            elif isinstance(item, str) and literal_block_allowed(item) and draw(st.booleans()):
                literal = render_literal(item, indent * (level + 1))
                lines.append(f"{prefix}{head} {literal[0]}")
                lines.extend(literal[1:])
            else:
                text = flow(item)
                lines.append(
                    f"{prefix}{head} {text}" + ("  # c" if draw(st.integers(0, 6)) == 0 else "")
                )

    block(data, 0)
    text = "\n".join(lines) + "\n"
    return text, data


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*path, index)))
    return found


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for segment in path:
        data = data[segment]
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents())
def test_generated_documents_parse_to_their_data(document: tuple[str, dict[Any, Any]]) -> None:
    text, data = document
    assert same_data(parse_document(text, "g.yaml").data, data), text


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(documents(), st.data())
def test_random_edits_give_intended_data(
    document: tuple[str, dict[Any, Any]], draw: st.DataObject
) -> None:
    text, data = document
    editor = DocumentEditor(parse_document(text, "g.yaml"))
    expected = copy.deepcopy(data)
    for _ in range(draw.draw(st.integers(1, 6))):
        paths = _paths(expected)
        path = draw.draw(st.sampled_from(paths))
        target = _get(expected, path)
        kind = draw.draw(st.sampled_from(["set", "insert", "delete", "rename", "append", "remove"]))
        value = draw.draw(_DATA)
        before = editor.text()
        if kind == "set" and path:
            editor.set_value(path, value)
            _get(expected, path[:-1])[path[-1]] = value
        elif kind == "insert" and (isinstance(target, dict) or (target is None and path)):
            key = draw.draw(_KEY)
            editor.set_key(path, key, value)
            if target is None:
                _get(expected, path[:-1])[path[-1]] = {key: value}
            else:
                target[key] = value
        elif kind == "delete" and isinstance(target, dict) and target:
            key = draw.draw(st.sampled_from(list(target)))
            editor.delete_key(path, key)
            del target[key]
        elif kind == "rename" and isinstance(target, dict) and target:
            old = draw.draw(st.sampled_from(list(target)))
            new = draw.draw(_KEY)
            if new in target and new != old:
                with pytest.raises(EditError):
                    editor.rename_key(path, old, new)
                continue
            editor.rename_key(path, old, new)
            renamed = {(new if k == old else k): v for k, v in target.items()}
            target.clear()
            target.update(renamed)
        elif kind == "append" and (isinstance(target, list) or (target is None and path)):
            editor.append_item(path, value)
            if target is None:
                _get(expected, path[:-1])[path[-1]] = [value]
            else:
                target.append(value)
        elif kind == "remove" and isinstance(target, list) and target:
            index = draw.draw(st.integers(0, len(target) - 1))
            editor.delete_item(path, index)
            del target[index]
        else:
            continue
        assert same_data(parse_document(editor.text(), "g.yaml").data, expected), (
            before,
            editor.text(),
        )
        assert same_data(editor.document().data, expected)
