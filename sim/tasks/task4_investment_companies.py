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
  (``capital_management_effect`` in ``production.tfp_target``).
* Supervision: rules before, monitoring during and accountability after each add a
  third to its strength. Strength cuts appraisal error, the chance and size of
  collusive under-pricing and of tunnelling, and slows listings.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import rules
from sim.population import IN_PLAN, INDUSTRY_GROUP, PRIORITY_INDUSTRY
from sim.randomness import Draws
from sim.state import State


def supervision_strength(lv: dict) -> float:
    """0 (today's administrative supervision) to 1 (all three parts of 管资本)."""
    return (lv["rules_before"] + lv["monitoring_during"] + lv["accountability_after"]) / 3.0


def match_company(s: State, d: Draws, n_companies: int, c: dict) -> np.ndarray:
    """The company each firm would be transferred to (R, N)."""
    return rules.match_company(INDUSTRY_GROUP[s.industry], n_companies, d.company_tie_u, c)


def credit_owners(s: State, r: np.ndarray, f: np.ndarray, amount: np.ndarray) -> None:
    """Pay the state's part of ``amount`` to the holding company's budget.

    Firms not held by a company pay the state's part to the city treasury, which the
    model does not track; private owners' parts leave the model too."""
    held = s.company[r, f] >= 0
    np.add.at(
        s.company_budget, (r[held], s.company[r, f][held]), (s.state_share[r, f] * amount)[held]
    )


def collect_dividends(s: State, dividends: np.ndarray) -> None:
    """The state's dividends from a company's firms go to its capital budget."""
    r, f = np.nonzero((s.company >= 0) & (dividends > 0))
    credit_owners(s, r, f, dividends[r, f])


def reallocate_capital(s: State, lv: dict) -> None:
    """Invest part of each company's budget in its wholly state-owned priority-industry firms."""
    rate = b.monthly_rate(lv["priority_reallocation_rate"])
    if rate <= 0 or not (s.company >= 0).any():
        return
    target = (
        s.active
        & (s.company >= 0)
        & (s.state_share >= rules.WHOLLY_STATE)
        & PRIORITY_INDUSTRY[s.industry]
    )
    k = np.where(target, s.company, 0)
    weight = np.where(target, s.assets, 0.0)
    per_company = np.zeros_like(s.company_budget)
    np.add.at(per_company, (np.arange(s.replications)[:, None].repeat(k.shape[1], 1), k), weight)
    spend = np.where(per_company > 0, s.company_budget * rate, 0.0)
    share = weight / np.maximum(np.take_along_axis(per_company, k, axis=1), 1e-12)
    s.assets += np.take_along_axis(spend, k, axis=1) * share
    s.company_budget -= spend


def tunnel(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Tunnelling: equity taken out of city firms, less likely and smaller under supervision."""
    strength = supervision_strength(lv)
    happens = IN_PLAN & s.active & (d.tunnel_u[:, t - 1] < rules.tunnel_chance(strength, c))
    taken = np.where(happens, rules.tunnel_amount(s.equity, strength, c), 0.0)
    s.assets -= taken
    lost = (s.state_share * taken).sum(axis=1)
    s.state_assets_drained += lost
    s.state_assets_tunnelled += lost
