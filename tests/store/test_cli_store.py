"""``workbench store ...``: every listing in table, JSON and CSV, and exit 2 for files
that are missing or not event stores, without ever creating or changing a file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli, store_commands
from workbench.store import MIGRATIONS, EventStore, NewEvent, applied_migrations, migrate

from .conftest import REPO_ROOT

LIBRARY = REPO_ROOT / "models" / "library.yaml"
WORKLOAD = REPO_ROOT / "models" / "workloads" / "library.workload.yaml"


def store_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["store", *map(str, args)])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example library workload, simulated into a kept file."""
    path = tmp_path_factory.mktemp("store-cli") / "library.db"
    result = CliRunner().invoke(
        cli, ["simulate", str(LIBRARY), "--workload", str(WORKLOAD), "--db", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def as_json(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert isinstance(rows, list)
    return rows


def as_csv(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_streams_in_every_format(db: Path) -> None:
    rows = as_json(store_cli("streams", db, "--format", "json"))
    assert len(rows) == 61
    assert sum(int(r["events"]) for r in rows) == 147  # type: ignore[call-overload]
    assert all(str(r["stream_id"]).startswith(("Book-", "Member-")) for r in rows)
    assert len(as_csv(store_cli("streams", db, "--format", "csv"))) == 61
    table = store_cli("streams", db)
    assert table.exit_code == 0
    header, rule = table.output.splitlines()[:2]
    assert header.split() == [
        "stream_id",
        "version",
        "events",
        "first_position",
        "last_position",
        "types",
    ]
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(table.output.splitlines()) == 63


def test_events_with_from_limit_and_type(db: Path) -> None:
    every = as_json(store_cli("events", db, "--format", "json"))
    assert [e["position"] for e in every] == list(range(1, 148))
    page = as_json(store_cli("events", db, "--from", "10", "--limit", "5", "--format", "json"))
    assert [e["position"] for e in page] == [11, 12, 13, 14, 15]
    fines = as_csv(store_cli("events", db, "--type", "FineCharged", "--format", "csv"))
    assert len(fines) == 10 and {f["type"] for f in fines} == {"FineCharged"}
    assert json.loads(fines[0]["data"])["amount"] == "2.25"
    two = as_json(store_cli("events", db, "--type", "BookLent", "--limit", "2", "--format", "json"))
    assert len(two) == 2 and {e["type"] for e in two} == {"BookLent"}
    header = "position,stream_id,version,type,schema_version,event_id,causation_id,"
    after = store_cli("events", db, "--type", "BookRegistered", "--from", "140", "--format", "csv")
    assert after.exit_code == 0 and after.stdout.startswith(header)  # a type held, earlier
    assert after.stdout.count("\n") == 1 and after.stderr == ""


def test_an_event_type_the_store_does_not_hold_exits_2(db: Path) -> None:
    none = store_cli("events", db, "--type", "Nothing", "--format", "csv")
    assert none.exit_code == 2 and none.stdout == ""
    assert (
        "no events of type 'Nothing' (types in the store: BookLent, BookRegistered," in none.stderr
    )
    assert "did you mean" not in none.stderr
    near = store_cli("events", db, "--type", "BookLend")
    assert near.exit_code == 2 and near.stdout == ""
    assert near.stderr.rstrip().endswith("; did you mean 'BookLent'?")


def test_one_stream(db: Path) -> None:
    streams = as_json(store_cli("streams", db, "--format", "json"))
    longest = max(streams, key=lambda s: int(s["events"]))  # type: ignore[call-overload]
    events = as_json(store_cli("stream", db, str(longest["stream_id"]), "--format", "json"))
    assert [e["version"] for e in events] == list(range(1, int(longest["events"]) + 1))  # type: ignore[call-overload]
    assert {e["stream_id"] for e in events} == {longest["stream_id"]}
    missing = store_cli("stream", db, "Book-nope")
    assert missing.exit_code == 2 and "no stream 'Book-nope'" in missing.output


def test_a_stream_the_store_does_not_hold_exits_2_with_a_hint(db: Path) -> None:
    streams = [str(s["stream_id"]) for s in as_json(store_cli("streams", db, "--format", "json"))]
    member = next(s for s in streams if s.startswith("Member-"))
    bare = member.removeprefix("Member-")
    for command in (["stream", db, bare], ["snapshots", db, "--stream", bare]):
        result = store_cli(*command)
        assert result.exit_code == 2 and result.stdout == ""
        assert f"no stream '{bare}'" in result.stderr
        assert result.stderr.rstrip().endswith(f"; did you mean '{member}'?")
    typo = store_cli("stream", db, member[:-1] + "#")
    assert typo.exit_code == 2 and f"did you mean '{member}'?" in typo.stderr
    far = store_cli("snapshots", db, "--stream", "nope")
    assert far.exit_code == 2 and "no stream 'nope'" in far.stderr
    assert "did you mean" not in far.stderr
    held = store_cli("snapshots", db, "--stream", member, "--format", "csv")  # no snapshots
    assert held.exit_code == 0 and held.stdout == "stream_id,version,recorded_at,state\n"


def test_a_bare_id_of_several_streams_names_a_few(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    with EventStore.open(path) as store:
        for aggregate in ("Author", "Book", "Loan", "Member", "Shelf"):
            event = NewEvent(type="Made", data={}, event_id=aggregate, recorded_at="t")
            store.append(f"{aggregate}-7-a", [event], 0)
    result = store_cli("stream", path, "7-a")
    assert result.exit_code == 2
    assert "did you mean 'Author-7-a', 'Book-7-a' or 'Loan-7-a' (or 2 more)?" in result.stderr


def test_a_long_table_shows_the_first_rows_and_says_so(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_commands, "TABLE_CAP", 100)
    table = store_cli("events", db)
    assert table.exit_code == 0 and len(table.stdout.splitlines()) == 2 + 100
    assert "showing the first 100 of 147 events" in table.stderr
    assert "--limit" in table.stderr and "--format csv" in table.stderr
    asked = store_cli("events", db, "--limit", "120")  # a --limit is a choice: no cap
    assert len(asked.stdout.splitlines()) == 2 + 120 and asked.stderr == ""
    later = store_cli("events", db, "--from", "37", "--format", "table")
    assert len(later.stdout.splitlines()) == 2 + 100 and "of 110 events" in later.stderr
    assert len(as_csv(store_cli("events", db, "--format", "csv"))) == 147  # exports are whole
    streams = as_json(store_cli("streams", db, "--format", "json"))
    longest = max(streams, key=lambda s: int(s["events"]))  # type: ignore[call-overload]
    monkeypatch.setattr(store_commands, "TABLE_CAP", 2)
    stream = store_cli("stream", db, str(longest["stream_id"]))
    assert stream.exit_code == 0 and len(stream.stdout.splitlines()) == 2 + 2
    assert f"showing the first 2 of {longest['events']} events" in stream.stderr
    assert "--format csv" in stream.stderr
    assert "10,000" in store_cli("events", "--help").output


def test_read_models_by_name_or_table(db: Path) -> None:
    rows = as_json(store_cli("read-model", db, "LoansPerMember", "--format", "json"))
    assert len(rows) == 21
    assert list(rows[0]) == ["member_id", "name", "loans", "fines"]
    fined = [r for r in rows if r["fines"] != "0"]
    assert len(fined) == 10
    by_table = as_csv(store_cli("read-model", db, "rm_available_books", "--format", "csv"))
    assert len(by_table) == 40 and set(by_table[0]) == {"book_id", "title", "genre", "available"}
    unknown = store_cli("read-model", db, "AvailableBook")
    assert unknown.exit_code == 2
    assert "no read model 'AvailableBook'" in unknown.output
    assert "did you mean 'AvailableBooks'?" in unknown.output


def test_snapshots_checkpoints_dead_letters_and_runs(db: Path) -> None:
    assert as_json(store_cli("snapshots", db, "--format", "json")) == []  # streams are short
    checkpoints = as_json(store_cli("checkpoints", db, "--format", "json"))
    assert {c["consumer"] for c in checkpoints} == {
        "projection:AvailableBooks",
        "projection:LoansPerMember",
    }
    assert all(c["position"] == 147 and c["behind"] == 0 for c in checkpoints)
    assert as_json(store_cli("dead-letters", db, "--format", "json")) == []
    empty = store_cli("dead-letters", db, "--format", "csv")
    assert empty.output.startswith("id,consumer,position")
    (run,) = as_json(store_cli("runs", db, "--format", "json"))
    assert run["kind"] == "simulation" and run["model"] == "Library" and run["seed"] == 7
    summary = run["summary"]
    assert isinstance(summary, dict) and summary["events"]["total"] == 147
    assert "runs" in store_cli("--help").output


def test_inspecting_never_changes_the_file(db: Path) -> None:
    before = digest(db)
    for command in ("streams", "events", "snapshots", "checkpoints", "dead-letters", "runs"):
        assert store_cli(command, db).exit_code == 0
    assert store_cli("read-model", db, "AvailableBooks").exit_code == 0
    assert digest(db) == before


def sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(f"{path.name}-*"))


def test_inspecting_leaves_no_wal_or_shm_behind(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    path.write_bytes(db.read_bytes())  # the file of a finished run: no -wal, no -shm
    assert sidecars(path) == []
    before = digest(path)
    for command in ("streams", "events", "snapshots", "checkpoints", "dead-letters", "runs"):
        assert store_cli(command, path, "--format", "json").exit_code == 0
        assert sidecars(path) == [], command
    assert store_cli("stream", path, "Book-nope").exit_code == 2  # an exit 2 tidies too
    assert sidecars(path) == [] and digest(path) == before

    writer = EventStore.open(path)  # a run still writing: its WAL is left alone
    writer.save_checkpoint("someone", 3)
    wal = path.with_name("copy.db-wal").read_bytes()
    assert store_cli("checkpoints", path).exit_code == 0
    assert sidecars(path) == ["copy.db-shm", "copy.db-wal"]
    assert path.with_name("copy.db-wal").read_bytes() == wal
    writer.close()


def test_an_older_file_is_read_without_migrating_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, now=lambda: "2024-01-01T00:00:00", migrations=MIGRATIONS[:2])
    conn.close()
    result = store_cli("events", path, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert "uses store format 2 (current" in result.stderr
    conn = sqlite3.connect(path)
    assert len(applied_migrations(conn)) == 2
    conn.close()


@pytest.mark.parametrize("command", ["streams", "events", "snapshots", "runs"])
def test_a_missing_file_exits_2_and_is_not_created(tmp_path: Path, command: str) -> None:
    path = tmp_path / "nothing.db"
    result = store_cli(command, path)
    assert result.exit_code == 2
    assert f"{path}: no such file" in result.output
    assert not path.exists()


def test_garbage_and_foreign_files_exit_2(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00\x01 this is not SQLite " * 200)
    result = store_cli("streams", garbage)
    assert result.exit_code == 2 and "not an event store" in result.output
    assert "Traceback" not in result.output

    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = digest(foreign)
    result = store_cli("events", foreign)
    assert result.exit_code == 2 and "not an event store" in result.output
    assert digest(foreign) == before

    empty = tmp_path / "empty.db"
    empty.touch()
    assert store_cli("runs", empty).exit_code == 2
    assert empty.stat().st_size == 0

    assert store_cli("runs", tmp_path).exit_code == 2


def test_a_file_from_a_newer_version_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    EventStore.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('9999_future', 'x')")
    conn.commit()
    conn.close()
    result = store_cli("streams", path)
    assert result.exit_code == 2 and "newer Event Workbench" in result.output


def test_read_only_stores_refuse_writes(db: Path) -> None:
    with EventStore.open(db, read_only=True) as store:
        assert store.head_position() == 147
        with pytest.raises(sqlite3.OperationalError):
            store.save_checkpoint("x", 1)


def test_a_run_that_did_not_finish_says_so_in_a_table(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    with EventStore.open(path, clock=lambda: "2024-01-01T00:00:00+00:00") as store:
        store.finish_run(store.start_run("Library", seed=1), {"events": 3})
        store.start_run("Library", seed=2)  # killed: never finished
    table = store_cli("runs", path)
    assert table.exit_code == 0
    header, _, done, killed = table.stdout.splitlines()
    assert header.split()[5] == "finished_at"
    assert "(not finished)" not in done and done.count("2024-01-01T00:00:00+00:00") == 2
    assert "2024-01-01T00:00:00+00:00  (not finished)" in killed
    assert [r["finished_at"] for r in as_json(store_cli("runs", path, "--format", "json"))] == [
        "2024-01-01T00:00:00+00:00",
        None,
    ]
    assert [r["finished_at"] for r in as_csv(store_cli("runs", path, "--format", "csv"))] == [
        "2024-01-01T00:00:00+00:00",
        "",
    ]
