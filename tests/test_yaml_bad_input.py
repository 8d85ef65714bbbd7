"""Bad and hostile input: every guard gives one located, readable DocumentError, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model.diagnostics import CODES
from workbench.model.yamlio import (
    DocumentError,
    c_parser_available,
    parse_document,
    read_document,
)


def _error(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        read_document(path)
    error = info.value
    assert len(error.diagnostics) == 1
    diagnostic = error.diagnostics[0]
    assert diagnostic.code in CODES
    assert diagnostic.location.file == str(path)
    assert len(diagnostic.message) > 10
    assert "Traceback" not in diagnostic.message
    assert diagnostic.render() in str(error)
    return error


def _write(tmp_path: Path, content: bytes | str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _check(tmp_path: Path, content: bytes | str, code: str, line: int | None = None) -> str:
    diagnostic = _error(_write(tmp_path, content)).diagnostics[0]
    assert diagnostic.code == code, diagnostic.render()
    if line is not None:
        assert diagnostic.location.line == line, diagnostic.render()
    return diagnostic.message


# ----------------------------------------------------------------- reading the file


def test_missing_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "missing.yaml")
    assert error.diagnostics[0].code == "WB001"
    assert "no such file" in error.diagnostics[0].message


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "models.yaml").mkdir()
    error = _error(tmp_path / "models.yaml")
    assert error.diagnostics[0].code == "WB001"
    assert "directory" in error.diagnostics[0].message


def test_invalid_utf8_names_byte_offset_and_line(tmp_path: Path) -> None:
    message = _check(tmp_path, b"workbench: 1\nname: caf\xe9 au lait\n", "WB002", line=2)
    assert "byte offset 22" in message
    assert "0xe9" in message
    assert "UTF-8" in message


def test_png_header_is_binary(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    message = _check(tmp_path, png, "WB002")
    assert "binary" in message or "UTF-8" in message


def test_nul_byte_is_binary(tmp_path: Path) -> None:
    message = _check(tmp_path, b"workbench: 1\nname: a\x00b\n", "WB002", line=2)
    assert "binary" in message


def test_control_character(tmp_path: Path) -> None:
    diagnostic = _error(_write(tmp_path, "workbench: 1\nname: a\x07b\n")).diagnostics[0]
    assert diagnostic.code == "WB002"
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 8)
    assert "U+0007" in diagnostic.message


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, b"\xef\xbb\xbfworkbench: 1\nname: x\n"))
    assert document.data == {"workbench": 1, "name": "x"}
    assert document.text.startswith("\ufeff")
    assert document.location(("workbench",), key=True).column == 1


@pytest.mark.parametrize(
    "content", [b"", b"   \n\n\t\n", b"# only a comment\n\n  # another\n", b"---\n"]
)
def test_empty_files(tmp_path: Path, content: bytes) -> None:
    message = _check(tmp_path, content, "WB003")
    assert "empty" in message


def test_ten_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        line = b"key_%08d: some value that pads the line out\n"
        stream.write(b"".join(line % i for i in range(220_000)))
    assert path.stat().st_size > 10 * 1024 * 1024
    started = time.process_time()
    message = _check(tmp_path, path.read_bytes(), "WB004")
    error = _error(path)
    assert time.process_time() - started < 2.0
    assert error.diagnostics[0].code == "WB004"
    assert "4 MiB" in message


def test_large_text_is_refused_by_parse_document() -> None:
    with pytest.raises(DocumentError) as info:
        parse_document("a: " + "x" * (5 * 1024 * 1024), "big.yaml")
    assert info.value.diagnostics[0].code == "WB004"


# ----------------------------------------------------------------- YAML syntax


def test_syntax_error_has_parser_position(tmp_path: Path) -> None:
    diagnostic = _error(
        _write(tmp_path, "workbench: 1\nname: [a, b\ndescription: x\n")
    ).diagnostics[0]
    assert diagnostic.code == "WB005"
    assert diagnostic.location.line == 3
    assert "started on line 2" in diagnostic.message


def test_unclosed_quote(tmp_path: Path) -> None:
    message = _check(tmp_path, 'workbench: 1\nname: "Library\n', "WB005", line=3)
    assert "quoted" in message


def test_two_documents(tmp_path: Path) -> None:
    message = _check(tmp_path, "workbench: 1\nname: a\n---\nname: b\n", "WB005", line=3)
    assert "more than one YAML document" in message


def test_duplicate_key_points_at_second_and_names_first(tmp_path: Path) -> None:
    content = (
        "workbench: 1\naggregates:\n  Book:\n    id: x\n  Loan:\n    id: y\n  Book:\n    id: z\n"
    )
    diagnostic = _error(_write(tmp_path, content)).diagnostics[0]
    assert diagnostic.code == "WB006"
    assert (diagnostic.location.line, diagnostic.location.column) == (7, 3)
    assert "'Book'" in diagnostic.message
    assert "line 3" in diagnostic.message


def test_duplicate_key_in_flow_mapping(tmp_path: Path) -> None:
    _check(tmp_path, "workbench: 1\nfields: {a: int, b: str, a: int}\n", "WB006", line=2)


def test_int_and_string_keys_are_different(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "history:\n  1: a\n  '1': b\n"))
    assert document.data == {"history": {1: "a", "1": "b"}}


def test_tab_indentation(tmp_path: Path) -> None:
    diagnostic = _error(
        _write(tmp_path, "workbench: 1\naggregates:\n\tBook:\n\t\tid: x\n")
    ).diagnostics[0]
    assert diagnostic.code == "WB008"
    assert (diagnostic.location.line, diagnostic.location.column) == (3, 1)
    assert "tab" in diagnostic.message and "spaces" in diagnostic.message


def test_tab_after_spaces_in_indentation(tmp_path: Path) -> None:
    diagnostic = _error(_write(tmp_path, "a:\n  b: 1\n  \tc: 2\n")).diagnostics[0]
    assert diagnostic.code == "WB008"
    assert (diagnostic.location.line, diagnostic.location.column) == (3, 3)


def test_tab_inside_flow_is_fine(tmp_path: Path) -> None:
    assert read_document(_write(tmp_path, 'c: [1,\t2]\nd: "x\ty"\n')).data == {
        "c": [1, 2],
        "d": "x\ty",
    }


@pytest.mark.skipif(c_parser_available(), reason="libyaml accepts a tab after ':'")
def test_tab_after_colon_gets_a_friendly_message(tmp_path: Path) -> None:
    diagnostic = _error(_write(tmp_path, "a: 1\nb:\tvalue\n")).diagnostics[0]
    assert diagnostic.code == "WB008"
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 3)
    assert "write a space instead" in diagnostic.message


# ----------------------------------------------------------------- hostile YAML


def test_billion_laughs(tmp_path: Path) -> None:
    lines = [
        "workbench: 1",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    started = time.process_time()
    message = _check(tmp_path, "\n".join(lines) + "\n", "WB007")
    assert time.process_time() - started < 2.0
    assert "alias bomb" in message


def test_small_alias_reuse_is_allowed(tmp_path: Path) -> None:
    content = "defaults: &d {type: str, default: ''}\nfields:\n  a: *d\n  b: *d\n"
    document = read_document(_write(tmp_path, content))
    assert document.data["fields"] == {
        "a": {"type": "str", "default": ""},
        "b": {"type": "str", "default": ""},
    }
    assert document.data["fields"]["a"] is not document.data["fields"]["b"]


def test_merge_keys(tmp_path: Path) -> None:
    content = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n"
    assert read_document(_write(tmp_path, content)).data["d"] == {"x": 1, "y": 3}


def test_recursive_alias(tmp_path: Path) -> None:
    message = _check(tmp_path, "workbench: 1\nloop: &x\n  again: *x\n", "WB007", line=3)
    assert "recursive" in message


def test_undefined_alias(tmp_path: Path) -> None:
    message = _check(tmp_path, "workbench: 1\nname: *nothing\n", "WB007", line=2)
    assert "*nothing" in message


def test_deep_flow_nesting_does_not_crash(tmp_path: Path) -> None:
    started = time.process_time()
    diagnostic = _error(_write(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n")).diagnostics[
        0
    ]
    assert time.process_time() - started < 5.0
    assert diagnostic.code == "WB009"
    assert diagnostic.location.line == 1
    assert "64" in diagnostic.message


def test_deep_block_nesting(tmp_path: Path) -> None:
    content = "".join("  " * level + "a:\n" for level in range(100)) + "  " * 100 + "end\n"
    message = _check(tmp_path, content, "WB009", line=65)
    assert "nested" in message


def test_nesting_of_64_is_allowed(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "a: " + "[" * 63 + "]" * 63 + "\n"))
    assert document.data["a"] is not None


def test_python_object_tag(tmp_path: Path) -> None:
    diagnostic = _error(
        _write(tmp_path, "workbench: 1\nname: !!python/object/apply:os.system ['echo hacked']\n")
    ).diagnostics[0]
    assert diagnostic.code == "WB012"
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 7)
    assert "!!python/object/apply:os.system" in diagnostic.message


@pytest.mark.parametrize("content", ["a: !custom x\n", "a: !!binary aGVsbG8=\n", "a: !!set {x}\n"])
def test_other_tags(tmp_path: Path, content: str) -> None:
    _check(tmp_path, content, "WB012", line=1)


def test_standard_tags_are_fine(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "a: !!str 12\nb: !!int '7'\nc: !!float 1\n"))
    assert document.data == {"a": "12", "b": 7, "c": 1.0}


def test_invalid_value_for_tag(tmp_path: Path) -> None:
    _check(tmp_path, "a: !!int twelve\n", "WB012", line=1)


# ----------------------------------------------------------------- shape


@pytest.mark.parametrize(
    ("content", "what"),
    [("- a\n- b\n", "list"), ("just text\n", "single value"), ("42\n", "single value")],
)
def test_top_level_not_a_mapping(tmp_path: Path, content: str, what: str) -> None:
    message = _check(tmp_path, content, "WB010", line=1)
    assert what in message


def test_complex_key(tmp_path: Path) -> None:
    _check(tmp_path, "workbench: 1\n? {a: 1}\n: value\n", "WB013", line=2)


def test_scalar_keys_become_strings(tmp_path: Path) -> None:
    content = "true: a\n1.5: b\nnull: c\n2024-01-02: d\n7: e\n"
    document = read_document(_write(tmp_path, content))
    assert document.data == {"true": "a", "1.5": "b", "null": "c", "2024-01-02": "d", 7: "e"}


# ----------------------------------------------------------------- fuzzing


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content: bytes) -> None:
    try:
        parse_document(content, "fuzz.yaml")
    except DocumentError as error:
        assert error.diagnostics and error.diagnostics[0].code in CODES


_YAMLISH = st.text(
    alphabet=st.sampled_from(
        [*"ab01 :-?,[]{}#&*!|>'\"%@`\n\t\r.~\\<=+é", "\x85", "\u2028", "\ufeff"]
    ),
    max_size=120,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_YAMLISH, st.text(max_size=80)))
def test_random_text_never_crashes(content: str) -> None:
    try:
        document = parse_document(content, "fuzz.yaml")
    except DocumentError as error:
        assert error.diagnostics and error.diagnostics[0].code in CODES
        return
    assert isinstance(document.data, dict)
    document.location(("a", 0, "b"))
    document.location((), key=True)
