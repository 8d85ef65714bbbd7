"""Loading: positions, conversion to plain data, byte-identical round trip; atomic writes."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.model.atomic import backup_path, write_atomic
from workbench.model.diagnostics import Location
from workbench.model.yamlio import (
    DocumentError,
    c_parser_available,
    dump_unchanged,
    parse_document,
    read_document,
)

MODEL = """\
# Library model
workbench: 1
name: Library   # the name
tags: [example, "lending"]
aggregates:
  Book:
    id: book_id
    state:
      title: {type: str, default: ""}
      due: {type: "date?", default: null}
commands:
  LendBook:
    aggregate: Book
    fields: {book_id: uuid, member_id: uuid}
    emits:
      - BookLent: {due: "today()"}
      - event: BookReturned
        fields:
          member_id: state.lent_to
    rules:
      - require: state.registered
        error: UnknownBook
history:
  1: {added: 2024-01-15}
  2: {added: 2024-03-01T10:30:00Z}
description: |
  Multi-line
  text
empty:
last: done
"""


@pytest.fixture(scope="module")
def doc():  # type: ignore[no-untyped-def]
    return parse_document(MODEL, "lib.yaml")


def _at(line: int, column: int) -> Location:
    return Location("lib.yaml", line, column)


# ----------------------------------------------------------------- locations


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        (("workbench",), False, _at(2, 12)),
        (("workbench",), True, _at(2, 1)),
        (("name",), False, _at(3, 7)),
        (("tags", 1), False, _at(4, 17)),
        (("aggregates", "Book"), True, _at(6, 3)),
        (("aggregates", "Book", "state"), False, _at(9, 7)),
        (("aggregates", "Book", "state", "title", "default"), False, _at(9, 35)),
        (("aggregates", "Book", "state", "due", "type"), True, _at(10, 13)),
        (("commands", "LendBook", "emits", 1, "fields", "member_id"), False, _at(19, 22)),
        (("commands", "LendBook", "rules", 0, "error"), True, _at(22, 9)),
        (("history", 2, "added"), False, _at(25, 14)),
        (("description",), False, _at(26, 14)),
        (("empty",), False, _at(29, 6)),
        (("last",), False, _at(30, 7)),
    ],
)
def test_locations(doc, path, key, expected) -> None:  # type: ignore[no-untyped-def]
    assert doc.location(path, key=key) == expected


def test_shorthand_fallback_descends_into_single_value(doc) -> None:  # type: ignore[no-untyped-def]
    # normalized form: {event: BookLent, fields: {due: ...}}; the file says `- BookLent: {due: ...}`
    assert doc.location(("commands", "LendBook", "emits", 0, "fields", "due")) == _at(16, 25)
    assert doc.location(("commands", "LendBook", "emits", 0, "fields", "due"), key=True) == _at(
        16, 20
    )
    assert doc.location(("commands", "LendBook", "emits", 0, "fields")) == _at(16, 19)


def test_fallback_to_deepest_existing_prefix(doc) -> None:  # type: ignore[no-untyped-def]
    assert doc.location(("aggregates", "Book", "nope", "deeper")) == _at(7, 5)
    assert doc.location(("commands", "LendBook", "emits", 7)) == _at(16, 7)
    assert doc.location(("nothing",)) == _at(2, 1)
    assert doc.location(()) == _at(2, 1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(-3, 5),
            st.sampled_from(["commands", "emits", "fields", "x", "LendBook", ""]),
        ),
        max_size=8,
    )
)
def test_location_never_raises(path: list[str | int]) -> None:
    document = parse_document(MODEL, "lib.yaml")
    for key in (False, True):
        location = document.location(tuple(path), key=key)
        assert location.file == "lib.yaml" and location.line >= 1 and location.column >= 1


def test_value_span(doc) -> None:  # type: ignore[no-untyped-def]
    start, end = doc.value_span(("aggregates", "Book", "state", "title"))
    assert doc.text[start:end] == '{type: str, default: ""}'
    start, end = doc.value_span(("commands", "LendBook", "rules"))
    assert doc.text[start:end] == "- require: state.registered\n        error: UnknownBook"
    start, end = doc.value_span(("description",))
    assert doc.text[start:end] == "|\n  Multi-line\n  text"
    start, end = doc.value_span(("tags", 1))
    assert doc.text[start:end] == '"lending"'
    with pytest.raises(KeyError):
        doc.value_span(("nope",))


def test_locations_after_bom_and_crlf() -> None:
    document = parse_document("\ufeffa: 1\r\nb:\r\n  c: x\r\n", "w.yaml")
    assert document.location(("a",)) == Location("w.yaml", 1, 4)
    assert document.location(("b", "c")) == Location("w.yaml", 3, 6)
    start, end = document.value_span(("b", "c"))
    assert document.text[start:end] == "x"


def test_location_through_alias_points_at_the_alias() -> None:
    document = parse_document("base: &b {x: 1}\nuse: *b\n", "a.yaml")
    assert document.location(("use",)) == Location("a.yaml", 2, 6)
    assert document.location(("use", "x")) == Location("a.yaml", 1, 14)


# ----------------------------------------------------------------- data


def test_data_conversion(doc) -> None:  # type: ignore[no-untyped-def]
    data = doc.data
    assert data["workbench"] == 1 and type(data["workbench"]) is int
    assert data["tags"] == ["example", "lending"]
    assert data["aggregates"]["Book"]["state"]["due"] == {"type": "date?", "default": None}
    assert data["history"] == {1: {"added": "2024-01-15"}, 2: {"added": "2024-03-01T10:30:00Z"}}
    assert data["description"] == "Multi-line\ntext\n"
    assert data["empty"] is None
    assert list(data) == [
        "workbench",
        "name",
        "tags",
        "aggregates",
        "commands",
        "history",
        "description",
        "empty",
        "last",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on", "on"),
        ("yes", "yes"),
        ("no", "no"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("12", 12),
        ("-3", -3),
        ("0x1F", 31),
        ("0o17", 15),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-.inf", float("-inf")),
        ("2024-01-15", "2024-01-15"),
        ("2024-01-15 10:30:00", "2024-01-15T10:30:00"),
        ("2024-01-15T10:30:00.5+02:00", "2024-01-15T10:30:00.500000+02:00"),
        ("2024-02-30", "2024-02-30"),
        ("'12'", "12"),
        ('"true"', "true"),
        ("12:30", "12:30"),
        ("0.1.2", "0.1.2"),
        ("<<", "<<"),
    ],
)
def test_scalar_values(text: str, expected: object) -> None:
    value = parse_document(f"v: {text}\n", "s.yaml").data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_yaml11_words_stay_string_keys() -> None:
    data = parse_document("on: push\nyes: 1\nno: 2\n", "k.yaml").data
    assert data == {"on": "push", "yes": 1, "no": 2}


def test_no_ruamel_types_leak(doc) -> None:  # type: ignore[no-untyped-def]
    allowed = (dict, list, str, int, float, bool, type(None))

    def walk(value: object) -> None:
        assert type(value) in allowed, type(value)
        if isinstance(value, dict):
            for key, item in value.items():
                assert type(key) in (str, int)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(doc.data)


# ----------------------------------------------------------------- round trip


@pytest.mark.parametrize(
    "content",
    [
        MODEL,
        MODEL.replace("\n", "\r\n"),
        "\ufeff" + MODEL,
        "a: 1  # no newline at end",
        "a: 1\n\n\n# trailing comments\n   \n",
        "a:    {x: 1,   y: [1,2]}   \n",
    ],
)
def test_identical_bytes_round_trip(tmp_path: Path, content: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(content.encode("utf-8"))
    document = read_document(path)
    assert dump_unchanged(document) == content
    write_atomic(path, dump_unchanged(document), backup=False)
    assert path.read_bytes() == content.encode("utf-8")


def test_example_models_round_trip(models_dir: Path, tmp_path: Path) -> None:
    files = sorted(models_dir.glob("*.yaml"))
    assert files
    for source in files:
        document = read_document(source)
        target = tmp_path / source.name
        write_atomic(target, dump_unchanged(document))
        assert target.read_bytes() == source.read_bytes()


def test_one_megabyte_model_loads_quickly() -> None:
    parts = ["workbench: 1\nname: Big\naggregates:\n"]
    index = 0
    while sum(map(len, parts)) < 1_000_000:
        parts.append(
            f"  Book{index}:\n    id: book_id  # the id\n    state:\n"
            f'      title: {{type: str, default: ""}}\n      copies: int\n'
            f"    commands: [Lend{index}, Return{index}]\n"
            f"    description: A book that can be lent, number {index}\n"
        )
        index += 1
    text = "".join(parts)
    started = time.process_time()
    document = parse_document(text, "big.yaml")
    elapsed = time.process_time() - started
    assert len(document.data["aggregates"]) == index
    assert document.location(("aggregates", f"Book{index - 1}", "state", "copies")).line > 1000
    # CPU time: well under a second with ruamel's C parser; pure Python needs ~2 s here
    assert elapsed < (1.0 if c_parser_available() else 8.0)


# ----------------------------------------------------------------- atomic writes


def test_write_atomic_creates_and_replaces_with_backup(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    write_atomic(path, "a: 1\n")
    assert path.read_text() == "a: 1\n"
    assert not backup_path(path).exists()
    write_atomic(path, "a: 2\n")
    assert path.read_text() == "a: 2\n"
    assert backup_path(path) == tmp_path / "model.yaml~"
    assert backup_path(path).read_text() == "a: 1\n"
    write_atomic(path, "a: 3\n", backup=False)
    assert backup_path(path).read_text() == "a: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml", "model.yaml~"]


def test_write_atomic_preserves_mode(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("a: 1\n")
    os.chmod(path, 0o640)
    write_atomic(path, "a: 2\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_write_atomic_writes_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    write_atomic(path, "a: é\r\nb: 2")
    assert path.read_bytes() == "a: é\r\nb: 2".encode()


def test_write_atomic_follows_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomic(link, "a: 2\n")
    assert link.is_symlink()
    assert real.read_text() == "a: 2\n"


def test_failed_replace_leaves_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")

    def broken_replace(source: object, target: object) -> None:
        if str(target) == str(path):
            raise OSError("disk on fire")
        os.rename(str(source), str(target))

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_atomic(path, "new: content\n")
    assert path.read_text() == "original: true\n"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("model.yaml", "model.yaml~")]
    assert leftovers == []


def test_failed_write_leaves_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")

    def broken_fsync(fd: int) -> None:
        raise OSError("no space left")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="no space left"):
        write_atomic(path, "new: content\n" * 1000)
    assert path.read_text() == "original: true\n"
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]


def _leftovers(directory: Path) -> list[str]:
    return sorted(
        p.name for p in directory.iterdir() if p.name not in ("model.yaml", "model.yaml~")
    )


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555], ids=oct)
def test_write_atomic_refuses_a_read_only_file(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")
    os.chmod(path, mode)
    try:
        with pytest.raises(PermissionError) as info:
            write_atomic(path, "new: content\n")
        assert str(info.value) == f"{path} is read-only"
        assert info.value.errno == errno.EACCES
        assert path.read_text() == "original: true\n"
        assert stat.S_IMODE(path.stat().st_mode) == mode
        assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]  # no backup either
    finally:
        os.chmod(path, 0o644)


def test_write_atomic_refuses_a_file_the_user_cannot_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")
    real_access = os.access

    def access(target: Any, how: int, **kwargs: Any) -> bool:
        if how & os.W_OK and Path(target) == path:
            return False  # e.g. someone else's 0644 file
        return real_access(target, how, **kwargs)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(PermissionError, match="is read-only"):
        write_atomic(path, "new: content\n")
    assert path.read_text() == "original: true\n"
    assert _leftovers(tmp_path) == []


def test_write_atomic_refuses_a_symlink_to_a_read_only_file(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("a: 1\n")
    real.chmod(0o444)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    try:
        with pytest.raises(PermissionError, match=f"{link} is read-only"):
            write_atomic(link, "a: 2\n")
        assert real.read_text() == "a: 1\n" and link.is_symlink()
    finally:
        real.chmod(0o644)


def test_write_atomic_still_writes_a_new_file_and_keeps_backups_of_writable_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "model.yaml"
    write_atomic(path, "a: 1\n")
    os.chmod(path, 0o600)
    write_atomic(path, "a: 2\n")
    assert path.read_text() == "a: 2\n" and backup_path(path).read_text() == "a: 1\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _break(monkeypatch: pytest.MonkeyPatch, path: Path, step: str) -> None:
    """Make one step of write_atomic fail with an OSError that does not name the file."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EIO, "Input/output error")

    if step == "stat":
        real_stat = Path.stat

        def broken_stat(self: Path, **kwargs: Any) -> Any:
            if self == path:
                raise PermissionError(errno.EACCES, "Permission denied")
            return real_stat(self, **kwargs)

        monkeypatch.setattr(Path, "stat", broken_stat)
    elif step == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fail)
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", fail)
    elif step == "chmod":
        monkeypatch.setattr(os, "chmod", fail)
    elif step in ("backup", "backup-rename", "replace"):
        real_replace = os.replace
        if step == "backup":
            monkeypatch.setattr(os, "link", fail)
            monkeypatch.setattr(shutil, "copy2", fail)

        def broken_replace(source: Any, target: Any) -> None:
            if (step == "backup-rename" and str(target).endswith("~")) or (
                step == "replace" and str(target) == str(path)
            ):
                fail()
            real_replace(source, target)

        monkeypatch.setattr(os, "replace", broken_replace)
    else:  # pragma: no cover
        raise AssertionError(step)


@pytest.mark.parametrize(
    "step", ["stat", "mkstemp", "fsync", "chmod", "backup", "backup-rename", "replace"]
)
def test_every_write_failure_is_an_oserror_naming_the_file_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")
    _break(monkeypatch, path, step)
    with pytest.raises(OSError) as info:
        write_atomic(path, "new: content\n")
    monkeypatch.undo()
    assert str(path) in str(info.value)
    assert info.value.errno in (errno.EIO, errno.EACCES)
    assert path.read_text() == "original: true\n"
    assert _leftovers(tmp_path) == []


def test_a_missing_folder_or_a_directory_target_is_an_oserror_naming_the_file(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nope" / "model.yaml"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        write_atomic(missing, "a: 1\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=f"{folder} is a directory"):
        write_atomic(folder, "a: 1\n")
    assert list(folder.iterdir()) == []


def test_text_that_cannot_be_encoded_is_an_oserror_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")
    with pytest.raises(OSError, match=f"{path}: cannot write the file"):
        write_atomic(path, "a: \ud800\n")
    assert path.read_text() == "original: true\n"
    assert _leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.yaml"
    path.write_text("original: true\n")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new: content\n")
    assert path.read_text() == "original: true\n"
    assert _leftovers(tmp_path) == []


def test_read_document_errors_are_document_errors(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        read_document(tmp_path / "missing.yaml")
