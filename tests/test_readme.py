"""The README's examples work as printed: a new user copies them first."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.model.loader import load_model_text

README = Path(__file__).resolve().parents[1] / "README.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_model_sketch_validates_without_errors() -> None:
    sketches = [block for block in yaml_blocks() if block.startswith("workbench: 1")]
    assert sketches, "the README shows a model"
    for sketch in sketches:
        loaded = load_model_text(sketch, "README.md")
        assert loaded.model is not None
        assert not loaded.diagnostics.errors, [d.render() for d in loaded.diagnostics.errors]


def test_the_readme_gives_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "bash scripts/dev.sh run" in text
    assert "bash scripts/dev.sh test" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/dev.sh test" in ci
