"""Shared pytest fixtures (generic only)."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A freshly seeded random generator; nothing is seeded globally."""
    return np.random.default_rng(0)
