"""Task 2 — central and provincial SOEs located in the city.

* 三供一业 hand-over: an unsigned central SOE signs at ``handover_signing_rate`` a
  month (27 of 76 signed at the start); a signed one completes at a monthly
  hazard of one over ``handover_completion_months``, faster with the city's
  subsidy. Completion costs a one-time sum per household (the enterprise pays its
  share less the city's subsidy, which the city pays) and removes
  ``handover_burden_removed`` of the recurring social burden. Signing delays plus
  completion delays give the S-curve of the national programme.
* Provincial SOEs hand their social functions and retirees over to socialised
  management at ``retiree_socialisation_rate``, for a one-time cost shared with
  the city, removing the same share of their burden.
* The 52 cooperation projects (518.6 亿元) start within a window (earlier with city
  support), are realised with a sampled chance (higher with support) and invest
  evenly over their duration in their host firm, adding assets, output and jobs.
"""

from __future__ import annotations

import numpy as np

from sim.behaviour import YUAN_PER_YI
from sim.population import CENTRAL, PROVINCIAL
from sim.randomness import Draws
from sim.state import State

UNSIGNED, SIGNED, COMPLETED = 0, 1, 2


def hand_over_social_functions(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Signing and completion of 三供一业 hand-overs; socialisation of provincial retirees."""
    u = d.handover_u[:, t - 1]
    sign = CENTRAL & (s.handover == UNSIGNED) & (u < lv["handover_signing_rate"])
    speed = 1.0 + c["handover_subsidy_speedup"] * lv["handover_city_subsidy"]
    hazard = np.minimum(speed / s.uncertainty["handover_completion_months"], 1.0)[:, None]
    complete = CENTRAL & (s.handover == SIGNED) & (u < hazard)
    s.handover[sign] = SIGNED
    s.handover[complete] = COMPLETED
    cost = (
        s.workers
        * c["handover_households_per_worker"]
        * c["handover_cost_per_household"]
        / YUAN_PER_YI
    )
    firm_part = cost * c["handover_enterprise_share"]
    city = np.where(complete, firm_part * lv["handover_city_subsidy"], 0.0)
    s.assets -= np.where(complete, firm_part, 0.0) - city
    s.fiscal_cost += city.sum(axis=1)

    socialise = PROVINCIAL & ~s.socialised & s.active & (u < lv["retiree_socialisation_rate"])
    s.socialised |= socialise
    one_time = np.where(socialise, c["socialisation_cost_years"] * s.burden * s.assets, 0.0)
    s.assets -= one_time * (1.0 - c["socialisation_city_share"])
    s.fiscal_cost += (one_time * c["socialisation_city_share"]).sum(axis=1)
    s.burden = np.where(
        complete | socialise, s.burden * (1.0 - c["handover_burden_removed"]), s.burden
    )
    saved = np.where(CENTRAL | PROVINCIAL, (s.burden0 - s.burden) * s.assets, 0.0)
    s.social_burden_saved += saved.sum(axis=1) / 12.0


def invest_cooperation_projects(s: State, t: int, lv: dict, c: dict) -> None:
    """This month's investment of the realised cooperation projects, into their hosts."""
    support = lv["cooperation_support"]
    window = c["cooperation_start_window"] * (1.0 - 0.5 * support)
    start = 1 + np.floor(s.project_start_u * window)
    chance = s.uncertainty["cooperation_realisation"][:, None]
    realised = s.project_realised_u < chance + support * (1.0 - chance)
    running = realised & (t >= start) & (t < start + c["cooperation_duration"])
    flow = np.where(running, s.project_size / c["cooperation_duration"], 0.0)
    rows = np.arange(s.replications)[:, None].repeat(flow.shape[1], axis=1)
    np.add.at(s.assets, (rows, s.project_host), flow)
    np.add.at(s.needed0, (rows, s.project_host), flow / c["assets_per_worker"])
    s.cooperation_investment += flow.sum(axis=1)
