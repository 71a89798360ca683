"""Shared pytest fixtures and markers (generic only)."""
from __future__ import annotations

import numpy as np
import pytest

import _hide_extensions


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test marked ``needs_extensions`` when the compiled modules are hidden.

    Only ``tests/test_no_extensions.py`` hides them (in a subprocess); in every other
    run the marker does nothing, so a missing build fails loudly instead of skipping.
    """
    if item.get_closest_marker("needs_extensions") and _hide_extensions.active():
        pytest.skip("needs the compiled modules, hidden by tests/test_no_extensions.py")


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded random generator; nothing is seeded globally."""
    return np.random.default_rng(0)
