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

from collections import namedtuple
from dataclasses import dataclass, field, fields

import numpy as np
from scipy.special import ndtri

from sim.parameters import DISTRIBUTIONS, table
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
    if kind != "triangular":
        raise ValueError(f"unknown distribution {kind!r}; allowed: {', '.join(DISTRIBUTIONS)}")
    lo, mode, hi = law["low"], law["mode"], law["high"]
    cut = (mode - lo) / (hi - lo) if hi > lo else 0.5
    left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
    right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mode))
    return np.where(u < cut, left, right)


@dataclass
class Draws:
    """Every random number of a chunk of replications, stacked on axis 0.

    Read a month's numbers through :meth:`month` and the adoption draws through their
    named properties; the stacked arrays keep the layout they are drawn in.
    """

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
    adoption_u: np.ndarray  # (R, 4, N): board, market manager, equity incentive, (unused)
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
    _months: dict[int, MonthDraws] = field(default_factory=dict, init=False, repr=False)

    @property
    def board_u(self) -> np.ndarray:
        """(R, N): does the firm build a board when reformed."""
        return self.adoption_u[:, 0]

    @property
    def manager_u(self) -> np.ndarray:
        """(R, N): is its manager selected on the market."""
        return self.adoption_u[:, 1]

    @property
    def incentive_u(self) -> np.ndarray:
        """(R, N): does its management get an equity incentive."""
        return self.adoption_u[:, 2]

    def month(self, t: int) -> MonthDraws:
        """The random numbers of month ``t`` (1-based)."""
        if t not in self._months:
            self._months[t] = self._month(t)
        return self._months[t]

    def _month(self, t: int) -> MonthDraws:
        i = t - 1
        labour, city = self.labour_u[:, i], self.city_u[:, i]
        return MonthDraws(
            common_shock=self.common_shock[:, i],
            idio_shock=self.idio_shock[:, i],
            listing_u=self.listing_u[:, i],
            appraisal_z=self.appraisal_z[:, i],
            ability_z=self.ability_z[:, i],
            quit_u=labour[:, 0],
            dismiss_u=labour[:, 1],
            hire_u=labour[:, 2],
            merge_u=self.merge_u[:, i],
            closure_order_u=self.closure_order_u[:, i],
            tunnel_u=self.tunnel_u[:, i],
            handover_u=self.handover_u[:, i],
            signal_z=self.signal_z[:, i],
            collusion_u=self.collusion_u[:, i],
            capacity_u=city[:, 0],
            reemployment_u=city[:, 1],
            decoupling_round_u=self.decoupling_round_u[:, i],
            closure_round_u=self.closure_round_u[:, i],
        )


PER_FIRM = {"per": "enterprise"}


@dataclass(frozen=True)
class MonthDraws:
    """One month's random numbers: (R, N) per enterprise, (R,) per city, (R, K[, M]) per
    listing slot. The per-enterprise ones (``FIRM_MONTHLY``) are what an enterprise agent
    reads of its own, as scalars, through :class:`FirmDraws`."""

    idio_shock: np.ndarray = field(metadata=PER_FIRM)  # idiosyncratic TFP shock, standard normal
    listing_u: np.ndarray = field(
        metadata=PER_FIRM
    )  # is an open offer listed, and its place in the queue
    appraisal_z: np.ndarray = field(metadata=PER_FIRM)  # appraisal error, standard normal
    ability_z: np.ndarray = field(
        metadata=PER_FIRM
    )  # a newly appointed manager's ability, standard normal
    quit_u: np.ndarray = field(metadata=PER_FIRM)  # rounding of quits
    dismiss_u: np.ndarray = field(metadata=PER_FIRM)  # rounding of dismissals
    hire_u: np.ndarray = field(metadata=PER_FIRM)  # rounding of hires
    merge_u: np.ndarray = field(metadata=PER_FIRM)  # is the firm merged into its anchor this month
    closure_order_u: np.ndarray = field(metadata=PER_FIRM)  # order among closure candidates
    tunnel_u: np.ndarray = field(metadata=PER_FIRM)  # does tunnelling happen
    handover_u: np.ndarray = field(
        metadata=PER_FIRM
    )  # hand-over signing and completion, socialisation
    common_shock: np.ndarray  # (R,) common TFP shock, standard normal
    signal_z: np.ndarray  # (R, K, M) investors' reading of each listed firm
    collusion_u: np.ndarray  # (R, K) is a listing's reserve cut collusively
    capacity_u: np.ndarray  # (R,) rounding of the plans approved
    reemployment_u: np.ndarray  # (R,) rounding of the re-employed
    decoupling_round_u: np.ndarray  # (R,) rounding of the departments decoupled
    closure_round_u: np.ndarray  # (R,) rounding of the closures


FIRM_MONTHLY = tuple(f.name for f in fields(MonthDraws) if f.metadata == PER_FIRM)
FirmMonth = namedtuple("FirmMonth", FIRM_MONTHLY)  # one enterprise's numbers of one month
FIRM_STATIC = ("board_u", "manager_u", "incentive_u", "company_tie_u")


@dataclass(frozen=True)
class FirmDraws:
    """One enterprise's own random numbers in a one-replication batch, as scalars: the
    adoption draws and its industry-match tie-break, and every month's ``FirmMonth``."""

    board_u: float
    manager_u: float
    incentive_u: float
    company_tie_u: float
    months: tuple[FirmMonth, ...]  # index t - 1

    def month(self, t: int) -> FirmMonth:
        return self.months[t - 1]


def firm_draws(d: Draws, horizon: int) -> list[FirmDraws]:
    """Each enterprise's own draws, for the agent model (``d`` holds one replication)."""
    by_month = [d.month(t) for t in range(1, horizon + 1)]
    columns = [np.stack([getattr(m, name)[0] for m in by_month], axis=1) for name in FIRM_MONTHLY]
    per_firm = np.stack(columns, axis=-1).tolist()  # (N, T, fields)
    static = np.stack([getattr(d, name)[0] for name in FIRM_STATIC], axis=1).tolist()
    return [
        FirmDraws(*static[i], months=tuple(FirmMonth(*row) for row in per_firm[i]))
        for i in range(len(per_firm))
    ]


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
