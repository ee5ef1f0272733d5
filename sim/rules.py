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
from sim.codes import MAJORITY, MONTHS_PER_YEAR, WHOLLY_STATE, YUAN_PER_YI, Condition, Klass

# plain ints: numpy compares them far faster than enum members (Python 3.11)
PUBLIC_WELFARE, HOPELESS = int(Klass.PUBLIC_WELFARE), int(Condition.HOPELESS)
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


def soft_budget(klass: ArrayLike, state_share: ArrayLike) -> np.ndarray:
    """Public-welfare or wholly state-owned: a soft budget (``production.tfp_target``)."""
    return (np.asarray(klass) == PUBLIC_WELFARE) | wholly_state_owned(state_share)


def executive_pay_cap(manager_market: ArrayLike, lv: dict) -> np.ndarray:
    """The cap executives face (``task1_governance.executive_pay_cap``)."""
    exempt = np.asarray(manager_market) & lv["pay_differentiation"]
    return where(exempt, np.inf, lv["exec_pay_cap_multiple"])


def allocate_profit(
    net: ArrayLike, wholly_state: ArrayLike, invests_out: ArrayLike, lv: dict, c: dict
) -> tuple[np.ndarray, ...]:
    """Loss, loss subsidy, dividends, retained profit and outward investment (``production.book``)."""
    loss = np.maximum(-np.asarray(net), 0.0)
    subsidy = where(wholly_state, c["soft_budget_subsidy_share"] * loss, 0.0)
    dividends = c["payout_ratio"] * np.maximum(net, 0.0)
    retained = np.maximum(net, 0.0) - dividends
    outward = where(invests_out, lv["outward_investment_rate"] * retained, 0.0)
    return loss, subsidy, dividends, retained, outward


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


def listing_chance(strength: float, c: dict) -> float:
    """Monthly chance that an open offer is listed (``run_market``: ``listed``)."""
    return c["listing_rate"] * (1.0 - c["supervision_delay"] * strength)


def appraisal_sd(error_sd: ArrayLike, strength: float, c: dict) -> np.ndarray:
    """Appraisal error after supervision (``run_market``: ``sd``)."""
    return np.asarray(error_sd) * (1.0 - c["supervision_appraisal_cut"] * strength)


def collusion(strength: float, c: dict) -> tuple[float, float]:
    """Chance and size of a collusive cut to the reserve (``run_market``)."""
    return c["underpricing_chance"] * (1.0 - strength), c["underpricing_discount"] * (
        1.0 - 0.5 * strength
    )


def cost_of_equity(interest_rate: ArrayLike, c: dict) -> np.ndarray:
    """Return the state's appraisers ask of equity: interest plus the equity premium."""
    return np.asarray(interest_rate) + c["equity_premium"]


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
    return reserve * where(colluding, 1.0 - np.asarray(collusive_cut), 1.0)


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
    """What an investor offers: the stake's value at its hurdle, capped by its capital."""
    value = b.equity_value(equity, signal, hurdle, 0.0, c["valuation_cap"])
    return np.minimum(b.stake_price(stake, value, issued), capital)


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


def closure_residual(
    recovery_rate: ArrayLike, assets: ArrayLike, outward: ArrayLike, debt: ArrayLike
) -> np.ndarray:
    """What a closure leaves the owners after creditors (``close_hopeless``)."""
    recovered = np.asarray(recovery_rate) * assets + outward
    return np.maximum(recovered - np.asarray(debt), 0.0)


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


def supervision_strength(lv: dict) -> float:
    """0 (today's administrative supervision) to 1 (all three parts of 管资本)."""
    return (lv["rules_before"] + lv["monitoring_during"] + lv["accountability_after"]) / 3.0


def reinvestment_target(
    active: ArrayLike, held: ArrayLike, state_share: ArrayLike, priority: ArrayLike
) -> np.ndarray:
    """Firms a company reinvests in: its active wholly state-owned priority-industry firms."""
    return np.asarray(active) & held & wholly_state_owned(state_share) & priority


def reinvestment(spend: ArrayLike, assets: ArrayLike, target_assets: ArrayLike) -> np.ndarray:
    """A target firm's part of its company's spending, in proportion to its assets."""
    return spend * (np.asarray(assets) / np.maximum(target_assets, 1e-12))


def tunnel_chance(strength: float, c: dict) -> float:
    """Monthly chance of tunnelling in a city firm (``tunnel``)."""
    return c["tunnel_chance"] * (1.0 - strength)


def tunnel_amount(equity: ArrayLike, strength: float, c: dict) -> np.ndarray:
    """Equity taken out when tunnelling happens (``tunnel``)."""
    return c["tunnel_size"] * (1.0 - 0.5 * strength) * np.maximum(equity, 0.0)


# --- Task 1: labour (sim/tasks/task1_labour.py) --------------------------------------------
def hires(gap: ArrayLike, quits: ArrayLike, reformed: ArrayLike) -> np.ndarray:
    """Reformed firms hire to need; unreformed ones also replace every leaver."""
    return where(reformed, gap, np.maximum(gap, quits))


def reemployment_rate(rate: ArrayLike, support: float) -> np.ndarray:
    """Annual re-employment rate with the city's support."""
    return b.clip(np.asarray(rate) * (1.0 + support), 0.0, 1.0)


def labour_fiscal_cost(laid_off: ArrayLike, unemployed: ArrayLike, lv: dict, c: dict) -> np.ndarray:
    """Resettlement of this month's laid-off plus support for the unemployed, 亿元."""
    support = lv["reemployment_support"] * c["reemployment_support_cost"] * np.asarray(unemployed)
    return (np.asarray(laid_off) * c["resettlement_cost"] + support) / YUAN_PER_YI
