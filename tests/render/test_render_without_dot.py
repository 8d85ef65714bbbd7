"""Without Graphviz: DOT, Mermaid and text still work; pictures fail with install advice.

PATH is pointed at an empty folder (the ``no_dot`` fixture), which is exactly what a
machine without the ``dot`` program looks like to us.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from render_checks import load, mermaid_problems

from workbench.cli import cli
from workbench.render.docs import build_docs
from workbench.render.engine import find_dot
from workbench.render.errors import GraphvizNotFound
from workbench.render.export import render

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


@pytest.mark.usefixtures("no_dot")
def test_dot_is_hidden() -> None:
    assert find_dot() is None


@pytest.mark.usefixtures("no_dot")
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_pictures_fail_with_install_advice(fmt: str) -> None:
    with pytest.raises(GraphvizNotFound) as error:
        render(load(LIBRARY), "blueprint", fmt)
    message = str(error.value)
    assert fmt.upper() in message and "'dot' program" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "DOT, Mermaid and text output work without it" in message


@pytest.mark.usefixtures("no_dot")
@pytest.mark.parametrize("view", ["blueprint", "flow", "aggregate:Book", "slice:Lend a book"])
def test_text_formats_work(view: str) -> None:
    model = load(LIBRARY)
    assert render(model, view, "dot").startswith(b"digraph ")
    assert mermaid_problems(render(model, view, "mermaid").decode()) == []
    assert "LendBook" in render(model, view, "text").decode() or view == "slice:Lend a book"


@pytest.mark.usefixtures("no_dot")
def test_cli_says_how_to_install_graphviz(tmp_path: Path) -> None:
    target = tmp_path / "blueprint.svg"
    result = CliRunner().invoke(cli, ["render", str(LIBRARY), "-o", str(target)])
    assert result.exit_code == 2
    assert "apt-get install graphviz" in result.output
    assert not target.exists()
    ok = CliRunner().invoke(cli, ["render", str(LIBRARY), "-o", str(tmp_path / "blueprint.mmd")])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "blueprint.mmd").read_text().startswith("flowchart LR")


@pytest.mark.usefixtures("no_dot")
def test_docs_fall_back_to_text_pictures(tmp_path: Path) -> None:
    build_docs(load(LIBRARY), tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    assert '<pre class="picture">' in index and "Install Graphviz" in index
    assert not list((tmp_path / "site").glob("*.svg"))


@pytest.mark.usefixtures("no_dot")
def test_docs_says_on_stderr_that_pictures_are_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["docs", str(LIBRARY), "-o", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    notice = " ".join(result.stderr.split())
    assert "pictures are text renderings" in notice and "'dot' program is not on PATH" in notice
    assert "apt-get install graphviz" in notice and "brew install graphviz" in notice
    assert "text renderings" not in result.stdout
    quiet = CliRunner().invoke(
        cli, ["docs", str(LIBRARY), "-o", str(tmp_path / "site"), "--no-pictures"]
    )
    assert quiet.exit_code == 0 and "notice" not in quiet.stderr, "asked for no pictures: no notice"
