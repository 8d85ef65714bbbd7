"""``workbench render`` and ``workbench docs`` as a user runs them."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from render_checks import REPO_ROOT, mermaid_problems, needs_dot

from workbench.cli import cli, render_commands

LIBRARY = Path(__file__).resolve().parents[2] / "models" / "library.yaml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_text_blueprint_to_stdout_by_default() -> None:
    code, output = run("render", str(LIBRARY), "--width", "100")
    assert code == 0, output
    assert output.startswith("Library — blueprint")
    assert "□ Loan desk" in output and "● BookLent" in output
    assert max(len(line) for line in output.splitlines()) <= 100


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("blueprint.dot", "digraph "),
        ("blueprint.gv", "digraph "),
        ("blueprint.mmd", "flowchart LR"),
        ("blueprint.txt", "Library"),
    ],
)
def test_format_follows_the_file_suffix(tmp_path: Path, name: str, start: str) -> None:
    target = tmp_path / name
    code, output = run("render", str(LIBRARY), "-o", str(target))
    assert code == 0, output
    assert target.read_text(encoding="utf-8").startswith(start)
    assert [p.name for p in tmp_path.iterdir()] == [name], "temporary files left behind"


@needs_dot
@pytest.mark.parametrize(
    ("name", "magic"), [("b.svg", b"<?xml"), ("b.png", b"\x89PNG"), ("b.pdf", b"%PDF-")]
)
def test_pictures(tmp_path: Path, name: str, magic: bytes) -> None:
    target = tmp_path / name
    code, output = run("render", str(LIBRARY), "--view", "flow", "-o", str(target))
    assert code == 0, output
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@needs_dot
def test_rewriting_an_existing_picture_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "b.png"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    code, output = run("render", str(LIBRARY), "-o", str(target))
    assert code == 0, output
    assert target.read_bytes().startswith(b"\x89PNG") and (target.stat().st_mode & 0o777) == 0o640


def test_explicit_format_wins_over_the_suffix(tmp_path: Path) -> None:
    target = tmp_path / "diagram.out"
    code, output = run(
        "render", str(LIBRARY), "--view", "aggregate:Book", "--format", "mermaid", "-o", str(target)
    )
    assert code == 0, output
    assert mermaid_problems(target.read_text()) == []


def test_slices_and_scenarios(tmp_path: Path) -> None:
    code, output = run(
        "render",
        str(LIBRARY),
        "--slices",
        "Lend a book..6",
        "--scenarios",
        "--format",
        "text",
        "--width",
        "200",
    )
    assert code == 0, output
    assert (
        "4. Lend a book" in output and "6. Reserve a book" in output and "3. Browse" not in output
    )
    assert "√ a lent book cannot" in output  # scenario names, cut to the column width


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--view", "sequence"], "unknown view 'sequence'"),
        (["--view", "aggregate:Nope"], "no aggregate named 'Nope'"),
        (["--view", "slice:99"], "there is no slice 99"),
        (["--slices", "7..2"], "runs backwards"),
        (["--view", "context-map"], "no bounded contexts"),
        (["-o", "picture.jpeg"], "cannot tell the format"),
        (["--format", "png"], "write it to a file with -o"),
    ],
)
def test_mistakes_exit_2_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a.endswith(".jpeg") else a for a in args]
    code, output = run("render", str(LIBRARY), *args)
    assert code == 2
    assert message in output


def test_unreadable_model_prints_diagnostics_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("workbench: 1\nname: [unclosed\n", encoding="utf-8")
    code, output = run("render", str(bad))
    assert code == 2
    assert "bad.yaml" in output and "not a usable model" in output
    code, output = run("docs", str(bad), "-o", str(tmp_path / "site"))
    assert code == 2 and not (tmp_path / "site").exists()


def test_model_with_errors_is_drawn_with_a_warning(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = LIBRARY.read_text(encoding="utf-8").replace(
        "issue:\n      RecordLoan: {}", "issue:\n      RecordLon: {}"
    )
    assert "RecordLon" in text
    broken.write_text(text, encoding="utf-8")
    code, output = run("render", str(broken), "--format", "text")
    assert code == 0
    assert "warning:" in output and "drawing it anyway" in output


def test_docs_command(tmp_path: Path) -> None:
    site = tmp_path / "site"
    code, output = run("docs", str(LIBRARY), "-o", str(site), "--no-pictures")
    assert code == 0, output
    assert "open" in output and (site / "index.html").is_file()
    code, output = run("docs", str(LIBRARY), "-o", str(tmp_path))
    assert code == 2 and "not empty" in output


# ----------------------------------------------------------------- QA fixes


def test_a_file_without_a_suffix_gets_text(tmp_path: Path) -> None:
    target = tmp_path / "blueprint"
    code, output = run("render", str(LIBRARY), "-o", str(target))
    assert code == 0, output
    assert "(text," in output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("Library — blueprint") and "● BookLent" in text
    # a file is always drawn 100 cells wide, whatever the terminal is
    assert max(len(line) for line in text.splitlines()) <= 100
    _, helptext = run("render", "--help")
    assert "text for stdout or a file without a suffix" in " ".join(helptext.split())


def test_a_missing_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run("render", str(LIBRARY), "-o", "nofolder/x.svg")
    assert code == 2
    assert "error: cannot write nofolder/x.svg: folder 'nofolder' does not exist" in output
    code, output = run("render", str(LIBRARY), "-o", "nofolder/deeper/x.txt")
    assert code == 2 and "folder 'nofolder' does not exist" in output
    (tmp_path / "afile").write_text("", encoding="utf-8")
    code, output = run("render", str(LIBRARY), "-o", "afile/x.mmd")
    assert code == 2 and "'afile' is not a folder" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (errno.EROFS, "folder '{folder}' is on a read-only file system"),
        (errno.EACCES, "permission denied, you may not write in folder '{folder}'"),
        (errno.ENOSPC, "no space left on the device"),
    ],
)
def test_write_errors_exit_2_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int, message: str
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise OSError(error, os.strerror(error), str(tmp_path / "x.txt"))

    monkeypatch.setattr(render_commands, "write_output", refuse)
    code, output = run("render", str(LIBRARY), "-o", str(tmp_path / "x.txt"))
    assert code == 2
    assert message.format(folder=tmp_path) in output and "Traceback" not in output
    monkeypatch.setattr(render_commands, "build_docs", refuse)
    code, output = run("docs", str(LIBRARY), "-o", str(tmp_path / "site"))
    assert code == 2 and f"cannot write the site to {tmp_path / 'site'}" in output


_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _as_another_user() -> list[str] | None:
    """How to run a command that file permissions apply to: as is, or as 'nobody' under root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    probe = subprocess.run(
        [*_NOBODY, sys.executable, "-c", "import workbench.cli"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    return _NOBODY if probe.returncode == 0 else None


def test_a_read_only_folder_gives_a_clear_message_not_a_traceback() -> None:
    prefix = _as_another_user()
    if prefix is None:
        pytest.skip("running as root without setpriv (or 'nobody' cannot read the project)")
    base = Path(tempfile.mkdtemp(prefix="workbench-ro-"))
    try:
        base.chmod(0o755)
        model = base / "library.yaml"
        shutil.copyfile(LIBRARY, model)
        model.chmod(0o644)
        locked = base / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        cli_main = "import sys; from workbench.cli import cli; sys.exit(cli.main())"
        for args in (
            ["render", str(model), "-o", str(locked / "b.txt")],
            ["render", str(model), "--view", "flow", "-o", str(locked / "b.dot")],
            ["docs", str(model), "-o", str(locked / "site"), "--no-pictures"],
        ):
            proc = subprocess.run(
                [*prefix, sys.executable, "-c", cli_main, *args],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert proc.returncode == 2, (args, proc.stderr)
            assert "Traceback" not in proc.stderr
            assert "permission denied" in proc.stderr, proc.stderr
        assert list(locked.iterdir()) == []
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)
