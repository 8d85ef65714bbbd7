"""Scenario results for people and for CI: failure text, a JSON report, JUnit XML.

The text of a failure is the same everywhere (terminal, JSON, JUnit), grouped by the
part of ``then`` it concerns, one line per field::

    then.events[0] BookLent
      member_id: expected m1, got m2
    then.state (Book b1)
      lent_to: expected m1, got null

JUnit XML has one ``testsuite`` per model file and one ``testcase`` per scenario, as CI
servers expect; a model that could not be run is a suite with one ``error``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.model.diagnostics import Diagnostic
from workbench.model.loader import LoadedModel, load_model
from workbench.sim.compiled import ModelNotRunnable
from workbench.sim.matching import Failure
from workbench.sim.scenarios import ScenarioResult, ScenarioRunner


@dataclass
class FileReport:
    """The scenarios of one model file, or why they could not run."""

    file: str
    model: str | None = None
    results: list[ScenarioResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    problem: str | None = None

    @property
    def runnable(self) -> bool:
        return self.problem is None and not self.diagnostics

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)


#: What XML 1.0 cannot hold at all, even escaped: most control characters, lone
#: surrogates and two non-characters. A scenario name may contain any of them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def printable(text: str) -> str:
    """``text`` with the characters XML and terminals cannot show written as ``\\xNN``.

    >>> printable("odd \\x01 name\\tok")
    'odd \\\\x01 name\\tok'
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def run_file(
    path: str | Path, *, pattern: str | tuple[str, ...] | None = None, seed: int = 0
) -> FileReport:
    """Load a model and run its scenarios (those whose name contains a ``pattern``)."""
    loaded = load_model(path)
    return run_loaded(loaded, pattern=pattern, seed=seed)


def run_loaded(
    loaded: LoadedModel, *, pattern: str | tuple[str, ...] | None = None, seed: int = 0
) -> FileReport:
    report = FileReport(loaded.filename, loaded.model.name if loaded.model else None)
    if loaded.model is None or not loaded.ok:
        report.diagnostics = list(loaded.diagnostics.errors) or list(loaded.diagnostics)
        if not report.diagnostics:
            report.problem = "the file could not be read as a model"
        return report
    document = loaded.document

    def locate(index: int) -> str:
        if document is None:
            return f"{loaded.filename}: scenario {index + 1}"
        location = document.location(("scenarios", index))
        return f"{location.file}:{location.line}" if location.line else location.file

    try:
        runner = ScenarioRunner(loaded.model, seed=seed, locate=locate)
    except ModelNotRunnable as error:
        report.problem = f"the model cannot be run: {error}"
        return report
    report.results = runner.run_all(pattern)
    return report


def failure_lines(failures: Iterable[Failure]) -> Iterator[str]:
    """Failures grouped by where they are, as indented lines (two spaces per level)."""
    current: str | None = None
    for failure in failures:
        if failure.where != current:
            current = failure.where
            yield failure.where
        yield "  " + failure.line()


def failure_text(result: ScenarioResult) -> str:
    return "\n".join([result.location, *failure_lines(result.failures)])


def json_report(reports: list[FileReport]) -> dict[str, Any]:
    """A JSON-ready summary: every file, every scenario, every failure."""
    return {
        "files": [
            {
                "file": report.file,
                "model": report.model,
                "runnable": report.runnable,
                "problem": report.problem,
                "diagnostics": [d.as_json() for d in report.diagnostics],
                "passed": report.passed,
                "failed": report.failed,
                "scenarios": [
                    {
                        "name": r.name,
                        "status": "passed" if r.passed else "failed",
                        "location": r.location,
                        "duration": round(r.duration, 6),
                        "failures": [f.as_json() for f in r.failures],
                    }
                    for r in report.results
                ],
            }
            for report in reports
        ],
        "passed": sum(r.passed for r in reports),
        "failed": sum(r.failed for r in reports),
    }


def junit_xml(reports: list[FileReport]) -> str:
    """JUnit XML text: a ``testsuite`` per model file, a ``testcase`` per scenario."""
    suites = ET.Element("testsuites", name="workbench test")
    total = failures = errors = 0
    elapsed = 0.0
    for report in reports:
        suite_time = sum(r.duration for r in report.results)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=printable(report.file),
            tests=str(len(report.results) or (0 if report.runnable else 1)),
            failures=str(report.failed),
            errors="0" if report.runnable else "1",
            time=f"{suite_time:.6f}",
        )
        if not report.runnable:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=printable(report.model or report.file),
                name="load model",
            )
            message = printable(report.problem or "\n".join(d.render() for d in report.diagnostics))
            error = ET.SubElement(case, "error", message=message.splitlines()[0] if message else "")
            error.text = message
            errors += 1
            total += 1
        for result in report.results:
            file, _, line = result.location.rpartition(":")
            case = ET.SubElement(
                suite,
                "testcase",
                classname=printable(report.model or report.file),
                name=printable(result.name),
                time=f"{result.duration:.6f}",
                file=file or result.location,
                line=line if line.isdigit() else "0",
            )
            if not result.passed:
                failure = ET.SubElement(
                    case, "failure", message=printable(result.failures[0].line())
                )
                failure.text = printable(failure_text(result))
        total += len(report.results)
        failures += report.failed
        elapsed += suite_time
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    suites.set("time", f"{elapsed:.6f}")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
