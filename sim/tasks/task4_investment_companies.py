"""Task 4 — state capital investment/operating companies and supervision (管资本).

* Each of the ``investment_companies`` has an industry focus: company k focuses on
  group k mod 4 of (leading, emerging, characteristic, infrastructure and public
  services). A transferred firm goes to the best-matching company (ties broken by
  the firm's own draw).
* Companies collect the state's dividends from the firms they hold (and the
  state's part of what a closure recovers) into a capital budget, and each year
  invest ``priority_reallocation_rate`` of it as new state equity in their wholly
  state-owned firms of the 16 priority industries (in proportion to assets).
  Firms held by a company are managed by capital, which improves their governance
  (``capital_management_effect`` in ``sim.enterprise.tfp_target``).
* Supervision: rules before, monitoring during and accountability after each add a
  third to its strength. Strength cuts appraisal error, the chance and size of
  collusive under-pricing and of tunnelling, and slows listings.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import enterprise, rules
from sim.randomness import Draws
from sim.state import State


def credit_owners(s: State, r: np.ndarray, i: np.ndarray, amount: np.ndarray) -> None:
    """Pay the state's part of ``amount`` (firms ``(r, i)``) to the holding company's budget.

    Firms not held by a company pay the state's part to the city treasury, which the
    model does not track; private owners' parts leave the model too."""
    f = s.firms
    held = f.company[r, i] >= 0
    np.add.at(
        s.companies.budget,
        (r[held], f.company[r, i][held]),
        (f.state_share[r, i] * amount)[held],
    )


def collect_dividends(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """The state's dividends from a company's firms go to its capital budget."""
    f = s.firms
    r, i = np.nonzero((f.company >= 0) & (f.dividends > 0))
    credit_owners(s, r, i, f.dividends[r, i])


def reallocate_capital(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Invest part of each company's budget in its wholly state-owned priority-industry firms."""
    f = s.firms
    if not (f.company >= 0).any():
        return
    rate = b.monthly_rate(lv["priority_reallocation_rate"])
    target = rules.reinvestment_target(f.active, f.company >= 0, f.state_share, f.priority_industry)
    k = np.where(target, f.company, 0)
    weight = np.where(target, f.assets, 0.0)
    per_company = np.zeros_like(s.companies.budget)
    np.add.at(per_company, (np.arange(s.replications)[:, None].repeat(k.shape[1], 1), k), weight)
    spend = np.where(per_company > 0, s.companies.budget * rate, 0.0)
    f.assets += rules.reinvestment(
        np.take_along_axis(spend, k, axis=1), weight, np.take_along_axis(per_company, k, axis=1)
    )
    s.companies.budget -= spend


def tunnel(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Tunnelling: equity taken out of city firms, less likely and smaller under supervision."""
    strength = rules.supervision_strength(lv)
    enterprise.tunnel(s.firms, d.month(t), rules.tunnel_chance(strength, c), strength, c)
    lost = s.firms.tunnelled.sum(axis=1)
    s.city.state_assets_drained += lost
    s.city.state_assets_tunnelled += lost
