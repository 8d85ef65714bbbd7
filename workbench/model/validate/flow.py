"""Flow and completeness: the model tells one connected story with no gaps.

These are mostly warnings, because a model under construction has gaps on purpose;
``--strict`` turns them into failures for CI. They answer the questions a modeling
session asks: is every event produced by something and used by something, can every
read-model field be traced back to an event, can every event field be traced back to a
command field or an expression, and can automations loop forever?
"""

from __future__ import annotations

from workbench.model.validate.context import ValidationContext


def check_flow(ctx: ValidationContext) -> None:
    _check_events_used(ctx)
    _check_commands_issued(ctx)
    _check_read_model_completeness(ctx)
    _check_event_completeness(ctx)
    _check_policy_cycles(ctx)
    _check_slice_coverage(ctx)


def _check_events_used(ctx: ValidationContext) -> None:
    model = ctx.model
    emitted = {emit.event for command in model.commands.values() for emit in command.emits}
    consumed = {name for name, event in model.events.items() if event.evolve}
    consumed |= {event for projection in model.projections.values() for event in projection.on}
    consumed |= {policy.on for policy in (*model.policies.values(), *model.translations.values())}
    for name, event in model.events.items():
        if event.external is None and name not in emitted and not event.deprecated:
            ctx.warn(
                "WB601",
                f"event '{name}' is never emitted by any command",
                ("events", name),
                key=True,
            )
        if name not in consumed:
            ctx.warn(
                "WB602",
                f"event '{name}' is never consumed: no evolve, read model or policy uses it",
                ("events", name),
                key=True,
            )


def _check_commands_issued(ctx: ValidationContext) -> None:
    model = ctx.model
    if not model.screens and not model.slices:
        return
    issued = {c for screen in model.screens.values() for c in screen.issues}
    issued |= {s.command for s in model.slices if s.command}
    issued |= {
        i.command for p in (*model.policies.values(), *model.translations.values()) for i in p.issue
    }
    for name in model.commands:
        if name not in issued:
            ctx.warn(
                "WB607",
                f"command '{name}' is issued by no screen, slice or policy",
                ("commands", name),
                key=True,
            )


def _check_read_model_completeness(ctx: ValidationContext) -> None:
    """Every read-model field is set by some handler, or is a key found from the event."""
    for name, projection in ctx.model.projections.items():
        set_fields = set(projection.key_fields)
        for handler in projection.on.values():
            set_fields |= set(handler.assignments)
        for field_name, spec in projection.fields.items():
            if field_name not in set_fields:
                ctx.warn(
                    "WB603",
                    f"read-model field '{name}.{field_name}' is never set by any event handler"
                    + (" (it keeps its default forever)" if spec.has_default else ""),
                    ("projections", name, "fields", field_name),
                    key=True,
                )


def _check_event_completeness(ctx: ValidationContext) -> None:
    """Every field of an emitted event comes from a command field or an expression somewhere."""
    model = ctx.model
    setters: dict[str, set[str]] = {}
    for command in model.commands.values():
        for emit in command.emits:
            provided = set(emit.fields) | set(command.fields)
            setters.setdefault(emit.event, set()).update(provided)
    for name, event in model.events.items():
        if name not in setters:
            continue
        for field_name, spec in event.fields.items():
            # a required field nothing sets is already error WB400; this finds the optional
            # fields that every command leaves empty
            if field_name not in setters[name] and spec.type.strip().endswith("?"):
                ctx.warn(
                    "WB604",
                    f"event field '{name}.{field_name}' is set by no command field or expression (it is always empty)",
                    ("events", name, "fields", field_name),
                    key=True,
                )


def _check_policy_cycles(ctx: ValidationContext) -> None:
    """Command -> event -> policy -> command loops may run forever; show each cycle once."""
    model = ctx.model
    reactions = [*model.policies.items(), *model.translations.items()]
    edges: dict[str, list[tuple[str, str, str]]] = {}
    for command_name, command in model.commands.items():
        for emit in command.emits:
            for policy_name, policy in reactions:
                if policy.on == emit.event:
                    for issued in policy.issue:
                        edges.setdefault(command_name, []).append(
                            (emit.event, policy_name, issued.command)
                        )
    reported: set[frozenset[str]] = set()
    for start in sorted(edges):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for event, policy_name, target in edges.get(node, ()):
                step = [*trail, event, f"policy {policy_name}", target]
                if target == start:
                    key = frozenset(step[::4])
                    if key not in reported:
                        reported.add(key)
                        ctx.warn(
                            "WB605",
                            "policy cycle: " + " → ".join(step),
                            ("policies", policy_name)
                            if policy_name in model.policies
                            else ("translations", policy_name),
                            key=True,
                            hint="make sure a rule or condition ends the loop; the simulator stops a chain at its depth and size limits",
                        )
                elif target not in trail[::4] and len(trail) < 60:
                    stack.append((target, step))


def _check_slice_coverage(ctx: ValidationContext) -> None:
    model = ctx.model
    if not model.slices:
        return
    on_slices = {s.command for s in model.slices} | {s.read_model for s in model.slices}
    on_slices |= {s.automation for s in model.slices} | {s.translation for s in model.slices}
    for section, elements in (
        ("commands", model.commands),
        ("projections", model.projections),
        ("policies", model.policies),
        ("translations", model.translations),
    ):
        for name in elements:
            if name not in on_slices:
                ctx.warn(
                    "WB606",
                    f"{section[:-1].replace('policie', 'policy')} '{name}' is on no slice of the blueprint",
                    (section, name),
                    key=True,
                )
