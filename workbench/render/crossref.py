"""Cross-references a reader wants next to a drawing: scenarios, versions, who uses what.

The blueprint's given/when/then panels and the docs site's element pages both need
"which scenarios specify this slice (or command, or read model)", and the docs need an
event's version history spelled out as changes. They live here, pure and shared, so the
two outputs agree and both are tested without graphviz or a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.model.schema import Advance, Event, Model, Scenario, Slice, Step
from workbench.render.graph import automations


@dataclass(frozen=True)
class ScenarioText:
    """A scenario spelled as lines: ``given`` steps, the ``when`` step and ``then`` outcomes."""

    name: str
    given: tuple[str, ...]
    when: str | None
    then: tuple[str, ...]
    at: str | None = None


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def format_step(step: Step) -> str:
    """``BookLent(book_id=b1, member_id=m1)``, with ``@ time`` when the step sets the clock."""
    args = ", ".join(f"{k}={_value(v)}" for k, v in step.fields.items())
    text = f"{step.message}({args})"
    return f"{text} @ {step.at}" if step.at else text


def scenario_text(scenario: Scenario) -> ScenarioText:
    """The scenario as plain lines, in the order a specification is read aloud."""
    given = tuple(
        f"time passes: {item.advance}" if isinstance(item, Advance) else format_step(item)
        for item in scenario.given
    )
    then: list[str] = []
    outcome = scenario.then
    if outcome.error:
        then.append(f"error {outcome.error}")
    if outcome.nothing:
        then.append("nothing happens")
    for step in outcome.events or ():
        then.append(format_step(step))
    for step in outcome.commands or ():
        then.append(f"issues {format_step(step)}")
    if outcome.state is not None:
        owner = f"{outcome.state.aggregate} " if outcome.state.aggregate else ""
        then.append(f"{owner}state {_value(outcome.state.fields)}")
    for read_model, rows in (outcome.read_models or {}).items():
        then.append(
            f"{read_model}: " + ("; ".join(_value(row) for row in rows) if rows else "no rows")
        )
    when = format_step(scenario.when) if scenario.when else None
    return ScenarioText(scenario.name, given, when, tuple(then), scenario.at)


def _mentions(scenario: Scenario) -> set[str]:
    """Every command, event and read model name a scenario mentions."""
    names = {item.message for item in scenario.given if isinstance(item, Step)}
    if scenario.when:
        names.add(scenario.when.message)
    names.update(step.message for step in scenario.then.events or ())
    names.update(step.message for step in scenario.then.commands or ())
    names.update(scenario.then.read_models or {})
    return names


def scenarios_for_slice(model: Model, slice_: Slice) -> list[Scenario]:
    """The scenarios that specify a slice: its explicit list, else the ones that fit its kind.

    A state change is specified by scenarios whose ``when`` is its command; a state view
    by scenarios without ``when`` that expect its read model's rows; an automation by
    scenarios whose ``when`` is the triggering event and that expect issued commands.
    """
    if slice_.scenarios:
        wanted = set(slice_.scenarios)
        return [s for s in model.scenarios if s.name in wanted]
    automation = slice_.automation or slice_.translation
    if automation:
        found = automations(model).get(automation)
        if found is None:
            return []
        trigger = found[0].on
        return [
            s
            for s in model.scenarios
            if s.when and s.when.message == trigger and s.then.commands is not None
        ]
    if slice_.command:
        return [s for s in model.scenarios if s.when and s.when.message == slice_.command]
    if slice_.read_model:
        return [
            s
            for s in model.scenarios
            if s.when is None and slice_.read_model in (s.then.read_models or {})
        ]
    return []


def scenarios_about(model: Model, kind: str, name: str) -> list[Scenario]:
    """The scenarios worth listing on an element's page.

    ``kind`` is ``command`` (its ``when``), ``event`` (mentioned anywhere), ``read model``
    (rows expected), ``automation`` (its trigger in ``when`` with commands expected) or
    ``aggregate`` (scenarios of its commands).
    """
    if kind == "command":
        return [s for s in model.scenarios if s.when and s.when.message == name]
    if kind == "event":
        return [s for s in model.scenarios if name in _mentions(s)]
    if kind == "read model":
        return [s for s in model.scenarios if name in (s.then.read_models or {})]
    if kind == "automation":
        found = automations(model).get(name)
        if found is None:
            return []
        issued = {i.command for i in found[0].issue}
        return [
            s
            for s in model.scenarios
            if s.when
            and s.when.message == found[0].on
            and s.then.commands is not None
            and (not s.then.commands or issued & {c.message for c in s.then.commands})
        ]
    if kind == "aggregate":
        commands = set(model.commands_of(name))
        return [s for s in model.scenarios if s.when and s.when.message in commands]
    return []


@dataclass(frozen=True)
class VersionChange:
    """What changed from ``version - 1`` to ``version`` of an event schema."""

    version: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    retyped: tuple[str, ...]
    renamed: tuple[str, ...]
    upcast: tuple[str, ...]
    description: str = ""


def version_changes(event: Event) -> list[VersionChange]:
    """Each step of an event's history as a change, oldest first.

    ``history[n]`` holds version ``n``'s fields and how to bring it to ``n + 1``; the
    latest version's fields are the event's own. A version missing from the history
    (a gap) is skipped rather than guessed.
    """
    fields_at: dict[int, dict[str, str]] = {
        v: {k: f.type for k, f in step.fields.items()} for v, step in event.history.items()
    }
    fields_at[event.version] = {k: f.type for k, f in event.fields.items()}
    changes: list[VersionChange] = []
    for version in sorted(v for v in fields_at if v > 1):
        previous = fields_at.get(version - 1)
        step = event.history.get(version - 1)
        if previous is None or step is None:
            continue
        current = fields_at[version]
        renames = dict(step.rename)
        renamed_targets = set(renames.values())
        changes.append(
            VersionChange(
                version=version,
                added=tuple(
                    f"{k}: {t}"
                    for k, t in current.items()
                    if k not in previous and k not in renamed_targets
                ),
                removed=tuple(k for k in previous if k not in current and k not in renames),
                retyped=tuple(
                    f"{k}: {previous[k]} → {t}"
                    for k, t in current.items()
                    if k in previous and previous[k] != t
                ),
                renamed=tuple(f"{old} → {new}" for old, new in renames.items()),
                upcast=tuple(f"{k} = {expr}" for k, expr in step.upcast.items()),
                description=step.description,
            )
        )
    return changes


__all__ = [
    "ScenarioText",
    "VersionChange",
    "format_step",
    "scenario_text",
    "scenarios_about",
    "scenarios_for_slice",
    "version_changes",
]
