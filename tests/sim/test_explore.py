"""``workbench explore``: findings, shrinking, scenarios that load and reproduce, output."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from workbench.cli import cli
from workbench.sim.compiled import compile_model
from workbench.sim.engine import Engine
from workbench.sim.explore import ExploreOptions, explore, stable_part
from workbench.sim.explore_report import FailureReport, ReportWriter
from workbench.sim.explore_scenario import Bare, Quoted, Spelling, flow

from .conftest import EXAMPLE_MODELS, MINIMAL, model_from

#: Withdraw has no balance check, so the invariant catches it; Share divides by parts.
WALLET = """\
workbench: 1
name: Wallet
aggregates:
  Wallet:
    id: wallet_id
    state:
      owner: {type: str, default: ""}
      balance: {type: decimal, default: "0.00"}
      shares: {type: int, default: 0}
    invariants:
      - {check: "state.balance >= 0", name: never below zero}
commands:
  OpenWallet:
    aggregate: Wallet
    stream: new
    fields: {wallet_id: uuid, owner: str}
    emits: [WalletOpened: {}]
  Deposit:
    aggregate: Wallet
    stream: existing
    fields: {wallet_id: uuid, amount: decimal}
    rules:
      - {require: "command.amount > 0", error: InvalidAmount}
    emits: [Deposited: {}]
  Withdraw:
    aggregate: Wallet
    stream: existing
    fields: {wallet_id: uuid, amount: decimal}
    rules:
      - {require: "command.amount > 0", error: InvalidAmount}
    emits: [Withdrawn: {}]
  Share:
    aggregate: Wallet
    stream: existing
    fields: {wallet_id: uuid, parts: int}
    emits:
      - Shared: {each: "state.balance / command.parts"}
events:
  WalletOpened:
    aggregate: Wallet
    fields: {wallet_id: uuid, owner: str}
    evolve: {owner: event.owner}
  Deposited:
    aggregate: Wallet
    fields: {wallet_id: uuid, amount: decimal}
    evolve: {balance: "state.balance + event.amount"}
  Withdrawn:
    aggregate: Wallet
    fields: {wallet_id: uuid, amount: decimal}
    evolve: {balance: "state.balance - event.amount"}
  Shared:
    aggregate: Wallet
    fields: {wallet_id: uuid, parts: int, each: decimal}
    evolve: {shares: "state.shares + 1"}
scenarios:
  - name: a deposit adds up
    given:
      - WalletOpened: {wallet_id: w1, owner: Ann}
    when:
      Deposit: {wallet_id: w1, amount: "5.00"}
    then:
      events:
        - Deposited: {wallet_id: w1, amount: "5.00"}
"""

#: Taking an item looks it up without checking it is there: a KeyError at run time.
SHELF = """\
workbench: 1
name: Shelf
aggregates:
  Shelf:
    id: shelf_id
    state:
      items: {type: "dict[str, int]", default: {}}
commands:
  Stock:
    aggregate: Shelf
    fields: {shelf_id: uuid, sku: str, quantity: int}
    rules:
      - {require: "command.quantity > 0", error: InvalidQuantity}
    emits: [Stocked: {}]
  Take:
    aggregate: Shelf
    stream: existing
    fields: {shelf_id: uuid, sku: str}
    rules:
      - {require: "state.items[command.sku] > 0", error: NothingLeft}
    emits: [Taken: {}]
events:
  Stocked:
    aggregate: Shelf
    fields: {shelf_id: uuid, sku: str, quantity: int}
    evolve: {items: "{**state.items, event.sku: state.items.get(event.sku, 0) + event.quantity}"}
  Taken:
    aggregate: Shelf
    fields: {shelf_id: uuid, sku: str}
    evolve: {items: "{**state.items, event.sku: state.items[event.sku] - 1}"}
"""

#: A reminder is sent a day after a loan opens, and the invariant says none is.
LOANS = """\
workbench: 1
name: Loans
aggregates:
  Loan:
    id: loan_id
    state:
      reminders: {type: int, default: 0}
    invariants:
      - {check: "state.reminders == 0", name: nobody is reminded}
commands:
  OpenLoan:
    aggregate: Loan
    stream: new
    fields: {loan_id: uuid}
    emits: [LoanOpened: {}]
  Remind:
    aggregate: Loan
    stream: existing
    fields: {loan_id: uuid}
    emits: [Reminded: {}]
events:
  LoanOpened:
    aggregate: Loan
    fields: {loan_id: uuid}
  Reminded:
    aggregate: Loan
    fields: {loan_id: uuid}
    evolve: {reminders: "state.reminders + 1"}
policies:
  RemindLater:
    on: LoanOpened
    after: 1d
    issue:
      Remind: {loan_id: event.loan_id}
"""

#: A read model that looks up a label it may never have seen.
TALLY = """\
workbench: 1
name: Tally
aggregates:
  Counter:
    id: counter_id
    state:
      count: {type: int, default: 0}
commands:
  Count:
    aggregate: Counter
    fields: {counter_id: uuid, label: str}
    emits: [Counted: {}]
events:
  Counted:
    aggregate: Counter
    fields: {counter_id: uuid, label: str}
    evolve: {count: "state.count + 1"}
projections:
  Labels:
    key: counter_id
    fields:
      counter_id: uuid
      seen: {type: "dict[str, int]", default: {alpha: 0}}
    on:
      Counted: {upsert: {seen: "{**row.seen, event.label: row.seen[event.label] + 1}"}}
"""

#: A payment provider's webhook, translated into a command by dividing by a number it sends.
PAYMENTS = """\
workbench: 1
name: Payments
externals:
  Provider: {}
aggregates:
  Order:
    id: order_id
    state:
      paid: {type: int, default: 0}
commands:
  PlaceOrder:
    aggregate: Order
    stream: new
    fields: {order_id: uuid}
    emits: [OrderPlaced: {}]
  RecordPayment:
    aggregate: Order
    stream: existing
    fields: {order_id: uuid, cents: int}
    rules:
      - {require: "command.cents > 0", error: InvalidAmount}
    emits: [PaymentRecorded: {}]
events:
  OrderPlaced:
    aggregate: Order
    fields: {order_id: uuid}
  PaymentRecorded:
    aggregate: Order
    fields: {order_id: uuid, cents: int}
    evolve: {paid: "state.paid + event.cents"}
  ChargeSucceeded:
    external: Provider
    fields: {order_id: uuid, amount: int, currency: str, split: int}
translations:
  RecordCharge:
    on: ChargeSucceeded
    when: "event.currency == 'eur'"
    issue:
      RecordPayment: {order_id: event.order_id, cents: "event.amount // event.split"}
"""

QUICK = ExploreOptions(seed=0, runs=60, steps=15)


def write(tmp_path: Path, text: str, name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [*map(str, args)])


def explore_reports(text: str, options: ExploreOptions = QUICK) -> list[FailureReport]:
    model = model_from(text)
    compiled = compile_model(model)
    exploration = explore(model, options, compiled=compiled)
    writer = ReportWriter(model, compiled, options.seed)
    return [writer.report(found) for found in exploration.found]


#: The same, worked out once per test session for each model and options.
reports = functools.cache(explore_reports)


def with_scenario(model_text: str, scenario: str, then: str | None = None) -> str:
    """The model with the scenario pasted under ``scenarios:``: as printed, or with its
    ``then`` part replaced by ``then`` (what the user decided should happen)."""
    if then is not None:
        head = scenario.split("    then:\n")[0]
        scenario = head + "    then:\n      " + then + "\n"
    if "\nscenarios:\n" not in model_text:
        model_text += "scenarios:\n"
    return model_text + scenario


def pasted_as_is(tmp_path: Path, model_text: str, scenario: str) -> tuple[Result, Result]:
    """``workbench validate`` and ``workbench test`` of the model with the scenario pasted."""
    path = write(tmp_path, with_scenario(model_text, scenario), "pasted.yaml")
    return invoke("validate", path), invoke("test", path)


# --------------------------------------------------------------------------- findings


def test_a_missing_rule_is_found_as_an_invariant_violation_in_two_steps() -> None:
    found = reports(WALLET)
    assert len(found) == 1
    report = found[0]
    assert report.kind == "invariant-violation"
    assert report.command == "Withdraw"
    assert report.message == (
        "invariant 'never below zero' of Wallet is false after command 'Withdraw'"
    )
    assert [step.name for step in report.steps] == ["OpenWallet", "Withdraw"]
    assert report.steps[-1].fields["wallet_id"] == report.steps[0].fields["wallet_id"] == "w1"
    assert report.state_of == "Wallet w1 after the command's events"
    assert report.state is not None and str(report.state["balance"]).startswith("-")
    assert report.reproduced


LENDING = """\
workbench: 1
name: Lending
aggregates:
  Book:
    id: book_id
    state: {registered: {type: bool, default: false}, lent: {type: bool, default: false}}
  Member:
    id: member_id
    state: {loans: {type: int, default: 0}}
    invariants: ["state.loans <= 2"]
commands:
  RegisterBook: {aggregate: Book, stream: new, fields: {book_id: uuid}, emits: [BookRegistered: {}]}
  LendBook:
    aggregate: Book
    stream: existing
    fields: {book_id: uuid, member_id: uuid}
    rules: [{require: "not state.lent", error: AlreadyLent}]
    emits: [BookLent: {}]
  JoinLibrary: {aggregate: Member, stream: new, fields: {member_id: uuid}, emits: [MemberJoined: {}]}
  RecordLoan:
    aggregate: Member
    stream: existing
    fields: {member_id: uuid, book_id: uuid}
    emits: [LoanRecorded: {}]
events:
  BookRegistered: {aggregate: Book, fields: {book_id: uuid}, evolve: {registered: "True"}}
  BookLent: {aggregate: Book, fields: {book_id: uuid, member_id: uuid}, evolve: {lent: "True"}}
  MemberJoined: {aggregate: Member, fields: {member_id: uuid}}
  LoanRecorded:
    aggregate: Member
    fields: {member_id: uuid, book_id: uuid}
    evolve: {loans: "state.loans + 1"}
policies:
  RecordLoans: {on: BookLent, issue: [RecordLoan: {}]}
"""


def test_a_step_is_replaced_by_the_command_its_policy_issued_when_that_is_shorter() -> None:
    """The member breaks its invariant on the third loan; lending a book takes two steps
    a loan (register, lend), recording a loan directly one: the shortest sequence is
    JoinLibrary and three RecordLoan, which deleting steps alone cannot reach."""
    shortest = []
    for seed in range(3):
        (report,) = reports(LENDING, replace(QUICK, seed=seed))
        assert report.kind == "invariant-violation" and report.reproduced
        names = [step.name for step in report.steps]
        if report.command == "RecordLoan" and names[-1] == "RecordLoan":
            shortest.append(names)
    assert shortest and all(n == ["JoinLibrary", *["RecordLoan"] * 3] for n in shortest), shortest


def test_the_scenario_is_given_events_when_the_failing_command() -> None:
    (report,) = reports(WALLET)
    lines = report.scenario.splitlines()
    assert lines[0] == "  - name: explore found invariant violation in Withdraw"
    assert lines[1].startswith(
        "    # found by `workbench explore --seed 0`: invariant 'never below"
    )
    assert lines[2] == "    given:"
    assert lines[3].startswith("      - WalletOpened: {wallet_id: w1, owner: ")
    assert lines[4] == "    when:"
    assert lines[5].startswith('      Withdraw: {wallet_id: w1, amount: "')
    amount = lines[5].split("amount: ")[1]
    assert lines[6:] == [
        "    then:",
        "      # TODO: decide what should happen — the command broke invariant "
        "'never below zero'; these are the events it emitted",
        "      events:",
        f"        - Withdrawn: {{wallet_id: w1, amount: {amount}",
    ]


@pytest.mark.parametrize("then", ["error: InvalidAmount", "nothing: true"])
def test_the_pasted_scenario_validates_and_workbench_test_reproduces_the_failure(
    tmp_path: Path, then: str
) -> None:
    (report,) = reports(WALLET)
    path = write(tmp_path, with_scenario(WALLET, report.scenario, then))
    validated = invoke("validate", "--strict", path)
    assert validated.exit_code == 0, validated.output
    tested = invoke("test", path)
    assert tested.exit_code == 1
    assert "PASS  a deposit adds up" in tested.output
    assert "FAIL  explore found invariant violation in Withdraw" in tested.output
    assert "invariant 'never below zero' of Wallet is false after command 'Withdraw'" in (
        tested.output
    )


def test_a_scenario_name_the_model_has_is_numbered() -> None:
    (report,) = reports(WALLET)
    model_text = with_scenario(WALLET, report.scenario, "error: InvalidAmount")
    (again,) = reports(model_text)
    assert again.scenario.startswith("  - name: explore found invariant violation in Withdraw (2)")


def test_the_scenario_pasted_as_is_validates_and_workbench_test_fails_on_the_invariant(
    tmp_path: Path,
) -> None:
    (report,) = reports(WALLET)
    assert "TODO: decide what should happen" in report.scenario
    validated, tested = pasted_as_is(tmp_path, WALLET, report.scenario)
    assert validated.exit_code == 0, validated.output
    assert tested.exit_code == 1, tested.output
    assert "PASS  a deposit adds up" in tested.output
    assert "FAIL  explore found invariant violation in Withdraw" in tested.output
    assert "invariant 'never below zero' of Wallet is false after command 'Withdraw'" in (
        tested.output
    )


def test_a_modeling_error_scenario_pasted_as_is_expects_nothing_and_fails_the_test(
    tmp_path: Path,
) -> None:
    (report,) = reports(SHELF)
    assert report.scenario.endswith(
        "      # TODO: decide what should happen — the command hit a modeling error: "
        "rule 1 of command 'Take': `state.items[command.sku] > 0`\n"
        "      nothing: true\n"
    )
    validated, tested = pasted_as_is(tmp_path, SHELF, report.scenario)
    assert validated.exit_code == 0, validated.output
    assert tested.exit_code == 1, tested.output
    assert "`state.items[command.sku] > 0` failed" in tested.output


def test_a_delayed_invariant_violation_pasted_as_is_fails_the_test(tmp_path: Path) -> None:
    (report,) = reports(LOANS, ExploreOptions(seed=0, runs=60, steps=10, commands=("OpenLoan",)))
    assert "broke invariant 'nobody is reminded'" in report.scenario
    assert "        - Reminded: {loan_id: l1}" in report.scenario
    validated, tested = pasted_as_is(tmp_path, LOANS, report.scenario)
    assert validated.exit_code == 0, validated.output
    assert tested.exit_code == 1, tested.output
    assert "invariant 'nobody is reminded'" in tested.output


def test_a_failing_lookup_is_found_as_a_modeling_error() -> None:
    (report,) = reports(SHELF)
    assert report.kind == "modeling-error"
    assert report.command == "Take"
    assert "`state.items[command.sku] > 0` failed" in report.message
    assert [step.name for step in report.steps] == ["Stock", "Take"]
    assert report.reproduced


def test_the_modeling_error_scenario_reproduces_under_workbench_test(tmp_path: Path) -> None:
    (report,) = reports(SHELF)
    path = write(tmp_path, with_scenario(SHELF, report.scenario, "error: NothingLeft"))
    assert invoke("validate", "--strict", path).exit_code == 0
    tested = invoke("test", path)
    assert tested.exit_code == 1
    assert "`state.items[command.sku] > 0` failed" in tested.output


def test_a_delayed_policy_fires_when_explore_advances_the_clock() -> None:
    (report,) = reports(LOANS, ExploreOptions(seed=0, runs=60, steps=10, commands=("OpenLoan",)))
    assert report.kind == "invariant-violation"
    assert report.command == "Remind"
    assert report.issued_by == "RemindLater"
    assert [step.action for step in report.steps] == ["command", "advance"]
    assert report.steps[1].name == "1d"
    assert 'when: {message: Remind, fields: {loan_id: l1}, at: "2030-01-02T09:00:00"}' in (
        report.scenario
    )
    assert report.reproduced


def test_a_failing_read_model_is_found_and_its_scenario_expects_the_events(
    tmp_path: Path,
) -> None:
    (report,) = reports(TALLY)
    assert report.kind == "projection-failure"
    assert report.command == "Labels"
    assert report.reproduced
    assert "      events:\n        - Counted: {counter_id: c1, label: " in report.scenario
    path = write(tmp_path, TALLY + "scenarios:\n" + report.scenario)
    assert invoke("validate", "--strict", path).exit_code == 0
    tested = invoke("test", path)
    assert tested.exit_code == 1 and "projection 'Labels'" in tested.output


def test_events_from_external_systems_reach_the_translations(tmp_path: Path) -> None:
    """The translation only runs for 'eur', a text explore takes from the model itself."""
    (report,) = reports(PAYMENTS, ExploreOptions(seed=0, runs=200, steps=30))
    assert report.kind == "policy-failure"
    assert report.command == "RecordCharge"
    assert "`event.amount // event.split` failed: division by zero" in report.message
    assert [(step.action, step.name) for step in report.steps] == [("event", "ChargeSucceeded")]
    assert (
        "    when:\n      ChargeSucceeded: {order_id: o1, amount: 0, currency: eur, split: 0}"
        in (report.scenario)
    )
    assert report.scenario.endswith("      commands: []\n")
    assert report.reproduced
    path = write(tmp_path, PAYMENTS + "scenarios:\n" + report.scenario)
    assert invoke("validate", path).exit_code == 0
    tested = invoke("test", path)
    assert tested.exit_code == 1 and "translation 'RecordCharge'" in tested.output


def test_max_failures_keeps_exploring_for_different_failures() -> None:
    found = reports(WALLET, ExploreOptions(seed=0, runs=150, steps=15, max_failures=3))
    kinds = {(report.kind, report.command) for report in found}
    assert ("invariant-violation", "Withdraw") in kinds
    assert ("modeling-error", "Share") in kinds
    assert len(found) == len({(r.kind, r.command, r.source) for r in found})
    share = next(r for r in found if r.command == "Share")
    assert "`state.balance / command.parts` failed" in share.message


def test_an_exception_in_the_engine_is_an_internal_error_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = Engine.execute

    def broken(self: Engine, name: str, fields: Any = None, **kwargs: Any) -> Any:
        if name == "Deposit":
            raise RuntimeError("the store fell over")
        return original(self, name, fields, **kwargs)

    monkeypatch.setattr(Engine, "execute", broken)
    found = explore_reports(
        WALLET, ExploreOptions(seed=0, runs=60, steps=10, commands=("OpenWallet", "Deposit"))
    )
    (report,) = found
    assert report.kind == "internal-error"
    assert report.message == "RuntimeError: the store fell over"
    assert report.traceback is not None and "the store fell over" in report.traceback
    # Any Deposit raises, so the minimal sequence is that Deposit alone.
    assert [step.name for step in report.steps] == ["Deposit"]
    assert report.reproduced  # the scenario runner meets the same exception


def test_every_example_model_explores_without_failures() -> None:
    options = ExploreOptions(seed=0, runs=30, steps=15, max_failures=3)
    for path in [*EXAMPLE_MODELS, MINIMAL]:
        found = reports(path.read_text(encoding="utf-8"), options)
        assert not found, f"{path.name}: " + "; ".join(f"{r.title}: {r.message}" for r in found)


# --------------------------------------------------------------------------- the CLI


def test_the_text_output_has_a_header_each_failure_and_a_closing_line(tmp_path: Path) -> None:
    path = write(tmp_path, WALLET)
    result = invoke("explore", path, "--runs", "60", "--steps", "15")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"exploring {path} (Wallet): seed 0, 60 runs of up to 15 steps, all commands"
    assert "FAILURE 1: invariant violation in Withdraw" in lines
    assert "  state of Wallet w1 after the command's events:" in lines
    assert "  steps (shrunk to 2):" in lines
    assert "  - name: explore found invariant violation in Withdraw" in lines
    assert (
        "  scenario: paste it under 'scenarios:' in the model as it is ('workbench test'" in lines
    )
    assert "  `workbench test` fails with this scenario as it is." in lines
    assert "replace TODO" not in result.output
    assert lines[-1].startswith("explored ") and lines[-1].endswith("commands): 1 failure")


def test_the_same_seed_prints_the_same_output(tmp_path: Path) -> None:
    path = write(tmp_path, WALLET)
    first = invoke("explore", path, "--seed", "7", "--runs", "80", "--max-failures", "2")
    second = invoke("explore", path, "--seed", "7", "--runs", "80", "--max-failures", "2")
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output


def test_a_clean_model_exits_0(tmp_path: Path) -> None:
    result = invoke("explore", MINIMAL, "--runs", "40", "--steps", "20")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    assert last.startswith("explored 40 sequences (") and last.endswith(" commands): 0 failures")
    assert "FAILURE" not in result.output


def test_restricting_the_commands_leaves_the_bug_out(tmp_path: Path) -> None:
    path = write(tmp_path, WALLET)
    result = invoke("explore", path, "--runs", "30", "-c", "OpenWallet,Deposit")
    assert result.exit_code == 0, result.output
    assert "OpenWallet, Deposit" in result.output.splitlines()[0]


def test_json_output(tmp_path: Path) -> None:
    path = write(tmp_path, WALLET)
    result = invoke("explore", path, "--format", "json", "--runs", "60", "--seed", "3")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["model"] == "Wallet" and report["seed"] == 3 and report["runs"] == 60
    assert report["explored"]["sequences"] >= 1
    (failure,) = report["failures"]
    assert failure["kind"] == "invariant-violation"
    assert failure["command"] == "Withdraw"
    assert failure["reproduced"] is True
    assert failure["scenario"].startswith("  - name: explore found invariant violation")
    assert [s["name"] for s in failure["steps"]] == ["OpenWallet", "Withdraw"]
    assert report["internal_errors"] == []


def test_bad_input_exits_2(tmp_path: Path) -> None:
    broken = write(tmp_path, WALLET.replace("invariants:", "invariant:"), "broken.yaml")
    result = invoke("explore", broken)
    assert result.exit_code == 2
    assert "did you mean 'invariants'" in result.output
    unknown = invoke("explore", write(tmp_path, WALLET), "--command", "Nope")
    assert unknown.exit_code == 2
    assert "unknown command 'Nope'" in unknown.output
    assert "exploring" not in unknown.output  # a usage error, before anything starts
    close = invoke("explore", write(tmp_path, WALLET), "-c", "Withdrw")
    assert close.exit_code == 2 and "did you mean 'Withdraw'?" in close.output


def test_explore_writes_no_hypothesis_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, WALLET)
    assert invoke("explore", path, "--runs", "20").exit_code == 1
    assert not (tmp_path / ".hypothesis").exists()
    # a fresh process, where hypothesis has cached nothing yet (it caches what it
    # learns of source files under .hypothesis/constants)
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "explore", str(path), "--runs", "20"],
        cwd=tmp_path, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]


# --------------------------------------------------------------------------- pieces


def test_stable_part_drops_the_values_of_a_failure() -> None:
    assert (
        stable_part("rule 1 of command 'Take': `state.items[command.sku] > 0` failed: no key 'x'")
        == "rule 1 of command 'Take': `state.items[command.sku] > 0`"
    )
    assert stable_part("field 'n' of event 'E': expected int, got 4.5") == "field 'n' of event 'E'"


def test_literals_follow_the_model_conventions() -> None:
    assert flow({"a": Quoted("1.50"), "d": Bare("2031-05-10"), "s": "yes", "x": None}) == (
        "{a: \"1.50\", d: 2031-05-10, s: 'yes', x: null}"
    )


def test_placeholders_take_the_initials_of_their_kind_and_stay_the_same() -> None:
    model = model_from(
        WALLET.replace(
            "aggregates:\n", "aggregates:\n  Gift:\n    id: gift_card_id\n    state: {}\n", 1
        )
    )
    spelling = Spelling(model)
    one, two = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    assert spelling.placeholder(one, "wallet_id") == "w1"
    assert spelling.placeholder(two, "to_wallet_id") == "w2"
    assert spelling.placeholder(one, "from_wallet_id") == "w1"
    assert spelling.placeholder("33333333-3333-4333-8333-333333333333", "gift_card_id") == "gc1"
    assert spelling.placeholder("44444444-4444-4444-8444-444444444444", "wallet_owner_id") == "wo1"
    assert spelling.text(f"Wallet-{two} is closed") == "Wallet-w2 is closed"
