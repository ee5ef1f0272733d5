"""Behavioural equations, written once.

Every function here is pure and works elementwise on Python/numpy scalars and on
arrays of any (broadcastable) shape: the vectorized core calls them on arrays of
shape (replications, enterprises), the Mesa agents on one enterprise at a time.
Money is in 亿元 (100 million yuan), flows per month unless a name says per year.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.codes import MAJORITY, MONTHS_PER_YEAR, YUAN_PER_YI, Condition

# plain ints: numpy compares and selects them far faster than enum members (Python 3.11)
PERFORMING, MARGINAL, HOPELESS = (int(c) for c in Condition)


def clip(x: ArrayLike, low: float, high: float) -> np.ndarray:
    """``np.clip`` for arrays, ``min(max())`` for one number (the same value, ten times faster
    on the agent model's scalars)."""
    if isinstance(x, float):
        return min(max(x, low), high)
    return np.minimum(np.maximum(x, low), high)


def monthly_rate(annual: ArrayLike) -> np.ndarray:
    """Monthly probability equivalent to an annual probability ``annual``."""
    return 1.0 - (1.0 - clip(annual, 0.0, 1.0)) ** (1.0 / MONTHS_PER_YEAR)


def stochastic_round(x: ArrayLike, u: ArrayLike) -> np.ndarray:
    """Round ``x >= 0`` down or up so that the mean is exact: floor(x + u), u ~ U(0, 1)."""
    return np.floor(np.asarray(x, dtype=float) + u).astype(np.int64)[()]


def monitoring_hump(private_share: ArrayLike, peak: float) -> np.ndarray:
    """Inverted-U monitoring intensity of private owners: 0 at 0, 1 at ``peak``."""
    s = clip(private_share, 0.0, 1.0) / peak
    return s * np.exp(1.0 - s)


def pay_cap_room(cap: ArrayLike, c: dict) -> np.ndarray:
    """Share of the performance-pay range a cap leaves (0: the cap takes it all, 1: no bite)."""
    floor = c["exec_base_multiple"] * (1.0 + c["exec_term_share"])
    return clip((np.asarray(cap) / floor - 1.0) / c["exec_performance_max"], 0.0, 1.0)


def equity_incentive(size: ArrayLike, largest: ArrayLike, scale: float) -> np.ndarray:
    """Effort gain of an equity incentive of ``size`` (share of equity): concave, reaching
    ``largest`` for large grants, two thirds of it at ``scale``."""
    return np.asarray(largest) * (1.0 - np.exp(-np.asarray(size) / scale))


def ownership_gain(
    investor_share: ArrayLike,
    board_seat: ArrayLike,
    monitoring_peak: ArrayLike,
    monitoring_effect: ArrayLike,
    privatisation_effect: ArrayLike,
    c: dict,
) -> np.ndarray:
    """Log-TFP gain from a private owner: its monitoring, an inverted U in its stake that
    peaks at ``monitoring_peak`` (weaker without a board seat), plus
    ``privatisation_effect`` once it controls the firm (its stake a majority)."""
    seat = np.where(board_seat, 1.0, c["monitoring_without_seat"])
    monitoring = monitoring_effect * seat * monitoring_hump(investor_share, monitoring_peak)
    control = np.asarray(investor_share) >= MAJORITY
    return monitoring + np.asarray(privatisation_effect) * control


def tfp_uplift(
    board: ArrayLike,
    outside_majority: ArrayLike,
    market_manager: ArrayLike,
    contract: ArrayLike,
    pay_sensitivity: ArrayLike,
    cap_room: ArrayLike,
    incentive: ArrayLike,
    ownership: ArrayLike,
    soft_budget: ArrayLike,
    response: ArrayLike,
    c: dict,
) -> np.ndarray:
    """Target log-TFP gain from governance, managers, pay, equity incentives (``incentive``,
    :func:`equity_incentive`) and owners (``ownership``, :func:`ownership_gain`).

    Effort terms scale with the managers' ``response`` and lose ``soft_budget_damping``
    of their force under a soft budget.
    """
    board_term = (
        c["effect_board"]
        * np.asarray(board)
        * (1.0 + c["outside_director_bonus"] * np.asarray(outside_majority))
    )
    effort = (
        board_term
        + c["effect_market_manager"] * np.asarray(market_manager)
        + c["effect_contract"] * np.asarray(contract)
        + c["effect_pay"] * np.asarray(pay_sensitivity) * cap_room
        + incentive
    )
    effort = effort * response * (1.0 - c["soft_budget_damping"] * np.asarray(soft_budget))
    return effort + ownership


def tfp_step(log_tfp: ArrayLike, target: ArrayLike, speed: float, shock: ArrayLike) -> np.ndarray:
    """Partial adjustment of log TFP toward its target, plus this month's shock."""
    return log_tfp + speed * (np.asarray(target) - log_tfp) + shock


def needed_labour(needed0: ArrayLike, demand: ArrayLike, elasticity: float) -> np.ndarray:
    """Workers a firm needs, growing with its industry's demand index."""
    return np.asarray(needed0) * np.asarray(demand) ** elasticity


def capacity(assets: ArrayLike, market: ArrayLike, alpha: ArrayLike) -> np.ndarray:
    """What a firm's capital and market let it produce at TFP and demand 1, in assets:
    ``assets^alpha * market^(1 - alpha)``, equal to its assets when they match its market."""
    return np.asarray(assets) ** alpha * np.asarray(market) ** (1.0 - np.asarray(alpha))


def financials(
    tfp: ArrayLike,
    demand: ArrayLike,
    scale: ArrayLike,
    assets: ArrayLike,
    workers: ArrayLike,
    needed: ArrayLike,
    wage: ArrayLike,
    debt: ArrayLike,
    interest: ArrayLike,
    burden: ArrayLike,
    outward: ArrayLike,
    outward_return: ArrayLike,
    exec_cost: ArrayLike,
    c: dict,
) -> dict[str, np.ndarray]:
    """One month's value added, EBIT and profits of firms.

    Value added is ``value_added_per_asset * TFP * demand * scale`` (``scale``: what its
    capital and market let it produce, :func:`capacity`), scaled down when a firm has fewer
    workers than it needs; redundant workers add wages, not output. ``burden`` is the
    social-function cost (share of assets per year). EBIT includes the return on stakes in
    private firms (``outward`` earning ``outward_return`` a year) and is net of executive
    pay (``exec_cost`` a month); ``interest`` is the firm's loan rate.
    """
    staffing = clip(np.asarray(workers) / np.maximum(needed, 1e-9), 0.0, 1.0)
    va = c["value_added_per_asset"] * tfp * demand * scale * staffing ** c["labour_elasticity"]
    va = va / MONTHS_PER_YEAR
    wages = np.asarray(workers) * wage / YUAN_PER_YI / MONTHS_PER_YEAR
    ebit = (
        va
        - wages
        - exec_cost
        - (c["depreciation"] + np.asarray(burden)) * assets / MONTHS_PER_YEAR
        + np.asarray(outward_return) * outward / MONTHS_PER_YEAR
    )
    pretax = ebit - interest * np.asarray(debt) / MONTHS_PER_YEAR
    net = pretax - c["tax_rate"] * np.maximum(pretax, 0.0)
    return {"value_added": va, "wages": wages, "ebit": ebit, "pretax": pretax, "net": net}


def with_output_loss(fin: dict, lost: ArrayLike, tax_rate: float) -> dict[str, np.ndarray]:
    """The month's accounts when ``lost`` value added is lost to disruption."""
    va = fin["value_added"] - lost
    ebit = fin["ebit"] - lost
    pretax = fin["pretax"] - lost
    net = pretax - tax_rate * np.maximum(pretax, 0.0)
    return {**fin, "value_added": va, "ebit": ebit, "pretax": pretax, "net": net}


def smooth(previous: ArrayLike, latest: ArrayLike, weight: float) -> np.ndarray:
    """Exponential smoothing: ``weight`` on the latest observation."""
    return (1.0 - weight) * np.asarray(previous) + weight * np.asarray(latest)


def condition(roa: ArrayLike, hopeless_roa: float, performing_roa: float) -> np.ndarray:
    """The firm's ``codes.Condition`` from smoothed ROA (EBIT / total assets a year)."""
    marginal = np.where(roa < hopeless_roa, HOPELESS, MARGINAL)
    return np.where(roa >= performing_roa, PERFORMING, marginal).astype(np.int8)[()]


def equity_value(
    equity: ArrayLike, roe: ArrayLike, cost_of_equity: ArrayLike, floor: float, cap: float
) -> np.ndarray:
    """Value of a firm's equity: book equity times ROE over the cost of equity, the
    price-to-book kept within [floor, cap] (floor: what the assets fetch in liquidation)."""
    return np.maximum(equity, 0.0) * clip(np.asarray(roe) / cost_of_equity, floor, cap)


def stake_price(stake: ArrayLike, pre_money_value: ArrayLike, issued: ArrayLike) -> np.ndarray:
    """Price of ``stake`` of the post-money firm when ``issued`` new shares are sold in all
    (a capital increase): the old owners keep ``1 - issued`` of pre-money value plus cash."""
    return np.asarray(stake) / (1.0 - np.asarray(issued)) * pre_money_value


def investor_hurdle(
    required: ArrayLike,
    trust: ArrayLike,
    stake: ArrayLike,
    premium: float,
) -> np.ndarray:
    """Return an investor asks: a minority stake adds a premium scaled by distrust."""
    minority = np.asarray(stake) < MAJORITY
    return np.asarray(required) + minority * (1.0 - np.asarray(trust)) * premium


def standardised_performance(roa: ArrayLike, benchmark: ArrayLike, scale: float) -> np.ndarray:
    """ROA gap from the benchmark in units of ``scale``, clipped to [-2, 2]."""
    return clip((np.asarray(roa) - benchmark) / scale, -2.0, 2.0)


def wage_level(wage0: ArrayLike, flexibility: ArrayLike, roa_gap: ArrayLike) -> np.ndarray:
    """Wage that rises or falls with firm performance (能增能减), log wage within ±0.3."""
    return np.asarray(wage0) * np.exp(clip(np.asarray(flexibility) * roa_gap, -0.3, 0.3))
