"""The docs site in a real headless Chromium: pages load from file://, pictures load, a screenshot.

Skipped when Debian's ``chromium`` is not installed (``.ci/run`` installs it). Links are
checked statically for every page in ``test_render_docs.py``; here a sample of pages
(every kind of page for the library, the index for every example model) is loaded by
the browser, and a small harness page reports whether each picture decoded.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from render_checks import EXAMPLE_MODELS, load

from workbench.render.docs import build_docs
from workbench.render.engine import has_dot

CHROMIUM = Path("/usr/bin/chromium")
LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)"
)

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(url: str, profile: Path, *extra: str) -> str:
    """Run headless Chromium on ``url`` and return what it printed (the DOM for --dump-dom)."""
    proc = subprocess.run(
        [str(CHROMIUM), *_FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _dump_all(pages: list[Path], tmp_path: Path) -> dict[Path, str]:
    """Dump the DOM of several pages, a few browsers at a time (each run is mostly start-up)."""

    def one(item: tuple[int, Path]) -> tuple[Path, str]:
        n, page = item
        return page, chromium(page.as_uri(), tmp_path / f"profile-{n}", "--dump-dom")

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(one, enumerate(pages)))


def test_library_pages_render_in_chromium(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_docs(load(LIBRARY), site)
    pages = {
        site / "index.html": "Library",
        site / "scenarios.html": "Specifications",
        site / "events" / "BookLent.html": "BookLent",
        site / "commands" / "LendBook.html": "LendBook",
        site / "read-models" / "AvailableBooks.html": "AvailableBooks",
        site / "automations" / "TrackLoanOnMember.html": "TrackLoanOnMember",
        site / "aggregates" / "Book.html": "Book",
        site / "screens" / "Loan_desk.html": "Loan desk",
        next((site / "slices").glob("004-*.html")): "4. Lend a book",
    }
    doms = _dump_all(list(pages), tmp_path)
    for page, heading in pages.items():
        dom = doms[page]
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.S)
        assert h1 is not None, f"{page.name}: no <h1> after load"
        assert heading in re.sub(r"<[^>]+>", "", h1.group(1)), (
            f"{page.name}: heading {h1.group(1)!r}"
        )
        assert 'rel="stylesheet"' in dom

    shot = tmp_path / "index.png"
    chromium(
        (site / "index.html").as_uri(),
        tmp_path / "profile-shot",
        f"--screenshot={shot}",
        "--window-size=1280,900",
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000, "the screenshot looks empty"


@pytest.mark.skipif(
    not has_dot(), reason="Graphviz 'dot' is not installed: the site has no pictures"
)
def test_pictures_decode_in_chromium(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_docs(load(LIBRARY), site)
    pictures = sorted(site.glob("*.svg"))
    assert {p.name for p in pictures} >= {"blueprint.svg", "flow.svg"}
    # a harness outside the site: each <img> records its decoded width when it loads
    harness = tmp_path / "harness.html"
    images = "".join(
        f'<img id="{p.stem}" src="site/{p.name}" onload="this.setAttribute(\'data-width\', this.naturalWidth)" '
        f"onerror=\"this.setAttribute('data-error', 'yes')\">"
        for p in pictures
    )
    harness.write_text(f"<!DOCTYPE html><html><body>{images}</body></html>", encoding="utf-8")
    dom = chromium(harness.as_uri(), tmp_path / "profile", "--dump-dom")
    for picture in pictures:
        tag = re.search(rf'<img id="{picture.stem}"[^>]*>', dom)
        assert tag is not None
        assert 'data-error="yes"' not in tag.group(0), f"{picture.name} failed to load"
        width = re.search(r'data-width="(\d+)"', tag.group(0))
        assert width is not None and int(width.group(1)) > 100, (
            f"{picture.name} did not decode: {tag.group(0)}"
        )


def test_every_example_model_s_index_renders(tmp_path: Path) -> None:
    sites = []
    for path in EXAMPLE_MODELS:
        site = tmp_path / path.stem
        build_docs(load(path), site, pictures=False)
        sites.append((load(path).name, site / "index.html"))
    doms = _dump_all([index for _, index in sites], tmp_path)
    for name, index in sites:
        assert re.search(rf"<h1>{re.escape(name)}</h1>", doms[index]), f"{index}: heading missing"
        assert 'id="slices"' in doms[index] and 'id="elements"' in doms[index]


#: Measures, in the browser, every line of each text picture; grid lines of one band must
#: be equally wide, or the columns do not line up.
_MEASURE = """
<script>
const report = [];
document.querySelectorAll("pre.picture").forEach((pre, n) => {
  const lines = pre.textContent.split("\\n");
  pre.textContent = "";
  const spans = lines.map((line) => {
    const span = document.createElement("span");
    span.textContent = line;
    pre.appendChild(span);
    pre.appendChild(document.createTextNode("\\n"));
    return span;
  });
  let band = [];
  spans.forEach((span) => {
    const text = span.textContent;
    if (!/^[┌├│└]/.test(text)) return;
    if (text.startsWith("┌")) band = [];
    band.push(span.getBoundingClientRect().width);
    if (text.startsWith("└")) {
      const spread = Math.max(...band) - Math.min(...band);
      report.push(n + ":" + band.length + ":" + spread.toFixed(2));
    }
  });
});
document.body.setAttribute("data-bands", report.join(" "));
</script>
"""


def test_the_text_blueprint_lines_up_in_the_browser(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_docs(load(LIBRARY), site, pictures=False)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "☼ TrackLoanOnMember" in index, "the blueprint's automation row is part of the check"
    harness = site / "measure.html"
    harness.write_text(index.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = chromium(harness.as_uri(), tmp_path / "profile", "--dump-dom")
    found = re.search(r'data-bands="([^"]*)"', dom)
    assert found is not None and found.group(1), "the measuring script did not run"
    bands = [band.split(":") for band in found.group(1).split()]
    assert len(bands) >= 3
    misaligned = [band for band in bands if float(band[2]) > 0.5]
    assert not misaligned, f"lines of different widths (picture:lines:spread px): {misaligned}"
