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

from sim import rules
from sim.population import CENTRAL, PROVINCIAL
from sim.randomness import Draws
from sim.state import State

UNSIGNED, SIGNED, COMPLETED = 0, 1, 2


def hand_over_social_functions(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Signing and completion of 三供一业 hand-overs; socialisation of provincial retirees."""
    u = d.handover_u[:, t - 1]
    sign = CENTRAL & (s.handover == UNSIGNED) & (u < lv["handover_signing_rate"])
    subsidy = lv["handover_city_subsidy"]
    hazard = rules.handover_hazard(subsidy, s.uncertainty["handover_completion_months"], c)
    complete = CENTRAL & (s.handover == SIGNED) & (u < hazard[:, None])
    s.handover[sign] = SIGNED
    s.handover[complete] = COMPLETED
    firm_part, city_part = rules.handover_costs(s.workers, subsidy, c)
    city = np.where(complete, city_part, 0.0)
    s.assets -= np.where(complete, firm_part, 0.0) - city
    s.fiscal_cost += city.sum(axis=1)

    socialise = PROVINCIAL & ~s.socialised & s.active & (u < lv["retiree_socialisation_rate"])
    s.socialised |= socialise
    firm_cost, city_cost = rules.socialisation_cost(s.burden, s.assets, c)
    s.assets -= np.where(socialise, firm_cost, 0.0)
    s.fiscal_cost += np.where(socialise, city_cost, 0.0).sum(axis=1)
    s.burden = np.where(
        complete | socialise, s.burden * (1.0 - c["handover_burden_removed"]), s.burden
    )
    saved = np.where(CENTRAL | PROVINCIAL, (s.burden0 - s.burden) * s.assets, 0.0)
    s.social_burden_saved += saved.sum(axis=1) / 12.0


def invest_cooperation_projects(s: State, t: int, lv: dict, c: dict) -> None:
    """This month's investment of the realised cooperation projects, into their hosts."""
    chance = s.uncertainty["cooperation_realisation"][:, None]
    start, realised = rules.project_schedule(s.project_start_u, s.project_realised_u, chance, lv, c)
    running = realised & (t >= start) & (t < start + c["cooperation_duration"])
    flow = np.where(running, s.project_size / c["cooperation_duration"], 0.0)
    rows = np.arange(s.replications)[:, None].repeat(flow.shape[1], axis=1)
    np.add.at(s.assets, (rows, s.project_host), flow)
    np.add.at(s.needed0, (rows, s.project_host), flow / c["assets_per_worker"])
    s.cooperation_investment += flow.sum(axis=1)
