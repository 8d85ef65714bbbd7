"""Semantic validation of a model, after the schema has accepted its shape.

Checks run in a fixed order so output is stable: names and references first (later
checks assume references resolve), then field types, the write side, the read side,
scenarios and finally flow and completeness warnings.
"""

from __future__ import annotations

from workbench.model.diagnostics import Diagnostic
from workbench.model.schema import Model
from workbench.model.validate.context import ValidationContext
from workbench.model.validate.fields import check_fields
from workbench.model.validate.flow import check_flow
from workbench.model.validate.names import check_names, check_references
from workbench.model.validate.read_side import check_read_side
from workbench.model.validate.scenarios import check_scenarios
from workbench.model.validate.versions import check_against_baseline
from workbench.model.validate.write_side import check_write_side
from workbench.model.yamlio import YamlDocument

CHECKS = (
    check_names,
    check_references,
    check_fields,
    check_write_side,
    check_read_side,
    check_scenarios,
    check_flow,
)


def validate_model(
    model: Model,
    document: YamlDocument | None = None,
    filename: str = "<model>",
    *,
    baseline: Model | None = None,
    baseline_label: str = "the baseline",
) -> list[Diagnostic]:
    """Run every semantic check; return the findings in file order.

    With ``baseline`` (the same model at an earlier revision), also check that changed
    events bumped their version and recorded the old version in their history.
    """
    ctx = ValidationContext(model, document, filename if document is None else document.filename)
    for check in CHECKS:
        check(ctx)
    if baseline is not None:
        check_against_baseline(ctx, baseline, baseline_label)
    return sorted(ctx.diagnostics, key=lambda d: (d.location, d.code, d.message))


__all__ = ["ValidationContext", "validate_model"]
