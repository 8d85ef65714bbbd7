"""The starter model that ``workbench new`` writes: small, valid and commented.

It is a jinja2 template in ``templates/starter/`` so the wording can be improved
without touching code; it references the JSON Schema written beside it so editors
autocomplete the format from the first keystroke.
"""

from __future__ import annotations

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from workbench.resources import template_set

SCHEMA_FILENAME = "workbench-model.schema.json"


def starter_model_text(name: str, file_name: str = "model.yaml") -> str:
    """The text of a new model called ``name``."""
    folder = template_set("starter")
    environment = SandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
    )
    template = environment.from_string((folder / "model.yaml.j2").read_text(encoding="utf-8"))
    return template.render(
        name=_yaml_scalar(name), schema_file=SCHEMA_FILENAME, file_name=file_name
    )


def _yaml_scalar(text: str) -> str:
    """Quote a name when YAML would otherwise read it as something else."""
    import json

    plain = text.replace(" ", "").replace("-", "").replace("_", "")
    if (
        plain.isalnum()
        and not text[0].isdigit()
        and text.lower() not in {"true", "false", "null", "yes", "no"}
    ):
        return text
    return json.dumps(text, ensure_ascii=False)
