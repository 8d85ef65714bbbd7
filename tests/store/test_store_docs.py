"""The examples in the store's docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "workbench.store.codec",
    "workbench.store.records",
    "workbench.store.schema",
    "workbench.store.projections",
    "workbench.store.eventstore",
    "workbench.store.inspect",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
