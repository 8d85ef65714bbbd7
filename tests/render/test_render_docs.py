"""The static docs site: a page per element, plain links that all resolve, safe rewriting."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from render_checks import EXAMPLE_MODELS, load

from workbench.render.docs import MARKER, DocsError, build_docs
from workbench.render.graph import NodeKind, model_graph

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


class _Links(HTMLParser):
    """Collects every href/src and every id of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1 and data.strip():
            self.headings.append(data.strip())


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every href/src in every page that does not lead to an existing file (and id)."""
    problems = []
    pages = sorted(site.rglob("*.html"))
    ids = {page.resolve(): _parse(page).ids for page in pages}
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("/"):
                problems.append(f"{page.relative_to(site)}: not a relative link: {link}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if site.resolve() not in target.parents and target != site.resolve():
                problems.append(f"{page.relative_to(site)}: leaves the site: {link}")
            elif not target.is_file():
                problems.append(f"{page.relative_to(site)}: missing {link}")
            elif parts.fragment and parts.fragment not in ids.get(target, set()):
                problems.append(f"{page.relative_to(site)}: no id '{parts.fragment}' in {link}")
    return problems


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_every_link_resolves_and_every_element_has_a_page(path: Path, tmp_path: Path) -> None:
    model = load(path)
    site = tmp_path / "site"
    written = build_docs(model, site)
    assert broken_links(site) == []
    assert all(p.exists() for p in written)
    graph = model_graph(model)
    headings = {h for page in site.rglob("*.html") for h in _parse(page).headings}
    for kind in (
        NodeKind.COMMAND,
        NodeKind.EVENT,
        NodeKind.READ_MODEL,
        NodeKind.AGGREGATE,
        NodeKind.AUTOMATION,
        NodeKind.SCREEN,
    ):
        for node in graph.of_kind(kind):
            assert node.name in headings, f"no page for {kind.value} {node.name}"
    assert len(list((site / "slices").glob("*.html"))) >= len(model.slices)


def test_event_page_has_fields_versions_emitters_consumers_and_scenarios(tmp_path: Path) -> None:
    build_docs(load(LIBRARY), tmp_path / "site", pictures=False)
    page = (tmp_path / "site" / "events" / "BookLent.html").read_text(encoding="utf-8")
    assert "<h2>Fields (version 2)</h2>" in page and "<code>due</code>" in page
    assert "Version 1 → 2" in page and "added <code>due: date</code>" in page
    assert "upcast with <code>due = date(2000, 1, 1)</code>" in page
    emitted = page.split("<h2>Emitted by</h2>")[1].split("</section>")[0]
    assert 'href="../commands/LendBook.html"' in emitted
    consumed = page.split("<h2>Consumed by</h2>")[1].split("</section>")[0]
    for target in (
        "../read-models/AvailableBooks.html",
        "../read-models/LoansPerMember.html",
        "../automations/TrackLoanOnMember.html",
    ):
        assert f'href="{target}"' in consumed
    assert "a registered book can be lent" in page
    assert '<dt class="given">Given</dt>' in page and '<dt class="when">When</dt>' in page


def test_command_page_has_rules_emits_and_issuers(tmp_path: Path) -> None:
    build_docs(load(LIBRARY), tmp_path / "site", pictures=False)
    page = (tmp_path / "site" / "commands" / "LendBook.html").read_text(encoding="utf-8")
    assert "Rules (checked in order)" in page and "ReservedForSomeoneElse" in page
    assert 'href="../events/BookLent.html"' in page and 'href="../screens/Loan_desk.html"' in page
    assert "a lent book cannot be lent again" in page and "error BookAlreadyLent" in page


def test_text_is_escaped(tmp_path: Path) -> None:
    from render_checks import tiny_model

    model = tiny_model(description="<script>alert(1)</script> & more")
    build_docs(model, tmp_path / "site", pictures=False)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index


def test_rebuilding_replaces_the_site_and_drops_stale_pages(tmp_path: Path) -> None:
    from render_checks import tiny_model

    site = tmp_path / "site"
    build_docs(tiny_model(commands={"Close": {"aggregate": "Account"}}), site, pictures=False)
    assert (site / "commands" / "Close.html").exists() and (site / MARKER).exists()
    build_docs(tiny_model(), site, pictures=False)
    assert not (site / "commands" / "Close.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "staging folders left behind"


def test_a_folder_with_other_files_is_never_replaced(tmp_path: Path) -> None:
    from render_checks import tiny_model

    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DocsError, match="not empty"):
        build_docs(tiny_model(), tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    build_docs(tiny_model(), empty, pictures=False)
    assert (empty / "index.html").exists()


def test_same_model_gives_the_same_site(tmp_path: Path) -> None:
    model = load(LIBRARY)
    one, two = tmp_path / "one", tmp_path / "two"
    build_docs(model, one)
    build_docs(model, two)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
