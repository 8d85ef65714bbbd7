"""``workbench test``: output, exit codes, -k, JSON and JUnit XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli

from .conftest import EXAMPLE_MODELS, MINIMAL
from .test_scenarios import HOTEL_SCENARIOS


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["test", *map(str, args)])


@pytest.fixture
def hotel(tmp_path: Path) -> Path:
    path = tmp_path / "hotel.yaml"
    path.write_text(HOTEL_SCENARIOS, encoding="utf-8")
    return path


def test_all_passing_exits_0_with_a_line_per_scenario_and_a_closing_count() -> None:
    result = invoke(MINIMAL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "PASS  increments add up" in lines
    assert "PASS  totals are kept" in lines
    assert lines[-1] == "2 passed, 0 failed"


def test_every_example_model_passes() -> None:
    result = invoke(*EXAMPLE_MODELS)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d+ passed, 0 failed", result.output.splitlines()[-1])
    assert "FAIL" not in result.output


def test_a_failing_scenario_exits_1_and_prints_its_location_and_diff(hotel: Path) -> None:
    result = invoke(hotel, "-k", "WRONG GUEST")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1] == "FAIL  wrong guest checked out"
    assert (
        lines[2].strip()
        == f"{hotel}:{HOTEL_SCENARIOS.splitlines().index('  - name: wrong guest checked out') + 1}"
    )
    assert "        guest: expected Bea, got Ann" in lines
    assert lines[-1] == "0 passed, 1 failed"


def test_k_filters_by_name_substring_case_insensitively(hotel: Path) -> None:
    result = invoke(hotel, "-k", "NOTHING")
    names = [
        line.split("  ", 1)[1]
        for line in result.output.splitlines()
        if line[:4] in ("PASS", "FAIL")
    ]
    assert names == [
        "nothing happens when there is nobody to nudge",
        "expects nothing but gets an event",
    ]


def test_an_invalid_model_exits_2_and_shows_its_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.read_text().replace("    invariants:", "    invariant:"))
    result = invoke(path, MINIMAL)
    assert result.exit_code == 2
    assert "WB100" in result.output and "did you mean 'invariants'" in result.output
    assert result.output.splitlines()[-1] == "2 passed, 0 failed, 1 file could not run"


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("workbench: [1\n")
    assert invoke(path).exit_code == 2


def test_several_k_patterns_select_scenarios_matching_any(hotel: Path) -> None:
    result = invoke(hotel, "-k", "NOTHING", "-k", "wrong guest", "-k", "zzz")
    names = [line[6:] for line in result.output.splitlines() if line[:4] in ("PASS", "FAIL")]
    assert sorted(names) == [
        "expects nothing but gets an event",
        "nothing happens when there is nobody to nudge",
        "wrong guest checked out",
    ]
    none = invoke(hotel, "-k", "zzz", "-k", "yyy")
    assert none.exit_code == 2 and "no scenario matches -k 'zzz' or 'yyy'" in none.output


def test_json_report(hotel: Path) -> None:
    result = invoke(hotel, "--format", "json", "-k", "guest")
    assert result.exit_code == 1
    report = json.loads(result.output)
    (file,) = report["files"]
    statuses = {s["name"]: s["status"] for s in file["scenarios"]}
    assert statuses == {
        "the last guest out checks the group out": "passed",
        "wrong guest checked out": "failed",
    }
    assert (report["passed"], report["failed"]) == (1, 1)
    failed = next(s for s in file["scenarios"] if s["status"] == "failed")
    assert failed["failures"][0] == {
        "where": "then.events[0] GuestCheckedOut",
        "field": "guest",
        "expected": "Bea",
        "actual": "Ann",
        "message": "",
    }


def test_junit_xml_has_a_suite_per_file_and_a_case_per_scenario(
    hotel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "junit.xml"
    target.parent.mkdir()
    result = invoke(hotel, MINIMAL, "--junit-xml", target)
    assert result.exit_code == 1
    root = ET.parse(target).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [str(hotel), str(MINIMAL)]
    hotel_suite = suites[0]
    cases = hotel_suite.findall("testcase")
    assert len(cases) == 9 and hotel_suite.get("tests") == "9"
    failures = [c for c in cases if c.find("failure") is not None]
    assert hotel_suite.get("failures") == str(len(failures)) == "7"
    wrong = next(c for c in cases if c.get("name") == "wrong guest checked out")
    failure = wrong.find("failure")
    assert failure is not None and failure.get("message") == "guest: expected Bea, got Ann"
    assert "then.state (Group g1)" in (failure.text or "")
    assert root.get("tests") == "11" and root.get("failures") == "7"
    assert [p.name for p in target.parent.iterdir()] == ["junit.xml"]


def test_a_junit_file_that_cannot_be_written_exits_2(tmp_path: Path) -> None:
    result = invoke(MINIMAL, "--junit-xml", tmp_path / "missing" / "junit.xml")
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_k_that_matches_nothing_says_so_and_exits_2(hotel: Path) -> None:
    result = CliRunner().invoke(cli, ["test", str(hotel), str(MINIMAL), "-k", "zzzz"])
    assert result.exit_code == 2
    assert "no scenario matches -k 'zzzz'" in result.output
    assert "(" not in result.output.splitlines()[0]  # no header for files with nothing selected


def test_k_prints_headers_only_for_files_with_matches(hotel: Path) -> None:
    result = CliRunner().invoke(cli, ["test", str(hotel), str(MINIMAL), "-k", "increments"])
    assert result.exit_code == 0, result.output
    assert str(hotel) not in result.output
    assert "PASS  increments add up" in result.output


def test_junit_xml_stays_well_formed_whatever_a_scenario_is_called(tmp_path: Path) -> None:
    """XML 1.0 cannot hold a control character even escaped: it is written as \\x01."""
    path = tmp_path / "odd.yaml"
    text = MINIMAL.read_text(encoding="utf-8")
    assert "name: increments add up" in text
    path.write_text(
        text.replace("name: increments add up", 'name: "odd <name> & ]]> \\u0001 ctrl"'),
        encoding="utf-8",
    )
    target = tmp_path / "junit.xml"
    result = invoke(path, "--junit-xml", target)
    assert result.exit_code == 0, result.output
    names = [case.get("name") for case in ET.parse(target).getroot().iter("testcase")]
    assert "odd <name> & ]]> \\x01 ctrl" in names
    assert "PASS  odd <name> & ]]> \\x01 ctrl" in result.output  # the terminal gets it too


def test_junit_xml_of_a_model_that_cannot_load_gives_its_diagnostics_as_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.read_text().replace("    invariants:", "    invariant:"))
    target = tmp_path / "junit.xml"
    assert invoke(path, "--junit-xml", target).exit_code == 2
    error = ET.parse(target).getroot().find("testsuite/testcase/error")
    assert error is not None
    message = error.get("message") or ""
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: error WB100: ", message), message
    assert "Diagnostic(" not in (error.text or "")


def test_a_model_without_scenarios_says_so(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    text = MINIMAL.read_text(encoding="utf-8")
    path.write_text(text[: text.index("scenarios:")], encoding="utf-8")
    result = invoke(path)
    assert result.exit_code == 0, result.output
    assert "no scenarios: add some under 'scenarios:'" in result.output
    assert result.output.splitlines()[-1] == "0 passed, 0 failed"
