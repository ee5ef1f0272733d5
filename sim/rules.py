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

WHOLLY_STATE = 1.0 - 1e-12  # a state share at least this is wholly state-owned
FOCUS_GROUPS = 4  # leading, emerging, characteristic, infrastructure and public services


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """``np.where``, without its overhead when ``condition`` is one Python or numpy bool."""
    if isinstance(condition, bool | np.bool_):
        return a if condition else b
    return np.where(condition, a, b)


# --- production (sim/production.py) --------------------------------------------------------
def demand_index(growth: ArrayLike, t: int) -> np.ndarray:
    """Demand of an industry relative to month 0 (``production.demand_index``)."""
    return np.exp(np.asarray(growth) * t / 12.0)


def soft_budget(klass: ArrayLike, state_share: ArrayLike) -> np.ndarray:
    """Public-welfare or wholly state-owned: a soft budget (``production.tfp_target``)."""
    return (np.asarray(klass) == 2) | (np.asarray(state_share) >= WHOLLY_STATE)


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
    return where(positive, 12.0 * np.asarray(ebit) / where(positive, total_assets, 1.0), 0.0)


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
    return 12.0 * np.asarray(net) / np.maximum(equity, 1e-9)


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
        / b.YUAN_PER_YI
    )
    firm_part = cost * c["handover_enterprise_share"]
    return firm_part, firm_part * city_subsidy


def socialisation_cost(burden: ArrayLike, assets: ArrayLike, c: dict) -> tuple[np.ndarray, ...]:
    """The enterprise's and the city's parts of socialising provincial retirees."""
    one_time = c["socialisation_cost_years"] * np.asarray(burden) * assets
    return one_time * (1.0 - c["socialisation_city_share"]), one_time * c[
        "socialisation_city_share"
    ]


def project_schedule(
    start_u: ArrayLike, realised_u: ArrayLike, chance: ArrayLike, lv: dict, c: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Start month and realisation of a cooperation project (``invest_cooperation_projects``)."""
    support = lv["cooperation_support"]
    window = c["cooperation_start_window"] * (1.0 - 0.5 * support)
    start = 1 + np.floor(np.asarray(start_u) * window)
    return start, np.asarray(realised_u) < chance + support * (1.0 - np.asarray(chance))


# --- Task 3 (sim/tasks/task3_decoupling.py) ------------------------------------------------
def transfer_ready(
    condition: ArrayLike, debt: ArrayLike, total_assets: ArrayLike, c: dict
) -> np.ndarray:
    """Not hopeless-loss and debt below the readiness ratio (``decouple_departments``)."""
    return (np.asarray(condition) < 2) & (
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
    return np.clip(np.asarray(rate) * (1.0 + support), 0, 1)


def labour_fiscal_cost(laid_off: ArrayLike, unemployed: ArrayLike, lv: dict, c: dict) -> np.ndarray:
    """Resettlement of this month's laid-off plus support for the unemployed, 亿元."""
    support = lv["reemployment_support"] * c["reemployment_support_cost"] * np.asarray(unemployed)
    return (np.asarray(laid_off) * c["resettlement_cost"] + support) / b.YUAN_PER_YI
