"""The measures registry: metadata in ``sim/data/measures.toml``, formulas here.

Each formula maps a :class:`~sim.state.State` to one value per replication; both
engines record the same registry every month.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from sim import behaviour as b
from sim.population import IN_PLAN
from sim.state import State


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    en: str
    zh: str
    scope: str
    kind: str
    headline: bool


@cache
def registry() -> dict[str, Measure]:
    """Every measure, in report order."""
    text = resources.files("sim").joinpath("data/measures.toml").read_text(encoding="utf-8")
    return {name: Measure(name=name, **m) for name, m in tomllib.loads(text).items()}


def headline() -> list[str]:
    return [m.name for m in registry().values() if m.headline]


FORMULAS: dict[str, Callable[[State, dict], np.ndarray]] = {}


def formula(fn: Callable[[State, dict], np.ndarray]) -> Callable[[State, dict], np.ndarray]:
    FORMULAS[fn.__name__] = fn
    return fn


def _city(x: np.ndarray) -> np.ndarray:
    return np.where(IN_PLAN, x, 0).sum(axis=1)


def _count(mask: np.ndarray) -> np.ndarray:
    return mask.sum(axis=1).astype(float)


@formula
def state_equity(s, ctx):
    return _city(s.state_share * s.equity)


@formula
def value_preservation_ratio(s, ctx):
    return state_equity(s, ctx) / ctx["initial_state_equity"]


@formula
def state_assets_drained(s, ctx):
    return s.state_assets_drained.copy()


@formula
def output(s, ctx):
    return s.value_added.sum(axis=1)


@formula
def profit(s, ctx):
    return s.net_profit.sum(axis=1)


@formula
def roa(s, ctx):
    return 12.0 * s.ebit.sum(axis=1) / s.total_assets.sum(axis=1)


@formula
def roe(s, ctx):
    return 12.0 * s.net_profit.sum(axis=1) / s.equity.sum(axis=1)


@formula
def tfp(s, ctx):
    weights = s.total_assets
    level = np.exp(s.log_tfp + s.manager_ability)
    return (level * weights).sum(axis=1) / weights.sum(axis=1)


@formula
def labour_productivity(s, ctx):
    return 12.0 * 1e4 * s.value_added.sum(axis=1) / s.workers.sum(axis=1)


@formula
def loss_making_firms(s, ctx):
    return _count(s.net_smoothed < 0)


@formula
def hopeless_loss_firms(s, ctx):
    return _count(s.condition == 2)


@formula
def mixed_firms(s, ctx):
    return _count(s.investor >= 0)


@formula
def state_controlled_mixed(s, ctx):
    return _count((s.investor >= 0) & (s.state_share >= 0.5))


@formula
def state_minority_firms(s, ctx):
    return _count((s.investor >= 0) & (s.state_share < 0.5))


@formula
def private_capital_in(s, ctx):
    return s.private_capital_in.copy()


@formula
def mean_state_share(s, ctx):
    return _city(s.state_share) / IN_PLAN.sum()


@formula
def soe_stakes_in_private(s, ctx):
    return _city(s.outward)


@formula
def boards_built(s, ctx):
    return _count(s.board)


@formula
def market_selected_managers(s, ctx):
    return _count(s.manager_market)


@formula
def equity_incentive_firms(s, ctx):
    return _count(s.management_share > 0)


@formula
def managers_replaced(s, ctx):
    return s.managers_replaced.astype(float)


@formula
def exec_pay_ratio(s, ctx):
    performance = b.standardised_performance(
        s.roa_smoothed, ctx["c"]["performing_roa"], ctx["c"]["performance_scale"]
    )
    ratio = b.exec_pay_ratio(
        s.pay_sensitivity, performance, ctx["pay_cap"], ctx["c"]["exec_pay_base_ratio"]
    )
    return _city(ratio) / IN_PLAN.sum()


@formula
def employment(s, ctx):
    return s.workers.sum(axis=1).astype(float)


@formula
def hires(s, ctx):
    return s.hires.sum(axis=1).astype(float)


@formula
def separations(s, ctx):
    return s.separations.sum(axis=1).astype(float)


@formula
def dismissals(s, ctx):
    return s.dismissals.sum(axis=1).astype(float)


@formula
def unemployed(s, ctx):
    return s.unemployed.astype(float)


@formula
def reemployed(s, ctx):
    return s.reemployed.astype(float)


@formula
def mean_wage(s, ctx):
    return (s.wage * s.workers).sum(axis=1) / s.workers.sum(axis=1)


@formula
def subsidies(s, ctx):
    return s.subsidies.sum(axis=1)


@formula
def plans_approved(s, ctx):
    return s.plans_approved.astype(float)


@formula
def reform_completed_share(s, ctx):
    return _count(s.reformed) / IN_PLAN.sum()


@formula
def deadline_met(s, ctx):
    done = s.completed_month
    return ((done > 0) & (done <= ctx["deadline"])).astype(float)


def record(s: State, ctx: dict) -> np.ndarray:
    """All measures for the current month, shape (R, n_measures) in registry order."""
    return np.stack([FORMULAS[name](s, ctx) for name in registry()], axis=1)
