"""Generated commands: values fit their types, ids are reused, a seed repeats itself."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.model.loader import load_model
from workbench.model.schema import Model
from workbench.model.types import TypeRef, check_value, parse_type
from workbench.sim.clock import DEFAULT_START
from workbench.sim.engine import Engine
from workbench.sim.generate import (
    CommandGenerator,
    DrawChoices,
    IdKinds,
    RandomChoices,
    person_issued,
    singular,
)
from workbench.sim.messages import Rejected

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn

from .conftest import EXAMPLE_MODELS, MINIMAL


def _model(path: Any) -> Model:
    loaded = load_model(path)
    assert loaded.model is not None and loaded.ok
    return loaded.model


BANK = _model(EXAMPLE_MODELS[[p.name for p in EXAMPLE_MODELS].index("bank.yaml")])
LIBRARY = _model(EXAMPLE_MODELS[[p.name for p in EXAMPLE_MODELS].index("library.yaml")])


def _problems(model: Model, name: str, fields: dict[str, Any]) -> list[str]:
    records = {
        n: {f: parse_type(spec.type) for f, spec in fs.items()} for n, fs in model.records().items()
    }
    command = model.commands[name]
    assert set(fields) == set(command.fields), f"{name} gets every field and no other"
    out = []
    for field, spec in command.fields.items():
        problem = check_value(
            fields[field],
            parse_type(spec.type),
            enums=model.enums(),
            records=records,
            placeholders_ok=False,
        )
        if problem:
            out.append(f"{name}.{field}: {problem}")
    return out


@pytest.mark.parametrize("path", [*EXAMPLE_MODELS, MINIMAL], ids=lambda p: p.name)
def test_generated_values_fit_their_field_types(path: Any) -> None:
    model = _model(path)
    generator = CommandGenerator(model, random.Random(3))
    problems = []
    for _ in range(400):
        name, fields = generator.next_command()
        problems += _problems(model, name, fields)
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("path", [*EXAMPLE_MODELS, MINIMAL], ids=lambda p: p.name)
def test_the_engine_takes_every_generated_command(path: Any) -> None:
    """No generated value is refused as input (rejections by rules are fine)."""
    model = _model(path)
    engine = Engine.open(model, seed=1)
    try:
        generator = CommandGenerator(model, random.Random(1), now=lambda: engine.clock.now)
        outcomes = set()
        for _ in range(300):
            run = engine.execute(*generator.next_command())
            assert run.result is not None
            outcomes.add(run.result.outcome)
            for event in run.events:
                generator.observe(event.type, event.data)
        assert "accepted" in outcomes
    finally:
        engine.close()


def test_the_same_seed_gives_the_same_commands() -> None:
    def commands(seed: int) -> list[tuple[str, dict[str, Any]]]:
        generator = CommandGenerator(BANK, random.Random(seed))
        return [generator.next_command() for _ in range(50)]

    assert commands(5) == commands(5)
    assert commands(5) != commands(6)


def test_ids_are_mostly_reused_per_kind_of_id() -> None:
    generator = CommandGenerator(BANK, random.Random(11))
    seen: set[str] = set()
    reused = fresh = 0
    for _ in range(300):
        fields = generator.next_command()[1]
        for field in ("account_id", "to_account_id", "from_account_id"):
            if field in fields:
                if fields[field] in seen:
                    reused += 1
                else:
                    fresh += 1
                seen.add(fields[field])
    assert reused > 2 * fresh > 0
    # Gift cards never borrow an account's id: they are another kind of id.
    cards = set(generator.used["gift_card_id"])
    assert cards and not cards & set(generator.used["account_id"])


def test_commands_on_existing_streams_name_streams_that_exist_once_events_are_observed() -> None:
    engine = Engine.open(BANK, seed=2)
    try:
        generator = CommandGenerator(BANK, random.Random(2), now=lambda: engine.clock.now)
        not_found = existing = 0
        for _ in range(300):
            name, fields = generator.next_command()
            run = engine.execute(name, fields)
            for event in run.events:
                generator.observe(event.type, event.data)
            if BANK.commands[name].stream == "existing":
                existing += 1
                result = run.result
                not_found += getattr(result, "error", None) == "NotFound"
        assert existing > 100
        assert not_found < existing * 0.15
    finally:
        engine.close()


def test_enums_take_their_values_and_all_of_them_come_up() -> None:
    generator = CommandGenerator(BANK, random.Random(4))
    seen = {generator.value("AccountType") for _ in range(100)}
    assert seen == {"current", "savings"}


def test_numbers_include_the_edges_that_break_rules() -> None:
    generator = CommandGenerator(BANK, random.Random(8), person_only=False)
    decimals = [generator.value("decimal") for _ in range(500)]
    assert all(isinstance(d, Decimal) for d in decimals)
    assert Decimal(0) in decimals
    assert any(d < 0 for d in decimals)
    assert any(d >= 1_000_000 for d in decimals)
    assert any(d != round(d, 2) for d in decimals)  # less than a cent
    # MAX_OVERDRAFT and a cent either side of it
    assert {Decimal("2000.01"), Decimal("1999.99"), Decimal("2000.00")} & set(decimals)
    ints = [generator.value("int") for _ in range(500)]
    assert 0 in ints and any(i < 0 for i in ints) and any(i >= 1_000_000 for i in ints)
    assert max(ints) < 2**63


def test_dates_lie_near_the_simulated_clock() -> None:
    now = dt.datetime(2031, 6, 1, 12)
    generator = CommandGenerator(BANK, random.Random(9), now=lambda: now)
    dates = {generator.value("date") for _ in range(200)}
    assert now.date() in dates
    assert all(abs((d - now.date()).days) <= 400 for d in dates)
    times = [generator.value("datetime") for _ in range(50)]
    assert all(isinstance(t, dt.datetime) and abs(t - now) <= dt.timedelta(days=401) for t in times)


def test_lists_and_dicts_are_small_and_optional_values_are_sometimes_empty() -> None:
    generator = CommandGenerator(BANK, random.Random(10))
    lists = [generator.value("list[uuid]", "account_ids") for _ in range(100)]
    assert {len(v) for v in lists} == {0, 1, 2, 3}
    dicts = [generator.value("dict[str, int]", "lines") for _ in range(100)]
    assert max(len(v) for v in dicts) <= 2
    optional = [generator.value("int?") for _ in range(200)]
    assert None in optional and any(v is not None for v in optional)


def test_text_comes_from_constants_and_reuses_what_a_field_had() -> None:
    model = _model(EXAMPLE_MODELS[[p.name for p in EXAMPLE_MODELS].index("shopping.yaml")])
    generator = CommandGenerator(model, random.Random(12))
    skus = [generator.next_command()[1].get("sku") for _ in range(300)]
    assert "beans-espresso-1kg" in skus  # a key of the PRICES constant


def test_commands_can_be_restricted_and_unknown_ones_are_refused() -> None:
    generator = CommandGenerator(BANK, random.Random(1), commands=["OpenAccount", "DepositMoney"])
    assert {generator.next_command()[0] for _ in range(60)} == {"OpenAccount", "DepositMoney"}
    with pytest.raises(ValueError, match="unknown command 'Nope'"):
        CommandGenerator(BANK, random.Random(1), commands=["Nope"])


def test_id_kinds_follow_the_aggregate_id_fields() -> None:
    kinds = IdKinds(BANK)
    assert kinds.kind("account_id") == "account_id"
    assert kinds.kind("to_account_id") == "account_id"
    assert kinds.kind("customer_id") == "customer_id"
    assert singular("account_ids") == "account_id"
    assert singular("categories") == "category"
    assert singular("address") == "address"


def test_random_choices_stay_in_range() -> None:
    choices = RandomChoices(random.Random(0))
    assert all(0 <= choices.index(3) < 3 for _ in range(100))
    assert all(choices.integer(2, 4) in (2, 3, 4) for _ in range(100))
    assert not any(choices.chance(0.0) for _ in range(100))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_hypothesis_twin_generates_fitting_commands(data: st.DataObject) -> None:
    generator = CommandGenerator(BANK, now=lambda: DEFAULT_START)
    strategy = generator.strategy()
    for _ in range(5):
        name, fields = data.draw(strategy)
        assert not _problems(BANK, name, fields)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_draw_choices_keep_their_contracts(data: st.DataObject) -> None:
    # ``data.draw`` is a bound method: it draws like a ``DrawFn``, without its protocol.
    choices = DrawChoices(cast("DrawFn", data.draw))
    assert 0 <= choices.index(5) < 5
    assert choices.pick(("a", "b", "c")) in ("a", "b", "c")
    assert choices.chance(1.0) is True
    assert choices.chance(0.0) is False


def test_values_of_records_give_every_field() -> None:
    generator = CommandGenerator(BANK, random.Random(0))
    holder = generator.value(TypeRef("named", "AccountHolder"))
    assert set(holder) == {"name", "email"}


def test_by_default_only_commands_a_person_issues_are_generated() -> None:
    assert set(LIBRARY.commands) - set(person_issued(LIBRARY)) == {"RecordLoan", "RecordReturn"}
    assert set(BANK.commands) - set(person_issued(BANK)) == {
        "ReceiveTransfer",
        "ReturnTransfer",
        "ExpireGiftCard",
    }
    generator = CommandGenerator(LIBRARY, random.Random(1))
    generated = {generator.next_command()[0] for _ in range(300)}
    assert generated == set(person_issued(LIBRARY))
    everything = CommandGenerator(LIBRARY, random.Random(1), person_only=False)
    assert {everything.next_command()[0] for _ in range(300)} == set(LIBRARY.commands)
    named = CommandGenerator(LIBRARY, random.Random(1), commands=["RecordLoan"])
    assert {named.next_command()[0] for _ in range(20)} == {"RecordLoan"}


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.name)
def test_person_issued_commands_fed_what_happened_are_mostly_not_rejected(path: Any) -> None:
    """What ``simulate`` generates: rarely a stream that does not exist, mostly accepted
    (every command with uniform edges and no feedback was rejected up to 86% of the time)."""
    model = _model(path)
    engine = Engine.open(model, seed=1)
    try:
        generator = CommandGenerator(model, random.Random(1), now=lambda: engine.clock.now)
        errors: list[str] = []
        for _ in range(1500):
            run = engine.execute(*generator.next_command())
            if isinstance(run.result, Rejected):
                errors.append(run.result.error)
            generator.observe_run(run)
        assert len(errors) < 0.72 * 1500
        assert errors.count("NotFound") < 0.06 * 1500
    finally:
        engine.close()


def test_observing_runs_sends_existing_stream_commands_to_streams_that_exist() -> None:
    engine = Engine.open(BANK, seed=3)
    try:
        generator = CommandGenerator(BANK, random.Random(3), now=lambda: engine.clock.now)
        not_found = 0
        for _ in range(1000):
            run = engine.execute(*generator.next_command())
            not_found += getattr(run.result, "error", None) == "NotFound"
            generator.observe_run(run)
        assert not_found < 60
        assert generator.streams["account_id"]
    finally:
        engine.close()


def _accepts(engine: Engine) -> Any:
    def accepts(name: str, fields: dict[str, Any]) -> bool:
        return engine.decide(name, fields).outcome == "accepted"

    return accepts


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.name)
def test_checked_commands_are_accepted_and_still_cover_the_model(path: Any) -> None:
    """What ``simulate --commands`` runs: drafts the model turns down are redrawn, so
    nearly every submitted command is accepted, and the mix still reaches most of the
    commands a person issues (not only the ones that are always accepted)."""
    model = _model(path)
    engine = Engine.open(model, seed=1)
    try:
        generator = CommandGenerator(model, random.Random(1), now=lambda: engine.clock.now)
        accepts = _accepts(engine)
        outcomes: list[str] = []
        names: set[str] = set()
        for _ in range(800):
            name, fields = generator.next_accepted_command(accepts)
            names.add(name)
            run = engine.execute(name, fields)
            assert run.result is not None
            outcomes.append(run.result.outcome)
            generator.observe_run(run)
        assert outcomes.count("accepted") >= 0.97 * len(outcomes), outcomes.count("rejected")
        issued = person_issued(model)
        assert len(names) >= 0.75 * len(issued), set(issued) - names
    finally:
        engine.close()


def test_a_command_no_draft_of_which_is_accepted_comes_back_as_drawn() -> None:
    engine = Engine.open(LIBRARY, seed=1)
    try:
        generator = CommandGenerator(LIBRARY, random.Random(2), commands=["ReturnBook"])
        asked: list[str] = []

        def never(name: str, fields: dict[str, Any]) -> bool:
            asked.append(name)
            return False

        name, fields = generator.next_accepted_command(never, tries=3, commands=2)
        assert name == "ReturnBook" and len(asked) == 6
        assert fields["book_id"] in generator.used["book_id"]  # the returned one is kept
        run = engine.execute(name, fields)
        assert isinstance(run.result, Rejected)
    finally:
        engine.close()


def test_unchecked_commands_skip_the_check_and_drafts_are_not_remembered() -> None:
    generator = CommandGenerator(BANK, random.Random(4))
    calls = 0

    def count(name: str, fields: dict[str, Any]) -> bool:
        nonlocal calls
        calls += 1
        return False

    for _ in range(20):
        generator.next_accepted_command(count, unchecked=1.0)
    assert calls == 0
    fresh = CommandGenerator(BANK, random.Random(5))  # remembers nothing yet
    _, fields = fresh.next_accepted_command(lambda n, f: False, tries=5, commands=1)
    remembered = [value for ids in fresh.used.values() for value in ids]
    assert remembered, "the returned command's values are remembered"
    returned = {str(v) for v in fields.values()} | {
        str(item) for v in fields.values() if isinstance(v, list | dict) for item in v
    }
    assert all(str(value) in returned for value in remembered), (remembered, fields)
