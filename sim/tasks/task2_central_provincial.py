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

from sim import enterprise, rules
from sim.codes import MONTHS_PER_YEAR
from sim.randomness import Draws
from sim.state import State


def hand_over_social_functions(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Signing and completion of 三供一业 hand-overs; socialisation of provincial retirees."""
    hazard = rules.handover_hazard(
        lv["handover_city_subsidy"], s.column["handover_completion_months"], c
    )
    handover_city, socialisation_city, saved = enterprise.hand_over(
        s.firms, d.month(t), hazard, lv, c
    )
    s.city.fiscal_cost += handover_city.sum(axis=1)
    s.city.fiscal_cost += socialisation_city.sum(axis=1)
    s.city.social_burden_saved += saved.sum(axis=1) / MONTHS_PER_YEAR


def invest_cooperation_projects(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """This month's investment of the realised cooperation projects, into their hosts."""
    p, f = s.projects, s.firms
    chance = s.column["cooperation_realisation"]
    start, realised = rules.project_schedule(p.start_u, p.realised_u, chance, lv, c)
    flow = rules.project_flow(p.size, start, realised, t, c)
    # only the running projects: adding the others' zero flows would change nothing
    rows, j = np.nonzero(flow)
    into, amount = (rows, p.host[rows, j]), flow[rows, j]
    np.add.at(f.assets, into, amount)
    np.add.at(f.market, into, amount)  # the project opens the market it serves
    np.add.at(f.needed0, into, (flow / c["assets_per_worker"])[rows, j])  # (R, 1) in deep mode
    s.city.cooperation_investment += flow.sum(axis=1)
