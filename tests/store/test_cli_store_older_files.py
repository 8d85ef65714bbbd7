"""``workbench store ...`` on a file an older version wrote: read as it is, never migrated.

Tables a later migration adds are not in it yet: they list as empty (read models: none
known), and one note on stderr says the file is upgraded when it is next written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli
from workbench.store import MIGRATIONS, EventStore, UnknownProjectionError, migrate
from workbench.store.inspect import (
    checkpoints_rows,
    dead_letters_rows,
    read_model_rows,
    read_models,
    runs_rows,
    snapshots_rows,
    store_format,
    streams_rows,
)

from .conftest import FIXED_TIME, fixed_clock

CURRENT = len(MIGRATIONS)


def store_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["store", *map(str, args)])


def older_file(path: Path, version: int) -> Path:
    """A WAL-mode file with only the first ``version`` migrations, and an event and a run."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    migrate(conn, now=fixed_clock, migrations=MIGRATIONS[:version])
    conn.execute(
        "INSERT INTO events (position, stream_id, version, type, schema_version, data, "
        "event_id, causation_id, correlation_id, recorded_at) "
        "VALUES (1, 'Book-1', 1, 'BookAdded', 1, '{}', 'e1', NULL, NULL, ?)",
        (FIXED_TIME,),
    )
    conn.execute(
        "INSERT INTO runs (started_at, finished_at, model, seed, kind, summary) "
        "VALUES (?, ?, 'Library', 7, 'simulation', '{}')",
        (FIXED_TIME, FIXED_TIME),
    )
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("version", range(1, CURRENT))
def test_every_listing_of_an_older_file_works(tmp_path: Path, version: int) -> None:
    path = older_file(tmp_path / "old.db", version)
    before = digest(path)
    note = (
        f"{path} uses store format {version} (current {CURRENT}): "
        "it is upgraded the next time it is written\n"
    )
    for command in ("streams", "events", "snapshots", "checkpoints", "dead-letters", "runs"):
        result = store_cli(command, path, "--format", "json")
        assert result.exit_code == 0, (command, result.output)
        assert result.stderr == note, command  # one note, once
        rows = json.loads(result.stdout)
        assert len(rows) == (1 if command in ("streams", "events", "runs") else 0), command
    stream = store_cli("stream", path, "Book-1", "--format", "json")
    assert stream.exit_code == 0, stream.output
    assert [e["event_id"] for e in json.loads(stream.stdout)] == ["e1"]
    read_model = store_cli("read-model", path, "AvailableBooks")
    assert read_model.exit_code == 2
    assert "no read model 'AvailableBooks' (read models: none)" in read_model.stderr
    assert digest(path) == before
    with sqlite3.connect(path) as conn:  # still not migrated
        assert conn.execute("SELECT COUNT(*) FROM _migrations").fetchone() == (version,)
    conn.close()


def test_the_listings_of_an_older_file_are_empty_not_errors(tmp_path: Path) -> None:
    path = older_file(tmp_path / "old.db", 1)
    with EventStore.open(path, read_only=True) as store:
        assert store_format(store) == (1, CURRENT)
        assert dead_letters_rows(store) == [] and dead_letters_rows(store, "mailer") == []
        assert read_models(store) == []
        with pytest.raises(UnknownProjectionError, match="no projection named 'Stock'"):
            read_model_rows(store, "Stock")
        assert [r["stream_id"] for r in streams_rows(store)] == ["Book-1"]
        assert snapshots_rows(store) == [] and checkpoints_rows(store) == []
        assert [r["model"] for r in runs_rows(store)] == ["Library"]


def test_a_current_file_gets_no_note(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    EventStore.open(path).close()
    with EventStore.open(path, read_only=True) as store:
        assert store_format(store) == (CURRENT, CURRENT)
    result = store_cli("dead-letters", path)
    assert result.exit_code == 0 and result.stderr == ""


def test_writing_an_older_file_upgrades_it_and_the_note_goes(tmp_path: Path) -> None:
    path = older_file(tmp_path / "old.db", 2)
    EventStore.open(path).close()
    result = store_cli("read-model", path, "Anything")
    assert result.exit_code == 2 and "uses store format" not in result.stderr
