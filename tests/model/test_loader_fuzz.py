"""Hypothesis: whatever the file holds, loading never crashes and always says where.

Real files are edited by hand, half-finished and merged badly; the loader must answer
every one with diagnostics, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.model.conftest import MINIMAL
from workbench.cli import cli
from workbench.model.diagnostics import CODES
from workbench.model.loader import load_model_text

LINES = MINIMAL.splitlines(keepends=True)
TOKENS = [
    "",
    "x",
    "1",
    "-1",
    "null",
    "[]",
    "{}",
    "'",
    '"',
    ":",
    "- ",
    "  ",
    "\t",
    "&a",
    "*a",
    "!!str",
    "#",
    "[",
    "{",
    "state.",
    "command.nope",
    "__class__",
    "Incremented",
    "uuid",
    "list[",
    "dict[str, int]",
    "?",
]


@st.composite
def mangled_models(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "replace", "insert"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        else:
            line = lines[index]
            position = draw(st.integers(0, len(line)))
            token = draw(st.sampled_from(TOKENS) | st.text(max_size=6))
            cut = position + (draw(st.integers(0, 5)) if action == "replace" else 0)
            lines[index] = line[:position] + token + line[cut:]
        if not lines:
            break
    return "".join(lines)


def assert_well_formed(text: str) -> None:
    loaded = load_model_text(text, "fuzz.yaml")
    line_count = len(text.splitlines()) + 1  # YAML also breaks lines at \r and \x85
    for diagnostic in loaded.diagnostics:
        assert diagnostic.code in CODES
        assert diagnostic.message
        assert diagnostic.location.file == "fuzz.yaml"
        assert 0 <= diagnostic.location.line <= line_count + 1, diagnostic.render()
    if loaded.model is None:
        assert loaded.diagnostics.errors, "no model and no error"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_models())
def test_mangled_models_never_crash(text: str) -> None:
    assert_well_formed(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    assert_well_formed(text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200) | mangled_models().map(lambda t: t.encode("utf-8")))
def test_cli_answers_garbage_with_an_exit_code_not_a_traceback(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in {0, 1, 2}
    assert "Traceback" not in result.output
