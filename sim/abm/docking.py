"""Docking the agent model to the vectorized core (Axtell et al. 1996).

Both engines run the same scenario with different seeds; for every headline measure at
the chosen months the two samples of replications must agree in distribution: a
two-sample Kolmogorov-Smirnov test and a two-sided test of equal means (difference over
its standard error), each family Holm-corrected at ``alpha`` across all comparisons (so
that adding scenarios or measures does not raise the chance of a false alarm).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.stats import ks_2samp, norm

from sim import engine, measures
from sim.abm.agents import Enterprise
from sim.abm.model import simulate
from sim.scenario import Scenario

CHUNK = 10  # replications per task of the process pool


@dataclass(frozen=True)
class Comparison:
    """One measure at one month of one scenario: core sample against agent-model sample."""

    scenario: str
    measure: str
    month: int
    ks_p: float
    mean_core: float
    mean_abm: float
    se: float  # standard error of the difference of the means

    @property
    def gap(self) -> float:
        """Difference of the means in standard errors (0 when both samples are constant)."""
        diff = abs(self.mean_abm - self.mean_core)
        if diff == 0:
            return 0.0
        return diff / self.se if self.se > 0 else np.inf

    @property
    def mean_p(self) -> float:
        """Two-sided p-value of equal means (normal approximation)."""
        return float(2.0 * norm.sf(self.gap))


def compare(
    scenario: str, core: np.ndarray, abm: np.ndarray, months: tuple[int, ...]
) -> list[Comparison]:
    """Every headline measure at ``months``; ``core``, ``abm``: (reps, months + 1, n)."""
    names = list(measures.registry())
    out = []
    for month in months:
        for name in measures.headline():
            x, y = core[:, month, names.index(name)], abm[:, month, names.index(name)]
            se = float(np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size))
            p = float(ks_2samp(x, y).pvalue)
            out.append(Comparison(scenario, name, month, p, float(x.mean()), float(y.mean()), se))
    return out


def holm_rejections(p_values: list[float], alpha: float) -> list[int]:
    """Indices rejected by the Holm step-down procedure at family-wise level ``alpha``."""
    order = np.argsort(p_values, kind="stable")
    rejected = []
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected.append(int(i))
    return rejected


def failures(comparisons: list[Comparison], alpha: float = 0.01) -> list[str]:
    """What fails the docking test, one line each; empty when the engines dock."""
    lines = []
    for i in holm_rejections([c.ks_p for c in comparisons], alpha):
        c = comparisons[i]
        lines.append(f"{c.scenario} {c.measure} month {c.month}: KS p = {c.ks_p:.2e} (Holm)")
    for i in holm_rejections([c.mean_p for c in comparisons], alpha):
        c = comparisons[i]
        lines.append(
            f"{c.scenario} {c.measure} month {c.month}: means {c.mean_core:.6g} (core) vs "
            f"{c.mean_abm:.6g} (agents), {c.gap:.1f} standard errors apart (Holm)"
        )
    return lines


def _run(args: tuple) -> np.ndarray:
    scenario, seed, reps, enterprise_type = args
    return simulate(scenario, seed, reps, enterprise_type)


def simulate_abm(
    scenario: Scenario,
    seed: int,
    replications: range,
    enterprise_type: type[Enterprise] = Enterprise,
    workers: int | None = None,
) -> np.ndarray:
    """``sim.abm.simulate`` over a pool of spawned processes (what ``import mesa`` forces), in
    chunks; the same numbers as serially. ``enterprise_type`` must be importable."""
    workers = workers or min(2, os.cpu_count() or 1)
    chunks = [replications[i : i + CHUNK] for i in range(0, len(replications), CHUNK)]
    tasks = [(scenario, seed, chunk, enterprise_type) for chunk in chunks]
    if workers == 1:
        return np.concatenate([_run(task) for task in tasks])
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return np.concatenate(list(pool.map(_run, tasks)))


def dock(
    scenarios: list[Scenario],
    core_seed: int,
    abm_seed: int,
    reps: int,
    months: tuple[int, ...],
    enterprise_type: type[Enterprise] = Enterprise,
) -> list[Comparison]:
    """Run both engines on every scenario and compare them."""
    out = []
    for sc in scenarios:
        core = engine.simulate(sc, core_seed, range(reps))
        abm = simulate_abm(sc, abm_seed, range(reps), enterprise_type)
        out.extend(compare(sc.name, core, abm, months))
    return out
