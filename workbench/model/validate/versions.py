"""Event versions against a baseline: a changed event must bump its version.

Events are the permanent record, so changing an event's fields without a new version
(and a history entry that upcasts the old one) silently breaks every stored event of
that type. The baseline is the same model file at an earlier revision — typically the
main branch in CI (``workbench validate --against origin/main``).
"""

from __future__ import annotations

from workbench.model.schema import Event, Fields, Model
from workbench.model.types import TypeSyntaxError, parse_type
from workbench.model.validate.context import ValidationContext


def field_signature(fields: Fields) -> dict[str, str]:
    """Field name -> canonical type spelling, so ``dict[str,int]`` equals ``dict[str, int]``."""
    signature: dict[str, str] = {}
    for name, spec in fields.items():
        try:
            signature[name] = str(parse_type(spec.type))
        except TypeSyntaxError:
            signature[name] = spec.type
    return signature


def describe_change(old: dict[str, str], new: dict[str, str]) -> str:
    """ "added due (date); removed note; changed amount: int -> decimal"."""
    parts = []
    added = [f"{n} ({new[n]})" for n in new if n not in old]
    removed = [n for n in old if n not in new]
    changed = [f"{n}: {old[n]} -> {new[n]}" for n in new if n in old and old[n] != new[n]]
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if changed:
        parts.append("changed " + ", ".join(changed))
    return "; ".join(parts)


def check_against_baseline(ctx: ValidationContext, baseline: Model, label: str) -> None:
    """Report events whose schema changed since ``baseline`` (named ``label``) without a version bump."""
    for name, old in baseline.events.items():
        new = ctx.model.events.get(name)
        if new is None:
            ctx.warn(
                "WB405",
                f"event '{name}' existed in {label} and was removed: stored events of this type can no longer be read",
                ("events",),
                key=True,
                hint="keep it and mark it 'deprecated: true' instead",
            )
            continue
        _compare_event(ctx, name, old, new, label)


def _compare_event(ctx: ValidationContext, name: str, old: Event, new: Event, label: str) -> None:
    old_fields, new_fields = field_signature(old.fields), field_signature(new.fields)
    path = ("events", name)
    if new.version < old.version:
        ctx.report(
            "WB405",
            f"event '{name}' went from version {old.version} in {label} back to {new.version}",
            (*path, "version"),
            hint="versions only grow",
        )
        return
    if new.version == old.version:
        if old_fields != new_fields:
            ctx.report(
                "WB405",
                f"event '{name}' changed since {label} ({describe_change(old_fields, new_fields)}) "
                f"but is still version {new.version}",
                (*path, "version") if "version" in new.model_fields_set else path,
                key="version" not in new.model_fields_set,
                hint=f"set 'version: {new.version + 1}' and add 'history: {{{new.version}: ...}}' "
                "with the old fields and an upcast",
            )
        return
    recorded = new.history.get(old.version)
    if recorded is None:
        ctx.report(
            "WB406",
            f"event '{name}' is version {new.version} but has no history entry for version {old.version}, "
            f"the version in {label}",
            (*path, "history") if new.history else path,
            key=True,
            hint=f"add 'history: {{{old.version}: {{fields: ...}}}}' with the fields it had",
        )
    elif field_signature(recorded.fields) != old_fields:
        ctx.report(
            "WB406",
            f"history of '{name}' says version {old.version} had other fields than it had in {label} "
            f"({describe_change(old_fields, field_signature(recorded.fields))})",
            (*path, "history", old.version),
            key=True,
        )
