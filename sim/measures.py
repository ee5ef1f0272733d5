"""The measures registry: metadata in ``sim/data/measures.toml``, formulas here.

Each formula maps a :class:`~sim.state.State` and the run's :class:`Context` to one
value per replication; both engines record the same registry every month from the
same state (the agent model copies its agents' variables into a one-replication
``State``) with the same context.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from sim import rules
from sim.codes import MAJORITY, MONTHS_PER_YEAR, Condition, Handover
from sim.population import CENTRAL, IN_PLAN, MUNICIPAL, PROVINCIAL
from sim.rules import EXIT
from sim.state import ReadOnce, State


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    en: str
    zh: str
    scope: str
    kind: str
    headline: bool
    material: float | None = None  # headline only: the smallest change that matters
    better: str = ""  # headline only: "higher", "lower" or "either" (no agreed direction)

    @property
    def direction(self) -> int:
        """+1 when more is better (or, for "either", the direction P(better) counts), -1 when
        less is."""
        return -1 if self.better == "lower" else 1


@dataclass(frozen=True)
class Context:
    """What the measures need besides the state: the run's levers and constants and the
    month-0 values that ratios are taken against."""

    levers: dict[str, Any]
    constants: dict[str, Any]
    initial_state_equity: np.ndarray
    initial_employment: np.ndarray

    @property
    def deadline(self) -> int:
        return int(self.levers["deadline_month"])


@cache
def registry() -> dict[str, Measure]:
    """Every measure, in report order."""
    text = resources.files("sim").joinpath("data/measures.toml").read_text(encoding="utf-8")
    return {name: Measure(name=name, **m) for name, m in tomllib.loads(text).items()}


def headline() -> list[str]:
    return [m.name for m in registry().values() if m.headline]


FORMULAS: dict[str, Callable[[State, Context], np.ndarray]] = {}


def formula(
    fn: Callable[[State, Context], np.ndarray],
) -> Callable[[State, Context], np.ndarray]:
    FORMULAS[fn.__name__] = fn
    return fn


def _city(x: np.ndarray) -> np.ndarray:
    return np.where(IN_PLAN, x, 0).sum(axis=1)


def _count(mask: np.ndarray) -> np.ndarray:
    return mask.sum(axis=1).astype(float)


def _zero(s: State) -> np.ndarray:
    return np.zeros(s.replications)


def _city_mean(s: State, x: np.ndarray) -> np.ndarray:
    """Mean over the city's own firms still operating."""
    live = IN_PLAN & s.firms.active
    return np.where(live, x, 0.0).sum(axis=1) / live.sum(axis=1)


@formula
def state_equity(s, ctx):
    """State equity in the city's firms plus the investment companies' unspent budgets."""
    return _city(s.firms.state_share * s.firms.equity) + s.companies.budget.sum(axis=1)


@formula
def value_preservation_ratio(s, ctx):
    return state_equity(s, ctx) / ctx.initial_state_equity


@formula
def state_assets_drained(s, ctx):
    return s.city.state_assets_drained.copy()


@formula
def expropriated(s, ctx):
    return s.city.expropriated.copy()


@formula
def incentive_transfers(s, ctx):
    return s.city.incentive_transfers.copy()


@formula
def output(s, ctx):
    return s.firms.value_added.sum(axis=1)


@formula
def profit(s, ctx):
    return s.firms.net_profit.sum(axis=1)


@formula
def roa(s, ctx):
    """Total profit (利润总额, after interest, before tax) over total assets, a year: the NBS
    definition the sources use."""
    f = s.firms
    return MONTHS_PER_YEAR * f.pretax_profit.sum(axis=1) / f.total_assets.sum(axis=1)


@formula
def roe(s, ctx):
    return MONTHS_PER_YEAR * s.firms.net_profit.sum(axis=1) / s.firms.equity.sum(axis=1)


@formula
def debt_to_assets(s, ctx):
    f = s.firms
    return f.debt.sum(axis=1, where=f.active) / f.total_assets.sum(axis=1, where=f.active)


@formula
def investment(s, ctx):
    return s.firms.investment.sum(axis=1)


@formula
def tfp(s, ctx):
    weights = s.firms.total_assets
    level = np.exp(s.firms.log_tfp + s.firms.manager_ability)
    return (level * weights).sum(axis=1) / weights.sum(axis=1)


@formula
def labour_productivity(s, ctx):
    return MONTHS_PER_YEAR * 1e4 * s.firms.value_added.sum(axis=1) / s.firms.workers.sum(axis=1)


@formula
def loss_making_firms(s, ctx):
    return _count(s.firms.active & (s.firms.net_smoothed < 0))


@formula
def hopeless_loss_firms(s, ctx):
    return _count(s.firms.active & (s.firms.condition == Condition.HOPELESS))


@formula
def zombie_share(s, ctx):
    f = s.firms
    return _count(f.active & (f.condition == Condition.HOPELESS)) / _count(f.active)


@formula
def zombies_revived(s, ctx):
    return s.city.zombies_revived.astype(float)


@formula
def bankruptcies(s, ctx):
    return s.city.bankruptcies.astype(float)


@formula
def firms_in_liquidation(s, ctx):
    return _count(s.firms.liquidating)


@formula
def creditor_losses(s, ctx):
    return s.city.creditor_losses.copy()


@formula
def state_creditor_losses(s, ctx):
    return s.city.state_creditor_losses.copy()


@formula
def mixed_firms(s, ctx):
    return _count(s.firms.active & (s.firms.investor >= 0))


@formula
def state_controlled_mixed(s, ctx):
    return _count(s.firms.active & (s.firms.investor >= 0) & (s.firms.state_share >= MAJORITY))


@formula
def state_minority_firms(s, ctx):
    return _count(s.firms.active & (s.firms.investor >= 0) & (s.firms.state_share < MAJORITY))


@formula
def private_capital_in(s, ctx):
    return s.city.private_capital_in.copy()


@formula
def mean_state_share(s, ctx):
    return _city_mean(s, s.firms.state_share)


@formula
def soe_stakes_in_private(s, ctx):
    return _city(s.firms.outward)


@formula
def boards_built(s, ctx):
    return _count(s.firms.active & s.firms.board)


@formula
def market_selected_managers(s, ctx):
    return _count(s.firms.active & s.firms.manager_market)


@formula
def equity_incentive_firms(s, ctx):
    return _count(s.firms.active & (s.firms.management_share > 0))


@formula
def managers_replaced(s, ctx):
    return s.city.managers_replaced.astype(float)


@formula
def exec_pay_ratio(s, ctx):
    return _city_mean(s, s.firms.exec_pay)


@formula
def exec_pay_cost(s, ctx):
    return rules.exec_pay_cost(s.firms.exec_pay, s.firms.workers, ctx.constants).sum(axis=1)


@formula
def employment(s, ctx):
    return s.firms.workers.sum(axis=1).astype(float)


@formula
def hires(s, ctx):
    return s.firms.hires.sum(axis=1).astype(float)


@formula
def separations(s, ctx):
    return s.firms.separations.sum(axis=1).astype(float)


@formula
def dismissals(s, ctx):
    return s.firms.dismissals.sum(axis=1).astype(float)


@formula
def unemployed(s, ctx):
    return s.city.unemployed.astype(float)


@formula
def reemployed(s, ctx):
    return s.city.reemployed.astype(float)


@formula
def reemployment_rate(s, ctx):
    c = s.city
    before = c.unemployed - c.pool_inflow + c.reemployed + c.hired_from_pool
    return np.where(before > 0, c.reemployed / np.maximum(before, 1), 0.0)


@formula
def unemployment_duration_mean(s, ctx):
    pool = s.city.pool.sum(axis=1)
    spell = np.arange(pool.shape[-1]) + 0.5
    people = pool.sum(axis=-1)
    return np.where(people > 0, (pool * spell).sum(axis=-1) / np.maximum(people, 1), 0.0)


@formula
def long_term_unemployed(s, ctx):
    return s.city.pool[..., ctx.constants["long_term_months"] :].sum(axis=(-2, -1)).astype(float)


@formula
def mean_wage(s, ctx):
    return (s.firms.wage * s.firms.workers).sum(axis=1) / s.firms.workers.sum(axis=1)


@formula
def subsidies(s, ctx):
    return s.firms.subsidies.sum(axis=1)


@formula
def plans_approved(s, ctx):
    return s.city.plans_approved.astype(float)


@formula
def plans_reworked(s, ctx):
    return s.city.plans_reworked.astype(float)


@formula
def plans_pending(s, ctx):
    f = s.firms
    finished = f.reformed | f.closed | f.merged | f.liquidating | (f.plan == EXIT)
    return _count(IN_PLAN & ~finished) if ctx.levers["plans_per_month"] > 0 else _zero(s)


@formula
def exits_pending(s, ctx):
    f = s.firms
    waiting = ~(f.reformed | f.closed | f.merged) & (f.liquidating | (f.plan == EXIT))
    return _count(IN_PLAN & waiting) if ctx.levers["plans_per_month"] > 0 else _zero(s)


@formula
def departments_pending(s, ctx):
    lv = ctx.levers
    if lv["investment_companies"] > 0 and lv["departments_per_month"] > 0:
        return (~s.departments.decoupled).sum(axis=1).astype(float)
    return _zero(s)


@formula
def reform_completed_share(s, ctx):
    done, total = s.tasks_done(ctx.levers)
    return done / total if total else np.zeros(s.replications)


@formula
def deadline_met(s, ctx):
    done = s.city.completed_month
    return ((done > 0) & (done <= ctx.deadline)).astype(float)


@formula
def departments_decoupled(s, ctx):
    return s.departments.decoupled.sum(axis=1).astype(float)


@formula
def firms_decoupled(s, ctx):
    dept = np.clip(s.firms.department, 0, None)
    return _count(MUNICIPAL & rules.take_last(s.departments.decoupled, dept))


@formula
def firms_transferred(s, ctx):
    return _count(s.firms.company >= 0)


@formula
def firms_under_oversight(s, ctx):
    return _count(s.firms.active & s.firms.oversight)


@formula
def firms_merged(s, ctx):
    return _count(s.firms.merged)


@formula
def firms_closed(s, ctx):
    return _count(s.firms.closed)


@formula
def layoffs(s, ctx):
    return s.firms.layoffs.sum(axis=1).astype(float)


@formula
def priority_industry_share(s, ctx):
    held = np.where(IN_PLAN, s.firms.state_equity, 0.0)
    return (held * s.firms.priority_industry).sum(axis=1) / held.sum(axis=1)


@formula
def company_budget(s, ctx):
    return s.companies.budget.sum(axis=1)


@formula
def company_leverage(s, ctx):
    """Platform debt over platform assets, budgets and the state equity the companies hold."""
    f, k = s.firms, s.companies
    held = np.where(f.company >= 0, f.state_equity, 0.0).sum(axis=1)
    assets = k.platform_assets.sum(axis=1) + np.maximum(k.budget, 0.0).sum(axis=1) + held
    return np.where(assets > 0, k.platform_debt.sum(axis=1) / np.maximum(assets, 1e-12), 0.0)


@formula
def company_portfolio_return(s, ctx):
    """The state's share of its companies' firms' profit a year over its equity in them."""
    f = s.firms
    held = (f.company >= 0) & f.active
    profit = np.where(held, f.state_share * f.net_profit, 0.0).sum(axis=1) * MONTHS_PER_YEAR
    equity = np.where(held, f.state_equity, 0.0).sum(axis=1)
    return np.where(equity > 0, profit / np.maximum(equity, 1e-12), 0.0)


@formula
def portfolio_expected_growth(s, ctx):
    """Trend demand growth of each city firm's industry, weighted by the state's equity."""
    f = s.firms
    weight = np.where(IN_PLAN & f.active, f.state_equity, 0.0)
    growth = rules.of_industry(s.industry_growth, f.industry)
    return (weight * growth).sum(axis=1) / np.maximum(weight.sum(axis=1), 1e-12)


@formula
def monitoring_per_firm(s, ctx):
    f = s.firms
    held = f.active & (f.company >= 0)
    return np.where(held, f.supervision, 0.0).sum(axis=1) / np.maximum(held.sum(axis=1), 1)


@formula
def state_assets_tunnelled(s, ctx):
    return s.city.state_assets_tunnelled.copy()


@formula
def handovers_signed(s, ctx):
    return _count(CENTRAL & (s.firms.handover >= Handover.SIGNED))


@formula
def handovers_completed(s, ctx):
    return _count(CENTRAL & (s.firms.handover == Handover.COMPLETED))


@formula
def provincial_socialised(s, ctx):
    return _count(PROVINCIAL & s.firms.socialised)


@formula
def social_burden_cost(s, ctx):
    return (
        np.where(CENTRAL | PROVINCIAL, s.firms.burden * s.firms.assets, 0.0).sum(axis=1)
        / MONTHS_PER_YEAR
    )


@formula
def social_burden_saved(s, ctx):
    return s.city.social_burden_saved.copy()


@formula
def cooperation_investment(s, ctx):
    return s.city.cooperation_investment.copy()


@formula
def fiscal_cost(s, ctx):
    return s.city.fiscal_cost.copy()


@formula
def production_disruption(s, ctx):
    lost = s.firms.output_lost.sum(axis=1)
    return lost / (s.firms.value_added.sum(axis=1) + lost)


@formula
def stability_stress(s, ctx):
    return s.city.unemployed / ctx.initial_employment


def context(s: State, lv: dict, c: dict) -> Context:
    """The context of a run, from its state at month 0."""
    return Context(
        levers=dict(lv),
        constants=dict(c),
        initial_state_equity=state_equity(s, None),
        initial_employment=employment(s, None),
    )


def record(s: State, ctx: Context) -> np.ndarray:
    """All measures for the current month, shape (R, n_measures) in registry order; the
    formulas read the firms once (``ReadOnce``: equity, say, is computed once a month)."""
    month = replace(s, firms=ReadOnce(s.firms))
    return np.stack([FORMULAS[name](month, ctx) for name in registry()], axis=1)
