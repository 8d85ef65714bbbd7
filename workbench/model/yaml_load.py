"""Loading a model file: reading, the input guards, and turning syntax errors into diagnostics.

Bytes are checked before parsing: size (:data:`MAX_FILE_BYTES`, checked before the file
is read in full), NUL bytes and invalid UTF-8 (with the byte offset and line), control
characters YAML forbids, emptiness. Then :mod:`workbench.model.yaml_compose` parses
(ruamel's C parser if installed, else its pure-Python one), composes located nodes and
builds the plain data. Every problem becomes one :class:`DocumentError` with a located
:class:`Diagnostic`; a parser crash never escapes as a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml.error import MarkedYAMLError

from workbench.model.diagnostics import Diagnostic, Location
from workbench.model.yaml_compose import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    Failure,
    Problem,
    build_data,
    c_parser_available,
    compose,
)
from workbench.model.yaml_document import DocumentError, YamlDocument, YamlPath
from workbench.model.yaml_scalar import NULL_TAG

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "DocumentError",
    "YamlDocument",
    "YamlPath",
    "c_parser_available",
    "parse_document",
    "read_document",
]

#: Files larger than this are refused before they are read in full.
MAX_FILE_BYTES = 4 * 1024 * 1024

_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, counting lines as YAML does."""
    line = 1 + len(_LINE_BREAK.findall(text, 0, offset))
    last = max(text.rfind(c, 0, offset) for c in "\r\n\x85\u2028\u2029")
    return line, offset - last


def _syntax_problem(error: MarkedYAMLError) -> Problem:
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
        return Problem("WB005", message)
    return Problem("WB005", message, mark.line + 1, mark.column + 1)


def _tab_problem(body: str, problem: Problem) -> Problem | None:
    """A friendly WB008 when a tab is what the parser tripped over."""
    lines = _LINE_BREAK.split(body)
    line = problem.line
    if "'\\t'" in problem.message and 1 <= line <= len(lines):
        text = lines[line - 1]
        column = problem.column
        if text[column - 1 : column] != "\t" and "\t" in text:
            column = text.index("\t") + 1
        if text[: column - 1].strip(" \t"):
            return Problem(
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
                return Problem(
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
        raise Problem(
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
        raise Problem(
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
        raise Problem(
            "WB002",
            f"the file contains {what}, which YAML text cannot contain",
            line,
            column,
        )
    if not body.strip():
        raise Problem("WB003", "the file is empty")
    fail = Failure(offset)
    try:
        root, count = compose(body, offset, fail)
    except MarkedYAMLError as error:
        problem = _syntax_problem(error)
        tab = _tab_problem(body, problem) if problem.line else None
        raise (tab or problem) from None
    except RecursionError:
        raise Problem(
            "WB009", f"the document is nested more than {MAX_DEPTH} levels deep"
        ) from None
    if root is None:
        raise Problem("WB003", "the file is empty: it holds only comments and blank lines")
    if root.kind == "scalar" and root.tag == NULL_TAG and root.style is None and root.value == "":
        raise Problem("WB003", "the file holds no data (an empty document)")
    if root.deref().kind != "map":
        kind = {"seq": "a list", "scalar": "a single value"}.get(root.deref().kind, "not a mapping")
        raise Problem(
            "WB010",
            f"the top level of a model file must be a mapping of keys (like 'name: ...'), not {kind}",
            root.line,
            root.column,
        )
    data = build_data(root, fail, count)
    return YamlDocument(filename=filename, text=text, data=data, root=root)


def _too_large(size: int) -> Problem:
    return Problem(
        "WB004",
        f"the file is too large ({size:,} bytes); model files may be at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB",
    )


def parse_document(content: bytes | str, filename: str) -> YamlDocument:
    """Parse a model file's content; raises :class:`DocumentError` if it can't be used."""
    try:
        return _load(content, filename)
    except Problem as found:
        raise DocumentError([_diagnostic(filename, found)]) from None
    except DocumentError:
        raise
    except RecursionError:
        deep = Problem("WB009", f"the document is nested more than {MAX_DEPTH} levels deep")
        raise DocumentError([_diagnostic(filename, deep)]) from None
    except Exception as error:  # a parser bug must not become a traceback
        broken = Problem("WB005", f"the YAML could not be parsed ({type(error).__name__}: {error})")
        raise DocumentError([_diagnostic(filename, broken)]) from None


def _diagnostic(filename: str, problem: Problem) -> Diagnostic:
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
