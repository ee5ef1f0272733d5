"""Behavioural rules of production and the task modules, written once for both engines.

This is the single home of these rules: the vectorized core (``sim/production.py``,
``sim/tasks/*.py``) calls them on (replications, enterprises) arrays, and the Mesa agent
model (``sim/abm``) on one agent's scalars, so both apply the same formula in the same
order of floating-point operations. Each function is elementwise (``match_company`` and
``second_price`` work along the last axis); which firms a rule applies to, and the
scatter and gather of the results, stay with the callers. The equations of production,
valuation and pay are in :mod:`sim.behaviour`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from sim import behaviour as b
from sim.codes import (
    MAJORITY,
    MONTHS_PER_YEAR,
    WHOLLY_STATE,
    YUAN_PER_YI,
    Condition,
    Klass,
    PlanType,
)

# plain ints: numpy compares them far faster than enum members (Python 3.11)
PUBLIC_WELFARE, HOPELESS = int(Klass.PUBLIC_WELFARE), int(Condition.HOPELESS)
PERFORMING = int(Condition.PERFORMING)
MIXED, RESTRUCTURE = int(PlanType.MIXED_OWNERSHIP), int(PlanType.RESTRUCTURING)
EXIT, GOVERNANCE = int(PlanType.EXIT), int(PlanType.GOVERNANCE)
FOCUS_GROUPS = 4  # leading, emerging, characteristic, infrastructure and public services
N_CLASSES = len(Klass)


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """``np.where``, without its overhead when ``condition`` is one Python or numpy bool."""
    if isinstance(condition, bool | np.bool_):
        return a if condition else b
    return np.where(condition, a, b)


def is_commercial(klass: ArrayLike) -> np.ndarray:
    """Commercial (competitive or strategic), not public-welfare."""
    return np.asarray(klass) != PUBLIC_WELFARE


def wholly_state_owned(state_share: ArrayLike) -> np.ndarray:
    return np.asarray(state_share) >= WHOLLY_STATE


# --- production (sim/production.py) --------------------------------------------------------
def demand_index(growth: ArrayLike, t: int) -> np.ndarray:
    """Demand of an industry relative to month 0 (``production.demand_index``)."""
    return np.exp(np.asarray(growth) * t / MONTHS_PER_YEAR)


def soft_budget(klass: ArrayLike, state_share: ArrayLike, reformed: ArrayLike) -> np.ndarray:
    """A soft budget (cheap rollover, loss subsidies): public-welfare firms, and firms the
    state controls that have not been reformed as commercial firms. It ends only when the
    state loses control or the firm's commercial reform completes, not with a token grant."""
    controlled = np.asarray(state_share) >= MAJORITY
    commercial_reform = np.asarray(reformed) & is_commercial(klass)
    return (np.asarray(klass) == PUBLIC_WELFARE) | (controlled & np.logical_not(commercial_reform))


def executive_pay_cap(manager_market: ArrayLike, lv: dict) -> np.ndarray:
    """The cap executives face (``task1_governance.executive_pay_cap``)."""
    exempt = np.asarray(manager_market) & lv["pay_differentiation"]
    return where(exempt, np.inf, lv["exec_pay_cap_multiple"])


def allocate_profit(
    net: ArrayLike, soft: ArrayLike, invests_out: ArrayLike, lv: dict, c: dict
) -> tuple[np.ndarray, ...]:
    """Loss, loss subsidy (soft budget), dividends, retained profit and outward investment."""
    loss = np.maximum(-np.asarray(net), 0.0)
    subsidy = where(soft, c["soft_budget_subsidy_share"] * loss, 0.0)
    dividends = c["payout_ratio"] * np.maximum(net, 0.0)
    retained = np.maximum(net, 0.0) - dividends
    outward = where(invests_out, lv["outward_investment_rate"] * retained, 0.0)
    return loss, subsidy, dividends, retained, outward


def leverage(debt: ArrayLike, total_assets: ArrayLike) -> np.ndarray:
    """Debt over total assets, 0 without assets."""
    positive = np.greater(total_assets, 0)
    return where(positive, np.asarray(debt) / where(positive, total_assets, 1.0), 0.0)


def loan_rate(base: ArrayLike, lev: ArrayLike, soft: ArrayLike, c: dict) -> np.ndarray:
    """A firm's loan rate: the base rate, a spread rising with leverage above a threshold,
    less the soft budget's discount (1/yr)."""
    spread = c["spread_slope"] * np.maximum(np.asarray(lev) - c["spread_threshold"], 0.0)
    rate = np.asarray(base) + spread - where(soft, c["soft_budget_rate_discount"], 0.0)
    return np.minimum(rate, c["loan_rate_cap"])


def borrowing_limit(soft: ArrayLike, c: dict) -> np.ndarray:
    """Leverage up to which banks lend; a soft budget buys forbearance."""
    return c["borrowing_limit"] + where(soft, c["soft_budget_extra_limit"], 0.0)


def by_replication(value: ArrayLike) -> np.ndarray:
    """A constant as one value per replication: deep mode's (R, 1) column as (R,), a
    scalar (fixed mode, the agent model) as a 0-d array."""
    v = np.asarray(value, dtype=float)
    return v[:, 0] if v.ndim == 2 else v


def by_option(*values: ArrayLike) -> np.ndarray:
    """Values of a few options (classes, conditions, markets) on a last axis: (..., k),
    with one row per replication where any of them varies by replication."""
    return np.stack(np.broadcast_arrays(*(by_replication(v) for v in values)), axis=-1)


def pick(options: np.ndarray, index: ArrayLike) -> np.ndarray:
    """``options`` (k,) or (R, k) at ``index`` (..., N): each row's own options."""
    if options.ndim == 1:
        return options[np.asarray(index, dtype=np.intp)]
    return take_last(options, index)


def take_last(table: ArrayLike, index: ArrayLike) -> np.ndarray:
    """``table`` (..., k) at ``index`` along its last axis: ``np.take_along_axis(table,
    index, -1)``, with a 1-D index broadcast over a 2-D table's rows. A 2-D table is read
    through flat indices (row offset plus ``index``, which must not be negative), several
    times faster than the fancy indexing ``take_along_axis`` builds."""
    table, index = np.asarray(table), np.asarray(index)
    if table.ndim != 2 or index.ndim > 2:
        return np.take_along_axis(table, index.astype(np.intp, copy=False), -1)
    rows, width = table.shape
    if index.ndim == 2 and index.shape[0] != rows:
        raise ValueError(f"index has {index.shape[0]} rows, the table {rows}")
    offsets = np.arange(0, rows * width, width, dtype=np.intp)[:, None]
    return table.reshape(-1).take(index + offsets)


def row_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The dot product over the last axis, row by row (a plain dot product for vectors)."""
    if a.ndim == 1 and b.ndim == 1:
        return np.asarray(a @ b)
    return np.einsum("...k,...k->...", *np.broadcast_arrays(a, b))


def tfp_moments(c: dict) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of log TFP in the initial population: the mixture of the three
    conditions' levels with their dispersion (per replication where they vary)."""
    hopeless, marginal = c["share_hopeless"], c["share_marginal"]
    shares = by_option(1.0 - hopeless - marginal, marginal, hopeless)
    levels = np.log(by_option(c["tfp_performing"], c["tfp_marginal"], c["tfp_hopeless"]))
    mean = row_dot(shares, levels)
    spread = row_dot(shares, (levels - mean[..., None]) ** 2)
    return mean, spread + by_replication(c["tfp_dispersion"]) ** 2


def tfp_shock_sd(c: dict) -> float:
    """Monthly sd of the shocks to a firm's own productivity that keep the spread of its
    transitory part stationary: the cross-section stays as it started (new loss-makers
    replace those that recover) while each firm moves."""
    keep = 1.0 - c["tfp_reversion"] / MONTHS_PER_YEAR
    sd = np.sqrt(by_replication(c["tfp_gap_transitory"]) * tfp_moments(c)[1] * (1.0 - keep**2))
    return sd[:, None] if sd.ndim else sd


def return_gap(mpk: ArrayLike, user_cost: ArrayLike) -> np.ndarray:
    """Log of the marginal product of capital over its user cost."""
    return np.log(np.maximum(mpk, 1e-6) / np.asarray(user_cost))


def net_investment_rate(
    gap: ArrayLike, gap0: ArrayLike, lev: ArrayLike, alpha: ArrayLike, c: dict
) -> np.ndarray:
    """Net investment a year, share of capital: toward the desired capital stock and toward
    the target leverage, between no replacement and the largest. Firms hold their desired
    capital in June 2022; it moves as the return on capital over its user cost moves from
    then (``gap`` against ``gap0``, :func:`return_gap`): ``log(K*/K) = (gap - gap0) / (1 -
    alpha)``, so better returns (a reform's productivity, growing demand, a larger market)
    bring investment and worse ones let capital run down."""
    desired_log_gap = (np.asarray(gap) - gap0) / (1.0 - np.asarray(alpha))
    desired = c["capital_adjustment_speed"] * desired_log_gap + c["leverage_adjustment_speed"] * (
        c["target_leverage"] - np.asarray(lev)
    )
    return b.clip(desired, -c["depreciation"], c["max_investment_rate"])


def exec_pay_multiple(
    performance: ArrayLike, sensitivity: ArrayLike, market: ArrayLike, lv: dict, c: dict
) -> np.ndarray:
    """Executive pay as a multiple of the average wage under the 2015 rules: a base salary,
    performance pay up to ``exec_performance_max`` times base (its share rising with
    standardised ``performance`` at the pay-performance ``sensitivity``) and a term
    incentive; capped, except for market-selected managers paid market rates where pay is
    differentiated."""
    share = b.clip(c["exec_performance_typical"] + sensitivity * performance, 0.0, 1.0)
    capped = c["exec_base_multiple"] * (1.0 + c["exec_performance_max"] * share)
    capped = capped * (1.0 + c["exec_term_share"])
    market_rate = np.asarray(market) & lv["pay_differentiation"]
    return where(
        market_rate,
        capped * c["market_pay_premium"],
        np.minimum(capped, lv["exec_pay_cap_multiple"]),
    )


def exec_pay_cost(multiple: ArrayLike, workers: ArrayLike, c: dict) -> np.ndarray:
    """A firm's executive pay a month, 亿元: a team of one executive per
    ``workers_per_executive`` workers, at least one and at most ``executives_per_firm``."""
    team = b.clip(np.asarray(workers) / c["workers_per_executive"], 1.0, c["executives_per_firm"])
    return team * np.asarray(multiple) * c["wage"] / YUAN_PER_YI / MONTHS_PER_YEAR


def annual_roa(ebit: ArrayLike, total_assets: ArrayLike) -> np.ndarray:
    """12 EBIT / total assets, 0 without assets (``production.update_performance``)."""
    positive = np.greater(total_assets, 0)
    return where(
        positive, MONTHS_PER_YEAR * np.asarray(ebit) / where(positive, total_assets, 1.0), 0.0
    )


# --- Task 1: pace and the reform package (sim/tasks/task1_pace.py, task1_governance.py) -----
def class_start_months(lv: dict) -> np.ndarray:
    """Start month of each class (competitive, strategic, public-welfare); all in month 1
    in lockstep."""
    if lv["lockstep"]:
        return np.ones(N_CLASSES, dtype=int)
    return np.array(
        [
            lv["start_month_competitive"],
            lv["start_month_strategic"],
            lv["start_month_public_welfare"],
        ]
    )


def plan_effort(
    klass: ArrayLike, large: ArrayLike, performing: ArrayLike, learned: ArrayLike, learning, c: dict
) -> np.ndarray:
    """Working-group effort a firm's plan takes (a competitive firm's simple plan: 1): more
    for strategic firms, large firms and loss-makers, less once the class's pilot is done."""
    by_class = by_option(1.0, c["plan_effort_strategic"], c["plan_effort_public_welfare"])
    effort = pick(by_class, klass) * (1.0 + c["plan_effort_large"] * np.asarray(large))
    effort = effort * (1.0 + c["plan_effort_loss"] * np.logical_not(performing))
    return effort * (1.0 - np.asarray(learning) * learned)


def mean_plan_effort(c: dict) -> float:
    """The effort of the average plan at the start (by the population's shares), so that
    ``plans_per_month`` counts plans of average difficulty."""
    competitive, strategic = c["share_competitive"], c["share_strategic"]
    by_class = competitive + strategic * c["plan_effort_strategic"]
    by_class += (1.0 - competitive - strategic) * c["plan_effort_public_welfare"]
    loss = c["share_hopeless"] + c["share_marginal"]
    return (
        by_class
        * (1.0 + c["plan_effort_large"] * c["share_large"])
        * (1.0 + c["plan_effort_loss"] * loss)
    )


def rework_chance(queued: ArrayLike, capacity: ArrayLike, learned: ArrayLike, learning, c: dict):
    """Chance an approved plan is sent back: rises as the queue outgrows capacity (``1 -
    capacity / queue``), less once the class's pilot is done."""
    load = np.asarray(queued) / np.maximum(capacity, 1e-9)
    overload = np.maximum(1.0 - 1.0 / np.maximum(load, 1e-9), 0.0)
    return c["rework_max"] * overload * (1.0 - np.asarray(learning) * learned)


def plan_type(condition: ArrayLike, stake_limit: ArrayLike) -> np.ndarray:
    """一企一策: exit (merger or closure) for hopeless-loss firms, restructuring for the other
    loss-makers and weak performers, mixed ownership for performing firms whose class
    allows a private stake, governance for the other performing firms."""
    condition = np.asarray(condition)
    performing = np.where(np.asarray(stake_limit) > 0, MIXED, GOVERNANCE)
    return np.where(
        condition == HOPELESS,
        EXIT,
        np.where(condition == PERFORMING, performing, RESTRUCTURE),
    )


def new_manager_ability(market: ArrayLike, z: ArrayLike, c: dict) -> np.ndarray:
    """Ability of a newly appointed manager: market selection adds a premium."""
    return c["market_manager_premium"] * market + c["manager_ability_sd"] * z


def equity_form_effect(lv: dict, c: dict) -> float:
    """Effect of the chosen equity-incentive form relative to options."""
    return 1.0 if lv["equity_incentive_form"] == "options" else c["stock_grant_effect"]


def tasks_done(
    plan_firm_done: ArrayLike, departments_decoupled: ArrayLike, lv: dict
) -> tuple[np.ndarray, int]:
    """Reform tasks done (summed along the last axis) and the number in the plan.

    The plan's tasks are the classified reform of every municipal and county firm
    (``plan_firm_done``: reformed, merged or closed) and, when the scenario decouples,
    the decoupling of each of the 34 departments."""
    firms, departments = np.asarray(plan_firm_done), np.asarray(departments_decoupled)
    done = np.zeros(firms.shape[:-1], dtype=np.int64)
    total = 0
    if lv["plans_per_month"] > 0:
        done = done + firms.sum(axis=-1)
        total += firms.shape[-1]
    if lv["investment_companies"] > 0 and lv["departments_per_month"] > 0:
        done = done + departments.sum(axis=-1)
        total += departments.shape[-1]
    return done, total


# --- Task 1: market for stakes (sim/tasks/task1_mixed_ownership.py) ------------------------
def stake_limit(klass: ArrayLike, in_plan: ArrayLike, lv: dict) -> np.ndarray:
    """Largest private stake a firm may offer (``stake_limits``)."""
    limits = np.array(
        [
            lv["max_private_stake_competitive"],
            lv["max_private_stake_strategic"],
            lv["max_private_stake_public_welfare"],
        ]
    )
    return where(in_plan, limits[klass], 0.0)


def shares_issued(stake: ArrayLike, employee_stake: float) -> np.ndarray:
    """New shares sold in a deal: the investor's stake plus the employees'."""
    return np.asarray(stake) + employee_stake


def appraisal_discount(lv: dict, c: dict) -> float:
    """Discount on the appraisal a negotiated price may go to; none with the floor."""
    return 0.0 if lv["appraisal_floor"] else c["negotiated_discount"]


def may_bid(
    wants_control: ArrayLike, investor_group: ArrayLike, stake: ArrayLike, firm_group: ArrayLike
) -> np.ndarray:
    """An investor bids only for a majority if it wants control, and only in its industry
    group if it has one."""
    control_ok = np.logical_or(np.logical_not(wants_control), np.asarray(stake) >= MAJORITY)
    group_ok = (np.asarray(investor_group) < 0) | (investor_group == firm_group)
    return control_ok & group_ok


def listing_chance(strength: ArrayLike, c: dict) -> np.ndarray:
    """Monthly chance that an open offer is listed: supervision slows deals."""
    return c["listing_rate"] * (1.0 - c["supervision_delay"] * np.asarray(strength))


def appraisal_sd(error_sd: ArrayLike, strength: ArrayLike, c: dict) -> np.ndarray:
    """Appraisal error after supervision."""
    return np.asarray(error_sd) * (1.0 - c["supervision_appraisal_cut"] * np.asarray(strength))


def collusion_chance(strength: ArrayLike, c: dict) -> np.ndarray:
    """Chance that a listing's reserve is cut collusively, as supervision leaves it."""
    return c["underpricing_chance"] * (1.0 - np.asarray(strength))


def cost_of_equity(interest_rate: ArrayLike, c: dict) -> np.ndarray:
    """Return the state's appraisers ask of equity: interest plus the equity premium."""
    return np.asarray(interest_rate) + c["equity_premium"]


def appraisal_rate(c: dict) -> np.ndarray:
    """The rate an income-method appraisal discounts a firm's return at: the market's
    cost of equity (an appraiser prices what investors would pay for the firm), not the
    drawn appetite of this city's investors."""
    return np.asarray(c["appraisal_discount_rate"])


def expected_roe(net: ArrayLike, equity: ArrayLike) -> np.ndarray:
    """Annual return on equity at the fundamentals (``run_market``: ``roe``)."""
    return MONTHS_PER_YEAR * np.asarray(net) / np.maximum(equity, 1e-9)


def appraised_value(fair: ArrayLike, sd: ArrayLike, z: ArrayLike) -> np.ndarray:
    """A mean-one lognormal appraisal of ``fair`` (``run_market``: ``appraised``)."""
    return np.asarray(fair) * np.exp(sd * np.asarray(z) - 0.5 * np.asarray(sd) ** 2)


def reserve_price(
    stake: ArrayLike,
    appraised: ArrayLike,
    issued: ArrayLike,
    discount: float,
    colluding: ArrayLike,
    collusive_cut: ArrayLike,
) -> np.ndarray:
    """The state's reserve for the new shares (``run_market``: ``reserve``)."""
    reserve = b.stake_price(stake, appraised, issued) * (1.0 - discount)
    return reserve * where(colluding, 1.0 - collusive_cut, 1.0)


def investor_signal(roe: ArrayLike, z: ArrayLike, c: dict) -> np.ndarray:
    """An investor's noisy reading of the firm's return (``run_market``: ``signal``)."""
    return np.asarray(roe) + c["expected_synergy"] + c["signal_sd"] * np.asarray(z)


def investor_bid(
    equity: ArrayLike,
    signal: ArrayLike,
    hurdle: ArrayLike,
    stake: ArrayLike,
    issued: ArrayLike,
    capital: ArrayLike,
    c: dict,
) -> np.ndarray:
    """What an investor offers: the stake's value at its hurdle, capped by its capital;
    nothing where the return it expects falls short of its hurdle (it enters only where
    the expected return beats the hurdle, so better firms attract capital first)."""
    value = b.equity_value(equity, signal, hurdle, 0.0, c["valuation_cap"])
    bid = np.minimum(b.stake_price(stake, value, issued), capital)
    return where(np.asarray(signal) >= hurdle, bid, 0.0)


def second_price(bids: ArrayLike, reserve: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Winner (first highest bid along the last axis) and price: the larger of the reserve
    and the runner-up (``-inf`` marks no bid)."""
    others = np.array(bids, dtype=float)
    winner = np.argmax(others, axis=-1)
    np.put_along_axis(others, np.expand_dims(winner, -1), -np.inf, axis=-1)
    return winner, np.maximum(reserve, others.max(axis=-1))


def settle_deal(
    price: ArrayLike, stake: ArrayLike, employee: ArrayLike, fair: ArrayLike, state_share: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cash paid, state value drained and the old owners' kept fraction (``_settle``)."""
    issued = np.asarray(stake) + employee
    paid = np.asarray(price) * issued / stake  # employees buy at the investor's unit price
    fair_paid = b.stake_price(issued, fair, issued)
    keep = 1.0 - issued
    drained = np.asarray(state_share) * keep * np.maximum(fair_paid - paid, 0.0)
    return paid, drained, keep


# --- Task 2 (sim/tasks/task2_central_provincial.py) ----------------------------------------
def handover_hazard(city_subsidy: float, completion_months: ArrayLike, c: dict) -> np.ndarray:
    """Monthly chance that a signed 三供一业 hand-over completes."""
    speed = 1.0 + c["handover_subsidy_speedup"] * city_subsidy
    return np.minimum(speed / np.asarray(completion_months), 1.0)


def handover_costs(workers: ArrayLike, city_subsidy: float, c: dict) -> tuple[np.ndarray, ...]:
    """The enterprise's and the city's parts of a completed hand-over's one-time cost."""
    cost = (
        np.asarray(workers)
        * c["handover_households_per_worker"]
        * c["handover_cost_per_household"]
        / YUAN_PER_YI
    )
    firm_part = cost * c["handover_enterprise_share"]
    return firm_part, firm_part * city_subsidy


def socialisation_cost(burden: ArrayLike, assets: ArrayLike, c: dict) -> tuple[np.ndarray, ...]:
    """The enterprise's and the city's parts of socialising provincial retirees."""
    one_time = c["socialisation_cost_years"] * np.asarray(burden) * assets
    return one_time * (1.0 - c["socialisation_city_share"]), one_time * c[
        "socialisation_city_share"
    ]


def relieved_burden(burden: ArrayLike, relieved: ArrayLike, c: dict) -> np.ndarray:
    """The social burden left after a hand-over or socialisation completes."""
    return where(relieved, np.asarray(burden) * (1.0 - c["handover_burden_removed"]), burden)


def burden_saved(burden0: ArrayLike, burden: ArrayLike, assets: ArrayLike) -> np.ndarray:
    """Social-burden cost saved a year against month 0, 亿元."""
    return (np.asarray(burden0) - burden) * assets


def project_schedule(
    start_u: ArrayLike, realised_u: ArrayLike, chance: ArrayLike, lv: dict, c: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Start month and realisation of a cooperation project (``invest_cooperation_projects``)."""
    support = lv["cooperation_support"]
    window = c["cooperation_start_window"] * (1.0 - 0.5 * support)
    start = 1 + np.floor(np.asarray(start_u) * window)
    return start, np.asarray(realised_u) < chance + support * (1.0 - np.asarray(chance))


def project_flow(
    size: ArrayLike, start: ArrayLike, realised: ArrayLike, t: int, c: dict
) -> np.ndarray:
    """A project's investment this month: even over its duration once started, if realised."""
    duration = c["cooperation_duration"]
    running = np.asarray(realised) & (t >= np.asarray(start)) & (t < np.asarray(start) + duration)
    return where(running, np.asarray(size) / duration, 0.0)


# --- Task 3 (sim/tasks/task3_decoupling.py) ------------------------------------------------
def transfer_ready(
    condition: ArrayLike, debt: ArrayLike, total_assets: ArrayLike, c: dict
) -> np.ndarray:
    """Not hopeless-loss and debt below the readiness ratio (``decouple_departments``)."""
    return (np.asarray(condition) != HOPELESS) & (
        np.asarray(debt) < c["readiness_debt_ratio"] * np.asarray(total_assets)
    )


def merger_layoffs(workers: ArrayLike, c: dict) -> np.ndarray:
    """Workers of an absorbed firm laid off at the merger (``consolidate``)."""
    return np.floor(np.asarray(workers) * c["merger_redundancy"]).astype(np.int64)


def merged_needed_labour(needed0: ArrayLike, c: dict) -> np.ndarray:
    """Needed workers an absorbed firm brings to its anchor, less the redundancies."""
    return np.asarray(needed0) * (1.0 - c["merger_redundancy"])


def merger_overhead_saving(absorbed_assets: ArrayLike, anchor_assets: ArrayLike, c: dict):
    """Fall in the anchor's overhead rate (share of assets a year) from absorbing a firm."""
    return c["merger_cost_saving"] * np.asarray(absorbed_assets) / anchor_assets


def weighted_merge(
    x_anchor: ArrayLike, w_anchor: ArrayLike, xs: Sequence[ArrayLike], ws: Sequence[ArrayLike]
) -> np.ndarray:
    """Asset-weighted average of the anchor and the firms it absorbs, added in firm order."""
    acc, total = x_anchor * w_anchor, w_anchor
    for x, w in zip(xs, ws, strict=True):
        acc = acc + x * w
        total = total + w
    return acc / np.maximum(total, 1e-9)


def liquidation(
    recovery_rate: ArrayLike, assets: ArrayLike, outward: ArrayLike, debt: ArrayLike
) -> tuple[np.ndarray, ...]:
    """A completed liquidation: assets recovered (a share of the operating assets, the
    stakes in private firms at book), what creditors are paid, their loss, and the residual
    left to the owners."""
    recovered = np.asarray(recovery_rate) * assets + outward
    paid = np.minimum(recovered, debt)
    return recovered, paid, np.asarray(debt) - paid, recovered - paid


def bankruptcy_hazard(soft: ArrayLike, c: dict) -> np.ndarray:
    """Monthly chance that creditors force a firm over its borrowing limit into bankruptcy."""
    rate = c["distress_exit_rate"] * where(soft, c["soft_budget_exit_factor"], 1.0)
    return b.monthly_rate(rate)


def by_industry(industry: ArrayLike, weight: ArrayLike, n_industries: int) -> np.ndarray:
    """``weight`` summed by industry along the last axis: shape (..., n_industries)."""
    industry, weight = np.asarray(industry), np.asarray(weight, dtype=float)
    lead = industry.shape[:-1]
    rows = np.arange(int(np.prod(lead, dtype=int)))[:, None] * n_industries
    key = (rows + industry.reshape(-1, industry.shape[-1])).ravel()
    total = np.bincount(key, weight.ravel(), rows.shape[0] * n_industries)
    return total.reshape(*lead, n_industries)


def of_industry(per_industry: ArrayLike, industry: ArrayLike) -> np.ndarray:
    """Each firm's value of a per-industry quantity (..., n_industries) -> (..., N)."""
    return take_last(per_industry, industry)


def zombie_share(industry: ArrayLike, zombie: ArrayLike, assets: ArrayLike, n: int) -> np.ndarray:
    """Per industry, the share of operating firms' assets held by hopeless-loss firms."""
    total = by_industry(industry, assets, n)
    held = by_industry(industry, np.asarray(assets) * zombie, n)
    return np.where(total > 0, held / np.where(total > 0, total, 1.0), 0.0)


def market_gain(
    industry: ArrayLike, survivor: ArrayLike, market: ArrayLike, freed: ArrayLike, n: int
) -> np.ndarray:
    """What each surviving firm gains of the market ``freed`` by closures in its industry
    (..., n): in proportion to its own market."""
    own = np.where(survivor, market, 0.0)
    total = by_industry(industry, own, n)
    per_unit = np.where(total > 0, np.asarray(freed) / np.where(total > 0, total, 1.0), 0.0)
    return own * of_industry(per_unit, industry)


# --- Task 4 (sim/tasks/task4_investment_companies.py) --------------------------------------
def company_similarity(firm_group: ArrayLike, n_companies: int, c: dict) -> np.ndarray:
    """How well each company's focus matches each firm's industry group (..., K)."""
    focus = np.arange(n_companies) % FOCUS_GROUPS
    g = np.asarray(firm_group)[..., None]
    related = (g < 3) & (focus < 3)
    return np.where(
        g == focus, 1.0, np.where(related, c["similarity_related"], c["similarity_unrelated"])
    )


def match_company(firm_group: ArrayLike, n_companies: int, tie_u: ArrayLike, c: dict) -> np.ndarray:
    """The company a firm moves to: best industry match, ties broken by its own draw."""
    sim = company_similarity(firm_group, n_companies, c)
    best = sim == sim.max(axis=-1, keepdims=True)
    pick = np.floor(np.asarray(tie_u) * best.sum(axis=-1)).astype(int)
    return np.argmax(best & (np.cumsum(best, axis=-1) == pick[..., None] + 1), axis=-1)


def levers_on(lv: dict) -> int:
    """How many of the three parts of 管资本 supervision the scenario has."""
    return int(lv["rules_before"]) + int(lv["monitoring_during"]) + int(lv["accountability_after"])


def supervision_strength(quality: ArrayLike, gain: ArrayLike, lv: dict) -> np.ndarray:
    """Share of misconduct a supervisor detects and deters: each part of 管资本 the scenario
    has removes ``gain`` of the weakness its ``quality`` leaves (diminishing returns); it
    never reaches 1."""
    return 1.0 - (1.0 - np.asarray(quality)) * (1.0 - np.asarray(gain)) ** levers_on(lv)


def monitoring(strength: ArrayLike, firms_held: ArrayLike, c: dict) -> np.ndarray:
    """A company's supervision per firm: its strength, thinned when it holds more firms
    than it can monitor closely."""
    crowded = c["company_monitoring_capacity"] / np.maximum(np.asarray(firms_held), 1.0)
    return np.asarray(strength) * np.minimum(crowded, 1.0) ** c["monitoring_capacity_elasticity"]


def firm_supervision(
    company: ArrayLike, per_company: ArrayLike, department: ArrayLike
) -> np.ndarray:
    """Each firm's supervision: its company's monitoring per firm (..., K) if a company holds
    it, else its department's or county agency's strength (..., 1 or scalar)."""
    company = np.asarray(company)
    held = take_last(per_company, np.maximum(company, 0))
    return np.where(company >= 0, held, department)


def company_overhead(n_companies: int, c: dict) -> float:
    """Running cost of the investment companies a month, 亿元 each."""
    return c["company_overhead"] / MONTHS_PER_YEAR if n_companies else 0.0


def platform_income(assets: ArrayLike, debt: ArrayLike, interest: ArrayLike, c: dict):
    """A platform's net income a month: return on its assets less interest on its debt."""
    return (c["platform_roa"] * np.asarray(assets) - np.asarray(interest) * debt) / MONTHS_PER_YEAR


def reinvestment_target(
    active: ArrayLike, held: ArrayLike, state_share: ArrayLike, priority: ArrayLike
) -> np.ndarray:
    """Firms a company reinvests in: its active wholly state-owned priority-industry firms."""
    return np.asarray(active) & held & wholly_state_owned(state_share) & priority


def reinvestment_spend(budget: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """What a company reinvests this month: ``rate`` of its budget, nothing from a deficit
    (overhead can push a budget below zero; a deficit never withdraws firms' assets)."""
    return np.maximum(budget, 0.0) * rate


def reinvestment(spend: ArrayLike, assets: ArrayLike, target_assets: ArrayLike) -> np.ndarray:
    """A target firm's part of its company's spending, in proportion to its assets."""
    return spend * (np.asarray(assets) / np.maximum(target_assets, 1e-12))


def tunnel_chance(strength: ArrayLike, c: dict) -> np.ndarray:
    """Monthly chance of insider tunnelling in a city firm, as supervision leaves it."""
    return c["tunnel_chance"] * (1.0 - np.asarray(strength))


def tunnel_amount(equity: ArrayLike, c: dict) -> np.ndarray:
    """Equity taken out when tunnelling happens."""
    return c["tunnel_size"] * np.maximum(equity, 0.0)


def expropriation_chance(
    base: ArrayLike, seat: ArrayLike, outside_majority: ArrayLike, strength: ArrayLike, c: dict
) -> np.ndarray:
    """Monthly chance a controlling private owner diverts value from a firm in which the
    state is a minority holder (控则有为、参则有序): deterred by a state board seat, an
    outside-director majority and supervision."""
    kept = (
        (1.0 - c["board_seat_deterrence"] * np.asarray(seat))
        * (1.0 - c["outside_director_deterrence"] * np.asarray(outside_majority))
        * (1.0 - np.asarray(strength))
    )
    return np.asarray(base) * kept


def grant_transfer(size: ArrayLike, value: ArrayLike, lv: dict, c: dict) -> np.ndarray:
    """Value the state gives the management team with an equity grant of ``size``: the
    option's value, or restricted stock's discount, times the shares' value."""
    given = (
        c["option_value_share"]
        if lv["equity_incentive_form"] == "options"
        else c["restricted_stock_discount"]
    )
    return np.asarray(size) * value * given


# --- Task 1: labour (sim/tasks/task1_labour.py) --------------------------------------------
def hires(gap: ArrayLike, leavers: ArrayLike, to_need: ArrayLike) -> np.ndarray:
    """Firms that hire to need (reformed, or under losses) fill the gap to the workers they
    need; the others also replace every leaver."""
    return where(to_need, gap, np.maximum(gap, leavers))


def reemployment_hazard(
    rate: ArrayLike,
    spell_months: ArrayLike,
    market_factor: ArrayLike,
    absorption: ArrayLike,
    support: float,
    c: dict,
) -> np.ndarray:
    """Monthly chance an unemployed person finds a private job: the annual hazard of the
    newly unemployed, falling with time out of work, lower in thin (county) markets, rising
    with private demand and with re-employment support."""
    decay = np.exp(-c["reemployment_duration_decay"] * np.asarray(spell_months) / MONTHS_PER_YEAR)
    effect = by_replication(c["reemployment_support_effect"])
    if effect.ndim:  # deep mode: one per replication, on the replications' axis of ``rate``
        effect = effect.reshape(np.shape(rate))
    boost = 1.0 + effect * support
    intensity = np.asarray(rate) * decay * market_factor * absorption * boost
    return 1.0 - np.exp(-intensity / MONTHS_PER_YEAR)


def labour_fiscal_cost(laid_off: ArrayLike, unemployed: ArrayLike, lv: dict, c: dict) -> np.ndarray:
    """Resettlement of this month's laid-off plus support for the unemployed, 亿元."""
    cost = by_replication(c["reemployment_support_cost"])
    support = lv["reemployment_support"] * cost * np.asarray(unemployed)
    return (np.asarray(laid_off) * c["resettlement_cost"] + support) / YUAN_PER_YI
