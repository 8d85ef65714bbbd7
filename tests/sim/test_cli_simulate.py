"""``workbench simulate``: summaries, the kept store, determinism, refusing to overwrite,
generated commands on every example model, exit codes and the progress bar."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli
from workbench.store import EventStore

from .conftest import EXAMPLE_MODELS, REPO_ROOT
from .test_workload import SMALL

LIBRARY = REPO_ROOT / "models" / "library.yaml"
EXAMPLE_WORKLOAD = REPO_ROOT / "models" / "workloads" / "library.workload.yaml"


def simulate(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["simulate", *map(str, args)])


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.workload.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def test_text_summary_of_a_workload(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    result = simulate(LIBRARY, "--workload", small, "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Library: workload small.workload.yaml, seed 3, batch 4"
    text = "\n".join(" ".join(line.split()) for line in lines)
    assert "commands 11 9 submitted (2 issued by policies)" in text
    assert "accepted 8" in text
    assert "rejected 3 AlreadyExists 1, BookAlreadyLent 1, NotFound 1" in text
    # which commands they were, most rejected first
    assert "LendBook 2 BookAlreadyLent 1, NotFound 1\nRegisterBook 1 AlreadyExists 1" in text
    assert "events 9" in text and "BookRegistered 3" in text
    assert "streams 4 in the store" in text
    assert "AvailableBooks 3 rows" in text and "LoansPerMember 1 row" in text
    assert "events/s" in text and "commands/s" in text
    assert f"inspect: workbench store streams {db}" in text
    assert db.exists()


def test_json_summary_has_the_same_numbers_and_the_timings(small: Path, tmp_path: Path) -> None:
    result = simulate(LIBRARY, "--workload", small, "--db", tmp_path / "a.db", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["database"] == str(tmp_path / "a.db")
    assert summary["commands"]["handled"] == 11
    assert summary["commands"]["rejected"] == {
        "AlreadyExists": 1,
        "BookAlreadyLent": 1,
        "NotFound": 1,
    }
    assert summary["commands"]["rejected_by_command"] == {
        "LendBook": {"BookAlreadyLent": 1, "NotFound": 1},
        "RegisterBook": {"AlreadyExists": 1},
    }
    assert summary["events"]["total"] == 9
    assert summary["store"]["read_models"] == {"AvailableBooks": 3, "LoansPerMember": 1}
    assert set(summary["timing"]) == {"elapsed_s", "events_per_s", "commands_per_s"}


def test_the_same_workload_and_seed_give_byte_identical_stores(small: Path, tmp_path: Path) -> None:
    dumps = []
    for name in ("a.db", "b.db"):
        result = simulate(LIBRARY, "--workload", EXAMPLE_WORKLOAD, "--db", tmp_path / name)
        assert result.exit_code == 0, result.output
        with EventStore.open(tmp_path / name, read_only=True) as store:
            dumps.append(store.dump())
    assert dumps[0] == dumps[1]
    assert "rm_loans_per_member" in dumps[0] and '"simulation"' in dumps[0]
    other = simulate(
        LIBRARY, "--workload", EXAMPLE_WORKLOAD, "--db", tmp_path / "c.db", "--seed", "8"
    )
    assert other.exit_code == 0
    with EventStore.open(tmp_path / "c.db", read_only=True) as store:
        assert store.dump() != dumps[0]


def test_generated_runs_are_deterministic_too(tmp_path: Path) -> None:
    dumps = []
    for name in ("a.db", "b.db"):
        result = simulate(LIBRARY, "--commands", "150", "--seed", "4", "--db", tmp_path / name)
        assert result.exit_code in (0, 1), result.output
        with EventStore.open(tmp_path / name, read_only=True) as store:
            dumps.append(store.dump())
    assert dumps[0] == dumps[1]


def test_the_default_database_is_the_model_stem_in_the_current_directory(
    in_tmp: Path, small: Path
) -> None:
    result = simulate(LIBRARY, "--workload", small)
    assert result.exit_code == 0, result.output
    assert (in_tmp / "library.sim.db").is_file()
    assert "library.sim.db" in result.output


def test_an_existing_store_is_refused_then_continued_or_replaced(
    small: Path, tmp_path: Path
) -> None:
    db = tmp_path / "run.db"
    assert simulate(LIBRARY, "--workload", small, "--db", db).exit_code == 0
    before = db.read_bytes()
    refused = simulate(LIBRARY, "--workload", small, "--db", db)
    assert refused.exit_code == 2
    assert "already holds 9 events from 1 run" in refused.output
    assert "--continue" in refused.output and "--force" in refused.output
    assert db.read_bytes() == before

    continued = simulate(LIBRARY, "--workload", small, "--db", db, "--continue", "--format", "json")
    assert continued.exit_code == 0, continued.output
    with EventStore.open(db, read_only=True) as store:
        runs = store.runs()
        assert [r.id for r in runs] == [1, 2]
        assert store.head_position() == 18  # new ids, so the second run's events are new
        assert runs[1].started_at > runs[0].finished_at  # time does not run backwards

    replaced = simulate(LIBRARY, "--workload", small, "--db", db, "--force")
    assert replaced.exit_code == 0, replaced.output
    with EventStore.open(db, read_only=True) as store:
        assert len(store.runs()) == 1 and store.head_position() == 9


def test_a_file_that_is_not_a_store_is_refused_unless_forced(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("my notes\n" * 100, encoding="utf-8")
    for extra in ((), ("--continue",)):
        result = simulate(LIBRARY, "--workload", small, "--db", db, *extra)
        assert result.exit_code == 2
        assert "is not an event store" in result.output
    assert db.read_text(encoding="utf-8").startswith("my notes")
    assert simulate(LIBRARY, "--workload", small, "--db", db, "--force").exit_code == 0


def test_an_empty_file_or_empty_store_is_used(small: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    assert simulate(LIBRARY, "--workload", small, "--db", empty).exit_code == 0
    fresh = tmp_path / "fresh.db"
    EventStore.open(fresh).close()
    assert simulate(LIBRARY, "--workload", small, "--db", fresh).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--commands", "5", "--workload", "w.yaml"), "not both"),
        (("--force", "--continue"), "not both"),
        (("--workload", "w.yaml", "--unchecked", "0.5"), "runs as written"),
        (("--commands", "5", "--unchecked", "1.5"), "--unchecked"),
        (("--workload", "missing.yaml"), "missing.yaml: no such file"),
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = simulate(LIBRARY, "--db", tmp_path / "x.db", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_bad_workload_exits_2_with_its_location(tmp_path: Path) -> None:
    workload = tmp_path / "w.yaml"
    workload.write_text("steps:\n  - LendBook: {book_id: b1, membr_id: m1}\n", encoding="utf-8")
    result = simulate(LIBRARY, "--workload", workload, "--db", tmp_path / "x.db")
    assert result.exit_code == 2
    assert f"{workload}:2:29: command 'LendBook' has no field 'membr_id'" in result.output
    assert not (tmp_path / "x.db").exists()


def test_a_value_that_does_not_fit_is_refused_before_the_store_is_created(
    tmp_path: Path,
) -> None:
    workload = tmp_path / "w.yaml"
    workload.write_text(
        "steps:\n  - JoinLibrary: {member_id: m1, name: Ada}\n"
        "  - PayFine: {member_id: m1, amount: lots}\n",
        encoding="utf-8",
    )
    result = simulate(LIBRARY, "--workload", workload, "--db", tmp_path / "x.db")
    assert result.exit_code == 2
    assert f"{workload}:3:38: command 'PayFine' field 'amount': expected decimal" in result.output
    assert "stopped" not in result.output
    assert not (tmp_path / "x.db").exists()


def test_an_invalid_model_exits_2(tmp_path: Path) -> None:
    model = tmp_path / "bad.yaml"
    model.write_text(
        "workbench: 1\nname: Bad\ncommands:\n  Do: {aggregate: Nope}\n", encoding="utf-8"
    )
    result = simulate(model, "--db", tmp_path / "x.db")
    assert result.exit_code == 2
    assert "cannot simulate this model" in result.output
    assert not (tmp_path / "x.db").exists()


def test_modeling_errors_make_the_run_exit_1(tmp_path: Path) -> None:
    model = tmp_path / "counter.yaml"
    model.write_text(
        """\
workbench: 1
name: Counter
aggregates:
  Counter:
    id: counter_id
    state: {n: {type: int, default: 0}}
    invariants: ["state.n <= 2"]
commands:
  Add: {aggregate: Counter, fields: {counter_id: uuid}, emits: [Added: {}]}
events:
  Added: {aggregate: Counter, fields: {counter_id: uuid}, evolve: {n: "state.n + 1"}}
""",
        encoding="utf-8",
    )
    workload = tmp_path / "w.yaml"
    workload.write_text("steps:\n  - repeat: {times: 4, steps: [{Add: {counter_id: c}}]}\n")
    result = simulate(model, "--workload", workload, "--db", tmp_path / "x.db")
    assert result.exit_code == 1
    assert "first modeling errors:" in result.output
    # which command, on which stream, from which step of the workload
    assert re.search(
        rf"- Add on Counter-[0-9a-f-]+ \({re.escape(str(workload))}:2(:\d+)?\): invariant",
        result.output,
    ), result.output


def test_batch_and_synchronous_options_are_recorded(small: Path, tmp_path: Path) -> None:
    result = simulate(
        LIBRARY,
        "--workload",
        small,
        "--db",
        tmp_path / "x.db",
        "--batch",
        "1",
        "--synchronous",
        "full",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["batch"], summary["synchronous"]) == (1, "FULL")
    assert summary["events"]["total"] == 9  # the same run, one transaction per command


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["simulate", str(LIBRARY), "--commands", "1200", "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code in (0, 1), result.output
    assert "simulating" not in result.stderr
    assert "%" not in result.stderr


@pytest.mark.parametrize("model", EXAMPLE_MODELS, ids=lambda p: p.stem)
def test_generated_commands_run_on_every_example_model(model: Path, tmp_path: Path) -> None:
    db = tmp_path / "gen.db"
    result = simulate(model, "--commands", "200", "--db", db, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    summary = json.loads(result.output)
    commands = summary["commands"]
    assert commands["submitted"] + commands["invalid_input"] == 200
    assert commands["invalid_input"] == 0, summary["invalid_input"]
    assert commands["accepted"] > 0
    # generated commands are checked first: what is rejected is mostly a policy's
    # follow-up (a transfer to an account nobody opened, on purpose now and then)
    assert commands["rejected_total"] <= 0.05 * commands["handled"], commands
    assert summary["events"]["total"] > 0
    assert "internal error" not in result.output
    with EventStore.open(db, read_only=True) as store:
        assert store.head_position() == summary["store"]["events"]


def test_a_progress_bar_on_a_terminal_for_long_runs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from workbench.cli.simulate_commands import PROGRESS_FROM, _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress(PROGRESS_FROM - 1) as update:
        assert update is None  # a short run: no bar
    with _progress(4000) as update:
        assert update is not None
        update(2000)
        update(2000)
    assert "simulating" in terminal.getvalue() and "4000/4000" in terminal.getvalue()


def test_a_workload_that_is_a_plain_list_runs(tmp_path: Path) -> None:
    workload = tmp_path / "w.yaml"
    workload.write_text(
        "- JoinLibrary: {member_id: m1, name: Ada}\n- advance: 2d\n", encoding="utf-8"
    )
    result = simulate(LIBRARY, "--workload", workload, "--db", tmp_path / "x.db")
    assert result.exit_code == 0, result.output
    assert "model file" not in result.output


def test_continue_runs_the_delayed_commands_an_earlier_run_left_pending(tmp_path: Path) -> None:
    bank = REPO_ROOT / "models" / "bank.yaml"
    issue = "- IssueGiftCard: {gift_card_id: g1, customer_id: c1, amount: '50.00'}\n"
    first, second, both = (tmp_path / n for n in ("1.yaml", "2.yaml", "both.yaml"))
    first.write_text(issue, encoding="utf-8")
    second.write_text("- advance: 400d\n", encoding="utf-8")
    both.write_text(issue + "- advance: 400d\n", encoding="utf-8")
    two, one = tmp_path / "two.db", tmp_path / "one.db"
    result = simulate(bank, "--workload", first, "--db", two, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pending_delayed_commands"] == 1
    result = simulate(bank, "--workload", second, "--db", two, "--continue", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pending_delayed_commands"] == 0
    assert simulate(bank, "--workload", both, "--db", one).exit_code == 0

    def balances(db: Path) -> list[tuple[object, ...]]:
        with EventStore.open(db, read_only=True) as store:
            rows = store.connection.execute("SELECT COUNT(*) FROM scheduled").fetchone()
            assert rows == (0,)
            table = store.projection("GiftCardBalances").table
            return [tuple(r) for r in store.connection.execute(f'SELECT * FROM "{table}"')]

    assert balances(two) == balances(one)
    assert "expired" in str(balances(two))


def test_a_db_in_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = simulate(LIBRARY, "--commands", "1", "--db", tmp_path / "nodir" / "x.db")
    assert result.exit_code == 2
    assert "does not exist" in result.output and "unable to open" not in result.output


def test_the_count_of_policy_commands_has_thousands_separators() -> None:
    from workbench.sim.summary import Summary

    summary = Summary("M", "test", 0, 1, "NORMAL")
    summary.issued_by_policies = 1053
    assert any("(1,053 issued by policies)" in line for line in summary.text_lines())


def test_unchecked_commands_keep_some_of_the_errors_people_make(tmp_path: Path) -> None:
    bank = REPO_ROOT / "models" / "bank.yaml"
    rejected = []
    for share in ("0", "1"):
        db = tmp_path / f"u{share}.db"
        result = simulate(
            bank, "--commands", "300", "--unchecked", share, "--db", db, "--format", "json"
        )
        assert result.exit_code in (0, 1), result.output
        rejected.append(json.loads(result.output)["commands"]["rejected_total"])
    assert rejected[1] > 5 * max(rejected[0], 10), rejected


@pytest.mark.parametrize("seed", ["99999999999999999999999", str(2**63)])
def test_a_seed_sqlite_cannot_store_is_refused_before_a_file_is_made(
    tmp_path: Path, seed: str
) -> None:
    db = tmp_path / "z.db"
    result = simulate(LIBRARY, "--commands", "5", "--seed", seed, "--db", db)
    assert result.exit_code == 2 and "--seed" in result.output
    assert not db.exists()


def test_a_workload_seed_sqlite_cannot_store_is_refused_with_its_location(tmp_path: Path) -> None:
    workload = tmp_path / "w.yaml"
    workload.write_text("seed: 99999999999999999999999\nsteps: []\n", encoding="utf-8")
    result = simulate(LIBRARY, "--workload", workload, "--db", tmp_path / "z.db")
    assert result.exit_code == 2
    assert f"{workload}:1:7" in result.output and "64 bits" in result.output
    assert not (tmp_path / "z.db").exists()


def test_db_may_not_be_the_model_or_the_workload_even_with_force(
    small: Path, tmp_path: Path
) -> None:
    model = tmp_path / "lib.yaml"
    model.write_text(LIBRARY.read_text(encoding="utf-8"), encoding="utf-8")
    text = model.read_bytes(), small.read_bytes()
    for args, role in (
        (("--commands", "5", "--db", model), "model"),
        (("--workload", small, "--db", small), "workload"),
    ):
        result = simulate(model, *args, "--force")
        assert result.exit_code == 2
        assert f"is the {role} file" in result.output
    assert (model.read_bytes(), small.read_bytes()) == text


def test_force_replaces_the_old_store_only_when_the_run_completes(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped half-way (Ctrl-C), a --force run leaves the old file as it was."""
    import workbench.cli.simulate_commands as simulate_module

    db = tmp_path / "run.db"
    assert simulate(LIBRARY, "--workload", small, "--db", db).exit_code == 0
    before = db.read_bytes()

    real = simulate_module.generated_items

    def interrupted(*args: object, **kwargs: object) -> object:
        for number, item in enumerate(real(*args, **kwargs)):  # type: ignore[arg-type]
            if number == 50:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(simulate_module, "generated_items", interrupted)
    result = simulate(LIBRARY, "--commands", "100", "--db", db, "--force", "--batch", "10")
    assert result.exit_code == 130
    assert f"the new store was discarded and {db} left as it was" in result.output
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.db", "small.workload.yaml"]

    monkeypatch.setattr(simulate_module, "generated_items", real)
    replaced = simulate(LIBRARY, "--commands", "20", "--db", db, "--force")
    assert replaced.exit_code in (0, 1), replaced.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.db", "small.workload.yaml"]
    with EventStore.open(db, read_only=True) as store:
        (run,) = store.runs()
        assert run.kind == "simulation" and run.summary is not None
        assert run.summary["source"] == "20 generated commands"


def test_after_an_interrupt_the_summary_counts_what_the_file_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.cli.simulate_commands as simulate_module

    real = simulate_module.generated_items

    def interrupted(*args: object, **kwargs: object) -> object:
        for number, item in enumerate(real(*args, **kwargs)):  # type: ignore[arg-type]
            if number == 75:  # in the middle of the fourth batch
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(simulate_module, "generated_items", interrupted)
    db = tmp_path / "i.db"
    result = simulate(LIBRARY, "--commands", "100", "--db", db, "--batch", "10", "--every", "1s")
    assert result.exit_code == 130
    with sqlite3.connect(db) as conn:
        (events,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
        (summary_text,) = conn.execute("SELECT summary FROM runs").fetchone()
    summary = json.loads(summary_text)
    assert events == summary["events"]["total"] == summary["store"]["events"] > 0
    assert summary["commands"]["submitted"] == 70  # seven whole batches of ten


def test_continue_aims_generated_commands_at_the_streams_already_in_the_file(
    tmp_path: Path,
) -> None:
    db = tmp_path / "c.db"
    assert simulate(LIBRARY, "--commands", "200", "--db", db).exit_code in (0, 1)
    with sqlite3.connect(db) as conn:
        (first_head,) = conn.execute("SELECT MAX(position) FROM events").fetchone()
        old_streams = {s for (s,) in conn.execute("SELECT DISTINCT stream_id FROM events")}
    assert simulate(LIBRARY, "--commands", "200", "--db", db, "--continue").exit_code in (0, 1)
    with sqlite3.connect(db) as conn:
        later = [
            s
            for (s,) in conn.execute(
                "SELECT stream_id FROM events WHERE position > ?", (first_head,)
            )
        ]
    on_old = sum(1 for s in later if s in old_streams)
    assert on_old > 0.2 * len(later), (on_old, len(later))


def test_continue_refuses_a_file_of_another_model(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    assert simulate(LIBRARY, "--commands", "20", "--db", db).exit_code in (0, 1)
    before = db.read_bytes()
    result = simulate(
        REPO_ROOT / "models" / "bank.yaml", "--commands", "5", "--db", db, "--continue"
    )
    assert result.exit_code == 2
    assert "holds runs of model 'Library', not 'Bank'" in result.output
    assert db.read_bytes() == before


def test_generated_commands_are_spread_over_simulated_time(tmp_path: Path) -> None:
    """With --every 1d, the hotel's day-long delay comes due during a 30-command run."""
    results = {}
    for every in ("1s", "1d"):
        result = simulate(
            REPO_ROOT / "models" / "hotel.yaml", "--commands", "30", "--every", every,
            "--db", tmp_path / f"{every}.db", "--format", "json",
        )  # fmt: skip
        assert result.exit_code in (0, 1), result.output
        results[every] = json.loads(result.output)
    day = results["1d"]["clock"]
    assert (day["start"], day["end"][:10]) == ("2030-01-01T09:00:00", "2030-01-30")
    assert results["1s"]["clock"]["end"].startswith("2030-01-01T09:0")
    assert results["1d"]["pending_delayed_commands"] < results["1s"]["pending_delayed_commands"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--commands", "5", "--every", "soon"), "--every: 'soon' is not a duration"),
        (("--workload", "w.yaml", "--every", "1d"), "a workload file moves the clock itself"),
    ],
)
def test_bad_every_exits_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = simulate(LIBRARY, "--db", tmp_path / "x.db", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_file_another_run_is_writing_is_refused(tmp_path: Path) -> None:
    """Two runs adding to one file would both run its pending delayed commands."""
    import fcntl

    db = tmp_path / "busy.db"
    assert simulate(LIBRARY, "--commands", "10", "--db", db).exit_code in (0, 1)
    before = db.read_bytes()
    with open(db, "rb") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running simulate
        for extra in (("--continue",), ("--force",)):
            result = simulate(LIBRARY, "--commands", "10", "--db", db, *extra)
            assert result.exit_code == 2
            assert "is being written by another run" in result.output
    assert db.read_bytes() == before
    assert simulate(LIBRARY, "--commands", "10", "--db", db, "--continue").exit_code in (0, 1)


def test_a_blank_database_a_killed_run_left_is_used_as_new(tmp_path: Path) -> None:
    db = tmp_path / "blank.db"
    with sqlite3.connect(db) as conn:  # a database with no tables, as a killed run leaves
        conn.execute("PRAGMA journal_mode = WAL")
    assert db.stat().st_size > 0
    inode = db.stat().st_ino
    result = simulate(LIBRARY, "--commands", "10", "--db", db)
    assert result.exit_code in (0, 1), result.output
    # made a store in place: the run's lock is on this very file, so another run
    # waits for it rather than locking a file put where it was deleted
    assert db.stat().st_ino == inode
    with EventStore.open(db, read_only=True) as store:
        assert store.head_position() > 0


def test_scratch_stores_of_killed_force_runs_are_cleared(tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    assert simulate(LIBRARY, "--commands", "10", "--db", db).exit_code in (0, 1)
    dead = tmp_path / f".run.db.{2**22 + 12345}.new"  # no such process
    dead.write_bytes(b"half a store")
    (tmp_path / f"{dead.name}-wal").write_bytes(b"wal")
    alive = tmp_path / f".run.db.{os.getppid()}.new"  # a live process: not ours to remove
    alive.write_bytes(b"in use")
    assert simulate(LIBRARY, "--commands", "10", "--db", db, "--force").exit_code in (0, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.db", alive.name])


def test_a_store_that_cannot_be_written_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No traceback: the disk is full, the file read-only..."""
    import workbench.cli.simulate_commands as simulate_module

    def failing(*args: object, **kwargs: object) -> object:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    db = tmp_path / "ro.db"
    assert simulate(LIBRARY, "--commands", "10", "--db", db).exit_code in (0, 1)
    monkeypatch.setattr(simulate_module.Simulation, "run", failing)
    result = simulate(LIBRARY, "--commands", "10", "--db", db, "--continue")
    assert result.exit_code == 2
    assert f"{db}: cannot write the store: attempt to write a readonly database" in result.output
    assert "Traceback" not in result.output


def test_a_file_system_without_flock_runs_unguarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import fcntl

    def unsupported(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    result = simulate(LIBRARY, "--commands", "10", "--db", tmp_path / "nfs.db")
    assert result.exit_code in (0, 1), result.output
