"""What a simulation run did, counted as it goes and told at the end.

Why count outcomes rather than scan the store afterwards: a rejected or ignored
command leaves nothing in the event log, yet "how many commands were rejected, and
why" is the first thing a dry run should answer. So :class:`Summary` takes every
:class:`~workbench.sim.messages.Run` the engine returns and keeps counters; the store
adds what only it knows at the end (streams, read-model rows, dead letters).

The summary has two parts: :meth:`Summary.outcome`, which depends only on the model,
the workload and the seed (it is stored in the run's row of the ``runs`` table, so two
runs of the same workload give byte-identical files), and :attr:`Summary.elapsed`, the
wall-clock time, which is only printed.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.sim.messages import ModelingError, ReactionProblem, Rejected, Run

#: How many distinct messages of each kind of problem a summary keeps (all are counted).
KEEP_MESSAGES = 5
#: How many rejected commands the text summary lists one by one (JSON has them all).
SHOW_REJECTING = 8


@dataclass
class Summary:
    """Counters of one run: commands by outcome, events by type, problems, the store."""

    model: str
    source: str
    seed: int
    batch: int
    synchronous: str
    #: Commands the workload or generator submitted.
    submitted: int = 0
    #: Every command handled: submitted ones, those policies issued, delayed ones.
    handled: int = 0
    issued_by_policies: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    #: Rejections per command and error: "NotFound 56" alone does not say where to look.
    rejected_by_command: dict[str, Counter[str]] = field(default_factory=dict)
    ignored: int = 0
    conflicts: int = 0
    modeling_errors: int = 0
    modeling_messages: list[str] = field(default_factory=list)
    #: Generated commands the engine refused as input (a generator bug, not a model one).
    invalid_input: int = 0
    invalid_input_messages: list[str] = field(default_factory=list)
    #: Problems around commands: failing policies, read models that cannot apply an event.
    problems: int = 0
    problem_messages: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    clock_start: str = ""
    clock_end: str = ""
    #: What the store holds at the end (the whole file, earlier runs included).
    store_events: int = 0
    streams: int = 0
    read_models: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    pending_delayed: int = 0
    stopped: str | None = None
    elapsed: float = 0.0
    spell: Callable[[str], str] = field(default=str, repr=False)

    # -- counting ----------------------------------------------------------------------

    def counts(self) -> dict[str, Any]:
        """A copy of every counter, to :meth:`restore` when a batch is rolled back."""
        return copy.deepcopy({name: getattr(self, name) for name in _COUNTED})

    def restore(self, counts: dict[str, Any]) -> None:
        """Put the counters back as :meth:`counts` copied them."""
        for name, value in copy.deepcopy(counts).items():
            setattr(self, name, value)

    def add_run(self, run: Run, where: object | None = None) -> None:
        """Count every command ``run`` handled and every event it appended; ``where``
        (a workload's ``file:line``) goes into the messages of modeling errors."""
        for result in run.results:
            self.handled += 1
            if result.command.issued_by is not None:
                self.issued_by_policies += 1
            outcome = result.outcome
            if outcome == "accepted":
                self.accepted += 1
                for event in result.events:
                    self.events[event.type] += 1
            elif isinstance(result, Rejected):
                self.rejected[result.error] += 1
                by_command = self.rejected_by_command.get(result.command.name)
                if by_command is None:
                    by_command = self.rejected_by_command[result.command.name] = Counter()
                by_command[result.error] += 1
            elif outcome == "ignored":
                self.ignored += 1
            elif isinstance(result, ModelingError):
                self.modeling_errors += 1
                at = f" ({where})" if where is not None else ""
                self._keep(
                    self.modeling_messages,
                    f"{result.command.name} on {result.stream_id}{at}: {result.message}",
                )
            else:
                self.conflicts += 1

    def add_problems(self, problems: Iterable[ReactionProblem]) -> None:
        for problem in problems:
            self.problems += 1
            self._keep(self.problem_messages, f"{problem.source}: {problem.message}")

    def add_invalid_input(self, command: str, message: str) -> None:
        self.invalid_input += 1
        self._keep(self.invalid_input_messages, f"{command}: {message}")

    def _keep(self, messages: list[str], text: str) -> None:
        """Keep the first few distinct messages: one bug tends to repeat many times."""
        if len(messages) < KEEP_MESSAGES:
            spelled = self.spell(text)
            if spelled not in messages:
                messages.append(spelled)

    # -- reporting ---------------------------------------------------------------------

    @property
    def event_count(self) -> int:
        return sum(self.events.values())

    def _rejecting_commands(self) -> list[tuple[str, Counter[str]]]:
        """The commands that were rejected, most rejected first (then by name)."""
        return sorted(
            self.rejected_by_command.items(), key=lambda item: (-sum(item[1].values()), item[0])
        )

    def rates(self) -> dict[str, float]:
        """Elapsed seconds, events and handled commands per second."""
        seconds = self.elapsed
        return {
            "elapsed_s": round(seconds, 3),
            "events_per_s": round(self.event_count / seconds) if seconds > 0 else 0,
            "commands_per_s": round(self.handled / seconds) if seconds > 0 else 0,
        }

    def outcome(self) -> dict[str, Any]:
        """Everything but the timings: the same for the same model, workload and seed."""
        return {
            "model": self.model,
            "source": self.source,
            "seed": self.seed,
            "batch": self.batch,
            "synchronous": self.synchronous,
            "stopped": self.stopped,
            "commands": {
                "submitted": self.submitted,
                "handled": self.handled,
                "issued_by_policies": self.issued_by_policies,
                "accepted": self.accepted,
                "rejected": dict(sorted(self.rejected.items(), key=_by_count)),
                "rejected_total": sum(self.rejected.values()),
                "rejected_by_command": {
                    name: dict(sorted(errors.items(), key=_by_count))
                    for name, errors in self._rejecting_commands()
                },
                "ignored": self.ignored,
                "conflicts": self.conflicts,
                "modeling_errors": self.modeling_errors,
                "invalid_input": self.invalid_input,
            },
            "modeling_errors": self.modeling_messages,
            "invalid_input": self.invalid_input_messages,
            "problems": {"count": self.problems, "first": self.problem_messages},
            "events": {
                "total": self.event_count,
                "by_type": dict(sorted(self.events.items(), key=_by_count)),
            },
            "clock": {"start": self.clock_start, "end": self.clock_end},
            "pending_delayed_commands": self.pending_delayed,
            "store": {
                "events": self.store_events,
                "streams": self.streams,
                "read_models": dict(self.read_models),
                "dead_letters": self.dead_letters,
            },
        }

    def as_json(self) -> dict[str, Any]:
        """The outcome and the timings, for ``--format json``."""
        return {**self.outcome(), "timing": self.rates()}

    def text_lines(self) -> list[str]:
        """The summary for people: aligned, one fact a line."""
        lines = [f"{self.model}: {self.source}, seed {self.seed}, batch {self.batch}"]
        if self.stopped:
            lines.append(f"stopped early: {self.stopped}")
        lines.append("")
        policies = (
            f" ({self.issued_by_policies:,} issued by policies)" if self.issued_by_policies else ""
        )
        rows: list[tuple[str, str, str]] = [
            ("commands", f"{self.handled:,}", f"{self.submitted:,} submitted{policies}"),
            ("  accepted", f"{self.accepted:,}", ""),
            ("  rejected", f"{sum(self.rejected.values()):,}", _tally(self.rejected)),
        ]
        rejecting = self._rejecting_commands()
        shown = rejecting[:SHOW_REJECTING]
        rows += [
            (f"    {name}", f"{sum(errors.values()):,}", _tally(errors)) for name, errors in shown
        ]
        if len(rejecting) > len(shown):
            rest = sum(sum(errors.values()) for _, errors in rejecting[len(shown) :])
            rows.append(("    others", f"{rest:,}", f"{len(rejecting) - len(shown)} more commands"))
        rows.append(("  ignored", f"{self.ignored:,}", ""))
        if self.conflicts:
            rows.append(("  conflicts", f"{self.conflicts:,}", ""))
        rows.append(("  modeling errors", f"{self.modeling_errors:,}", ""))
        if self.invalid_input:
            rows.append(("  invalid input", f"{self.invalid_input:,}", ""))
        rows.append(("events", f"{self.event_count:,}", ""))
        rows += [
            (f"  {name}", f"{n:,}", "") for name, n in sorted(self.events.items(), key=_by_count)
        ]
        rows.append(("streams", f"{self.streams:,}", "in the store"))
        if self.read_models:
            rows.append(("read models", "", ""))
            rows += [
                (f"  {name}", f"{n:,}", "row" if n == 1 else "rows")
                for name, n in self.read_models.items()
            ]
        if self.problems:
            rows.append(("problems", f"{self.problems:,}", "policies, read models, depth guard"))
        if self.dead_letters:
            rows.append(("dead letters", f"{self.dead_letters:,}", "in the store"))
        if self.pending_delayed:
            rows.append(
                ("delayed commands", f"{self.pending_delayed:,}", "still pending (not run)")
            )
        width = max(len(r[0]) for r in rows)
        number = max(len(r[1]) for r in rows)
        for label, count, note in rows:
            lines.append(f"{label:<{width}}  {count:>{number}}  {note}".rstrip())
        for title, messages in (
            ("modeling errors", self.modeling_messages),
            ("invalid input", self.invalid_input_messages),
            ("problems", self.problem_messages),
        ):
            if messages:
                lines.append("")
                lines.append(f"first {title}:")
                lines += [f"  - {m}" for m in messages]
        rates = self.rates()
        lines.append("")
        lines.append(f"simulated time  {self.clock_start} -> {self.clock_end}")
        lines.append(
            f"elapsed         {rates['elapsed_s']:.2f} s, {rates['events_per_s']:,.0f} events/s, "
            f"{rates['commands_per_s']:,.0f} commands/s"
        )
        return lines


#: The fields :meth:`Summary.counts` copies: what the run's commands added up to.
_COUNTED = (
    "submitted",
    "handled",
    "issued_by_policies",
    "accepted",
    "rejected",
    "rejected_by_command",
    "ignored",
    "conflicts",
    "modeling_errors",
    "modeling_messages",
    "invalid_input",
    "invalid_input_messages",
    "problems",
    "problem_messages",
    "events",
)


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items(), key=_by_count))
