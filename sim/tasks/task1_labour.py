"""Task 1 — labour mobility (能进能出) and wages (能增能减).

Every firm loses workers to quits and retirements. Reformed firms shed redundant
staff at the scenario's speed, loss-making firms at ``loss_dismissal_rate``, and both
hire only the workers they need; the others replace every leaver and grow with demand
(``sim.enterprise.adjust_labour``). The dismissed, the quits into unemployment and the
workers laid off by closures and mergers (Task 3) join the city's pool, held by market
(city, county) and months out of work; their chance of a job falls with time out of
work, rises with private demand, the cooperation projects and re-employment support,
and SOE hires come partly from the pool (``sim.city.settle_labour_market``). Resettlement and re-employment
support are fiscal costs. Wages of reformed firms rise or fall with performance.
"""

from __future__ import annotations

import numpy as np

from sim import city, enterprise
from sim.codes import Level
from sim.population import LEVEL
from sim.randomness import Draws
from sim.state import State

COUNTY = LEVEL == Level.COUNTY  # firms in the thinner county labour markets


def adjust_labour(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Quits, dismissals, hires and wages of every firm."""
    enterprise.adjust_labour(s.firms, d.month(t), lv, c)


def settle_labour_market(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """The city's labour market: re-employment, SOE hires from the pool, the month's
    dismissed, laid-off and some of those who quit join it (``city.settle_labour_market``)."""
    f = s.firms
    pull = city.absorption(
        s.demand[:, t].mean(axis=1), s.city.private_market_added, s.city.market0, c
    )
    city.settle_labour_market(
        s.city,
        by_market(f.dismissals + f.layoffs),
        by_market(f.quits),
        by_market(f.hires),
        f.retirements.sum(axis=1),
        d.month(t),
        pull,
        s.uncertainty,
        lv,
        c,
    )


def by_market(x: np.ndarray) -> np.ndarray:
    """A per-firm count summed by labour market: (R, N) -> (R, [city, county])."""
    return np.stack([x[:, ~COUNTY].sum(axis=1), x[:, COUNTY].sum(axis=1)], axis=-1)
