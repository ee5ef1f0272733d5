"""What the city does each month, written once for both engines: its labour market.

Each function takes ``city``: the vectorized core's :class:`~sim.state.Ledgers` (one value
per replication, the pool of unemployed of shape (R, market, spell month)) or the Mesa
model, which keeps the same ledgers as attributes of the same names (the pool of shape
(market, spell month)); per-replication values (``unc``, ``absorption``) are (R,) arrays
or floats; per-market flows have a last axis (city, county).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim import behaviour as b
from sim import rules

City = Any  # sim.state.Ledgers or sim.abm.model.SOEReformModel
MARKETS = ("city", "county")  # the pool's markets: the city's, and the thinner county ones


def absorption(
    mean_demand: ArrayLike, private_market_added: ArrayLike, market0: ArrayLike, c: dict
) -> np.ndarray:
    """How strongly private demand pulls the unemployed into jobs, relative to month 0: the
    city's demand, grown by the markets closed SOEs left to private firms."""
    private = c["private_sector_scale"] * np.asarray(market0)
    grown = np.asarray(mean_demand) * (1.0 + np.asarray(private_market_added) / private)
    return grown ** rules.by_replication(c["absorption_elasticity"])


def take_shortest_spells_first(pool: np.ndarray, wanted: ArrayLike) -> np.ndarray:
    """How many of each spell month of ``pool`` (..., D) are hired when employers take
    ``wanted`` (...) people, the most recently unemployed first."""
    taken = np.minimum(np.cumsum(pool, axis=-1), np.asarray(wanted)[..., None])
    return np.diff(taken, axis=-1, prepend=0)


def settle_labour_market(
    city: City,
    laid_off: ArrayLike,
    quits: ArrayLike,
    hires: ArrayLike,
    retirements: ArrayLike,
    u: Any,
    pull: ArrayLike,
    unc: Any,
    lv: dict,
    c: dict,
) -> None:
    """The month of the city's labour market, by market (city, county; last axis of the
    flows): some of the unemployed find private jobs, at a hazard that falls with the
    time they have been out of work (``rules.reemployment_hazard``, raised by ``pull``,
    private demand, and by re-employment support); SOEs hire part of their new staff from
    the pool, the most recently unemployed first; the pool ages a month; the month's
    dismissed and laid-off (``laid_off``) and some of those who quit join it. Resettlement
    and re-employment support are fiscal costs. ``u`` holds the month's rounding draws
    (``pool_u``, ``quit_pool_u``)."""
    pool = city.pool
    spell = np.arange(pool.shape[-1])
    factor = rules.by_option(1.0, c["county_market_factor"])[..., None]
    hazard = rules.reemployment_hazard(
        np.asarray(unc["reemployment_rate"])[..., None, None],
        spell,
        factor,
        np.asarray(pull)[..., None, None],
        lv["reemployment_support"],
        c,
    )
    found = np.minimum(b.stochastic_round(pool * hazard, u.pool_u), pool)
    pool = pool - found
    wanted = np.floor(c["hires_from_pool_share"] * np.asarray(hires) + 0.5).astype(np.int64)
    wanted = np.minimum(wanted, pool.sum(axis=-1))
    taken = take_shortest_spells_first(pool, wanted)
    pool = pool - taken
    quit_in = b.stochastic_round(np.asarray(quits) * c["quits_unemployed_share"], u.quit_pool_u)
    aged = np.zeros_like(pool)
    aged[..., 1:] = pool[..., :-1]
    aged[..., -1] += pool[..., -1]
    aged[..., 0] = np.asarray(laid_off) + quit_in
    city.pool = aged
    city.unemployed = aged.sum(axis=(-2, -1))
    city.reemployed = found.sum(axis=(-2, -1))
    city.hired_from_pool = taken.sum(axis=(-2, -1))
    city.pool_inflow = aged[..., 0].sum(axis=-1)
    city.reemployed_total = city.reemployed_total + city.reemployed
    city.entrants = city.entrants + (np.sum(hires, axis=-1) - city.hired_from_pool)
    city.retired = city.retired + retirements
    city.left_to_jobs = city.left_to_jobs + (np.sum(quits, axis=-1) - quit_in.sum(axis=-1))
    city.fiscal_cost = city.fiscal_cost + rules.labour_fiscal_cost(
        np.sum(laid_off, axis=-1), city.unemployed, lv, c
    )
