"""All randomness of a run, drawn up front from explicit seed sequences.

Replication ``i`` of a batch with seed ``s`` draws from
``SeedSequence(s, spawn_key=(i, stream))`` — the same child that
``SeedSequence(s).spawn`` gives — with one stream per mechanism. So:

* replication ``i`` draws the same numbers whatever the batch size, the chunking or
  the number of workers;
* every scenario of a batch sees the same uncertainties and shocks for replication
  ``i`` (common random numbers), because no stream depends on the scenario and
  every draw has a fixed shape;
* adding a stream never shifts the numbers of another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.parameters import table
from sim.population import N_DEPARTMENTS, N_FIRMS, N_INDUSTRIES, draw_population

STREAMS = {
    "population": 0,
    "uncertainties": 1,
    "shocks": 2,
    "market": 3,
    "adoption": 4,
    "managers": 5,
    "labour": 6,
    "decoupling": 7,
    "closures": 8,
    "supervision": 9,
    "central_provincial": 10,
}
UNCERTAINTY_SLOTS = 64  # fixed, so adding an uncertainty never shifts another's draw


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of one mechanism's stream for one replication."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(replication, STREAMS[name]))
    )


def sample_law(law: dict, u: np.ndarray) -> np.ndarray:
    """Transform uniforms ``u`` by the inverse CDF of a law (fixed, uniform, normal, triangular)."""
    kind = law["distribution"]
    if kind == "fixed":
        return np.full_like(u, float(law["value"]))
    if kind == "uniform":
        return law["low"] + u * (law["high"] - law["low"])
    if kind == "normal":
        return law["mean"] + law["sd"] * ndtri(u)
    lo, mode, hi = law["low"], law["mode"], law["high"]
    cut = (mode - lo) / (hi - lo) if hi > lo else 0.5
    left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
    right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
    return np.where(u < cut, left, right)


@dataclass
class Draws:
    """Every random number of a chunk of replications, stacked on axis 0."""

    population: dict[str, np.ndarray]  # (R, N) each
    uncertainty_u: np.ndarray  # (R, n_uncertainties), uniforms in table order
    industry_z: np.ndarray  # (R, N_INDUSTRIES)
    common_shock: np.ndarray  # (R, T)
    idio_shock: np.ndarray  # (R, T, N)
    listing_u: np.ndarray  # (R, T, N)
    appraisal_z: np.ndarray  # (R, T, N)
    signal_z: np.ndarray  # (R, T, K, M)
    investor_u: np.ndarray  # (R, 5, M): capital, return, control, focus, trust
    investor_group_u: np.ndarray  # (R, M)
    adoption_u: np.ndarray  # (R, 4, N): board, market manager, equity incentive, outward
    ability_z: np.ndarray  # (R, T, N)
    labour_u: np.ndarray  # (R, T, 3, N): quits, dismissals, hires
    city_u: np.ndarray  # (R, T, 2): rounding of capacity and of re-employment
    department_order_u: np.ndarray  # (R, N_DEPARTMENTS)
    company_tie_u: np.ndarray  # (R, N)
    decoupling_round_u: np.ndarray  # (R, T)
    closure_round_u: np.ndarray  # (R, T)
    merge_u: np.ndarray  # (R, T, N)
    closure_order_u: np.ndarray  # (R, T, N)
    tunnel_u: np.ndarray  # (R, T, N)
    collusion_u: np.ndarray  # (R, T, K)
    handover_u: np.ndarray  # (R, T, N): signing, completion and socialisation hazards
    project_u: np.ndarray  # (R, 4, P): size, start, host, realised


def draw(seed: int, replications: range, horizon: int, constants: dict) -> Draws:
    """Draw everything for ``replications`` of a batch seeded with ``seed``."""
    n, k, m = N_FIRMS, int(constants["offers_per_month"]), int(constants["investor_slots"])
    n_proj = int(constants["cooperation_projects"])
    parts: dict[str, list] = {}

    def add(name: str, value) -> None:
        parts.setdefault(name, []).append(value)

    for r in replications:
        add("population", draw_population(stream(seed, r, "population"), constants))
        g = stream(seed, r, "uncertainties")
        add("uncertainty_u", g.random(UNCERTAINTY_SLOTS))
        add("industry_z", g.standard_normal(N_INDUSTRIES))
        g = stream(seed, r, "shocks")
        add("common_shock", g.standard_normal(horizon))
        add("idio_shock", g.standard_normal((horizon, n)))
        g = stream(seed, r, "market")
        add("listing_u", g.random((horizon, n)))
        add("appraisal_z", g.standard_normal((horizon, n)))
        add("signal_z", g.standard_normal((horizon, k, m)))
        add("investor_u", g.random((5, m)))
        add("investor_group_u", g.random(m))
        add("adoption_u", stream(seed, r, "adoption").random((4, n)))
        add("ability_z", stream(seed, r, "managers").standard_normal((horizon, n)))
        g = stream(seed, r, "labour")
        add("labour_u", g.random((horizon, 3, n)))
        add("city_u", g.random((horizon, 2)))
        g = stream(seed, r, "decoupling")
        add("department_order_u", g.random(N_DEPARTMENTS))
        add("company_tie_u", g.random(n))
        add("merge_u", g.random((horizon, n)))
        add("decoupling_round_u", g.random(horizon))
        g = stream(seed, r, "closures")
        add("closure_order_u", g.random((horizon, n)))
        add("closure_round_u", g.random(horizon))
        g = stream(seed, r, "supervision")
        add("tunnel_u", g.random((horizon, n)))
        add("collusion_u", g.random((horizon, k)))
        g = stream(seed, r, "central_provincial")
        add("handover_u", g.random((horizon, n)))
        add("project_u", g.random((4, n_proj)))

    pop = parts.pop("population")
    stacked = {name: np.stack(v) for name, v in parts.items()}
    population = {key: np.stack([p[key] for p in pop]) for key in pop[0]}
    return Draws(population=population, **stacked)


def sample_uncertainties(laws: dict, u: np.ndarray) -> dict[str, np.ndarray]:
    """Per-replication values of every uncertainty, shape (R,) each, clipped to range."""
    out = {}
    for j, (name, p) in enumerate(table()["uncertainties"].items()):
        v = np.clip(sample_law(laws[name], u[:, j]), *p.range)
        out[name] = np.round(v) if p.type == "int" else v
    return out
