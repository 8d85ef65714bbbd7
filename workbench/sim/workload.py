"""Workload files: a scripted list of commands for ``workbench simulate --workload FILE``.

Why a file of its own rather than more scenarios: a scenario checks one behaviour on a
fresh store, a workload *exercises* the model, many streams and thousands of commands
into one store that is kept for inspection. A workload is a YAML mapping::

    seed: 7                        # optional: seed for generated ids (--seed overrides)
    start: 2030-01-01T09:00:00     # optional: the simulated clock at the start
    batch: 100                     # optional: commands per transaction (--batch overrides)
    steps:
      - JoinLibrary: {member_id: m1, name: Ada}
      - repeat:
          times: 50                # the steps below run 50 times, {i} = 1, 2, ... 50
          steps:
            - RegisterBook: {book_id: "b{i}", title: "Book {i}", genre: fiction}
            - LendBook: {book_id: "b{i}", member_id: m1}
      - advance: 30d               # move the clock; delayed policies that fall due run
      - ReturnBook: {book_id: b7}

or just the list of steps, without the settings (``- JoinLibrary: {...}`` at the top
level is the same as the same list under ``steps:``).

Steps:

* ``- CommandName: {field: value, ...}`` runs a command (no mapping for a command
  without fields). Values are literals, as in scenarios: a text that is not a UUID in
  a ``uuid`` position is a *placeholder* for a generated id, the same placeholder
  giving the same id for the whole run (``m1`` above is one member throughout; a run
  added to an existing file with ``--continue`` gets ids of its own).
* ``- advance: 24h`` moves the simulated clock (units ``s m h d w``).
* ``- repeat: {times: N, steps: [...], as: NAME}`` runs its steps N times. In every
  text value below it, ``{i}`` (or ``{NAME}`` with ``as: NAME``) is the iteration,
  counted from 1; nested repeats name their counters apart. ``{{`` and ``}}`` are
  literal braces; any other ``{word}`` is an error, so a mistyped counter cannot
  silently make every iteration use the same id.

Everything the file can get wrong that does not depend on values is found when it is
loaded, with ``file:line:column``: unknown keys, unknown commands or fields, missing
required fields (a field with a ``default`` or an optional type may be left out),
values that do not fit their field's type (placeholders allowed in ``uuid``
positions; a text with counters is checked with every counter at 1), bad durations,
times and counters. Values are converted when their step runs (placeholders are only
known then).

Steps are expanded lazily (:meth:`Workload.items`), so a ``repeat`` of a million
commands costs no memory up front; :meth:`Workload.command_count` says how many
commands the file will submit, for the progress bar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from workbench.model.diagnostics import Diagnostic, Location, did_you_mean
from workbench.model.schema import Model
from workbench.model.types import ANY, TypeRef, TypeSyntaxError, check_value, parse_type
from workbench.model.yaml_compose import Failure, Problem, build_data, compose
from workbench.model.yamlio import DocumentError, YamlDocument, YamlPath, read_document
from workbench.sim.clock import parse_duration, parse_instant
from workbench.store.eventstore import SQLITE_MAX_INT, SQLITE_MIN_INT

__all__ = [
    "Advance",
    "CommandStep",
    "Repeat",
    "Workload",
    "WorkloadError",
    "WorkloadItem",
    "load_workload",
    "parse_workload",
]

TOP_LEVEL_KEYS = ("seed", "start", "batch", "steps")
REPEAT_KEYS = ("times", "steps", "as")
_COUNTER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class WorkloadError(ValueError):
    """A workload file that cannot run; ``location`` points at the offending value."""

    def __init__(self, location: Location, message: str, hint: str | None = None) -> None:
        self.location = location
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        """``file:line:col: message (hint)``, as the CLI prints it."""
        text = f"{self.location}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    @classmethod
    def from_diagnostic(cls, diagnostic: Diagnostic) -> WorkloadError:
        return cls(diagnostic.location, diagnostic.message, diagnostic.hint)


@dataclass(frozen=True)
class CommandStep:
    """Run ``command`` with ``fields``; ``counted`` says whether any text holds a ``{counter}``."""

    command: str
    fields: dict[str, Any]
    location: Location
    counted: bool = False
    #: When every value with counters is one text: those fields, as ``str.format_map``
    #: templates (see :func:`_templates`); ``None``: :func:`_fill` does the work.
    templates: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class Advance:
    """Move the simulated clock by ``delta``."""

    delta: dt.timedelta
    location: Location


@dataclass(frozen=True)
class Repeat:
    """Run ``steps`` ``times`` times with the counter ``counter`` = 1, 2, ..."""

    times: int
    counter: str
    steps: tuple[Step, ...]
    location: Location


Step = CommandStep | Advance | Repeat


class WorkloadItem(NamedTuple):
    """One expanded step: a command with its final field values, or a clock advance.

    A named tuple: a run makes one per command, and it is built faster than a class.
    """

    location: Location
    command: str | None = None
    fields: Mapping[str, Any] = MappingProxyType({})
    advance: dt.timedelta | None = None


@dataclass(frozen=True)
class Workload:
    """A parsed workload file; the settings are ``None`` where the file gives none."""

    path: str
    steps: tuple[Step, ...]
    seed: int | None = None
    start: dt.datetime | None = None
    batch: int | None = None

    def items(self) -> Iterator[WorkloadItem]:
        """Every step in order, repeats unrolled and counters filled in, one at a time."""
        yield from _expand(self.steps, {})

    def command_count(self) -> int:
        """How many commands :meth:`items` yields (policies may add more when they run)."""
        return _count(self.steps)


def load_workload(path: str | Path, model: Model) -> Workload:
    """Read and check a workload file against ``model``; raises :class:`WorkloadError`.

    The file is a mapping with ``steps``, or just the list of steps.
    """
    try:
        document = read_document(path)
    except DocumentError as error:
        diagnostic = error.diagnostics[0]
        if diagnostic.code == "WB010" and diagnostic.message.endswith("not a list"):
            document = _steps_document(path)
        else:
            message = diagnostic.message.replace("model file", "workload file")
            if diagnostic.code == "WB010":
                kind = message.rpartition(", not ")[2]
                message = (
                    "the top level of a workload file must be a list of steps "
                    f"or a mapping with 'steps', not {kind}"
                )
            raise WorkloadError(diagnostic.location, message, diagnostic.hint) from None
    return parse_workload(document, model)


class _StepsDocument(YamlDocument):
    """A workload file that is only a list of steps, read as ``{steps: [...]}``."""

    def location(self, path: YamlPath, *, key: bool = False) -> Location:
        path = tuple(path)
        if path[:1] == ("steps",):
            path = path[1:]
        return super().location(path, key=key)


def _steps_document(path: str | Path) -> YamlDocument:
    """The file at ``path``, whose top level is a list (``read_document`` has checked the
    rest: that it is readable, small enough, UTF-8 and valid YAML), as ``{steps: ...}``."""
    filename = str(path)
    text = Path(path).read_bytes().decode("utf-8")
    offset = 1 if text.startswith("\ufeff") else 0
    fail = Failure(offset)
    try:
        root, count = compose(text[offset:], offset, fail)
        if root is None:  # pragma: no cover - read_document refuses an empty file
            raise Problem("WB003", "the file is empty")
        data = build_data(root, fail, count)
    except Problem as problem:  # pragma: no cover - read_document found none
        raise WorkloadError(
            Location(filename, problem.line, problem.column), problem.message
        ) from None
    return _StepsDocument(filename=filename, text=text, data={"steps": data}, root=root)


def parse_workload(document: YamlDocument, model: Model) -> Workload:
    """Check a parsed workload document against ``model`` and build the :class:`Workload`."""
    return _Parser(document, model).workload()


class _Parser:
    def __init__(self, document: YamlDocument, model: Model) -> None:
        self.document = document
        self.model = model
        self.enums = model.enums()
        self.records = {
            name: {field: _type(spec.type) for field, spec in fields.items()}
            for name, fields in model.records().items()
        }

    def fail(self, path: YamlPath, message: str, hint: str | None = None) -> WorkloadError:
        return WorkloadError(self.document.location(path), message, hint)

    def key_fail(self, path: YamlPath, message: str, hint: str | None = None) -> WorkloadError:
        return WorkloadError(self.document.location(path, key=True), message, hint)

    def workload(self) -> Workload:
        data = self.document.data
        if not isinstance(data, dict):  # pragma: no cover - read_document insists on a mapping
            raise self.fail((), "a workload file is a mapping with 'steps'")
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                raise self.key_fail(
                    (key,),
                    f"unknown key '{key}' in a workload (it may have {', '.join(TOP_LEVEL_KEYS)})",
                    did_you_mean(str(key), TOP_LEVEL_KEYS),
                )
        if "steps" not in data:
            raise self.fail(
                (), "a workload needs 'steps': a list of commands, advances and repeats"
            )
        seed = data.get("seed")
        if seed is not None and not _is_int(seed):
            raise self.fail(("seed",), f"'seed' must be a whole number, not {seed!r}")
        if seed is not None and not SQLITE_MIN_INT <= seed <= SQLITE_MAX_INT:  # stored in runs
            raise self.fail(("seed",), "'seed' must fit in 64 bits (between -2**63 and 2**63 - 1)")
        batch = data.get("batch")
        if batch is not None and not (_is_int(batch) and batch >= 1):
            raise self.fail(
                ("batch",), f"'batch' must be a whole number of at least 1, not {batch!r}"
            )
        start = None
        if data.get("start") is not None:
            try:
                start = parse_instant(str(data["start"]))
            except ValueError:
                raise self.fail(
                    ("start",), f"'start' must be an ISO date or date-time, not {data['start']!r}"
                ) from None
        steps = self.steps(data["steps"], ("steps",), ())
        return Workload(self.document.filename, steps, seed=seed, start=start, batch=batch)

    def steps(self, value: Any, path: YamlPath, counters: tuple[str, ...]) -> tuple[Step, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(path, "'steps' must be a list of steps (each starting with '- ')")
        return tuple(self.step(item, (*path, i), counters) for i, item in enumerate(value))

    def step(self, item: Any, path: YamlPath, counters: tuple[str, ...]) -> Step:
        if not isinstance(item, dict) or len(item) != 1:
            raise self.fail(
                path,
                "a step is one of '- CommandName: {field: value}', '- advance: 24h' "
                "or '- repeat: {times: N, steps: [...]}'",
            )
        ((name, body),) = item.items()
        here = (*path, name)
        if name == "advance":
            try:
                delta = parse_duration(str(body))
            except ValueError as error:
                raise self.fail(here, str(error)) from None
            return Advance(delta, self.document.location(path))
        if name == "repeat":
            return self.repeat(body, here, counters)
        return self.command(str(name), body, path, counters)

    def repeat(self, body: Any, path: YamlPath, counters: tuple[str, ...]) -> Repeat:
        if not isinstance(body, dict):
            raise self.fail(path, "'repeat' needs a mapping: {times: N, steps: [...]}")
        for key in body:
            if key not in REPEAT_KEYS:
                raise self.key_fail(
                    (*path, key),
                    f"unknown key '{key}' in a repeat (it may have {', '.join(REPEAT_KEYS)})",
                    did_you_mean(str(key), REPEAT_KEYS),
                )
        times = body.get("times")
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            raise self.fail(
                (*path, "times") if "times" in body else path,
                f"'times' must be a whole number of at least 0, not {times!r}",
            )
        counter = body.get("as", "i")
        if not isinstance(counter, str) or not _IDENTIFIER.match(counter):
            raise self.fail((*path, "as"), f"'as' names the counter: a plain name, not {counter!r}")
        if counter in counters:
            raise self.fail(
                (*path, "as"),
                f"the counter '{counter}' is already used by an enclosing repeat",
                "name this one apart with 'as: j'",
            )
        if "steps" not in body:
            raise self.fail(path, "'repeat' needs 'steps': the steps to run each time")
        steps = self.steps(body["steps"], (*path, "steps"), (*counters, counter))
        return Repeat(times, counter, steps, self.document.location(path[:-1]))

    def command(
        self, name: str, body: Any, path: YamlPath, counters: tuple[str, ...]
    ) -> CommandStep:
        here = (*path, name)
        command = self.model.commands.get(name)
        if command is None:
            kind = "an event" if name in self.model.events else "not a command of the model"
            hint = did_you_mean(name, [*self.model.commands, "advance", "repeat"])
            if name in self.model.events:
                hint = "a workload runs commands; events follow from them"
            raise self.key_fail(here, f"'{name}' is {kind}", hint)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise self.fail(here, f"the fields of '{name}' must be a mapping: {{field: value}}")
        for key in body:
            if key not in command.fields:
                raise self.key_fail(
                    (*here, key),
                    f"command '{name}' has no field '{key}'",
                    did_you_mean(str(key), command.fields),
                )
        for field_name, spec in command.fields.items():
            if field_name not in body and not spec.may_be_left_out(_type(spec.type)):
                raise self.fail(here, f"command '{name}' needs field '{field_name}' ({spec.type})")
        counted = False
        for key, value in body.items():
            uses_counters = self.check_counters(value, (*here, key), counters)
            counted = uses_counters or counted
            sample = _fill(value, dict.fromkeys(counters, 1)) if uses_counters else value
            problem = check_value(
                sample,
                _type(command.fields[key].type),
                enums=self.enums,
                records=self.records,
                placeholders_ok=True,
            )
            if problem:
                raise self.fail((*here, key), f"command '{name}' field '{key}': {problem}")
        return CommandStep(
            name, dict(body), self.document.location(path), counted, _templates(body)
        )

    def check_counters(self, value: Any, path: YamlPath, counters: tuple[str, ...]) -> bool:
        """Whether ``value`` uses a counter; an unknown ``{name}`` is an error."""
        if isinstance(value, str):
            used = False
            for match in _COUNTER.finditer(value):
                name = match.group(1)
                if name is None:
                    continue  # {{ or }}
                if name not in counters:
                    known = ", ".join("{" + c + "}" for c in counters) or "none here"
                    raise self.fail(
                        path,
                        f"'{{{name}}}' is not a repeat counter (counters: {known})",
                        "write {{ and }} for literal braces",
                    )
                used = True
            return used or "{{" in value or "}}" in value
        if isinstance(value, list):
            return any([self.check_counters(v, (*path, i), counters) for i, v in enumerate(value)])
        if isinstance(value, dict):
            return any([self.check_counters(v, (*path, k), counters) for k, v in value.items()])
        return False


def _type(text: str) -> TypeRef:
    """The parsed type; ``any`` when it does not parse (the model check reports that)."""
    try:
        return parse_type(text)
    except TypeSyntaxError:
        return ANY


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(steps: tuple[Step, ...]) -> int:
    total = 0
    for step in steps:
        if isinstance(step, CommandStep):
            total += 1
        elif isinstance(step, Repeat):
            total += step.times * _count(step.steps)
    return total


def _templates(fields: Mapping[str, Any]) -> tuple[tuple[str, str], ...] | None:
    """The fields to fill, if each value with braces is a text whose braces are all
    counters or ``{{ }}``: for those, ``str.format_map(counters)`` is exactly
    :func:`_fill`, and much quicker. ``None`` if another value has braces."""
    templates = []
    for name, value in fields.items():
        if not _has_braces(value):
            continue
        if not isinstance(value, str) or _has_braces(_COUNTER.sub("", value)):
            return None
        templates.append((name, value))
    return tuple(templates)


def _expand(steps: tuple[Step, ...], counters: dict[str, int]) -> Iterator[WorkloadItem]:
    """The items of ``steps``, repeats unrolled depth first.

    One generator with a stack of (steps, next index, counters, repeat, iteration)
    rather than a generator per nesting level: every item of a repeat inside a repeat
    would otherwise pass through each level's generator on its way out.
    """
    stack: list[list[Any]] = [[steps, 0, counters, None, 0]]
    while stack:
        frame = stack[-1]
        block, index, scope, repeat, iteration = frame
        if index == len(block):
            if repeat is not None and iteration < repeat.times:
                iteration += 1  # the next round of the repeat that owns this block
                frame[1:] = [0, {**scope, repeat.counter: iteration}, repeat, iteration]
            else:
                stack.pop()
            continue
        frame[1] = index + 1
        step = block[index]
        if isinstance(step, CommandStep):
            if not step.counted:
                fields = step.fields
            elif step.templates is not None:
                fields = dict(step.fields)
                for name, template in step.templates:
                    fields[name] = template.format_map(scope)
            else:
                fields = _fill(step.fields, scope)
            yield WorkloadItem(step.location, step.command, fields)
        elif isinstance(step, Advance):
            yield WorkloadItem(step.location, advance=step.delta)
        elif step.times > 0 and step.steps:
            stack.append([step.steps, 0, {**scope, step.counter: 1}, step, 1])


def _has_braces(value: Any) -> bool:
    if isinstance(value, str):
        return "{" in value or "}" in value
    if isinstance(value, list):
        return any(_has_braces(v) for v in value)
    if isinstance(value, dict):
        return any(_has_braces(v) for v in value.values())
    return False


def _fill(value: Any, counters: Mapping[str, int]) -> Any:
    """``value`` with every ``{counter}`` replaced by its number (and ``{{ }}`` unescaped)."""
    if isinstance(value, str):
        if "{" not in value and "}" not in value:
            return value

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return match.group(0)[0]
            return str(counters[name])

        return _COUNTER.sub(replace, value)
    if isinstance(value, list):
        return [_fill(v, counters) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, counters) for k, v in value.items()}
    return value
