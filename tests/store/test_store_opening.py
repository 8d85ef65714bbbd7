"""Opening a file: what is not a store is refused untouched, and a store in a read-only
folder can still be inspected (unless it has commits only its ``-wal`` holds)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli
from workbench.store import EventStore, NewEvent, SchemaVersionError, StoreError, eventstore

from .conftest import FIXED_TIME

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def store_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["store", *map(str, args)])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def event(n: int) -> NewEvent:
    return NewEvent(type="BookAdded", data={"n": n}, event_id=f"e{n}", recorded_at=FIXED_TIME)


def make_store(path: Path, events: int = 2) -> Path:
    """A closed store file holding ``events`` events (no ``-wal``, no ``-shm`` left)."""
    with EventStore.open(path) as store:
        store.append("book-1", [event(n) for n in range(1, events + 1)], expected_version=0)
    return path


def sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(f"{path.name}-*"))


# -- a writable open refuses what is not a store, before changing it -------------------


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (x)")
        conn.execute("INSERT INTO things VALUES (1)")
    conn.close()


def _own_events_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    conn.close()


def _text(path: Path) -> None:
    path.write_text("stream,event\nbook-1,BookAdded\n" * 100)


def _corrupt(path: Path) -> None:
    """A real store whose schema page was overwritten: SQLite calls it malformed."""
    make_store(path)
    damaged = bytearray(path.read_bytes())
    damaged[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(damaged))


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_foreign, "an SQLite database, but not an event store"),
        (_own_events_table, "an SQLite database, but not an event store"),
        (_text, "not an event store (file is not a database)"),
        (_corrupt, "not an event store (database disk image is malformed)"),
    ],
    ids=["foreign", "own-events-table", "text", "corrupt"],
)
def test_a_writable_open_refuses_a_file_that_is_not_a_store_untouched(
    tmp_path: Path, make: Callable[[Path], None], why: str
) -> None:
    path = tmp_path / "other.db"
    make(path)
    before = digest(path)
    with pytest.raises(StoreError) as caught:
        EventStore.open(path)
    assert str(caught.value) == f"{path}: {why}; it was left unchanged"
    assert digest(path) == before  # journal mode (bytes 18-19 of the header) included
    assert sidecars(path) == []


def test_a_foreign_database_keeps_its_journal_mode_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "foreign.db"
    _foreign(path)
    with pytest.raises(StoreError):
        EventStore.open(path, create=False)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == [("things",)]
    conn.close()


def test_an_sqlite_file_with_no_tables_counts_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 7")  # writes a header: a non-empty file, no tables
    conn.commit()
    conn.close()
    assert path.stat().st_size > 0
    with EventStore.open(path) as store:
        assert store.append("s", [event(1)], expected_version=0)[0].position == 1
    empty = tmp_path / "empty.db"
    empty.touch()
    with EventStore.open(empty) as store:
        assert store.head_position() == 0


def test_a_file_from_a_newer_version_is_refused_before_anything_changes(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    make_store(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # so a switch to WAL would show
        conn.execute("INSERT INTO _migrations VALUES ('9999_from_the_future', 'x')")
    conn.close()
    before = digest(path)
    with pytest.raises(SchemaVersionError):
        EventStore.open(path)
    assert digest(path) == before


# -- a store in a read-only folder -----------------------------------------------------


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder made read-only (``chmod 555``) after the test filled it; restored after."""
    folder = tmp_path / "ro"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


def _with_uncheckpointed_wal(path: Path) -> None:
    """Copy a store whose last commit is only in its ``-wal`` to ``path`` (no ``-shm``),
    as a writer killed before it checkpointed leaves it."""
    source = path.parent.parent / "writing.db"
    make_store(source)
    writer = EventStore.open(source, wal_autocheckpoint=0)
    writer.append("book-2", [event(99)], expected_version=0)
    assert Path(f"{source}-wal").stat().st_size > 0
    shutil.copyfile(source, path)
    shutil.copyfile(f"{source}-wal", f"{path}-wal")
    writer.close()


@pytest.mark.skipif(AS_ROOT, reason="as root, chmod does not stop writing")
def test_a_store_in_a_read_only_folder_can_be_inspected(read_only_folder: Path) -> None:
    path = make_store(read_only_folder / "x.db")
    read_only_folder.chmod(0o555)
    with EventStore.open(path, read_only=True) as store:
        assert [e.event_id for e in store.read_all()] == ["e1", "e2"]
    result = store_cli("streams", path, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("book-1,2,2,")
    assert result.stderr == ""
    assert sidecars(path) == []


@pytest.mark.skipif(AS_ROOT, reason="as root, chmod does not stop writing")
def test_a_read_only_folder_with_an_uncheckpointed_wal_is_refused_clearly(
    read_only_folder: Path,
) -> None:
    path = read_only_folder / "x.db"
    _with_uncheckpointed_wal(path)
    read_only_folder.chmod(0o555)
    message = (
        f"cannot read {path}: its folder is read-only and it has uncheckpointed "
        f"changes in {path}-wal"
    )
    with pytest.raises(StoreError) as caught:
        EventStore.open(path, read_only=True)
    assert str(caught.value) == message
    result = store_cli("events", path)
    assert result.exit_code == 2 and result.stderr.strip() == message


class _BlockedConnection:
    """A ``mode=ro`` connection as SQLite gives it in a read-only folder: its first read
    fails, because it cannot create the ``-shm`` file."""

    def execute(self, *args: object) -> None:
        error = sqlite3.OperationalError("attempt to write a readonly database")
        error.sqlite_errorcode = sqlite3.SQLITE_READONLY_DIRECTORY
        error.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
        raise error

    def close(self) -> None:
        pass


@pytest.fixture
def as_in_a_read_only_folder(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Make every ordinary read-only open fail as in a read-only folder (so this runs as
    root too); returns the ``immutable`` flag of each connection made."""
    made: list[bool] = []
    real = eventstore._read_only_connection

    def connect(file: Path, busy_timeout_ms: int, *, immutable: bool) -> sqlite3.Connection:
        made.append(immutable)
        if not immutable:
            return _BlockedConnection()  # type: ignore[return-value]
        return real(file, busy_timeout_ms, immutable=immutable)

    monkeypatch.setattr(eventstore, "_read_only_connection", connect)
    return made


def test_without_a_wal_the_file_is_read_as_immutable(
    tmp_path: Path, as_in_a_read_only_folder: list[bool]
) -> None:
    path = make_store(tmp_path / "x.db")
    with EventStore.open(path, read_only=True) as store:
        assert [e.event_id for e in store.read_all()] == ["e1", "e2"]
    assert as_in_a_read_only_folder == [False, True]
    Path(f"{path}-wal").touch()  # an empty WAL holds nothing: still safe
    result = store_cli("streams", path, "--format", "csv")
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.splitlines()[1].startswith("book-1,2,2,")


def test_with_an_uncheckpointed_wal_the_message_says_why(
    tmp_path: Path, as_in_a_read_only_folder: list[bool]
) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    path = folder / "x.db"
    _with_uncheckpointed_wal(path)
    with pytest.raises(StoreError, match="its folder is read-only and it has uncheckpointed"):
        EventStore.open(path, read_only=True)
    assert as_in_a_read_only_folder == [False]  # never read without its WAL
    result = store_cli("runs", path)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"cannot read {path}: its folder is read-only and it has uncheckpointed "
        f"changes in {path}-wal"
    )


def test_other_read_only_failures_are_not_read_as_immutable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_store(tmp_path / "x.db")

    class Locked(_BlockedConnection):
        def execute(self, *args: object) -> None:
            raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(eventstore, "_read_only_connection", lambda *a, **k: Locked())
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        EventStore.open(path, read_only=True)
