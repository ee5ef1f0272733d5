"""Production, profit and the soft budget constraint, in the vectorized core.

The firm's month is :func:`sim.enterprise.produce` (TFP toward its target, value added,
profit, the loss subsidy of the soft budget, dividends and retained profit), written
once for both engines; here the core gathers each firm's demand and shocks and adds
the loss subsidies to the city's fiscal cost.
"""

from __future__ import annotations

import numpy as np

from sim import enterprise, rules
from sim.behaviour import HOPELESS
from sim.population import N_INDUSTRIES
from sim.randomness import Draws
from sim.state import FirmsAt, State


def demand(s: State, t: int, at: FirmsAt | None = None) -> np.ndarray:
    """Demand of each firm's industry at month ``t`` relative to month 0 (R, N); of the
    firms ``at`` (a :class:`~sim.state.FirmsAt` of the replications' rows) if given."""
    return rules.of_industry(s.demand[:, t], (s.firms if at is None else at).industry)


def congestion(s: State, at: FirmsAt | None = None) -> np.ndarray:
    """Each firm's industry's share of operating assets held by hopeless-loss firms (R, N),
    or of the firms ``at`` (as in :func:`demand`)."""
    f = s.firms
    zombie = f.condition == HOPELESS
    share = rules.zombie_share(f.industry, zombie, np.where(f.active, f.assets, 0.0), N_INDUSTRIES)
    return rules.of_industry(share, (f if at is None else at).industry)


def target(s: State, lv: dict, c: dict, at: FirmsAt | None = None) -> np.ndarray:
    """Every firm's target log TFP (``enterprise.tfp_target``), or that of the firms ``at``
    (as in :func:`demand`)."""
    return enterprise.tfp_target(s.firms if at is None else at, congestion(s, at), s.column, lv, c)


def open_books(s: State, lv: dict, c: dict) -> None:
    """Month 0: the accounts of June 2022, so that every measure has a starting value; the
    companies the scenario builds share the platforms' balance sheets."""
    enterprise.open_books(s.firms, demand(s, 0), s.column, lv, c)
    n = int(lv["investment_companies"])
    if n:
        s.companies.platform_assets[:, :n] = s.column["platform_assets"] / n
        s.companies.platform_debt[:, :n] = (
            c["platform_debt_ratio"] * s.column["platform_assets"] / n
        )


def evolve_productivity(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Firms' own productivity drifts; managers whose term ends are replaced."""
    enterprise.evolve_productivity(s.firms, d, d.month(t), lv, c)


def produce(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Every firm produces, books its profit, invests and finances; loss subsidies are a
    fiscal cost; revived zombies are counted."""
    f, m = s.firms, d.month(t)
    enterprise.produce(
        f, target(s, lv, c), demand(s, t), m.common_shock[:, None], m, s.column, lv, c
    )
    s.city.fiscal_cost += f.subsidies.sum(axis=1)
    s.city.zombies_revived += f.revived.sum(axis=1)
