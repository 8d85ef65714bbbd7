"""The read side and automations: projections, policies and translations.

A projection handler's row key defaults to the event field named like the projection
key, so the common case needs no expression; a multi-stream read model (one row per
customer across many streams) names its key with an expression. A policy's issued
command takes fields by name from the triggering event unless an expression sets them.
"""

from __future__ import annotations

from workbench.model.diagnostics import did_you_mean
from workbench.model.expressions import infer_type
from workbench.model.schema import Policy, Projection
from workbench.model.types import ANY
from workbench.model.validate.context import ValidationContext
from workbench.model.validate.write_side import _check_assignments, loop_variable_type
from workbench.model.yamlio import YamlPath

_DURATION_UNITS = {"s", "m", "h", "d", "w"}


def check_read_side(ctx: ValidationContext) -> None:
    for name, projection in ctx.model.projections.items():
        _check_projection(ctx, name, projection)
    for section in ("policies", "translations"):
        for name, policy in getattr(ctx.model, section).items():
            _check_policy(ctx, (section, name), name, policy)


def _check_projection(ctx: ValidationContext, name: str, projection: Projection) -> None:
    path: YamlPath = ("projections", name)
    row_types = ctx.field_types(projection.fields)
    for key in projection.key_fields:
        if key not in row_types:
            ctx.report(
                "WB212",
                f"projection '{name}' is keyed by '{key}', which is not one of its fields",
                (*path, "key"),
                hint=did_you_mean(key, row_types),
            )
    for event_name, handler in projection.on.items():
        event = ctx.model.events.get(event_name)
        if event is None:
            continue
        handler_path = (*path, "on", event_name)
        event_types = ctx.field_types(event.fields)
        scope = ctx.scope({"event": event_types, "row": row_types})
        key_scope = ctx.scope({"event": event_types})
        if handler.key is None:
            for key in projection.key_fields:
                if key not in event_types:
                    ctx.report(
                        "WB212",
                        f"event '{event_name}' has no field '{key}' to find the row of '{name}' by",
                        handler_path,
                        key=True,
                        hint="give the handler a key expression, e.g. 'key: event.<field>'",
                    )
        else:
            keys = (handler.key,) if isinstance(handler.key, str) else handler.key
            if len(keys) != len(projection.key_fields):
                ctx.report(
                    "WB104",
                    f"projection '{name}' has {len(projection.key_fields)} key field(s) but the handler gives {len(keys)}",
                    (*handler_path, "key"),
                )
            for index, key_source in enumerate(keys):
                key_path = (
                    (*handler_path, "key")
                    if isinstance(handler.key, str)
                    else (*handler_path, "key", index)
                )
                expected = (
                    row_types.get(projection.key_fields[index])
                    if index < len(projection.key_fields)
                    else None
                )
                ctx.expression(key_source, key_path, key_scope, expected=expected, what="row key")
        if handler.when is not None:
            ctx.expression(handler.when, (*handler_path, "when"), scope, what="handler condition")
        for field_name, source_text in handler.assignments.items():
            target_path = (*handler_path, handler.action, field_name)
            if field_name not in row_types:
                ctx.report(
                    "WB408",
                    f"projection '{name}' has no field '{field_name}'",
                    target_path,
                    key=True,
                    hint=did_you_mean(field_name, row_types),
                )
                continue
            ctx.expression(
                source_text,
                target_path,
                scope,
                expected=row_types[field_name],
                what=f"field '{field_name}'",
            )


def _check_policy(ctx: ValidationContext, path: YamlPath, name: str, policy: Policy) -> None:
    event = ctx.model.events.get(policy.on)
    event_types = ctx.field_types(event.fields) if event else {}
    scope = ctx.scope({"event": event_types})
    if policy.when is not None:
        ctx.expression(policy.when, (*path, "when"), scope, what="policy condition")
    for index, issued in enumerate(policy.issue):
        issue_path = (*path, "issue", index)
        issue_scope = scope
        if issued.for_each is not None:
            compiled = ctx.expression(
                issued.for_each, (*issue_path, "for_each"), scope, what="for_each"
            )
            item = loop_variable_type(infer_type(compiled, scope)) if compiled else ANY
            issue_scope = ctx.scope({"event": event_types, issued.as_: item})
        if issued.when is not None:
            ctx.expression(issued.when, (*issue_path, "when"), issue_scope, what="issue condition")
        command = ctx.model.commands.get(issued.command)
        if command is None:
            continue
        if event is None:
            continue
        _check_assignments(
            ctx,
            targets=ctx.field_types(command.fields),
            assignments=issued.fields,
            by_name=event_types,
            scope=issue_scope,
            path=(*issue_path, "fields"),
            owner=f"command '{issued.command}'",
            missing_code="WB409",
            unknown_code="WB409",
            source=f"event '{policy.on}'",
            defaulted={f for f, spec in command.fields.items() if spec.has_default},
        )
