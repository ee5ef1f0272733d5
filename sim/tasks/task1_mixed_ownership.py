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
from sim import enterprise, rules
from sim.population import IN_PLAN
from sim.production import demand, target
from sim.randomness import Draws
from sim.rules import MIXED
from sim.state import FirmsAt, State


def for_rows(c: dict, rows: np.ndarray, replications: int, varied: tuple | None = None) -> dict:
    """The constants of the replications ``rows``: a per-replication constant (an
    (R, 1) array in deep mode; ``varied`` names them if known) sliced to them, a scalar
    as it is."""
    varied = per_replication(c, replications) if varied is None else varied
    return {**c, **{k: c[k][rows] for k in varied}} if varied else c


def for_pairs(c: dict, rows: np.ndarray, replications: int, varied: tuple | None = None) -> dict:
    """The constants of (replication, firm) pairs whose replications are ``rows`` (P,): a
    per-replication constant (``varied`` names them if known) as one value per pair (P,),
    a scalar as it is."""
    varied = per_replication(c, replications) if varied is None else varied
    return {**c, **{k: c[k][rows, 0] for k in varied}}


def per_replication(c: dict, replications: int) -> tuple[str, ...]:
    """The constants that are per-replication arrays (deep mode); none in a fixed run."""
    return tuple(
        k
        for k, v in c.items()
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == replications
    )


def run_market(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """List this month's offers and settle each by auction."""
    f, inv, m = s.firms, s.investors, d.month(t)
    limit = rules.stake_limit(f.klass, IN_PLAN, lv)
    employee = lv["employee_stake"]
    open_ = f.active & f.reformed & (f.investor < 0) & (limit > 0) & (f.plan == MIXED)
    listed = open_ & (m.listing_u < rules.listing_chance(f.supervision, c))
    order = np.argsort(np.where(listed, m.listing_u, 2.0), axis=1, kind="stable")[
        :, : int(c["offers_per_month"])
    ]
    valid = rules.take_last(listed, order)
    if not valid.any():
        return
    # the listed firms' accounts at their target TFP, (R, offers) as ``order``: a firm's
    # rules need only its own variables, its industry's and its replication's
    at = FirmsAt(f, np.arange(s.replications)[:, None], order)
    fundamentals = enterprise.fundamentals(at, target(s, lv, c, at), demand(s, t, at), s.column, c)
    roe = rules.expected_roe(fundamentals["net"], at.equity)  # (R, offers)
    rate = rules.by_replication(rules.appraisal_rate(c))
    cost_of_equity = np.broadcast_to(rate, (s.replications,))
    sd = rules.appraisal_sd(s.column["appraisal_error_sd"], f.supervision, c)
    collusion = rules.collusion_chance(f.supervision, c)
    # a deal changes only its own firm, listed once a month: equity and group hold all month
    equity_of, group_of = f.equity, f.industry_group
    varied = per_replication(c, s.replications)
    for k in range(order.shape[1]):
        rows = np.flatnonzero(valid[:, k])  # the replications with a k-th listing
        if rows.size == 0:
            continue
        firm = order[rows, k]
        cr = for_rows(c, rows, s.replications, varied)  # (P, 1): against the investors
        c1 = for_pairs(c, rows, s.replications, varied)  # (P,): one per listing
        equity = equity_of[rows, firm]
        stake = limit[rows, firm]
        firm_roe = roe[rows, k]
        fair = b.equity_value(
            equity, firm_roe, cost_of_equity[rows], c1["valuation_floor"], c1["valuation_cap"]
        )
        appraised = rules.appraised_value(fair, sd[rows, firm], m.appraisal_z[rows, firm])
        issued = rules.shares_issued(stake, employee)
        colluding = m.collusion_u[rows, k] < collusion[rows, firm]
        cut, discount = c1["underpricing_discount"], rules.appraisal_discount(lv, c1)
        reserve = rules.reserve_price(stake, appraised, issued, discount, colluding, cut)
        signal = rules.investor_signal(firm_roe[:, None], m.signal_z[rows, k], cr)
        hurdle = b.investor_hurdle(
            inv.required[rows], inv.trust[rows], stake[:, None], cr["minority_risk_premium"]
        )
        bid = rules.investor_bid(
            equity[:, None], signal, hurdle, stake[:, None], issued[:, None], inv.capital[rows], cr
        )
        group = group_of[rows, firm]
        eligible = (
            inv.active[rows]
            & rules.may_bid(
                inv.wants_control[rows], inv.group[rows], stake[:, None], group[:, None]
            )
            & (bid >= reserve[:, None])
            & (bid > 0.0)
        )
        deal = eligible.any(axis=1)
        if not deal.any():
            continue
        winner, price = rules.second_price(np.where(eligible, bid, -np.inf), reserve)
        _settle(
            s, rows[deal], firm[deal], winner[deal], stake[deal], employee, price[deal], fair[deal]
        )


def _settle(
    s: State,
    r: np.ndarray,
    i: np.ndarray,
    winner: np.ndarray,
    stake: np.ndarray,
    employee: float,
    price: np.ndarray,
    fair: np.ndarray,
) -> None:
    """Record deals: new shares issued, cash in, owners diluted, any shortfall drained."""
    f = s.firms
    paid, drained, keep = rules.settle_deal(price, stake, employee, fair, f.state_share[r, i])
    s.city.state_assets_drained += np.bincount(r, drained, s.replications)
    s.city.private_capital_in += np.bincount(r, paid, s.replications)
    f.assets[r, i] += paid
    f.state_share[r, i] *= keep
    f.management_share[r, i] *= keep
    f.investor_share[r, i] = stake
    f.employee_share[r, i] = employee
    f.investor[r, i] = winner
    s.investors.capital[r, winner] -= price
