"""Reading, editing and formatting the model file (one YAML file kept in git).

* :func:`read_document` / :func:`parse_document` load a file into a :class:`YamlDocument`:
  the exact text, plain Python data (YAML 1.2 core schema; dates become ISO-8601
  strings) and the line and column of every value. Bad input never produces a
  traceback: it raises :class:`DocumentError` carrying located diagnostics (WB001–WB013)
  for unreadable, non-UTF-8, binary, empty, oversized (> 4 MiB), syntactically invalid,
  duplicate-key, tab-indented, too deeply nested (> 64 levels) and hostile input (custom
  tags, recursive aliases, alias bombs expanding to more than 200,000 extra values).
* :func:`dump_unchanged` gives back the bytes that were read; :class:`DocumentEditor`
  changes only the lines an edit touches and verifies every edit by parsing again.
* :func:`format_text` is the canonical formatting of ``workbench fmt``, keeping comments.
* :func:`workbench.model.atomic.write_atomic` writes files atomically (temp file, fsync,
  ``os.replace``, directory fsync; mode kept; the previous version kept as ``<name>~``).

``YamlDocument.location`` falls back gracefully for paths of the *normalized* model that
the file writes in shorthand: when a segment is missing and the node there is a mapping
with a single key (``- BookLent: {book_id: x}`` for ``{event: BookLent, fields: {...}}``),
the single value stands for the missing segment and the rest of the path is resolved in
it; otherwise the deepest existing prefix is located.
"""

from __future__ import annotations

from workbench.model.yaml_compose import MAX_ALIAS_NODES, MAX_DEPTH, c_parser_available
from workbench.model.yaml_document import DocumentError, YamlDocument, YamlPath
from workbench.model.yaml_edit import DocumentEditor, EditError
from workbench.model.yaml_fmt import CANONICAL_ORDER, format_text
from workbench.model.yaml_load import MAX_FILE_BYTES, parse_document, read_document
from workbench.model.yaml_render import same_data

__all__ = [
    "CANONICAL_ORDER",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "DocumentEditor",
    "DocumentError",
    "EditError",
    "YamlDocument",
    "YamlPath",
    "c_parser_available",
    "dump_unchanged",
    "format_text",
    "parse_document",
    "read_document",
    "same_data",
]


def dump_unchanged(doc: YamlDocument) -> str:
    """The text to save for an unedited document: exactly what was read."""
    return doc.text
