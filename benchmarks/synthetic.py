"""Deterministic synthetic models of any size, for benchmarks.

``synthetic_model(n)`` builds a valid model with about ``n`` elements, shaped like a
real one: aggregates with state, commands with rules and emits, events with evolve and
a version history, read models, policies, slices and scenarios.
"""

from __future__ import annotations

from typing import Any


def synthetic_model(elements: int) -> dict[str, Any]:
    """A model dict with roughly ``elements`` elements (aggregates, commands, events, ...)."""
    groups = max(1, round(elements / 17))  # each group adds 17 elements
    model: dict[str, Any] = {
        "workbench": 1,
        "name": f"Synthetic {elements}",
        "description": "Generated for benchmarks.",
        "roles": {"Clerk": {}},
        "screens": {"Desk": {"role": "Clerk"}},
        "aggregates": {},
        "commands": {},
        "events": {},
        "projections": {},
        "policies": {},
        "slices": [],
        "scenarios": [],
    }
    for g in range(groups):
        agg, idf = f"Account{g}", f"account{g}_id"
        model["aggregates"][agg] = {
            "id": idf,
            "state": {
                "opened": {"type": "bool", "default": False},
                "balance": {"type": "int", "default": 0},
                "history": {"type": "list[int]", "default": []},
            },
            "invariants": ["state.balance >= -1000"],
            "snapshot_every": 100,
        }
        model["commands"][f"Open{g}"] = {
            "aggregate": agg,
            "stream": "new",
            "fields": {idf: "uuid", "owner": "str"},
            "emits": [{f"Opened{g}": {}}],
        }
        model["commands"][f"Deposit{g}"] = {
            "aggregate": agg,
            "stream": "existing",
            "fields": {idf: "uuid", "amount": "int"},
            "rules": [{"require": "command.amount > 0", "error": "InvalidAmount"}],
            "emits": [{f"Deposited{g}": {"new_balance": "state.balance + command.amount"}}],
        }
        model["commands"][f"Withdraw{g}"] = {
            "aggregate": agg,
            "stream": "existing",
            "fields": {idf: "uuid", "amount": "int"},
            "rules": [
                {"require": "command.amount > 0", "error": "InvalidAmount"},
                {"require": "state.balance - command.amount >= -1000", "error": "Overdrawn"},
            ],
            "emits": [
                {f"Withdrawn{g}": {}},
                {"event": f"Flagged{g}", "when": "state.balance < 0", "fields": {}},
            ],
        }
        model["events"][f"Opened{g}"] = {
            "aggregate": agg,
            "fields": {idf: "uuid", "owner": "str"},
            "evolve": {"opened": "True"},
        }
        model["events"][f"Deposited{g}"] = {
            "aggregate": agg,
            "version": 2,
            "fields": {idf: "uuid", "amount": "int", "new_balance": "int"},
            "evolve": {
                "balance": "state.balance + event.amount",
                "history": "state.history + [event.amount]",
            },
            "history": {
                1: {"fields": {idf: "uuid", "amount": "int"}, "upcast": {"new_balance": "0"}}
            },
        }
        model["events"][f"Withdrawn{g}"] = {
            "aggregate": agg,
            "fields": {idf: "uuid", "amount": "int"},
            "evolve": {"balance": "state.balance - event.amount"},
        }
        model["events"][f"Flagged{g}"] = {"aggregate": agg, "fields": {idf: "uuid"}}
        model["projections"][f"Balances{g}"] = {
            "key": idf,
            "fields": {
                idf: "uuid",
                "owner": {"type": "str", "default": ""},
                "balance": {"type": "int", "default": 0},
            },
            "on": {
                f"Opened{g}": {"upsert": {"owner": "event.owner"}},
                f"Deposited{g}": {"update": {"balance": "row.balance + event.amount"}},
                f"Withdrawn{g}": {"update": {"balance": "row.balance - event.amount"}},
            },
        }
        model["policies"][f"Review{g}"] = {
            "on": f"Flagged{g}",
            "issue": [{f"Deposit{g}": {"amount": "1"}}],
        }
        model["screens"]["Desk"].setdefault("issues", []).extend(
            [f"Open{g}", f"Deposit{g}", f"Withdraw{g}"]
        )
        model["slices"] += [
            {
                "name": f"Open account {g}",
                "screen": "Desk",
                "command": f"Open{g}",
                "events": [f"Opened{g}"],
            },
            {
                "name": f"Deposit {g}",
                "screen": "Desk",
                "command": f"Deposit{g}",
                "events": [f"Deposited{g}"],
            },
            {
                "name": f"Withdraw {g}",
                "screen": "Desk",
                "command": f"Withdraw{g}",
                "events": [f"Withdrawn{g}", f"Flagged{g}"],
            },
            {"name": f"Balances {g}", "screen": "Desk", "read_model": f"Balances{g}"},
            {"name": f"Review {g}", "automation": f"Review{g}", "command": f"Deposit{g}"},
        ]
        model["scenarios"] += [
            {
                "name": f"overdraft is limited {g}",
                "given": [
                    {f"Opened{g}": {idf: "a1", "owner": "Ada"}},
                    {f"Withdrawn{g}": {idf: "a1", "amount": 900}},
                ],
                "when": {f"Withdraw{g}": {idf: "a1", "amount": 200}},
                "then": {"error": "Overdrawn"},
            },
            {
                "name": f"deposit updates balance {g}",
                "given": [{f"Opened{g}": {idf: "a1", "owner": "Ada"}}],
                "when": {f"Deposit{g}": {idf: "a1", "amount": 5}},
                "then": {"events": [{f"Deposited{g}": {idf: "a1", "amount": 5, "new_balance": 5}}]},
            },
        ]
    return model


def synthetic_model_yaml(elements: int) -> str:
    """The synthetic model as YAML text (block style, as people write it)."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[attr-defined]
    buffer = io.StringIO()
    yaml.dump(synthetic_model(elements), buffer)
    return buffer.getvalue()


def element_count(model: dict[str, Any]) -> int:
    """How many elements a model dict holds (what the benchmark's "1,000 elements" counts)."""
    sections = (
        "aggregates",
        "commands",
        "events",
        "projections",
        "policies",
        "slices",
        "scenarios",
    )
    return sum(len(model.get(s, ())) for s in sections)
