"""Scenarios: every given/when/then has a shape Event Modeling knows and names real things.

The shapes are the three Event Modeling patterns: a *state change* (given events, when
a command, then events, an error or nothing), a *state view* (given events, then
read-model rows) and an *automation* (given events, when an event, then issued
commands). Literal values are checked against field types; an id such as ``b1`` is a
placeholder for a generated id and is accepted wherever an id is expected.

Steps that are *input* (given steps and the ``when``) must give every field the
simulator requires, exactly as it decides: all but those with a ``default`` (it fills
that in) and the optional (``T?``) ones (``None``). Steps under ``then`` are
expectations and may be partial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from workbench.model.diagnostics import did_you_mean
from workbench.model.schema import (
    STREAM_EXISTS_ERROR,
    STREAM_MISSING_ERROR,
    Fields,
    Model,
    Policy,
    Scenario,
    Step,
)
from workbench.model.types import TypeRef, check_value, named_types
from workbench.model.validate.context import ValidationContext
from workbench.model.yamlio import YamlPath


def check_scenarios(ctx: ValidationContext) -> None:
    seen: dict[str, int] = {}
    for index, scenario in enumerate(ctx.model.scenarios):
        path: YamlPath = ("scenarios", index)
        if scenario.name in seen:
            ctx.report(
                "WB504",
                f"scenario name '{scenario.name}' is used twice (first by scenario {seen[scenario.name] + 1})",
                (*path, "name"),
            )
        seen.setdefault(scenario.name, index)
        _check_scenario(ctx, scenario, path)


def command_errors(ctx: ValidationContext, command_name: str) -> set[str]:
    """The error names a command can fail with: its rules, its extra errors and stream checks."""
    command = ctx.model.commands[command_name]
    errors = {rule.error for rule in command.rules} | set(command.errors)
    if command.stream == "new":
        errors.add(STREAM_EXISTS_ERROR)
    if command.stream == "existing":
        errors.add(STREAM_MISSING_ERROR)
    return errors


def _check_scenario(ctx: ValidationContext, scenario: Scenario, path: YamlPath) -> None:
    model = ctx.model
    _check_instant(ctx, scenario.at, (*path, "at"))
    for index, item in enumerate(scenario.given):
        if isinstance(item, Step):
            step_path = (*path, "given", index)
            _check_instant(ctx, item.at, (*step_path, "at"))
            _check_step(ctx, item, step_path, allowed=("event", "command"), placed=True)
    when_kind = None
    if scenario.when is not None:
        _check_instant(ctx, scenario.when.at, (*path, "when", "at"))
        when_kind = _check_step(
            ctx, scenario.when, (*path, "when"), allowed=("command", "event"), placed=True
        )
    then = scenario.then
    then_path = (*path, "then")

    if scenario.when is None:
        if then.read_models is None and then.state is None:
            ctx.report(
                "WB500",
                f"scenario '{scenario.name}' has no 'when', so it is a state view: 'then' must list read_models (or state)",
                then_path,
                key=True,
            )
        if then.events is not None or then.error is not None or then.commands is not None:
            ctx.report(
                "WB500",
                f"scenario '{scenario.name}' expects events, an error or commands but has no 'when'",
                then_path,
                key=True,
            )
    elif when_kind == "command":
        assert scenario.when is not None
        command_name = scenario.when.message
        if (
            then.events is None
            and then.error is None
            and not then.nothing
            and then.state is None
            and then.read_models is None
        ):
            ctx.report(
                "WB500",
                f"scenario '{scenario.name}' runs a command: 'then' needs events, error or nothing",
                then_path,
                key=True,
            )
        if then.error is not None:
            known = command_errors(ctx, command_name)
            if then.error not in known:
                ctx.report(
                    "WB503",
                    f"command '{command_name}' cannot fail with '{then.error}'",
                    (*then_path, "error"),
                    hint=did_you_mean(then.error, known)
                    or (
                        f"it can fail with: {', '.join(sorted(known))}"
                        if known
                        else "it has no rules"
                    ),
                )
        emitted = {emit.event for emit in model.commands[command_name].emits}
        for index, step in enumerate(then.events or ()):
            step_path = (*then_path, "events", index)
            if (
                _check_step(ctx, step, step_path, allowed=("event",))
                and step.message not in emitted
            ):
                ctx.report(
                    "WB500",
                    f"command '{command_name}' never emits '{step.message}'",
                    step_path,
                    hint=f"it emits: {', '.join(sorted(emitted))}"
                    if emitted
                    else "it emits nothing",
                )
        if then.commands is not None:
            ctx.report(
                "WB500",
                "issued commands are expected after an event ('when' an event), not after a command",
                (*then_path, "commands"),
                key=True,
            )
    elif when_kind == "event":
        assert scenario.when is not None
        reacting = _reacting(model, scenario.when.message)
        if not reacting and then.read_models is None:
            ctx.report(
                "WB500",
                f"no policy or translation reacts to '{scenario.when.message}'",
                (*path, "when"),
            )
        if then.events is not None or then.error is not None:
            ctx.report(
                "WB500",
                "'when' an event expects issued 'commands' (or read_models), not events or an error",
                then_path,
                key=True,
            )
        issued = {issue.command for policy in reacting for issue in policy.issue}
        for index, step in enumerate(then.commands or ()):
            step_path = (*then_path, "commands", index)
            if (
                _check_step(ctx, step, step_path, allowed=("command",))
                and reacting
                and step.message not in issued
            ):
                ctx.report(
                    "WB500",
                    f"nothing issues '{step.message}' in reaction to '{scenario.when.message}'",
                    step_path,
                    hint=f"what reacts to it issues: {', '.join(sorted(issued))}"
                    if issued
                    else "what reacts to it issues no commands",
                )

    if then.state is not None:
        _check_state(ctx, scenario, then_path)
    for projection_name, rows in (then.read_models or {}).items():
        rm_path = (*then_path, "read_models", projection_name)
        projection = model.projections.get(projection_name)
        if projection is None:
            ctx.report(
                "WB203",
                f"unknown read model '{projection_name}'",
                rm_path,
                key=True,
                hint=did_you_mean(projection_name, model.projections),
            )
            continue
        types = ctx.field_types(projection.fields)
        for row_index, row in enumerate(rows):
            _check_values(
                ctx, row, types, (*rm_path, row_index), owner=f"read model '{projection_name}'"
            )


def _check_step(
    ctx: ValidationContext,
    step: Step,
    path: YamlPath,
    *,
    allowed: tuple[str, ...],
    placed: bool = False,
) -> str | None:
    """Check a step's name and literal values; return its kind ("command"/"event") when known.

    ``placed`` steps (given steps and the ``when``) are run, not compared: they must give
    every required field, and an event must name its stream through the aggregate's id.
    """
    model = ctx.model
    kind = model.message_kind(step.message)
    if kind is None or kind not in allowed:
        candidates: list[str] = []
        if "event" in allowed:
            candidates += list(model.events)
        if "command" in allowed:
            candidates += list(model.commands)
        what = " or ".join(allowed)
        ctx.report(
            "WB201" if allowed == ("event",) else "WB202" if allowed == ("command",) else "WB500",
            f"unknown {what} '{step.message}'"
            if kind is None
            else f"'{step.message}' is a {kind}; a {what} is expected here",
            path,
            key=True,
            hint=did_you_mean(step.message, candidates),
        )
        return None
    fields = (
        model.commands[step.message].fields
        if kind == "command"
        else model.events[step.message].fields
    )
    types = ctx.field_types(fields)
    _check_values(ctx, step.fields, types, path, owner=f"{kind} '{step.message}'")
    missing = _missing_fields(step.fields, types, fields) if placed else []
    if missing:
        shown = ", ".join(f"'{name}' ({types[name]})" for name in missing)
        ctx.report(
            "WB505",
            f"{kind} '{step.message}' needs {'field' if len(missing) == 1 else 'fields'} {shown}",
            path,
            hint="only fields with a default or an optional ('T?') type may be left out"
            " of a step that runs; expectations under 'then' may be partial",
        )
    if kind == "event":
        event = model.events[step.message]
        aggregate = model.aggregates.get(event.aggregate or "")
        if (
            placed
            and aggregate is not None
            and aggregate.id not in step.fields
            and aggregate.id not in missing
            and _default_of(fields, aggregate.id) is None
        ):
            ctx.report(
                "WB500",
                f"event '{step.message}' needs '{aggregate.id}' to know which {event.aggregate} stream it belongs to",
                path,
                key=True,
            )
    return kind


def _missing_fields(
    values: Mapping[str, Any], types: Mapping[str, TypeRef], specs: Fields
) -> list[str]:
    """The fields the simulator will refuse a step without, in declaration order.

    Mirrors ``ValueTypes.fields`` in the simulator (see ``FieldSpec.may_be_left_out``).
    """
    return [
        name
        for name, type_ref in types.items()
        if name not in values and not specs[name].may_be_left_out(type_ref)
    ]


def _default_of(specs: Fields, name: str) -> Any:
    """The declared default of field ``name`` (``None`` when it has none, or no such field):
    an event step that leaves out its stream's id field may rely on a default id."""
    spec = specs.get(name)
    return spec.default if spec is not None and spec.has_default else None


def _check_instant(ctx: ValidationContext, at: str | None, path: YamlPath) -> None:
    """An ``at`` must be an ISO 8601 date or date-time, as the simulated clock reads it."""
    if at is None:
        return
    try:
        dt.datetime.fromisoformat(at.strip())
    except ValueError:
        ctx.report(
            "WB506",
            f"'at: {at}' is not an ISO date or date-time",
            path,
            hint='write e.g. 2030-01-25 or "2030-01-25T09:30:00"',
        )


def _check_values(
    ctx: ValidationContext,
    values: Mapping[str, Any],
    types: Mapping[str, TypeRef],
    path: YamlPath,
    *,
    owner: str,
) -> None:
    for field_name, value in values.items():
        if field_name not in types:
            ctx.report(
                "WB502",
                f"{owner} has no field '{field_name}'",
                (*path, field_name),
                key=True,
                hint=did_you_mean(field_name, types),
            )
            continue
        if _mentions_unknown_type(ctx, types[field_name]):
            continue  # the unknown type is reported once, where it is declared
        problem = check_value(
            value,
            types[field_name],
            enums=ctx.enums,
            records=ctx.record_types,
            placeholders_ok=True,
        )
        if problem:
            ctx.report("WB501", f"{owner} field '{field_name}': {problem}", (*path, field_name))


def _mentions_unknown_type(ctx: ValidationContext, type_ref: TypeRef) -> bool:
    if type_ref.kind == "any":
        return True
    return any(name not in ctx.model.types for name in named_types(type_ref))


def _check_state(ctx: ValidationContext, scenario: Scenario, then_path: YamlPath) -> None:
    model = ctx.model
    state = scenario.then.state
    assert state is not None
    aggregate_name = state.aggregate
    if (
        aggregate_name is None
        and scenario.when is not None
        and scenario.when.message in model.commands
    ):
        aggregate_name = model.commands[scenario.when.message].aggregate
    if aggregate_name is None:
        ctx.report(
            "WB500",
            "'then.state' needs 'aggregate' and 'id' when the scenario has no command",
            (*then_path, "state"),
            key=True,
        )
        return
    aggregate = model.aggregates.get(aggregate_name)
    if aggregate is None:
        ctx.report(
            "WB200",
            f"unknown aggregate '{aggregate_name}'",
            (*then_path, "state", "aggregate"),
            hint=did_you_mean(aggregate_name, model.aggregates),
        )
        return
    _check_values(
        ctx,
        state.fields,
        ctx.field_types(aggregate.state),
        (*then_path, "state", "fields"),
        owner=f"state of '{aggregate_name}'",
    )
    _check_state_after_reactions(ctx, scenario, aggregate_name, then_path)


def _reacting(model: Model, event: str) -> list[Policy]:
    """The policies and translations that react to ``event``, in the model's order."""
    return [p for p in (*model.policies.values(), *model.translations.values()) if p.on == event]


def _check_state_after_reactions(
    ctx: ValidationContext, scenario: Scenario, aggregate_name: str, then_path: YamlPath
) -> None:
    """Warn when an automation scenario (``when`` an event) checks the state of an
    aggregate that the commands issued in reaction would change: those commands are
    recorded for ``then.commands``, not run, so the state is still the one before
    them, and the check reads as if they had run."""
    model = ctx.model
    when = scenario.when
    if when is None or when.message not in model.events:
        return
    changed_by = [
        issued.command
        for policy in _reacting(model, when.message)
        for issued in policy.issue
        if issued.command in model.commands
        and model.commands[issued.command].aggregate == aggregate_name
    ]
    if changed_by:
        ctx.warn(
            "WB507",
            f"'then.state' of {aggregate_name} is read before {', '.join(dict.fromkeys(changed_by))} "
            f"(issued in reaction to '{when.message}') runs: an automation scenario records "
            "the commands it issues, it does not run them",
            (*then_path, "state"),
            key=True,
            hint="check them under 'then.commands', or make the issued command the 'when' of a scenario of its own",
        )
