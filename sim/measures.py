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
from sim.population import CENTRAL, IN_PLAN, MUNICIPAL, PRIORITY_INDUSTRY, PROVINCIAL
from sim.state import State
from sim.tasks.task1_pace import tasks_done


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


def _city_mean(s: State, x: np.ndarray) -> np.ndarray:
    """Mean over the city's own firms still operating."""
    live = IN_PLAN & s.active
    return np.where(live, x, 0.0).sum(axis=1) / live.sum(axis=1)


@formula
def state_equity(s, ctx):
    """State equity in the city's firms plus the investment companies' unspent budgets."""
    return _city(s.state_share * s.equity) + s.company_budget.sum(axis=1)


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
    return _count(s.active & (s.net_smoothed < 0))


@formula
def hopeless_loss_firms(s, ctx):
    return _count(s.active & (s.condition == 2))


@formula
def mixed_firms(s, ctx):
    return _count(s.active & (s.investor >= 0))


@formula
def state_controlled_mixed(s, ctx):
    return _count(s.active & (s.investor >= 0) & (s.state_share >= 0.5))


@formula
def state_minority_firms(s, ctx):
    return _count(s.active & (s.investor >= 0) & (s.state_share < 0.5))


@formula
def private_capital_in(s, ctx):
    return s.private_capital_in.copy()


@formula
def mean_state_share(s, ctx):
    return _city_mean(s, s.state_share)


@formula
def soe_stakes_in_private(s, ctx):
    return _city(s.outward)


@formula
def boards_built(s, ctx):
    return _count(s.active & s.board)


@formula
def market_selected_managers(s, ctx):
    return _count(s.active & s.manager_market)


@formula
def equity_incentive_firms(s, ctx):
    return _count(s.active & (s.management_share > 0))


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
    return _city_mean(s, ratio)


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
    done, total = tasks_done(s, ctx["levers"])
    return done / total if total else np.zeros(s.replications)


@formula
def deadline_met(s, ctx):
    done = s.completed_month
    return ((done > 0) & (done <= ctx["deadline"])).astype(float)


@formula
def departments_decoupled(s, ctx):
    return s.department_decoupled.sum(axis=1).astype(float)


@formula
def firms_decoupled(s, ctx):
    dept = np.clip(s.department, 0, None)
    return _count(MUNICIPAL & np.take_along_axis(s.department_decoupled, dept, axis=1))


@formula
def firms_transferred(s, ctx):
    return _count(s.company >= 0)


@formula
def firms_under_oversight(s, ctx):
    return _count(s.active & s.oversight)


@formula
def firms_merged(s, ctx):
    return _count(s.merged)


@formula
def firms_closed(s, ctx):
    return _count(s.closed)


@formula
def layoffs(s, ctx):
    return s.layoffs.sum(axis=1).astype(float)


@formula
def priority_industry_share(s, ctx):
    held = np.where(IN_PLAN, s.state_share * np.maximum(s.equity, 0.0), 0.0)
    return (held * PRIORITY_INDUSTRY[s.industry]).sum(axis=1) / held.sum(axis=1)


@formula
def company_budget(s, ctx):
    return s.company_budget.sum(axis=1)


@formula
def state_assets_tunnelled(s, ctx):
    return s.state_assets_tunnelled.copy()


@formula
def handovers_signed(s, ctx):
    return _count(CENTRAL & (s.handover >= 1))


@formula
def handovers_completed(s, ctx):
    return _count(CENTRAL & (s.handover == 2))


@formula
def provincial_socialised(s, ctx):
    return _count(PROVINCIAL & s.socialised)


@formula
def social_burden_cost(s, ctx):
    return np.where(CENTRAL | PROVINCIAL, s.burden * s.assets, 0.0).sum(axis=1) / 12.0


@formula
def social_burden_saved(s, ctx):
    return s.social_burden_saved.copy()


@formula
def cooperation_investment(s, ctx):
    return s.cooperation_investment.copy()


@formula
def fiscal_cost(s, ctx):
    return s.fiscal_cost.copy()


@formula
def production_disruption(s, ctx):
    lost = s.output_lost.sum(axis=1)
    return lost / (s.value_added.sum(axis=1) + lost)


@formula
def stability_stress(s, ctx):
    return s.unemployed / ctx["initial_employment"]


def record(s: State, ctx: dict) -> np.ndarray:
    """All measures for the current month, shape (R, n_measures) in registry order."""
    return np.stack([FORMULAS[name](s, ctx) for name in registry()], axis=1)
