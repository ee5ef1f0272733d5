"""Calibration targets, computed from simulated outcomes, and their fit by the simulated
method of moments.

Each :class:`Target` is a figure from the sources (docs/CALIBRATION.md) with its
acceptable range, and a function that computes its simulated counterpart, per
replication, from what the model did (the state month by month of the baseline, the
city's plan and the plan without ownership change, on common random numbers), never
from an input. :func:`fit` moves the free parameters (:data:`FREE`) within their ranges
to bring the simulated targets into their ranges (scipy's Nelder-Mead on common random
numbers, so the objective is a smooth function of the parameters); ``python run.py
calibrate`` runs it and writes ``OUT/calibration.csv``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from sim.codes import Condition
from sim.engine import trajectory
from sim.measures import record, registry
from sim.parameters import table
from sim.population import IN_PLAN
from sim.scenario import Scenario, derive, load

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
HOPELESS = int(Condition.HOPELESS)
FIRST_YEAR = range(1, 13)  # months averaged for the levels of the first year
PERSISTENCE_MONTHS = 60  # zombies of month 1 still zombies at month 61
REEMPLOYMENT_MONTHS = 48  # cohorts followed four years
OWNERSHIP_MONTHS = 36  # TFP of mixed firms three years after the deal


@dataclass
class Outcomes:
    """What the calibration reads of one batch of replications (per replication)."""

    measures: dict[str, np.ndarray]  # scenario -> (R, months + 1, n measures)
    zombie_persistence: np.ndarray  # (R,) share of month-1 zombies still zombies 5 years on
    zombie_debt_ratio: np.ndarray  # (R,) zombies' share of debt / their share of firms
    reemployed_4y: np.ndarray  # (R,) share of the unemployed re-employed within 4 years
    ownership_gain: np.ndarray  # (R,) TFP of mixed firms 3 years on vs without the stake


@dataclass(frozen=True)
class Target:
    """A sourced figure, its acceptable range, and how to simulate it per replication."""

    name: str
    value: float
    low: float
    high: float
    source: str
    simulate: Callable[[Outcomes], np.ndarray] = field(repr=False)

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0


def _measure(scenario: str, name: str, months: Sequence[int] | None = None):
    """Per replication: a measure of a scenario, averaged over ``months`` (all if None)."""
    j = list(registry()).index(name)

    def get(o: Outcomes) -> np.ndarray:
        values = o.measures[scenario][:, :, j]
        return values.mean(axis=1) if months is None else values[:, list(months)].mean(axis=1)

    return get


def _month(scenario: str, name: str, month: int):
    j = list(registry()).index(name)
    return lambda o: o.measures[scenario][:, month, j]


TARGETS: tuple[Target, ...] = (
    Target(
        "roa",
        0.045,
        0.025,
        0.06,
        "SOE industrial ROA about 4.5% (Lardy 2014: 4.6% against private 12.4%); baseline, first year",
        _measure("baseline", "roa", FIRST_YEAR),
    ),
    Target(
        "roe",
        0.055,
        0.04,
        0.095,
        "central SOE ROE 9.5% (2010) to 5.4% (2016); baseline, first year",
        _measure("baseline", "roe", FIRST_YEAR),
    ),
    Target(
        "debt_to_assets_start",
        0.64,
        0.60,
        0.68,
        "SOE debt/assets 60.7-66.6% (central 2010-16), 63-67% (2022); baseline, month 0",
        _month("baseline", "debt_to_assets", 0),
    ),
    Target(
        "debt_to_assets_end",
        0.64,
        0.60,
        0.68,
        "the same band at the horizon: leverage held a decade; baseline, last month",
        _month("baseline", "debt_to_assets", -1),
    ),
    Target(
        "zombie_share",
        0.15,
        0.075,
        0.27,
        "zombies 7.5% of industrial firms (2005-13), 17% (2000-04), 27% at the peak; highest "
        "in state firms (Renmin Univ. NADS 2016); baseline, first year",
        _measure("baseline", "zombie_share", FIRST_YEAR),
    ),
    Target(
        "zombie_share_end",
        0.15,
        0.075,
        0.27,
        "the same band at the horizon: without reform, new zombies replace those that revive "
        "or exit; baseline, last year",
        _measure("baseline", "zombie_share", range(-12, 0)),
    ),
    Target(
        "zombie_persistence_5y",
        0.30,
        0.20,
        0.45,
        "about 30% of zombies remain zombies after five years (IMF WP/17/266)",
        lambda o: o.zombie_persistence,
    ),
    Target(
        "zombie_debt_ratio",
        2.0,
        1.5,
        3.0,
        "zombies hold 5-9% of corporate debt and 15% of industrial liabilities with 7.5-15% "
        "of firms (IMF WP/17/266): about twice their share; baseline, month 12",
        lambda o: o.zombie_debt_ratio,
    ),
    Target(
        "reemployed_within_4_years",
        0.66,
        0.55,
        0.75,
        "17.26 of 26.11 million laid-off SOE workers re-employed in 1998-2002, about two "
        "thirds (labour ministry, Xinhua 2002); baseline cohorts of months 1-18",
        lambda o: o.reemployed_4y,
    ),
    Target(
        "exec_pay_ratio",
        7.5,
        7.0,
        8.0,
        "executive pay 7-8 times the average wage after the 2015 reform; baseline",
        _measure("baseline", "exec_pay_ratio"),
    ),
    Target(
        "ownership_tfp_gain",
        0.125,
        0.10,
        0.15,
        "mixed-ownership pilots +14.6% TFP (Zhang, Wang & Wang 2023), privatisation +13-15% "
        "(Huang et al. 2025): firms mixed under the city's plan, three years on, against the "
        "same firms reformed without ownership change (incentives_first)",
        lambda o: o.ownership_gain,
    ),
)

FREE: tuple[str, ...] = (
    "value_added_per_asset",
    "tfp_marginal",
    "tfp_hopeless",
    "tfp_reversion",
    "tfp_gap_transitory",
    "distress_exit_rate",
    "hopeless_size_factor",
    "debt_ratio_hopeless",
    "leverage_adjustment_speed",
    "reemployment_duration_decay",
)
NEEDS = ("baseline", "city_plan", "incentives_first")
# where the fit may look: narrower than the table's ranges where these must stay ordered
# (a marginal firm is less productive than a performing one, a hopeless-loss firm less still)
FIT_BOUNDS: dict[str, tuple[float, float]] = {
    "tfp_marginal": (0.75, 1.05),
    "tfp_hopeless": (0.35, 0.75),
    "debt_ratio_hopeless": (0.66, 1.0),
}


def bundled(name: str) -> Scenario:
    return load(SCENARIOS / f"{name}.toml")


def _scenarios(
    constants: dict[str, float], needs: Sequence[str], horizon: int | None
) -> dict[str, Scenario]:
    settings = {"horizon_months": horizon} if horizon else {}
    out = {}
    for name in needs:
        sc = bundled(name)
        out[name] = (
            derive(sc, name, constants=constants, settings=settings)
            if (constants or settings)
            else sc
        )
    return out


def _observe(scenarios: dict[str, Scenario], seed: int, reps: range) -> dict:
    """Run the three scenarios on the same replications; keep what the targets need."""
    out: dict = {"measures": {}}
    tfp = {}
    for name, sc in scenarios.items():
        values = []
        level = []
        mixed_month = None
        start_zombie = None
        for t, (s, ctx) in enumerate(trajectory(sc, seed, reps)):
            f = s.firms
            values.append(record(s, ctx))
            level.append(np.exp(f.log_tfp + f.manager_ability))
            if name == "city_plan":
                mixed = (f.investor >= 0) & IN_PLAN
                if mixed_month is None:
                    mixed_month = np.zeros(mixed.shape, dtype=int)
                mixed_month = np.where(mixed & (mixed_month == 0), t, mixed_month)
            if name != "baseline":
                continue
            zombie = f.active & (f.condition == HOPELESS)
            if t == 1:
                start_zombie = zombie.copy()
            if t == 1 + PERSISTENCE_MONTHS:
                out["persistence"] = _ratio((zombie & start_zombie).sum(1), start_zombie.sum(1))
            if t == 12:
                debt_share = (f.debt * zombie).sum(1) / (f.debt * f.active).sum(1)
                firm_share = zombie.sum(1) / f.active.sum(1)
                out["debt_ratio"] = _ratio(debt_share, firm_share)
            out.setdefault("inflow", []).append(s.city.pool_inflow.copy())
            out.setdefault("left", []).append(s.city.pool[..., REEMPLOYMENT_MONTHS].sum(-1))
        out["measures"][name] = np.stack(values, axis=1)
        if name != "baseline":
            tfp[name] = np.stack(level, axis=1)
        if name == "city_plan":
            out["mixed_month"] = mixed_month
    out["tfp"] = tfp
    return out


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def outcomes(
    constants: dict[str, float],
    seed: int,
    reps: int,
    executor: Executor | None = None,
    chunk: int = 25,
    needs: Sequence[str] = NEEDS,
    horizon: int | None = None,
) -> Outcomes:
    """Simulate the scenarios the targets need (``needs``) with ``constants`` overriding the
    defaults, in chunks of replications (on ``executor`` if given); a shorter ``horizon``
    leaves the targets that need the full one undefined (NaN)."""
    scenarios = _scenarios(constants, needs, horizon)
    chunks = [range(i, min(i + chunk, reps)) for i in range(0, reps, chunk)]
    if executor is None:
        parts = [_observe(scenarios, seed, chunk) for chunk in chunks]
    else:
        parts = list(
            executor.map(_observe, [scenarios] * len(chunks), [seed] * len(chunks), chunks)
        )
    return _combine(parts)


def _combine(parts: list[dict]) -> Outcomes:
    reps = sum(next(iter(p["measures"].values())).shape[0] for p in parts)
    missing = np.full(reps, np.nan)
    measures = {
        name: np.concatenate([p["measures"][name] for p in parts]) for name in parts[0]["measures"]
    }

    def joined(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts]) if key in parts[0] else missing

    reemployed = missing
    if "inflow" in parts[0]:
        inflow = np.concatenate([np.stack(p["inflow"], axis=1) for p in parts])  # (R, T+1)
        left = np.concatenate([np.stack(p["left"], axis=1) for p in parts])
        cohorts = range(1, inflow.shape[1] - REEMPLOYMENT_MONTHS)
        if len(cohorts):
            entered = inflow[:, list(cohorts)].sum(axis=1)
            remaining = left[:, [t + REEMPLOYMENT_MONTHS for t in cohorts]].sum(axis=1)
            reemployed = 1.0 - _ratio(remaining, entered)
    gain = missing
    if {"city_plan", "incentives_first"} <= set(parts[0]["tfp"]):
        gain = np.concatenate([_ownership_gain(p) for p in parts])
    return Outcomes(
        measures=measures,
        zombie_persistence=joined("persistence"),
        zombie_debt_ratio=joined("debt_ratio"),
        reemployed_4y=reemployed,
        ownership_gain=gain,
    )


def _ownership_gain(part: dict) -> np.ndarray:
    """Per replication: TFP of the firms mixed under the city's plan three years after the
    deal, against the same firms in the plan without ownership change."""
    plan, without = part["tfp"]["city_plan"], part["tfp"]["incentives_first"]
    when = part["mixed_month"]
    horizon = plan.shape[1] - 1
    out = []
    for r in range(plan.shape[0]):
        firms = np.flatnonzero((when[r] > 0) & (when[r] + OWNERSHIP_MONTHS <= horizon))
        months = when[r, firms] + OWNERSHIP_MONTHS
        ratio = plan[r, months, firms] / without[r, months, firms] - 1.0
        out.append(ratio.mean() if firms.size else np.nan)
    return np.array(out)


def evaluate(o: Outcomes, targets: Sequence[Target] = TARGETS) -> pd.DataFrame:
    """Each target's range, its simulated mean with standard error, and whether it is in."""
    rows = []
    for target in targets:
        x = target.simulate(o)
        x = x[np.isfinite(x)]
        mean = float(x.mean()) if x.size else np.nan
        se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else np.nan
        rows.append(
            {
                "target": target.name,
                "low": target.low,
                "high": target.high,
                "simulated": mean,
                "se": se,
                "inside": bool(target.low <= mean <= target.high),
                "source": target.source,
            }
        )
    return pd.DataFrame(rows)


def distance(table_: pd.DataFrame, targets: Sequence[Target] = TARGETS) -> float:
    """The SMM objective: squared gaps to each target's value in half-widths of its range."""
    by_name = {t.name: t for t in targets}
    gaps = [
        ((row.simulated - by_name[row.target].value) / by_name[row.target].half_width) ** 2
        for row in table_.itertuples()
    ]
    return float(np.nansum(gaps)) if np.isfinite(gaps).any() else np.inf


def bounds(names: Sequence[str]) -> list[tuple[float, float]]:
    """Where the fit may move each free parameter: its range in the parameter table, or
    the narrower :data:`FIT_BOUNDS`."""
    constants = table()["constants"]
    return [FIT_BOUNDS.get(name, tuple(constants[name].range)) for name in names]


@dataclass
class Fit:
    parameters: dict[str, float]
    table: pd.DataFrame
    objective: float
    evaluations: int


def fit(
    seed: int,
    reps: int,
    free: Sequence[str] = FREE,
    targets: Sequence[Target] = TARGETS,
    start: dict[str, float] | None = None,
    maxiter: int = 200,
    executor: Executor | None = None,
    chunk: int = 25,
    progress: Callable[[int, float], None] | None = None,
    needs: Sequence[str] = NEEDS,
    horizon: int | None = None,
) -> Fit:
    """Fit ``free`` constants to ``targets`` by the simulated method of moments: the same
    seed and replications at every evaluation (common random numbers)."""
    defaults = {name: table()["constants"][name].value for name in free}
    x0 = np.array([(start or defaults)[name] for name in free], dtype=float)
    lows, highs = np.array(bounds(free)).T
    calls = 0

    def objective(x: np.ndarray) -> float:
        nonlocal calls
        calls += 1
        params = dict(zip(free, np.clip(x, lows, highs).tolist(), strict=True))
        found = outcomes(params, seed, reps, executor, chunk, needs, horizon)
        value = distance(evaluate(found, targets), targets)
        if progress:
            progress(calls, value)
        return value

    result = minimize(
        objective,
        x0,
        method="Nelder-Mead",
        bounds=list(zip(lows, highs, strict=True)),
        options={"maxiter": maxiter, "xatol": 1e-3, "fatol": 1e-3, "initial_simplex": None},
    )
    params = dict(zip(free, np.clip(result.x, lows, highs).tolist(), strict=True))
    final = evaluate(outcomes(params, seed, reps, executor, chunk, needs, horizon), targets)
    return Fit(params, final, distance(final, targets), calls)
