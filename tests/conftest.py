"""Shared fixtures; the helpers the tests share are in ``tests/helpers.py``."""

from __future__ import annotations

import pytest

from sim.scenario import Scenario
from tests.helpers import (  # noqa: F401  re-exported for tests that still import them here
    CHROMIUM,
    CHROMIUM_ARGS,
    REPS,
    ROOT,
    SCENARIOS,
    SEED,
    TASK1_GROUPS,
    Z,
    assert_greater,
    col,
    paired_gap,
    run,
    scenario,
)


@pytest.fixture(scope="session")
def city_plan() -> Scenario:
    return scenario("city_plan")
