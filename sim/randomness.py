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

import copy
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
    "finance": 11,
    "productivity": 12,
    "demand": 13,
    "labour_market": 14,
    "ownership": 15,
    "pace": 16,
    "companies": 17,
    "appraisal": 18,  # the appraisers' errors, each month
    "signals": 19,  # the investors' readings of each listing, each month
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


# months of each month's numbers drawn at once (memory against calls): at 3 the blocks
# are about a third of a replication's peak memory, and their calls about 1% of its time
MONTH_BLOCK = 3


@dataclass
class Monthly:
    """An array of each month, drawn ``MONTH_BLOCK`` months at a time.

    ``generators[r]`` stands where replication ``r``'s stream holds the array's first
    month; it draws months in order, as the whole (T, *shape) array would be drawn, so the
    numbers do not depend on the block size."""

    kind: str  # the Generator method: "random" or "standard_normal"
    shape: tuple[int, ...]  # of one replication's month
    generators: list[np.random.Generator]
    start: list[dict] = field(init=False, repr=False)  # the generators' states at month 1
    methods: list = field(init=False, repr=False)  # each generator's ``kind`` method

    def __post_init__(self) -> None:
        self.start = [g.bit_generator.state for g in self.generators]
        self.methods = [getattr(g, self.kind) for g in self.generators]

    def fill(self, out: np.ndarray, months: int) -> None:
        """Draw the next ``months`` months of every replication into ``out[:, :months]``."""
        for method, block in zip(self.methods, out[:, :months], strict=True):
            method(out=block)

    def rewind(self) -> None:
        """Back to month 1."""
        for g, state in zip(self.generators, self.start, strict=True):
            g.bit_generator.state = state


@dataclass
class Draws:
    """Every random number of a chunk of replications, stacked on axis 0.

    Read a month's numbers through :meth:`month` (months in increasing order; a month's
    arrays hold until a month of another block is read) and the adoption draws through
    their named properties. The per-enterprise monthly numbers (``monthly``) are drawn a
    block of months at a time; the others up front, in the layout they are drawn in.
    """

    horizon: int
    population: dict[str, np.ndarray]  # (R, N) each
    uncertainty_u: np.ndarray  # (R, n_uncertainties), uniforms in table order
    industry_z: np.ndarray  # (R, N_INDUSTRIES)
    common_shock: np.ndarray  # (R, T)
    investor_u: np.ndarray  # (R, 5, M): capital, return, control, focus, trust
    investor_group_u: np.ndarray  # (R, M)
    adoption_u: np.ndarray  # (R, 4, N): board, market manager, equity incentive, (unused)
    city_u: np.ndarray  # (R, T, 2): rounding of capacity and of re-employment
    department_order_u: np.ndarray  # (R, N_DEPARTMENTS)
    company_tie_u: np.ndarray  # (R, N)
    decoupling_round_u: np.ndarray  # (R, T)
    closure_round_u: np.ndarray  # (R, T)
    collusion_u: np.ndarray  # (R, T, K)
    project_u: np.ndarray  # (R, 4, P): size, start, host, realised
    cycle_z: np.ndarray  # (R, T, N_INDUSTRIES): industry demand shock
    pool_u: np.ndarray  # (R, T, 2, D): rounding of re-employment by market and spell month
    quit_pool_u: np.ndarray  # (R, T, 2): rounding of quits into unemployment, by market
    company_u: np.ndarray  # (R, company slots): the company's supervision quality
    monthly: dict[str, Monthly]  # the per-enterprise numbers of each month (``MONTHLY``)
    _block: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)
    _first: int = field(default=0, init=False, repr=False)  # first month of the block held
    _next: int = field(default=1, init=False, repr=False)  # where the generators stand
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
            if not self._block or not self._first <= t < self._first + MONTH_BLOCK:
                self._load_block(t)
            self._months[t] = self._month(t)
        return self._months[t]

    def _load_block(self, t: int) -> None:
        """Draw the blocks of months up to the one holding month ``t`` (from month 1 again
        if that block was passed)."""
        first = 1 + (t - 1) // MONTH_BLOCK * MONTH_BLOCK
        if first < self._next:
            for m in self.monthly.values():
                m.rewind()
            self._next = 1
        while self._next <= first:
            months = min(MONTH_BLOCK, self.horizon - self._next + 1)
            for name, m in self.monthly.items():
                if name not in self._block:
                    shape = (len(m.generators), MONTH_BLOCK, *m.shape)
                    self._block[name] = np.empty(shape)
                m.fill(self._block[name], months)
            self._first, self._next = self._next, self._next + MONTH_BLOCK
        self._months.clear()

    def _month(self, t: int) -> MonthDraws:
        i, j = t - 1, t - self._first
        labour, city = self._block["labour_u"][:, j], self.city_u[:, i]
        block = {name: x[:, j] for name, x in self._block.items() if name != "labour_u"}
        return MonthDraws(
            **block,
            common_shock=self.common_shock[:, i],
            quit_u=labour[:, 0],
            dismiss_u=labour[:, 1],
            hire_u=labour[:, 2],
            collusion_u=self.collusion_u[:, i],
            capacity_u=city[:, 0],
            reemployment_u=city[:, 1],
            decoupling_round_u=self.decoupling_round_u[:, i],
            closure_round_u=self.closure_round_u[:, i],
            pool_u=self.pool_u[:, i],
            quit_pool_u=self.quit_pool_u[:, i],
        )


PER_FIRM = {"per": "enterprise"}


def _firm() -> object:
    """A per-enterprise field of ``MonthDraws`` (an enterprise agent reads its own)."""
    return field(metadata=PER_FIRM)


@dataclass(frozen=True)
class MonthDraws:
    """One month's random numbers: (R, N) per enterprise, (R,) per city, (R, K[, M]) per
    listing slot. The per-enterprise ones (``FIRM_MONTHLY``) are what an enterprise agent
    reads of its own, as scalars, through :class:`FirmDraws`."""

    idio_shock: np.ndarray = _firm()  # idiosyncratic TFP shock, standard normal
    listing_u: np.ndarray = _firm()  # is an open offer listed, and its place in the queue
    appraisal_z: np.ndarray = _firm()  # appraisal error, standard normal
    ability_z: np.ndarray = _firm()  # a newly appointed manager's ability, standard normal
    quit_u: np.ndarray = _firm()  # rounding of quits
    dismiss_u: np.ndarray = _firm()  # rounding of dismissals
    hire_u: np.ndarray = _firm()  # rounding of hires
    merge_u: np.ndarray = _firm()  # is the firm merged into its anchor this month
    closure_order_u: np.ndarray = _firm()  # order among closure candidates
    tunnel_u: np.ndarray = _firm()  # does tunnelling happen
    handover_u: np.ndarray = _firm()  # hand-over signing and completion, socialisation
    exit_u: np.ndarray = _firm()  # bankruptcy of a distressed firm
    turnover_u: np.ndarray = _firm()  # a manager's term ends
    base_z: np.ndarray = _firm()  # persistent productivity shock, standard normal
    retire_u: np.ndarray = _firm()  # rounding of retirements
    expropriation_u: np.ndarray = _firm()  # a controlling private owner diverts value
    rework_u: np.ndarray = _firm()  # an approved plan is sent back for rework
    common_shock: np.ndarray = field()  # (R,) common TFP shock, standard normal
    signal_z: np.ndarray = field()  # (R, K, M) investors' reading of each listed firm
    collusion_u: np.ndarray = field()  # (R, K) is a listing's reserve cut collusively
    capacity_u: np.ndarray = field()  # (R,) rounding of the plans approved
    reemployment_u: np.ndarray = field()  # (R,) rounding of the re-employed
    decoupling_round_u: np.ndarray = field()  # (R,) rounding of the departments decoupled
    closure_round_u: np.ndarray = field()  # (R,) rounding of the closures
    pool_u: np.ndarray = field()  # (R, 2, D) rounding of re-employment by market and month
    quit_pool_u: np.ndarray = field()  # (R, 2) rounding of quits into unemployment


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
    by_month = [  # copied month by month: a month's arrays hold only until the next block
        np.stack([getattr(d.month(t), name)[0] for name in FIRM_MONTHLY], axis=-1)
        for t in range(1, horizon + 1)
    ]
    per_firm = np.stack(by_month, axis=1).tolist()  # (N, T, fields)
    static = np.stack([getattr(d, name)[0] for name in FIRM_STATIC], axis=1).tolist()
    return [
        FirmDraws(*static[i], months=tuple(FirmMonth(*row) for row in per_firm[i]))
        for i in range(len(per_firm))
    ]


# the per-enterprise numbers of each month, drawn a block of months at a time: name -> kind
MONTHLY = {
    "idio_shock": "standard_normal",
    "listing_u": "random",
    "appraisal_z": "standard_normal",
    "signal_z": "standard_normal",  # (K, M) a month: each investor's reading of each listing
    "ability_z": "standard_normal",
    "labour_u": "random",  # (3, N) a month: quits, dismissals, hires
    "merge_u": "random",
    "closure_order_u": "random",
    "tunnel_u": "random",
    "handover_u": "random",
    "exit_u": "random",
    "turnover_u": "random",
    "base_z": "standard_normal",
    "retire_u": "random",
    "expropriation_u": "random",
    "rework_u": "random",
}


def _fork(g: np.random.Generator) -> np.random.Generator:
    """A generator at ``g``'s place in its stream, drawing independently of ``g``."""
    return np.random.Generator(copy.copy(g.bit_generator))


def draw(seed: int, replications: range, horizon: int, constants: dict) -> Draws:
    """Draw everything for ``replications`` of a batch seeded with ``seed``: each stream's
    numbers up front, except those of each month (``MONTHLY``), whose generators are kept
    where their arrays begin. A later array of a stream is reached by skipping the
    uniforms of the one before (``advance``: one step per float64 uniform); the monthly
    normals of the market (appraisal errors and investors' signals) have streams of their
    own, since a normal takes a varying number of steps and cannot be skipped so."""
    n, k, m = N_FIRMS, int(constants["offers_per_month"]), int(constants["investor_slots"])
    n_proj = int(constants["cooperation_projects"])
    pool = int(constants["pool_months"]) + 1
    h, reps = horizon, len(replications)
    upfront: dict[str, np.ndarray] = {}
    later: dict[str, list[np.random.Generator]] = {name: [] for name in MONTHLY}
    population = []

    def add(name: str, g: np.random.Generator, kind: str, *shape: int) -> None:
        if name not in upfront:
            upfront[name] = np.empty((reps, *shape))
        getattr(g, kind)(out=upfront[name][i])

    def monthly(name: str, g: np.random.Generator, skip: int = 0) -> None:
        """``name`` begins at ``g``'s place; ``g`` skips its ``skip`` uniforms."""
        later[name].append(_fork(g) if skip else g)
        if skip:
            g.bit_generator.advance(skip)

    u, z = "random", "standard_normal"
    shapes = {name: (n,) for name in MONTHLY} | {"labour_u": (3, n), "signal_z": (k, m)}
    for i, r in enumerate(replications):  # noqa: B007  (add reads i)
        population.append(draw_population(stream(seed, r, "population"), constants))
        g = stream(seed, r, "uncertainties")
        add("uncertainty_u", g, u, UNCERTAINTY_SLOTS)
        add("industry_z", g, z, N_INDUSTRIES)
        g = stream(seed, r, "shocks")
        add("common_shock", g, z, h)
        monthly("idio_shock", g)
        g = stream(seed, r, "market")
        monthly("listing_u", g, h * n)
        add("investor_u", g, u, 5, m)
        add("investor_group_u", g, u, m)
        add("adoption_u", stream(seed, r, "adoption"), u, 4, n)
        monthly("ability_z", stream(seed, r, "managers"))
        g = stream(seed, r, "labour")
        monthly("labour_u", g, h * 3 * n)
        add("city_u", g, u, h, 2)
        g = stream(seed, r, "decoupling")
        add("department_order_u", g, u, N_DEPARTMENTS)
        add("company_tie_u", g, u, n)
        monthly("merge_u", g, h * n)
        add("decoupling_round_u", g, u, h)
        g = stream(seed, r, "closures")
        monthly("closure_order_u", g, h * n)
        add("closure_round_u", g, u, h)
        g = stream(seed, r, "supervision")
        monthly("tunnel_u", g, h * n)
        add("collusion_u", g, u, h, k)
        g = stream(seed, r, "central_provincial")
        monthly("handover_u", g, h * n)
        add("project_u", g, u, 4, n_proj)
        g = stream(seed, r, "finance")
        monthly("exit_u", g, h * n)
        monthly("turnover_u", g)
        monthly("base_z", stream(seed, r, "productivity"))
        add("cycle_z", stream(seed, r, "demand"), z, h, N_INDUSTRIES)
        g = stream(seed, r, "labour_market")
        monthly("retire_u", g, h * n)
        add("pool_u", g, u, h, 2, pool)
        add("quit_pool_u", g, u, h, 2)
        monthly("expropriation_u", stream(seed, r, "ownership"))
        monthly("rework_u", stream(seed, r, "pace"))
        monthly("appraisal_z", stream(seed, r, "appraisal"))
        monthly("signal_z", stream(seed, r, "signals"))
        add("company_u", stream(seed, r, "companies"), u, int(constants["company_slots"]))

    return Draws(
        horizon=h,
        population={key: np.stack([p[key] for p in population]) for key in population[0]},
        monthly={name: Monthly(kind, shapes[name], later[name]) for name, kind in MONTHLY.items()},
        **upfront,
    )


def sample_uncertainties(laws: dict, u: np.ndarray) -> dict[str, np.ndarray]:
    """Per-replication values of every uncertainty, shape (R,) each, clipped to range."""
    out = {}
    for j, (name, p) in enumerate(table()["uncertainties"].items()):
        v = np.clip(sample_law(laws[name], u[:, j]), *p.range)
        out[name] = np.round(v) if p.type == "int" else v
    return out
