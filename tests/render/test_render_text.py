"""Terminal text fits its width; escaping and the Mermaid checker hold for any input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from render_checks import (
    EXAMPLE_MODELS,
    REPO_ROOT,
    load,
    mermaid_labels,
    mermaid_problems,
    tiny_model,
)

from workbench.render.blueprint import build_blueprint
from workbench.render.export import render
from workbench.render.mermaid import escape
from workbench.render.style import STYLES
from workbench.render.text import _wrapped, blueprint_text, cell_width, fit, graph_text
from workbench.render.views import flow_graph

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


@given(st.text(max_size=40), st.integers(min_value=1, max_value=60))
def test_fit_gives_exactly_the_width(text: str, width: int) -> None:
    text = "".join(ch for ch in text if ch.isprintable())
    assert cell_width(fit(text, width)) == width


def test_wide_characters_count_double() -> None:
    assert cell_width("図書館") == 6
    assert cell_width(fit("図書館の本", 7)) == 7


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=30, max_value=220))
def test_blueprint_text_fits_any_width(width: int) -> None:
    text = blueprint_text(build_blueprint(load(LIBRARY), scenarios=True), width)
    assert all(cell_width(line) <= width for line in text.splitlines())
    assert "Lend a book" in text or "Lend a" in text


def test_blueprint_text_wraps_into_bands_that_keep_the_lanes() -> None:
    text = blueprint_text(build_blueprint(load(LIBRARY)), 90)
    assert text.count("┌") >= 2, "ten slices do not fit 90 columns: the grid should wrap"
    assert text.count("│ Book events") == text.count("┌")


def test_graph_text_lists_arrows() -> None:
    text = graph_text(flow_graph(load(LIBRARY)), 100)
    assert "► LendBook ─emits→ ● BookLent" in text
    assert "☼ TrackLoanOnMember ─issues→ ► RecordLoan" in text


def test_text_handles_wide_names() -> None:
    model = tiny_model(slices=[{"name": "図書館で本を借りる", "screen": "Desk", "command": "Open"}])
    text = blueprint_text(build_blueprint(model), 40)
    assert all(cell_width(line) <= 40 for line in text.splitlines())


@given(st.text(max_size=60))
def test_mermaid_escape_round_trips_and_stays_valid(name: str) -> None:
    label = escape(name)
    assert '"' not in label and "<" not in label and "\n" not in label
    chart = f'flowchart LR\n  a["{label}"]\n'
    assert mermaid_problems(chart) == []
    assert mermaid_labels(chart) == [name]


def test_mermaid_checker_rejects_broken_charts() -> None:
    assert mermaid_problems("graph LR\n") != []
    assert any(
        "not a declared node" in p for p in mermaid_problems('flowchart LR\n  a["A"]\n  a --> b\n')
    )
    assert any(
        "without 'end'" in p
        for p in mermaid_problems('flowchart LR\n  subgraph s["S"]\n  a["A"]\n')
    )
    assert any("without 'subgraph'" in p for p in mermaid_problems("flowchart LR\n  end\n"))
    assert any("unescaped" in p for p in mermaid_problems('flowchart LR\n  a["say "hi""]\n'))
    assert any("unescaped" in p for p in mermaid_problems('flowchart LR\n  a["<b>bold</b>"]\n'))
    assert any("reserved" in p for p in mermaid_problems('flowchart LR\n  end["x"]\n'))


def test_drawing_never_imports_graphviz_or_textual() -> None:
    code = (
        "import sys\n"
        "from workbench.model.loader import load_model\n"
        "from workbench.render import render\n"
        f"m = load_model({str(LIBRARY)!r}).model\n"
        "for fmt in ('dot', 'mermaid', 'text'): render(m, 'blueprint', fmt)\n"
        "print('graphviz' in sys.modules, 'textual' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"


_MARKERS = {style.marker for style in STYLES.values()}


@pytest.mark.parametrize("width", [30, 40, 47, 52, 60, 75, 100])
@pytest.mark.parametrize("view", ["flow", "aggregate:Book", "aggregate:Member"])
def test_a_marker_stays_on_the_line_of_its_name(view: str, width: int) -> None:
    text = render(load(LIBRARY), view, "text", width=width).decode()
    for line in text.splitlines():
        words = line.split()
        assert not words or words[-1] not in _MARKERS, f"marker left alone at the end: {line!r}"
        assert all(cell_width(line) <= width for line in text.splitlines())
    for name in ("BookLent", "LendBook", "TrackLoanOnMember"):
        if name in text:
            assert re.search(rf"[^\s] {name}\b", text), f"{name} lost its marker"


@given(
    st.lists(st.text(alphabet="ab ", min_size=1, max_size=30), min_size=1, max_size=8),
    st.integers(min_value=30, max_value=80),
)
def test_wrapped_items_keep_marker_and_first_word_together(names: list[str], width: int) -> None:
    items = [f"● {name.strip() or 'x'}" for name in names]
    lines = _wrapped("head: ", items, width)
    assert all(cell_width(line) <= width for line in lines)
    assert not any(line.rstrip().endswith("●") for line in lines)


#: Characters that Consolas, Courier New, Menlo, DejaVu Sans Mono and Liberation Mono all
#: draw one cell wide (from the WGL4 set); a character outside it is borrowed from another
#: font, with another width, and a browser no longer lines the text grid up.
MONOSPACE_SAFE = set("□►●○≡☼◊■⌂√·…—→─│┌┐└┘├┤┬┴┼")


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_text_uses_only_characters_every_monospace_font_has(path: Path) -> None:
    model = load(path)
    names = "".join(
        [model.name, *model.screens, *model.roles, *model.externals, *model.aggregates]
        + [*model.commands, *model.events, *model.projections, *model.policies]
        + [
            *model.translations,
            *(s.name for s in model.slices),
            *(s.chapter or "" for s in model.slices),
        ]
        + [s.name for s in model.scenarios]
    )
    views = ["blueprint", "flow", *(f"aggregate:{a}" for a in model.aggregates)]
    for view in views:
        text = render(model, view, "text", width=120, scenarios=view == "blueprint").decode()
        odd = {ch for ch in text if ord(ch) > 127 and ch not in MONOSPACE_SAFE and ch not in names}
        assert not odd, f"{view}: {sorted(odd)}"
