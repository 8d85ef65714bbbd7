"""The write side: aggregates, commands and events fit together.

Checks that rules and emits only use fields that exist, that each emitted event gets
every field it needs (from an expression, or by name from the command), that ``evolve``
only touches declared state, and that an event's version history can be upcast step by
step to the current version.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from workbench.model.diagnostics import did_you_mean
from workbench.model.expressions import TypeScope, infer_type
from workbench.model.schema import Aggregate, Command, Event, Fields
from workbench.model.types import ANY, TypeRef, is_assignable
from workbench.model.validate.context import ValidationContext
from workbench.model.yamlio import YamlPath


def check_write_side(ctx: ValidationContext) -> None:
    for name, aggregate in ctx.model.aggregates.items():
        _check_aggregate(ctx, name, aggregate)
    for name, command in ctx.model.commands.items():
        _check_command(ctx, name, command)
    for name, event in ctx.model.events.items():
        _check_event(ctx, name, event)


def state_types(ctx: ValidationContext, aggregate: str | None) -> dict[str, TypeRef]:
    if aggregate is None or aggregate not in ctx.model.aggregates:
        return {}
    return ctx.field_types(ctx.model.aggregates[aggregate].state)


def loop_variable_type(collection: TypeRef) -> TypeRef:
    """The type of ``item`` in ``for_each``: a list's item, a map's key."""
    if collection.kind == "optional":
        collection = collection.args[0]
    if collection.kind == "list":
        return collection.args[0]
    if collection.kind == "dict":
        return collection.args[0]
    return ANY


def _check_aggregate(ctx: ValidationContext, name: str, aggregate: Aggregate) -> None:
    scope = ctx.scope({"state": state_types(ctx, name)})
    for index, invariant in enumerate(aggregate.invariants):
        ctx.expression(
            invariant.check,
            ("aggregates", name, "invariants", index, "check"),
            scope,
            what="invariant",
        )
    if not ctx.model.commands_of(name) and not ctx.model.events_of(name):
        ctx.warn(
            "WB606",
            f"aggregate '{name}' has no commands and no events",
            ("aggregates", name),
            key=True,
        )


def _check_command(ctx: ValidationContext, name: str, command: Command) -> None:
    path: YamlPath = ("commands", name)
    model = ctx.model
    command_types = ctx.field_types(command.fields)
    aggregate = model.aggregates.get(command.aggregate)
    if aggregate is not None:
        if aggregate.id not in command.fields:
            ctx.report(
                "WB404",
                f"command '{name}' has no field '{aggregate.id}', the id of aggregate '{command.aggregate}'",
                (*path, "fields"),
                key=True,
                hint=f"add '{aggregate.id}: {aggregate.id_type}' to its fields",
            )
        elif not is_assignable(command_types[aggregate.id], ctx.field_type(aggregate.id_type)):
            ctx.report(
                "WB305",
                f"field '{aggregate.id}' of command '{name}' is {command_types[aggregate.id]}, "
                f"but aggregate '{command.aggregate}' is identified by {aggregate.id_type}",
                (*path, "fields", aggregate.id),
            )
    state = state_types(ctx, command.aggregate)
    base_scope = ctx.scope({"command": command_types, "state": state})
    for index, rule in enumerate(command.rules):
        ctx.expression(
            rule.require, (*path, "rules", index, "require"), base_scope, what=f"rule {index + 1}"
        )
    for index, emit in enumerate(command.emits):
        emit_path = (*path, "emits", index)
        scope = base_scope
        if emit.for_each is not None:
            compiled = ctx.expression(
                emit.for_each, (*emit_path, "for_each"), base_scope, what="for_each"
            )
            item = loop_variable_type(infer_type(compiled, base_scope)) if compiled else ANY
            scope = ctx.scope({"command": command_types, "state": state, emit.as_: item})
        if emit.when is not None:
            ctx.expression(emit.when, (*emit_path, "when"), scope, what="emit condition")
        event = model.events.get(emit.event)
        if event is None:
            continue
        if event.deprecated:
            ctx.warn("WB410", f"command '{name}' emits deprecated event '{emit.event}'", emit_path)
        _check_assignments(
            ctx,
            targets=ctx.field_types(event.fields),
            assignments=emit.fields,
            by_name=command_types,
            scope=scope,
            path=(*emit_path, "fields"),
            owner=f"event '{emit.event}'",
            missing_code="WB400",
            unknown_code="WB401",
            source="the command",
            defaulted={f for f, spec in event.fields.items() if spec.has_default},
        )


def _check_assignments(
    ctx: ValidationContext,
    *,
    targets: Mapping[str, TypeRef],
    assignments: Mapping[str, str],
    by_name: Mapping[str, TypeRef],
    scope: TypeScope,
    path: YamlPath,
    owner: str,
    missing_code: str,
    unknown_code: str,
    source: str,
    defaulted: Collection[str] = (),
) -> None:
    """Fields set by expressions exist and fit; the rest come by name from ``by_name``,
    or are optional, or take their declared default (``defaulted``)."""
    for field_name, source_text in assignments.items():
        if field_name not in targets:
            ctx.report(
                unknown_code,
                f"{owner} has no field '{field_name}'",
                (*path, field_name),
                key=True,
                hint=did_you_mean(field_name, targets),
            )
            continue
        ctx.expression(
            source_text,
            (*path, field_name),
            scope,
            expected=targets[field_name],
            what=f"field '{field_name}'",
        )
    missing = [
        f
        for f, t in targets.items()
        if f not in assignments and f not in by_name and f not in defaulted and t.kind != "optional"
    ]
    if missing:
        ctx.report(
            missing_code,
            f"{owner} needs {', '.join(repr(m) for m in missing)}, which nothing sets",
            path if assignments else path[:-1],
            hint=f"set them with expressions, or add fields of the same name to {source}",
        )
    for field_name, target in targets.items():
        if (
            field_name not in assignments
            and field_name in by_name
            and not is_assignable(by_name[field_name], target)
        ):
            ctx.report(
                "WB305",
                f"{owner} field '{field_name}' is {target}, but {source} has {by_name[field_name]} under that name",
                path if assignments else path[:-1],
            )


def _check_event(ctx: ValidationContext, name: str, event: Event) -> None:
    path: YamlPath = ("events", name)
    event_types = ctx.field_types(event.fields)
    aggregate = ctx.model.aggregates.get(event.aggregate or "")
    if aggregate is not None and aggregate.id not in event.fields:
        ctx.report(
            "WB404",
            f"event '{name}' does not carry '{aggregate.id}', the id of aggregate '{event.aggregate}'",
            (*path, "fields"),
            key=True,
            hint="events carry their stream's id so read models and scenarios can place them",
        )
    state = state_types(ctx, event.aggregate)
    scope = ctx.scope({"state": state, "event": event_types})
    for target, source_text in event.evolve.items():
        if event.aggregate is None:
            ctx.report(
                "WB402",
                f"event '{name}' has no aggregate, so it has no state to evolve",
                (*path, "evolve"),
                key=True,
            )
            break
        if target not in state:
            ctx.report(
                "WB402",
                f"evolve sets '{target}', which is not a state field of aggregate '{event.aggregate}'",
                (*path, "evolve", target),
                key=True,
                hint=did_you_mean(target, state),
            )
            continue
        ctx.expression(
            source_text,
            (*path, "evolve", target),
            scope,
            expected=state[target],
            what=f"evolve '{target}'",
        )
    _check_history(ctx, name, event, path)


def _check_history(ctx: ValidationContext, name: str, event: Event, path: YamlPath) -> None:
    versions = sorted(event.history)
    for version in versions:
        if version >= event.version:
            ctx.report(
                "WB406",
                f"history of '{name}' has version {version}, but the current version is {event.version}",
                (*path, "history", version),
                key=True,
                hint=f"raise 'version' to {max(versions) + 1} or renumber the history",
            )
            return
    if versions and versions != list(range(versions[0], event.version)):
        missing = sorted(set(range(versions[0], event.version)) - set(versions))
        ctx.report(
            "WB406",
            f"history of '{name}' skips version(s) {', '.join(map(str, missing))}: each step upcasts one version",
            (*path, "history"),
            key=True,
        )
        return
    for version in versions:
        step = event.history[version]
        newer: Fields = (
            event.history[version + 1].fields if version + 1 in event.history else event.fields
        )
        step_path = (*path, "history", version)
        old_types = ctx.field_types(step.fields)
        new_types = ctx.field_types(newer)
        scope = ctx.scope({"event": old_types})
        for old, new in step.rename.items():
            if old not in old_types:
                ctx.report(
                    "WB407",
                    f"rename in version {version} of '{name}': no field '{old}' to rename",
                    (*step_path, "rename", old),
                    key=True,
                )
            if new not in new_types:
                ctx.report(
                    "WB407",
                    f"rename in version {version} of '{name}': version {version + 1} has no field '{new}'",
                    (*step_path, "rename", old),
                )
        renamed_to = {new: old for old, new in step.rename.items()}
        for target, source_text in step.upcast.items():
            if target not in new_types:
                ctx.report(
                    "WB407",
                    f"upcast of '{name}' v{version} sets '{target}', which version {version + 1} does not have",
                    (*step_path, "upcast", target),
                    key=True,
                    hint=did_you_mean(target, new_types),
                )
                continue
            ctx.expression(
                source_text,
                (*step_path, "upcast", target),
                scope,
                expected=new_types[target],
                what=f"upcast '{target}'",
            )
        for field_name, new_type in new_types.items():
            if field_name in step.upcast:
                continue
            old_name = renamed_to.get(field_name, field_name)
            if old_name not in old_types:
                if new_type.kind != "optional":
                    ctx.report(
                        "WB407",
                        f"upcast of '{name}' from v{version} to v{version + 1} does not set new field '{field_name}'",
                        step_path,
                        key=True,
                        hint=f"add 'upcast: {{{field_name}: <expression>}}' or make it optional ('{new_type}?')",
                    )
            elif not is_assignable(old_types[old_name], new_type):
                ctx.report(
                    "WB407",
                    f"field '{field_name}' of '{name}' changes from {old_types[old_name]} in v{version} "
                    f"to {new_type} in v{version + 1} without an upcast",
                    step_path,
                    key=True,
                )
        if step.fields == newer and not step.upcast and not step.rename:
            ctx.warn(
                "WB406",
                f"version {version} of '{name}' has the same fields as version {version + 1}: the version bump changes nothing",
                step_path,
                key=True,
            )
