"""Field types and defaults: every type parses, names a declared type, and defaults fit."""

from __future__ import annotations

import re
from collections.abc import Iterator

from workbench.model.diagnostics import did_you_mean
from workbench.model.schema import NAME_PATTERN, Fields, Model
from workbench.model.types import (
    TypeRef,
    TypeSyntaxError,
    check_value,
    named_types,
    parse_type,
    valid_dict_key,
)
from workbench.model.validate.context import ValidationContext
from workbench.model.yamlio import YamlPath

NAME_RE = re.compile(NAME_PATTERN)


def field_sets(model: Model) -> Iterator[tuple[YamlPath, Fields]]:
    """Every group of fields in the model with the path of its ``fields``/``state`` mapping."""
    for name, definition in model.types.items():
        if definition.fields is not None:
            yield ("types", name, "fields"), definition.fields
    for name, aggregate in model.aggregates.items():
        yield ("aggregates", name, "state"), aggregate.state
    for name, command in model.commands.items():
        yield ("commands", name, "fields"), command.fields
    for name, event in model.events.items():
        yield ("events", name, "fields"), event.fields
        for version, step in event.history.items():
            yield ("events", name, "history", version, "fields"), step.fields
    for name, projection in model.projections.items():
        yield ("projections", name, "fields"), projection.fields


def check_fields(ctx: ValidationContext) -> None:
    """Types parse and exist; dict keys are simple; defaults and constants fit their types."""
    model = ctx.model
    for path, fields in field_sets(model):
        for field_name, spec in fields.items():
            field_path = (*path, field_name)
            if not NAME_RE.match(field_name):
                ctx.report(
                    "WB104",
                    f"field name '{field_name}' is not a plain name: expressions and generated "
                    "code could not refer to it",
                    field_path,
                    key=True,
                    hint="use ASCII letters, digits and '_', starting with a letter",
                )
            type_ref = _check_type(ctx, spec.type, field_path)
            if type_ref is not None and spec.has_default:
                # ``default: null`` too: the simulator converts every declared default
                # (it fills command and event input with them), and null fits only T?.
                _check_default(ctx, spec.default, type_ref, (*field_path, "default"))
    for name, aggregate in model.aggregates.items():
        _check_type(ctx, aggregate.id_type, ("aggregates", name, "id_type"))
    for name, definition in model.types.items():
        if definition.enum is not None:
            seen: set[str] = set()
            for index, value in enumerate(definition.enum):
                if value in seen:
                    ctx.report(
                        "WB205",
                        f"enum '{name}' lists '{value}' twice",
                        ("types", name, "enum", index),
                    )
                seen.add(value)
    for name, constant in model.constants.items():
        if constant.type is None:
            continue
        type_ref = _check_type(ctx, constant.type, ("constants", name, "type"))
        if type_ref is not None:
            _check_default(
                ctx, constant.value, type_ref, ("constants", name, "value"), what="value"
            )


def _check_type(ctx: ValidationContext, text: str, path: YamlPath) -> TypeRef | None:
    try:
        type_ref = parse_type(text)
    except TypeSyntaxError as error:
        ctx.report(
            "WB103",
            f"'{text}' is not a type: {error.message}",
            path,
            hint="types are str, int, float, decimal, bool, date, datetime, uuid, T?, list[T], dict[K, V] or a name from 'types'",
        )
        return None
    known = set(ctx.model.types)
    for name in sorted(named_types(type_ref)):
        if name not in known:
            ctx.report("WB204", f"unknown type '{name}'", path, hint=did_you_mean(name, known))
            return None
    _check_dict_keys(ctx, type_ref, path)
    return type_ref


def _check_dict_keys(ctx: ValidationContext, type_ref: TypeRef, path: YamlPath) -> None:
    if type_ref.kind == "dict":
        key = type_ref.args[0]
        is_enum = key.kind == "named" and key.name in ctx.enums
        if not (valid_dict_key(key) or is_enum):
            ctx.report(
                "WB103", f"'{key}' cannot be a map key: use str, int, uuid, date or an enum", path
            )
    for arg in type_ref.args:
        _check_dict_keys(ctx, arg, path)


def _check_default(
    ctx: ValidationContext,
    value: object,
    type_ref: TypeRef,
    path: YamlPath,
    *,
    what: str = "default",
) -> None:
    problem = check_value(
        value, type_ref, enums=ctx.enums, records=ctx.record_types, placeholders_ok=False
    )
    if problem:
        ctx.report("WB403", f"{what} {value!r} does not fit type {type_ref}: {problem}", path)
