"""Load a model file: YAML document -> validated :class:`Model` plus diagnostics.

Loading never raises for bad input: every problem becomes a :class:`Diagnostic` with
a stable code and a location, so the CLI, the TUI and CI all report the same thing.
Pydantic's errors are translated here into our vocabulary ("unknown key 'stat' —
did you mean 'state'?") because its raw messages speak of Python, not of models.
"""

from __future__ import annotations

import types as _pytypes
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from workbench.model.diagnostics import Diagnostic, DiagnosticList, Location, Severity, did_you_mean
from workbench.model.schema import FORMAT_VERSION, Model
from workbench.model.yamlio import (
    DocumentError,
    YamlDocument,
    YamlPath,
    parse_document,
    read_document,
)


@dataclass
class LoadedModel:
    """The outcome of loading one file: the document, the model if it could be built, and findings."""

    filename: str
    document: YamlDocument | None
    model: Model | None
    diagnostics: DiagnosticList = field(default_factory=DiagnosticList)

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return self.model is not None and not self.diagnostics.errors

    @property
    def readable(self) -> bool:
        """False when the file could not even be parsed as a model document (exit code 2)."""
        return self.document is not None


def load_model(
    path: str | Path,
    *,
    validate: bool = True,
    baseline: Model | None = None,
    baseline_label: str = "the baseline",
) -> LoadedModel:
    """Read, parse and validate a model file; never raises for bad input.

    >>> loaded = load_model("models/library.yaml")  # doctest: +SKIP
    >>> loaded.ok, loaded.model.name                 # doctest: +SKIP
    (True, 'Library')
    """
    filename = str(path)
    try:
        document = read_document(path)
    except DocumentError as error:
        return LoadedModel(filename, None, None, DiagnosticList(list(error.diagnostics)))
    return build_model(
        document, validate=validate, baseline=baseline, baseline_label=baseline_label
    )


def load_model_text(
    content: str | bytes, filename: str = "<model>", *, validate: bool = True
) -> LoadedModel:
    """Like :func:`load_model`, for content held in memory (an editor buffer, stdin, tests).

    Bytes get the same checks as a file (encoding, size, binary content).
    """
    try:
        document = parse_document(content, filename)
    except DocumentError as error:
        return LoadedModel(filename, None, None, DiagnosticList(list(error.diagnostics)))
    return build_model(document, validate=validate)


def build_model(
    document: YamlDocument,
    *,
    validate: bool = True,
    baseline: Model | None = None,
    baseline_label: str = "the baseline",
) -> LoadedModel:
    """Turn a parsed document into a model, translating schema errors into diagnostics."""
    result = LoadedModel(document.filename, document, None)
    data = document.data
    version = data.get("workbench") if isinstance(data, dict) else None
    if version != FORMAT_VERSION:
        result.diagnostics.add(_version_diagnostic(document, version))
        return result
    try:
        model = Model.model_validate(data)
    except ValidationError as error:
        result.diagnostics.extend(_schema_diagnostics(document, error))
        return result
    result.model = model
    if validate:
        from workbench.model.validate import validate_model

        result.diagnostics.extend(
            validate_model(model, document, baseline=baseline, baseline_label=baseline_label)
        )
    return result


def _version_diagnostic(document: YamlDocument, version: object) -> Diagnostic:
    if version is None:
        return Diagnostic(
            "WB011",
            "this is not an Event Workbench model: the top-level key 'workbench' (the format version) is missing",
            document.location(()),
            hint=f"start the file with 'workbench: {FORMAT_VERSION}'",
        )
    return Diagnostic(
        "WB011",
        f"format version {version!r} is not supported; this release reads version {FORMAT_VERSION}",
        document.location(("workbench",)),
        hint=f"set 'workbench: {FORMAT_VERSION}'",
    )


# ---------------------------------------------------------------- schema errors


def _schema_diagnostics(document: YamlDocument, error: ValidationError) -> list[Diagnostic]:
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[YamlPath, str]] = set()
    for detail in error.errors(include_url=False):
        path = _data_path(document.data, detail["loc"])
        if (path, detail["type"]) in seen:
            continue
        seen.add((path, detail["type"]))
        diagnostics.append(_schema_diagnostic(document, detail, path))
    return diagnostics


def _data_path(data: Any, loc: tuple[int | str, ...]) -> YamlPath:
    """Map pydantic's error location onto the document's own keys and indices.

    Pydantic inserts union tags and validator names into ``loc``; those are not keys of
    the document, so they are skipped.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        step = _child(node, part)
        if step is not None:
            path.append(step[0])
            node = step[1]
        elif isinstance(node, dict) and not _is_tag(part):
            # a key that is missing from the data (e.g. a required key): name the parent
            path.append(part)
            node = None
        # else: a union tag or validator name; skip it
    return tuple(path)


def _child(node: Any, part: int | str) -> tuple[int | str, Any] | None:
    """The key and value of ``part`` inside ``node``, if the document has it there."""
    if isinstance(node, dict):
        if part in node:
            return part, node[part]
        if isinstance(part, str) and part.isdigit() and int(part) in node:
            return int(part), node[int(part)]  # pydantic spells int keys (versions) as text
    elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return part, node[part]
    return None


def _is_tag(part: int | str) -> bool:
    return isinstance(part, str) and (
        part in {"advance", "step"} or part.startswith(("function-", "tagged-union")) or "[" in part
    )


def _schema_diagnostic(document: YamlDocument, detail: ErrorDetails, path: YamlPath) -> Diagnostic:
    kind = detail["type"]
    where = _describe(path)
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        allowed = _allowed_keys(detail["loc"][:-1])
        return Diagnostic(
            "WB100",
            f"unknown key '{key}' in {_describe(path[:-1])}",
            document.location(path, key=True),
            hint=did_you_mean(key, allowed)
            or (f"allowed keys: {', '.join(sorted(allowed))}" if allowed else None),
        )
    if kind == "missing":
        key = str(path[-1]) if path else "?"
        existing = path[:-1]
        return Diagnostic(
            "WB102",
            f"{_describe(existing)} needs the key '{key}'",
            document.location(existing, key=True),
        )
    message = _friendly_message(detail)
    code = (
        "WB101"
        if kind.endswith("_type") or kind in {"model_type", "dict_type", "list_type", "tuple_type"}
        else "WB104"
    )
    return Diagnostic(code, f"{where}: {message}", document.location(path))


def _friendly_message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    shown = (
        repr(value)
        if not isinstance(value, dict | list)
        else type(value).__name__.replace("dict", "a mapping").replace("list", "a list")
    )
    if kind == "string_type":
        return f"expected text, got {shown}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"expected a whole number, got {shown}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {shown}"
    if kind in {"dict_type", "model_type"}:
        return f"expected a mapping (key: value pairs), got {shown}"
    if kind in {"list_type", "tuple_type"}:
        return f"expected a list, got {shown}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected')}, got {shown}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "A-Za-z_" in pattern:
            return (
                f"{shown} is not a valid name: use letters, digits and '_', starting with a letter"
            )
        if "s|m|h|d|w" in pattern:
            return f"{shown} is not a duration: write a number and a unit, e.g. 30m, 24h, 2d"
        return f"{shown} does not match {pattern}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {shown}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return "expected a step such as '- EventName: {field: value}' or '- advance: 24h'"
    return str(detail["msg"])


def _describe(path: YamlPath) -> str:
    """A human name for a place in the document: "command 'LendBook'", "scenario 3 (given 2)"."""
    if not path:
        return "the model"
    singular = {
        "contexts": "context",
        "types": "type",
        "constants": "constant",
        "roles": "role",
        "screens": "screen",
        "externals": "external system",
        "aggregates": "aggregate",
        "commands": "command",
        "events": "event",
        "projections": "projection",
        "policies": "policy",
        "translations": "translation",
    }
    head = path[0]
    if head in singular and len(path) >= 2:
        text = f"{singular[str(head)]} '{path[1]}'"
        rest = path[2:]
    elif head in {"slices", "scenarios"} and len(path) >= 2 and isinstance(path[1], int):
        text = f"{str(head)[:-1]} {path[1] + 1}"
        rest = path[2:]
    else:
        text = f"'{head}'"
        rest = path[1:]
    if rest:
        text += " at " + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(
            "."
        )
    return text


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the schema allows at ``loc``, for "did you mean" hints on unknown keys."""
    cls = _model_class_at(loc)
    if cls is None:
        return []
    keys = []
    for name, info in cls.model_fields.items():
        keys.append(info.alias or name)
    return keys


def _model_class_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    current: Any = Model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if isinstance(part, str) and part in fields:
                current = fields[part].annotation
                continue
            return None
        options = _options(current)
        tagged = [o for o in options if isinstance(o, type) and o.__name__.lower() == str(part)]
        if tagged:
            current = tagged[0]
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin in {dict, tuple, list} and args:
            current = args[-1] if origin is dict else args[0]
            continue
        models = [o for o in options if isinstance(o, type) and issubclass(o, BaseModel)]
        if len(models) == 1:
            current = models[0]
            # the part was a key/index into this container's parent: re-examine it
            if isinstance(part, str) and part in models[0].model_fields:
                current = models[0].model_fields[part].annotation
            continue
        return None
    current = _unwrap(current)
    models = [o for o in _options(current) if isinstance(o, type) and issubclass(o, BaseModel)]
    return models[0] if len(models) == 1 else None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _options(annotation: Any) -> list[Any]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) in {typing.Union, _pytypes.UnionType}:
        return [_unwrap(a) for a in typing.get_args(annotation)]
    return [annotation]


def severity_counts(diagnostics: DiagnosticList) -> tuple[int, int]:
    """(errors, warnings) — used by summaries."""
    return len(diagnostics.errors), len([d for d in diagnostics if d.severity is Severity.WARNING])


__all__ = [
    "LoadedModel",
    "Location",
    "build_model",
    "load_model",
    "load_model_text",
    "severity_counts",
]
