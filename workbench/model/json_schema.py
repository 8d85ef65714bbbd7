"""The JSON Schema of the model format, for editors (autocomplete and checks while typing).

Pydantic describes the *normalised* form of each element; the file format also has
short forms (``title: str`` for a field, ``- BookLent: {...}`` for an emit). This module
widens the generated schema so both forms are accepted, and adds the title, id and
description editors show.
"""

from __future__ import annotations

import json
from typing import Any

from workbench.model.schema import Model

SCHEMA_ID = "https://event-workbench.dev/schema/model-1.json"

_EXPRESSION = {"type": ["string", "number", "boolean", "null"], "description": "an expression"}
_NAMED_SHORT_FORM = {
    "type": "object",
    "minProperties": 1,
    "description": "short form: {Name: {field: value}}, optionally beside keys of the long form",
}

#: definition name -> extra alternatives accepted in the file (short forms)
_SHORT_FORMS: dict[str, list[dict[str, Any]]] = {
    "FieldSpec": [
        {"type": "string", "description": "short form: the field type, e.g. uuid, int?, list[str]"}
    ],
    "Invariant": [{"type": "string", "description": "short form: the expression"}],
    "Constant": [{"description": "short form: the value itself"}],
    "Emit": [_NAMED_SHORT_FORM, {"type": "string", "description": "short form: the event name"}],
    "IssuedCommand": [
        _NAMED_SHORT_FORM,
        {"type": "string", "description": "short form: the command name"},
    ],
    "Step": [_NAMED_SHORT_FORM],
    "StateExpectation": [{"type": "object", "description": "short form: expected state fields"}],
}


def model_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a model file, short forms included."""
    schema = Model.model_json_schema(mode="validation", by_alias=True)
    definitions = schema.get("$defs", {})
    for name, alternatives in _SHORT_FORMS.items():
        if name in definitions:
            long_form = definitions[name]
            definitions[name] = {
                "anyOf": [long_form, *alternatives],
                "title": long_form.get("title", name),
                "description": long_form.get("description", ""),
            }
    _widen_expressions(schema)
    _any_of_unions(schema)
    _allow_map_forms(definitions)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "Event Workbench model"
    return schema


def _widen_expressions(node: Any) -> None:
    """Expression slots accept YAML scalars too (``available: true`` means ``True``)."""
    if isinstance(node, dict):
        for value in node.values():
            _widen_expressions(value)
        additional = node.get("additionalProperties")
        if (
            isinstance(additional, dict)
            and additional.get("type") == "string"
            and "minLength" not in additional
        ):
            node["additionalProperties"] = dict(_EXPRESSION)
    elif isinstance(node, list):
        for value in node:
            _widen_expressions(value)


def _any_of_unions(node: Any) -> None:
    """Short forms overlap (``{advance: 2h}`` also looks like a step), so unions are ``anyOf``.

    The loader decides which form was meant; the editor schema only has to accept both.
    """
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
            node.pop("discriminator", None)
        for value in node.values():
            _any_of_unions(value)
    elif isinstance(node, list):
        for value in node:
            _any_of_unions(value)


def _allow_map_forms(definitions: dict[str, Any]) -> None:
    """``emits`` and ``issue`` may also be written as a mapping of name -> fields."""
    for definition, key in (("Command", "emits"), ("Policy", "issue")):
        properties = definitions.get(definition, {}).get("properties", {})
        if key in properties:
            properties[key] = {
                "anyOf": [
                    properties[key],
                    {"type": "object", "additionalProperties": {"type": ["object", "null"]}},
                ]
            }


def model_json_schema_text() -> str:
    """The schema as stable, pretty JSON text (what ``workbench model-schema`` prints)."""
    return json.dumps(model_json_schema(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
