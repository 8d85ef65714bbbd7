"""The model commands as a user runs them: validate, fmt, new, model-schema, --version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.model.conftest import MINIMAL, mutate
from workbench import __version__
from workbench.cli import cli
from workbench.resources import example_models


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


def test_version() -> None:
    code, output = run("--version")
    assert code == 0 and __version__ in output


def test_validate_clean_model(model_file: Path) -> None:
    code, output = run("validate", str(model_file))
    assert code == 0, output
    assert "Counter" in output and "0 errors" in output


def test_validate_reports_problems_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        mutate("      - Incremented: {note", "      - Incremnted: {note"), encoding="utf-8"
    )
    code, output = run("validate", str(path))
    assert code == 1
    assert f"{path}:" in output and "WB201" in output and "did you mean 'Incremented'?" in output
    assert "^" in output  # the caret under the source line


def test_validate_unreadable_input_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, output = run("validate", str(path))
    assert code == 2 and "WB002" in output


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    code, output = run("validate", str(tmp_path / "nope.yaml"))
    assert code == 2 and "WB001" in output


def test_validate_schema_error_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(mutate("    invariants:", "    invariant:"), encoding="utf-8")
    code, output = run("validate", str(path))
    assert code == 2 and "WB100" in output and "did you mean 'invariants'?" in output


def test_validate_json(model_file: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(mutate("command.by > 0", "command.bye > 0"), encoding="utf-8")
    code, output = run("validate", "--format", "json", str(model_file), str(broken))
    assert code == 1
    payload = json.loads(output)
    assert [f["ok"] for f in payload["files"]] == [True, False]
    (diagnostic,) = [d for d in payload["files"][1]["diagnostics"] if d["code"] == "WB303"]
    assert diagnostic["line"] > 0 and diagnostic["column"] > 0 and diagnostic["severity"] == "error"


def test_strict_turns_warnings_into_failure(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text(
        mutate(
            "  Painted:\n    aggregate: Counter",
            "  Lost:\n    aggregate: Counter\n    fields: {counter_id: uuid}\n  Painted:\n    aggregate: Counter",
        ),
        encoding="utf-8",
    )
    assert run("validate", str(path))[0] == 0
    code, output = run("validate", "--strict", str(path))
    assert code == 1 and "WB601" in output


def test_bad_usage_exits_2() -> None:
    assert run("validate")[0] == 2
    assert run("validate", "--format", "xml", "x.yaml")[0] == 2
    assert run("no-such-command")[0] == 2


def test_every_example_model_validates_strictly() -> None:
    paths = [str(p) for p in example_models()]
    assert len(paths) >= 3, paths
    code, output = run("validate", "--strict", *paths)
    assert code == 0, output


def test_fmt_check_and_write(tmp_path: Path) -> None:
    path = tmp_path / "messy.yaml"
    messy = MINIMAL.replace("name: Counter\n", "name: Counter   \n").replace(
        "workbench: 1\n", "# keep me\nworkbench: 1\n"
    )
    path.write_text(messy, encoding="utf-8")
    code, output = run("fmt", "--check", str(path))
    assert code == 1 and "would reformat" in output
    assert path.read_text(encoding="utf-8") == messy  # --check never writes
    code, output = run("fmt", str(path))
    assert code == 0
    formatted = path.read_text(encoding="utf-8")
    assert "# keep me" in formatted and "Counter   " not in formatted
    assert run("fmt", "--check", str(path))[0] == 0


def test_fmt_refuses_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: [1, 2\n", encoding="utf-8")
    code, output = run("fmt", str(path))
    assert code == 2 and "WB005" in output
    assert path.read_text(encoding="utf-8") == "a: [1, 2\n"


def test_new_creates_a_valid_commented_model(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    code, output = run("new", str(path))
    assert code == 0, output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=workbench-model.schema.json")
    assert "name: Shop" in text
    assert (tmp_path / "workbench-model.schema.json").exists()
    code, output = run("validate", "--strict", str(path))
    assert code == 0, output
    assert run("new", str(path))[0] == 2  # never overwrites without --force


def test_model_schema_is_json_schema_that_accepts_examples(tmp_path: Path) -> None:
    code, output = run("model-schema")
    assert code == 0
    schema = json.loads(output)
    assert schema["title"] == "Event Workbench model"
    assert "commands" in schema["properties"]


def test_python_dash_m_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_text("{{{{ ::: ]]]", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "validate", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert "WB005" in result.stdout


def test_model_schema_validates_every_example_and_the_starter(tmp_path: Path) -> None:
    """Editors use this schema: it must accept every real model, short forms included."""
    import jsonschema

    from workbench.model.json_schema import model_json_schema
    from workbench.model.yamlio import read_document

    schema = model_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    starter = tmp_path / "starter.yaml"
    run("new", str(starter))
    for path in [*example_models(), starter]:
        data = read_document(path).data
        errors = sorted(validator.iter_errors(json.loads(json.dumps(data, default=str))), key=str)
        assert not errors, f"{path}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_model_schema_rejects_unknown_keys() -> None:
    import jsonschema

    from workbench.model.json_schema import model_json_schema

    validator = jsonschema.Draft202012Validator(model_json_schema())
    assert list(validator.iter_errors({"workbench": 1, "name": "x", "comands": {}}))


def test_strict_marks_the_file_failed_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "warn.yaml"
    path.write_text(
        mutate(
            "  Painted:\n    aggregate: Counter",
            "  Lost:\n    aggregate: Counter\n    fields: {counter_id: uuid}\n  Painted:\n    aggregate: Counter",
        ),
        encoding="utf-8",
    )
    code, output = run("validate", "--strict", str(path))
    assert code == 1
    assert "✗" in output and "✓" not in output
    assert "warnings count as errors under --strict" in output


def test_validate_reads_standard_input() -> None:
    result = CliRunner().invoke(cli, ["validate", "-"], input=MINIMAL)
    assert result.exit_code == 0, result.output
    assert "<stdin>" in result.output


def test_no_color_environment_variable_turns_colour_off(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(mutate("command.by > 0", "command.bye > 0"), encoding="utf-8")
    coloured = CliRunner().invoke(cli, ["validate", str(path)], color=True)
    assert "\x1b[" in coloured.output
    plain = CliRunner(env={"NO_COLOR": "1"}).invoke(cli, ["validate", str(path)], color=True)
    assert "\x1b[" not in plain.output and "WB303" in plain.output


def test_write_failures_are_messages_not_tracebacks(tmp_path: Path) -> None:
    missing_folder = tmp_path / "nope" / "model.yaml"
    code, output = run("new", str(missing_folder))
    assert code == 2 and "no such directory" in output
    read_only = tmp_path / "ro.yaml"
    read_only.write_text(MINIMAL.replace("name: Counter\n", "name: Counter   \n"), encoding="utf-8")
    read_only.chmod(0o444)
    try:
        result = CliRunner().invoke(cli, ["fmt", str(read_only)])
        assert result.exit_code == 2, result.output
        assert "cannot write" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Counter   " in read_only.read_text(encoding="utf-8")
    finally:
        read_only.chmod(0o644)
