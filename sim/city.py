"""What the city does each month, written once for both engines.

Each function takes ``city``: the vectorized core's :class:`~sim.state.Ledgers` (one
value per replication) or the Mesa model, which keeps the same ledgers as attributes
of the same names, and ``unc``, the uncertainties ((R,) arrays or floats).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim import behaviour as b
from sim import rules

City = Any  # sim.state.Ledgers or sim.abm.model.SOEReformModel


def settle_labour_market(
    city: City, laid_off: ArrayLike, u: ArrayLike, unc: Any, lv: dict, c: dict
) -> None:
    """The month's dismissed and laid-off join the unemployed; some of the pool is
    re-employed at the sampled rate, raised by re-employment support; resettlement and
    support are fiscal costs."""
    city.unemployed = city.unemployed + laid_off
    rate = rules.reemployment_rate(unc["reemployment_rate"], lv["reemployment_support"])
    found = b.stochastic_round(city.unemployed * b.monthly_rate(rate), u)
    city.reemployed = np.minimum(found, city.unemployed)
    city.unemployed = city.unemployed - city.reemployed
    city.fiscal_cost = city.fiscal_cost + rules.labour_fiscal_cost(laid_off, city.unemployed, lv, c)
