"""Production, profit and the soft budget constraint, in the vectorized core.

The firm's month is :func:`sim.enterprise.produce` (TFP toward its target, value added,
profit, the loss subsidy of the soft budget, dividends and retained profit), written
once for both engines; here the core gathers each firm's demand and shocks and adds
the loss subsidies to the city's fiscal cost.
"""

from __future__ import annotations

import numpy as np

from sim import enterprise, rules
from sim.randomness import Draws
from sim.state import State


def demand(s: State, t: int) -> np.ndarray:
    """Demand of each firm's industry at month ``t`` relative to month 0 (R, N)."""
    growth = np.take_along_axis(s.industry_growth, s.firms.industry.astype(np.intp), axis=1)
    return rules.demand_index(growth, t)


def open_books(s: State, c: dict) -> None:
    """Month 0: the accounts of June 2022, so that every measure has a starting value."""
    enterprise.open_books(s.firms, demand(s, 0), s.column, c)


def produce(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Every firm produces and books its profit; loss subsidies are a fiscal cost."""
    f, m = s.firms, d.month(t)
    target = enterprise.tfp_target(f, s.column, lv, c)
    enterprise.produce(f, target, demand(s, t), m.common_shock[:, None], m, s.column, lv, c)
    s.city.fiscal_cost += s.firms.subsidies.sum(axis=1)
