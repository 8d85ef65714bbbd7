"""Packaging: the wheel and the editable install both work, and both find the data folders.

A copy of the project (package, ``templates/``, ``models/``, ``pyproject.toml``,
``README.md``) is built once as a wheel and installed (``--no-deps``) into a fresh
virtualenv; the same copy is installed with ``pip install -e`` into a second one. The
runtime dependencies come from the environment running the tests, through a ``.pth``
file written after the install, so no dependency is downloaded or installed; only the
build backend (hatchling, from pip's cache after the first run) is fetched by pip's
build isolation, exactly as for a user's ``pip install``. Installed commands run from a
folder outside the project.

Working on a copy keeps the checkout untouched and lets the test add placeholders for
folders other people have not filled yet (an empty ``models/``, say).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench import resources

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_FOLDERS = ("templates", "models")
DUMMY_MODEL = "zz-packaging-test-dummy.yaml"
PROJECT_VERSION: str = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
    "version"
]


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def _run(
    cmd: list[str | Path], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    return proc


def _files_under(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the build needs, with placeholders where folders are still empty."""
    dest = tmp_path_factory.mktemp("project") / "event-workbench"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")
    dest.mkdir()
    shutil.copy2(REPO_ROOT / "pyproject.toml", dest)
    shutil.copytree(REPO_ROOT / "workbench", dest / "workbench", ignore=ignore)
    for extra in REPO_ROOT.glob("LICENSE*"):
        shutil.copy2(extra, dest)
    if (REPO_ROOT / "README.md").is_file():
        shutil.copy2(REPO_ROOT / "README.md", dest)
    else:  # pyproject's `readme` must exist for the build; the README is someone else's file
        (dest / "README.md").write_text("# Event Workbench\n\nPlaceholder for the test.\n")
    for name in DATA_FOLDERS:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, dest / name, ignore=ignore)
        (dest / name).mkdir(exist_ok=True)
    # Only inside this copy: an empty folder would leave nothing to check in the wheel.
    if not list((dest / "models").glob("*.yaml")):
        (dest / "models" / DUMMY_MODEL).write_text("# placeholder model for the test\n")
    if not _files_under(dest / "templates"):
        (dest / "templates" / "README.md").write_text("placeholder for the test\n")
    return dest


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty working directory outside the project for running installed commands."""
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(scope="module")
def wheel(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, project], cwd=out)
    wheels = list(out.glob("event_workbench-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, got {wheels}"
    return wheels[0]


@dataclass(frozen=True)
class Install:
    mode: str
    venv: Path
    project: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def script(self) -> Path:
        return self.venv / "bin" / "workbench"


def _venv_with(target: str | Path, root: Path, editable: bool) -> Path:
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q"]
    _run([*install, *(["-e"] if editable else []), target], cwd=root)
    # Dependencies: the test environment's site-packages, appended to sys.path *after*
    # the install (so pip never sees another event-workbench) and sorted after
    # hatchling's editable .pth (so the venv's own workbench always wins).
    purelib = Path(_run([python, "-c", _PURELIB], cwd=root).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (purelib / "zz_workbench_test_deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return venv


_PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"


@pytest.fixture(scope="module")
def wheel_install(wheel: Path, project: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    return Install(
        "wheel", _venv_with(wheel, tmp_path_factory.mktemp("wheel-venv"), False), project
    )


@pytest.fixture(scope="module")
def editable_install(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    root = tmp_path_factory.mktemp("editable-venv")
    return Install("editable", _venv_with(project, root, True), project)


@pytest.fixture(params=["wheel", "editable"])
def installed(request: pytest.FixtureRequest) -> Install:
    inst: Install = request.getfixturevalue(f"{request.param}_install")
    return inst


# ------------------------------------------------------------------------------ tests


def test_wheel_contains_data_folders(wheel: Path, project: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for name in DATA_FOLDERS:
        expected = {f"workbench/_data/{name}/{rel}" for rel in _files_under(project / name)}
        assert expected, f"nothing to ship in {name}/"
        assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
        leaked = sorted(n for n in names if n.startswith(f"{name}/"))
        assert not leaked, f"{name}/ also shipped at the top level: {leaked}"
    assert {"workbench/__init__.py", "workbench/__main__.py", "workbench/resources.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.parametrize("command", ["script", "module"])
def test_version(installed: Install, outside: Path, command: str) -> None:
    cmd: list[str | Path] = (
        [installed.script] if command == "script" else [installed.python, "-m", "workbench"]
    )
    proc = _run([*cmd, "--version"], cwd=outside, timeout=60)
    assert PROJECT_VERSION in proc.stdout, proc.stdout + proc.stderr


_PROBE = """
import json, sysconfig, workbench
from workbench import resources as r
out = {
    "package": workbench.__file__,
    "version": workbench.__version__,
    "purelib": sysconfig.get_path("purelib"),
    "templates": str(r.templates_dir()),
    "models": str(r.models_dir()),
    "examples": [str(p) for p in r.example_models()],
}
try:
    r.template_set("no-such-template-set")
except r.ResourceNotFound as exc:
    out["missing_set"] = str(exc)
print(json.dumps(out))
"""


def test_resources_point_where_expected(installed: Install, outside: Path) -> None:
    got = json.loads(_run([installed.python, "-c", _PROBE], cwd=outside).stdout)
    if installed.mode == "wheel":
        package = Path(got["purelib"]).resolve() / "workbench"
        data = {name: package / "_data" / name for name in DATA_FOLDERS}
    else:
        package = installed.project.resolve() / "workbench"
        data = {name: installed.project.resolve() / name for name in DATA_FOLDERS}

    assert Path(got["package"]).resolve() == package / "__init__.py"
    assert got["version"] == PROJECT_VERSION
    assert Path(got["templates"]) == data["templates"]
    assert Path(got["models"]) == data["models"]
    for name in DATA_FOLDERS:
        assert _files_under(data[name]) == _files_under(installed.project / name)
    expected_models = sorted(p.name for p in (installed.project / "models").glob("*.yaml"))
    assert [Path(p).name for p in got["examples"]] == expected_models
    assert all(Path(p).parent == data["models"] for p in got["examples"])
    assert str(data["templates"]) in got["missing_set"]


# ------------------------------------------------- resources lookup, in this process


@pytest.fixture
def fake_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-shaped folder: ``root/workbench/_data`` (empty) and ``root/pyproject.toml``."""
    (tmp_path / "workbench").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.setattr(resources, "_DATA_DIR", tmp_path / "workbench" / "_data")
    monkeypatch.setattr(resources, "_SOURCE_ROOT", tmp_path)
    return tmp_path


def test_lookup_prefers_installed_data(fake_layout: Path) -> None:
    (fake_layout / "templates").mkdir()
    installed = fake_layout / "workbench" / "_data" / "templates"
    installed.mkdir(parents=True)
    assert resources.templates_dir() == installed


def test_lookup_falls_back_to_source_tree(fake_layout: Path) -> None:
    (fake_layout / "models").mkdir()
    for name in ("b.yaml", "a.yaml", "notes.md"):
        (fake_layout / "models" / name).write_text("")
    assert resources.models_dir() == fake_layout / "models"
    assert resources.example_models() == [fake_layout / "models" / n for n in ("a.yaml", "b.yaml")]


def test_source_tree_needs_pyproject(fake_layout: Path) -> None:
    (fake_layout / "models").mkdir()
    (fake_layout / "pyproject.toml").unlink()  # e.g. site-packages with a stray models/
    with pytest.raises(resources.ResourceNotFound) as info:
        resources.models_dir()
    assert str(fake_layout / "workbench" / "_data" / "models") in str(info.value)


def test_missing_folder_names_where_it_looked(fake_layout: Path) -> None:
    with pytest.raises(resources.ResourceNotFound) as info:
        resources.templates_dir()
    message = str(info.value)
    assert str(fake_layout / "workbench" / "_data" / "templates") in message
    assert str(fake_layout / "templates") in message
    assert isinstance(info.value, FileNotFoundError)


def test_template_set(fake_layout: Path) -> None:
    (fake_layout / "templates" / "python").mkdir(parents=True)
    (fake_layout / "templates" / "README.md").write_text("")
    assert resources.template_set("python") == fake_layout / "templates" / "python"
    for bad in ("nope", "README.md", "", ".", "..", "../templates", "python/../python", "/tmp"):
        with pytest.raises(resources.ResourceNotFound) as info:
            resources.template_set(bad)
        assert str(fake_layout / "templates") in str(info.value)
        assert "python" in str(info.value)  # lists what is available
