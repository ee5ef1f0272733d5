"""Task 1 — mixed ownership: the market for stakes (宜控则控、宜参则参).

Each reformed municipal or county firm whose class allows a private stake offers
new shares (a capital increase) up to the class's limit. Each month some open
offers are listed (at most ``offers_per_month``, in a random order). For each
listing the state sets a reserve price from a noisy independent appraisal (the
appraisal itself with a floor, else less a negotiated discount); every private
investor reads the firm's return with noise and values the stake at its own
hurdle (higher for a minority stake when it distrusts minority protection);
investors wanting control bid only for majorities; sector-focused investors bid
only in their industry group. The highest bidder wins at the larger of the reserve
and the second-highest bid (a second-price auction), capped by its capital.

Because investors enter only where expected return beats the hurdle, good firms
attract capital first and hopeless-loss firms none; because appraisals are noisy,
deals close more often where the appraisal is low, and the state's share of the
shortfall below fair value is recorded as state assets drained. The appraisal never
falls below the liquidation value of book equity (``valuation_floor``); investors
value on income alone, so a loss-maker's stake is worth nothing to them.

Supervision (Task 4) cuts the appraisal error, slows listings, and lowers the chance
and size of a collusive cut to the reserve price (which bypasses the floor).
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import rules
from sim.population import IN_PLAN
from sim.randomness import Draws
from sim.state import State
from sim.tasks.task4_investment_companies import supervision_strength


def stake_limits(s: State, lv: dict) -> np.ndarray:
    """Largest private stake each firm may offer, by class (R, N)."""
    return rules.stake_limit(s.klass, IN_PLAN, lv)


def run_market(s: State, t: int, d: Draws, lv: dict, c: dict, fundamentals: dict) -> None:
    """List this month's offers and settle each by auction."""
    limit = stake_limits(s, lv)
    employee = lv["employee_stake"]
    open_ = s.active & s.reformed & (s.investor < 0) & (limit > 0)
    strength = supervision_strength(lv)
    u = d.listing_u[:, t - 1]
    listed = open_ & (u < rules.listing_chance(strength, c))
    order = np.argsort(np.where(listed, u, 2.0), axis=1, kind="stable")[
        :, : int(c["offers_per_month"])
    ]
    valid = np.take_along_axis(listed, order, axis=1)
    if not valid.any():
        return
    rows = np.arange(s.replications)
    roe = rules.expected_roe(fundamentals["net"], s.equity)
    cost_of_equity = rules.cost_of_equity(s.uncertainty["interest_rate"], c)
    sd = rules.appraisal_sd(s.uncertainty["appraisal_error_sd"], strength, c)
    collusion, collusive_cut = rules.collusion(strength, c)
    for k in range(order.shape[1]):
        f = order[:, k]
        ok = valid[:, k]
        if not ok.any():
            continue
        equity = s.equity[rows, f]
        stake = limit[rows, f]
        fair = b.equity_value(
            equity, roe[rows, f], cost_of_equity, c["valuation_floor"], c["valuation_cap"]
        )
        appraised = rules.appraised_value(fair, sd, d.appraisal_z[rows, t - 1, f])
        discount = 0.0 if lv["appraisal_floor"] else c["negotiated_discount"]
        issued = stake + employee
        colluding = d.collusion_u[:, t - 1, k] < collusion
        reserve = rules.reserve_price(stake, appraised, issued, discount, colluding, collusive_cut)
        signal = rules.investor_signal(roe[rows, f][:, None], d.signal_z[:, t - 1, k], c)
        hurdle = b.investor_hurdle(
            s.investor_required, s.investor_trust, stake[:, None], c["minority_risk_premium"]
        )
        bid = rules.investor_bid(
            equity[:, None], signal, hurdle, stake[:, None], issued[:, None], s.investor_capital, c
        )
        group = s.industry_group[rows, f]
        eligible = (
            ok[:, None]
            & s.investor_active
            & (~s.investor_wants_control | (stake[:, None] >= 0.5))
            & ((s.investor_group < 0) | (s.investor_group == group[:, None]))
            & (bid >= reserve[:, None])
            & (bid > 0.0)
        )
        deal = eligible.any(axis=1)
        if not deal.any():
            continue
        winner, price = rules.second_price(np.where(eligible, bid, -np.inf), reserve)
        _settle(
            s, rows[deal], f[deal], winner[deal], stake[deal], employee, price[deal], fair[deal]
        )


def _settle(
    s: State,
    r: np.ndarray,
    f: np.ndarray,
    winner: np.ndarray,
    stake: np.ndarray,
    employee: float,
    price: np.ndarray,
    fair: np.ndarray,
) -> None:
    """Record deals: new shares issued, cash in, owners diluted, any shortfall drained."""
    paid, drained, keep = rules.settle_deal(price, stake, employee, fair, s.state_share[r, f])
    s.state_assets_drained += np.bincount(r, drained, s.replications)
    s.private_capital_in += np.bincount(r, paid, s.replications)
    s.assets[r, f] += paid
    s.state_share[r, f] *= keep
    s.management_share[r, f] *= keep
    s.investor_share[r, f] = stake
    s.employee_share[r, f] = employee
    s.investor[r, f] = winner
    s.investor_capital[r, winner] -= price
