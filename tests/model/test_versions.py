"""Version bumps against a git baseline: ``workbench validate --against REF``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.model.conftest import MINIMAL, mutate
from workbench.cli import cli


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "model.yaml").write_text(MINIMAL, encoding="utf-8")
    git(tmp_path, "add", "model.yaml")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def validate_against(repo: Path, text: str) -> tuple[int, str]:
    (repo / "model.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--against", "HEAD", str(repo / "model.yaml")])
    return result.exit_code, result.output


def test_unchanged_model_passes(repo: Path) -> None:
    code, output = validate_against(repo, MINIMAL)
    assert code == 0, output


def test_changed_event_without_bump_is_an_error(repo: Path) -> None:
    changed = mutate(
        "    fields: {counter_id: uuid, colour: Colour}\n    evolve: {colour: event.colour}",
        '    fields: {counter_id: uuid, colour: Colour, shade: "int?"}\n    evolve: {colour: event.colour}',
    )
    code, output = validate_against(repo, changed)
    assert code == 1
    assert (
        "WB405" in output
        and "event 'Painted' changed since HEAD:model.yaml (added shade (int?))" in output
    )
    assert "but is still version 1" in output


def test_bump_with_matching_history_passes(repo: Path) -> None:
    changed = mutate(
        "    fields: {counter_id: uuid, colour: Colour}\n    evolve: {colour: event.colour}",
        '    version: 2\n    fields: {counter_id: uuid, colour: Colour, shade: "int?"}\n    evolve: {colour: event.colour}\n'
        "    history:\n      1: {fields: {counter_id: uuid, colour: Colour}}",
    )
    code, output = validate_against(repo, changed)
    assert code == 0, output


def test_bump_without_history_of_the_old_version(repo: Path) -> None:
    changed = mutate(
        "    fields: {counter_id: uuid, colour: Colour}\n    evolve: {colour: event.colour}",
        '    version: 2\n    fields: {counter_id: uuid, colour: Colour, shade: "int?"}\n    evolve: {colour: event.colour}',
    )
    code, output = validate_against(repo, changed)
    assert code == 1 and "WB406" in output and "no history entry for version 1" in output


def test_removed_event_is_warned(repo: Path) -> None:
    changed = MINIMAL.replace(
        '      - event: Painted\n        when: "state.colour != command.colour"\n', "      []\n"
    )
    changed = changed.replace(
        "  Painted:\n    aggregate: Counter\n    fields: {counter_id: uuid, colour: Colour}\n    evolve: {colour: event.colour}\n",
        "",
    )
    changed = changed.replace("      Painted: {upsert: {colour: event.colour}}\n", "")
    changed = changed.replace("    emits:\n      []\n", "    emits: []\n")
    code, output = validate_against(repo, changed)
    assert code == 0  # a warning: fails only with --strict
    assert "WB405" in output and "'Painted' existed in HEAD:model.yaml and was removed" in output


def test_not_a_git_repository_exits_2(tmp_path: Path) -> None:
    (tmp_path / "model.yaml").write_text(MINIMAL, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["validate", "--against", "HEAD", str(tmp_path / "model.yaml")]
    )
    assert result.exit_code == 2
    assert "cannot compare with HEAD" in result.output


def test_new_file_has_nothing_to_compare(repo: Path) -> None:
    (repo / "other.yaml").write_text(MINIMAL, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--against", "HEAD", str(repo / "other.yaml")])
    assert result.exit_code == 0, result.output
