"""Every scenario of every example model passes on the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.sim.report import failure_text, run_file

from .conftest import EXAMPLE_MODELS


@pytest.mark.parametrize("path", EXAMPLE_MODELS, ids=lambda p: p.name)
def test_every_scenario_of_the_example_model_passes(path: Path) -> None:
    report = run_file(path)
    assert report.runnable, report.problem or [str(d) for d in report.diagnostics]
    assert report.results, "the example model has no scenarios"
    failed = [failure_text(r) for r in report.results if not r.passed]
    assert not failed, "\n\n".join(failed)
