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
from sim.population import IN_PLAN
from sim.randomness import Draws
from sim.state import State
from sim.tasks.task4_investment_companies import supervision_strength


def stake_limits(s: State, lv: dict) -> np.ndarray:
    """Largest private stake each firm may offer, by class (R, N)."""
    limits = np.array(
        [
            lv["max_private_stake_competitive"],
            lv["max_private_stake_strategic"],
            lv["max_private_stake_public_welfare"],
        ]
    )
    return np.where(IN_PLAN, limits[s.klass], 0.0)


def expected_roe(s: State, fin: dict, c: dict) -> np.ndarray:
    """A firm's annual return on equity at its current fundamentals (R, N)."""
    return 12.0 * fin["net"] / np.maximum(s.equity, 1e-9)


def run_market(s: State, t: int, d: Draws, lv: dict, c: dict, fundamentals: dict) -> None:
    """List this month's offers and settle each by auction."""
    limit = stake_limits(s, lv)
    employee = lv["employee_stake"]
    open_ = s.active & s.reformed & (s.investor < 0) & (limit > 0)
    strength = supervision_strength(lv)
    u = d.listing_u[:, t - 1]
    listed = open_ & (u < c["listing_rate"] * (1.0 - c["supervision_delay"] * strength))
    order = np.argsort(np.where(listed, u, 2.0), axis=1, kind="stable")[
        :, : int(c["offers_per_month"])
    ]
    valid = np.take_along_axis(listed, order, axis=1)
    if not valid.any():
        return
    rows = np.arange(s.replications)
    roe = expected_roe(s, fundamentals, c)
    cost_of_equity = s.uncertainty["interest_rate"] + c["equity_premium"]
    sd = s.uncertainty["appraisal_error_sd"] * (1.0 - c["supervision_appraisal_cut"] * strength)
    collusion = c["underpricing_chance"] * (1.0 - strength)
    collusive_cut = c["underpricing_discount"] * (1.0 - 0.5 * strength)
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
        appraised = fair * np.exp(sd * d.appraisal_z[rows, t - 1, f] - 0.5 * sd**2)
        discount = 0.0 if lv["appraisal_floor"] else c["negotiated_discount"]
        issued = stake + employee
        colluding = d.collusion_u[:, t - 1, k] < collusion
        reserve = b.stake_price(stake, appraised, issued) * (1.0 - discount)
        reserve = reserve * np.where(colluding, 1.0 - collusive_cut, 1.0)
        signal = (
            roe[rows, f][:, None] + c["expected_synergy"] + c["signal_sd"] * d.signal_z[:, t - 1, k]
        )
        hurdle = b.investor_hurdle(
            s.investor_required, s.investor_trust, stake[:, None], c["minority_risk_premium"]
        )
        value = b.equity_value(equity[:, None], signal, hurdle, 0.0, c["valuation_cap"])
        bid = np.minimum(b.stake_price(stake[:, None], value, issued[:, None]), s.investor_capital)
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
        bids = np.where(eligible, bid, -np.inf)
        winner = np.argmax(bids, axis=1)
        bids[rows, winner] = -np.inf
        price = np.maximum(reserve, bids.max(axis=1))
        _settle(
            s, rows[deal], f[deal], winner[deal], stake[deal], employee, price[deal], fair[deal]
        )


def _settle(s, r, f, winner, stake, employee, price, fair) -> None:
    """Record deals: new shares issued, cash in, owners diluted, any shortfall drained."""
    issued = stake + employee
    paid = price * issued / stake  # employees buy at the investor's unit price
    fair_paid = b.stake_price(issued, fair, issued)
    keep = 1.0 - issued
    s.state_assets_drained += np.bincount(
        r, s.state_share[r, f] * keep * np.maximum(fair_paid - paid, 0.0), s.replications
    )
    s.private_capital_in += np.bincount(r, paid, s.replications)
    s.assets[r, f] += paid
    s.state_share[r, f] *= keep
    s.management_share[r, f] *= keep
    s.investor_share[r, f] = stake
    s.employee_share[r, f] = employee
    s.investor[r, f] = winner
    s.investor_capital[r, winner] -= price
