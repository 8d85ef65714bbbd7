"""Names and references: every name an element mentions must exist, and names are unique.

Names are unique across commands, events, projections, policies, translations,
aggregates and types because scenario steps, diagrams and generated classes refer to
elements by bare name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from workbench.model.diagnostics import did_you_mean
from workbench.model.validate.context import ValidationContext
from workbench.model.yamlio import YamlPath

_UNIQUE_SECTIONS = (
    "aggregates",
    "types",
    "commands",
    "events",
    "projections",
    "policies",
    "translations",
)


def check_names(ctx: ValidationContext) -> None:
    """Report a name defined in two sections (the later one is the duplicate)."""
    owner: dict[str, str] = {}
    for section in _UNIQUE_SECTIONS:
        for name in getattr(ctx.model, section):
            if name in owner:
                ctx.report(
                    "WB205",
                    f"the name '{name}' is used by {owner[name]} and {section[:-1]} '{name}'; names must be unique",
                    (section, name),
                    key=True,
                    hint="rename one of them",
                )
            else:
                owner[name] = f"{section[:-1].replace('policie', 'policy')} '{name}'"


def require(
    ctx: ValidationContext,
    code: str,
    kind: str,
    name: str | None,
    known: Collection[str],
    path: YamlPath,
    *,
    context: str = "",
) -> bool:
    """Report ``name`` when it is not among ``known``; True when it is fine."""
    if name is None or name in known:
        return True
    where = f" in {context}" if context else ""
    ctx.report(code, f"unknown {kind} '{name}'{where}", path, hint=did_you_mean(name, known))
    return False


def check_references(ctx: ValidationContext) -> None:
    """Every reference between elements resolves (aggregates, events, commands, screens...)."""
    model = ctx.model
    contexts = model.contexts
    for section in (
        "aggregates",
        "commands",
        "events",
        "projections",
        "policies",
        "translations",
        "externals",
    ):
        for name, element in getattr(model, section).items():
            require(
                ctx,
                "WB210",
                "bounded context",
                element.context,
                contexts,
                (section, name, "context"),
            )
    for name, context in contexts.items():
        for index, upstream in enumerate(context.upstream):
            require(
                ctx,
                "WB210",
                "bounded context",
                upstream,
                contexts,
                ("contexts", name, "upstream", index),
            )

    for name, screen in model.screens.items():
        require(ctx, "WB208", "role", screen.role, model.roles, ("screens", name, "role"))
        for index, shown in enumerate(screen.shows):
            require(
                ctx,
                "WB203",
                "read model",
                shown,
                model.projections,
                ("screens", name, "shows", index),
            )
        for index, issued in enumerate(screen.issues):
            require(
                ctx, "WB202", "command", issued, model.commands, ("screens", name, "issues", index)
            )

    for name, command in model.commands.items():
        require(
            ctx,
            "WB200",
            "aggregate",
            command.aggregate,
            model.aggregates,
            ("commands", name, "aggregate"),
        )
        require(ctx, "WB208", "role", command.role, model.roles, ("commands", name, "role"))
        for index, emit in enumerate(command.emits):
            path: YamlPath = ("commands", name, "emits", index)
            if not require(
                ctx, "WB201", "event", emit.event, model.events, path, context=f"command '{name}'"
            ):
                continue
            owner = model.events[emit.event].aggregate
            if owner != command.aggregate:
                ctx.report(
                    "WB201",
                    f"command '{name}' (aggregate {command.aggregate}) emits '{emit.event}', "
                    f"which belongs to {'aggregate ' + owner if owner else 'an external system'}",
                    path,
                    hint="a command only appends to its own aggregate's stream; use a policy to reach another",
                )

    for name, event in model.events.items():
        path = ("events", name)
        if event.aggregate is None and event.external is None:
            ctx.report(
                "WB102",
                f"event '{name}' needs 'aggregate' (whose stream records it) or 'external' (the system it comes from)",
                path,
                key=True,
            )
        require(ctx, "WB200", "aggregate", event.aggregate, model.aggregates, (*path, "aggregate"))
        require(
            ctx, "WB209", "external system", event.external, model.externals, (*path, "external")
        )

    for name, projection in model.projections.items():
        require(
            ctx,
            "WB207",
            "screen",
            projection.screen,
            model.screens,
            ("projections", name, "screen"),
        )
        for event_name in projection.on:
            require(
                ctx,
                "WB201",
                "event",
                event_name,
                model.events,
                ("projections", name, "on", event_name),
                context=f"projection '{name}'",
            )

    for section in ("policies", "translations"):
        for name, policy in getattr(model, section).items():
            path = (section, name)
            if require(ctx, "WB201", "event", policy.on, model.events, (*path, "on")):
                external = model.events[policy.on].external
                if section == "translations" and external is None:
                    ctx.report(
                        "WB209",
                        f"translation '{name}' reacts to '{policy.on}', which is not an external system's event",
                        (*path, "on"),
                        hint="translations turn events from outside into commands; use 'policies' for internal events",
                    )
            require(ctx, "WB208", "role", policy.role, model.roles, (*path, "role"))
            for index, issued in enumerate(policy.issue):
                require(
                    ctx, "WB202", "command", issued.command, model.commands, (*path, "issue", index)
                )

    _check_slices(ctx)


def _check_slices(ctx: ValidationContext) -> None:
    model = ctx.model
    scenario_names = {s.name for s in model.scenarios}
    seen: dict[str, int] = {}
    for index, slice_ in enumerate(model.slices):
        path: YamlPath = ("slices", index)
        if slice_.name in seen:
            ctx.report(
                "WB205",
                f"slice name '{slice_.name}' is used twice (first at slice {seen[slice_.name] + 1})",
                (*path, "name"),
            )
        seen.setdefault(slice_.name, index)
        checks: Iterable[tuple[str, str | None, Collection[str]]] = (
            ("screen", slice_.screen, model.screens),
            ("role", slice_.role, model.roles),
            ("command", slice_.command, model.commands),
            ("read_model", slice_.read_model, model.projections),
            ("automation", slice_.automation, model.policies),
            ("translation", slice_.translation, model.translations),
            ("external", slice_.external, model.externals),
        )
        for key, name, known in checks:
            if name is not None and name not in known:
                ctx.report(
                    "WB600",
                    f"slice '{slice_.name}' names unknown {key.replace('_', ' ')} '{name}'",
                    (*path, key),
                    hint=did_you_mean(name, known),
                )
        for i, event in enumerate(slice_.events):
            if event not in model.events:
                ctx.report(
                    "WB600",
                    f"slice '{slice_.name}' names unknown event '{event}'",
                    (*path, "events", i),
                    hint=did_you_mean(event, model.events),
                )
        for i, scenario in enumerate(slice_.scenarios):
            if scenario not in scenario_names:
                ctx.report(
                    "WB600",
                    f"slice '{slice_.name}' names unknown scenario '{scenario}'",
                    (*path, "scenarios", i),
                    hint=did_you_mean(scenario, scenario_names),
                )
        if slice_.command and slice_.command in model.commands:
            emitted = {e.event for e in model.commands[slice_.command].emits}
            for i, event in enumerate(slice_.events):
                if event in model.events and event not in emitted:
                    ctx.warn(
                        "WB600",
                        f"slice '{slice_.name}' shows event '{event}', which command '{slice_.command}' never emits",
                        (*path, "events", i),
                    )
