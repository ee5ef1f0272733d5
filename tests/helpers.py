"""Helpers the tests share: seeded runs of the bundled scenarios (cached), measures by name,
paired comparisons with tolerances from standard errors, and the browser's location."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from sim import measures
from sim.engine import simulate
from sim.scenario import Scenario, derive, load

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
REPS = 100  # replications for statistical tests
SEED = 20220701
Z = 3.0  # one-sided normal quantile for directional tests (p < 0.0014)
END = -1  # the horizon's month
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it, never a download
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TASK1_GROUPS = {
    "pace",
    "mixed_ownership",
    "governance",
    "managers",
    "pay",
    "equity_incentives",
    "labour",
}


def scenario(name: str) -> Scenario:
    return load(SCENARIOS / f"{name}.toml")


@cache
def _run_cached(name: str, seed: int, reps: int) -> np.ndarray:
    return simulate(scenario(name), seed, range(reps))


def run(sc: Scenario | str, seed: int = SEED, reps: int = REPS) -> np.ndarray:
    """Measures of shape (reps, months + 1, n_measures); bundled scenarios are cached."""
    if isinstance(sc, str):
        return _run_cached(sc, seed, reps)
    return simulate(sc, seed, range(reps))


def variant(base: Scenario, name: str, reps: int = REPS, **sections) -> np.ndarray:
    """Measures of ``base`` with overrides (``levers={...}``, ``constants={...}``...)."""
    return run(derive(base, name, **sections), reps=reps)


def col(values: np.ndarray, name: str) -> np.ndarray:
    """One measure: shape (reps, months + 1)."""
    return values[..., list(measures.registry()).index(name)]


def paired_gap(high: np.ndarray, low: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of replication-paired differences (common random numbers)."""
    d = np.asarray(high, dtype=float) - np.asarray(low, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size))


def assert_greater(high: np.ndarray, low: np.ndarray, what: str) -> None:
    """The paired mean difference is positive by more than Z standard errors."""
    mean, se = paired_gap(high, low)
    assert mean > Z * se, f"{what}: mean paired difference {mean:.4g} is not > {Z} x SE {se:.4g}"


def assert_not_lower(new: np.ndarray, old: np.ndarray, what: str) -> None:
    """The paired mean difference is not significantly negative (above -Z standard errors)."""
    mean, se = paired_gap(new, old)
    assert mean > -Z * se, f"{what}: mean paired difference {mean:.4g} is below -{Z} x SE {se:.4g}"
