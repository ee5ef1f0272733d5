"""Task 4 — state capital investment/operating companies and supervision (管资本).

* Each of the ``investment_companies`` has an industry focus: company k focuses on
  group k mod 4 of (leading, emerging, characteristic, infrastructure and public
  services). A transferred firm goes to the best-matching company (ties broken by
  the firm's own draw).
* Companies collect the state's dividends from the firms they hold (and the
  state's part of what a closure recovers) into a capital budget, and each month
  invest the monthly equivalent of ``priority_reallocation_rate`` (a yearly rate) of
  it as new state equity in their wholly state-owned firms of the 16 priority
  industries (in proportion to assets).
  Firms held by a company are managed by capital, which improves their governance
  (``capital_management_effect`` in ``sim.enterprise.tfp_target``).
* Supervision (管资本): each company has a supervision quality; rules before, monitoring
  during and accountability after each remove part of the weakness left (diminishing
  returns, never certain detection); a company's monitoring per firm thins when it holds
  more firms than it can follow, and each company costs ``company_overhead``. Firms no
  company holds are supervised by their department or county agency. A firm's
  supervision cuts appraisal error, the chance of collusive under-pricing, insider
  tunnelling and a controlling private owner's diversion, and slows listings.
* The companies are built from the city's financing platforms, whose assets and debt
  they take over (``platform_assets``, ``platform_debt_ratio``); their leverage is
  reported.
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
    # each company's weights summed in firm order from zero, as np.add.at would, by bincount
    slots = s.companies.budget.shape[1]
    key = (np.arange(s.replications)[:, None] * slots + k).ravel()
    per_company = np.bincount(key, weight.ravel(), s.replications * slots).reshape(-1, slots)
    spend = np.where(per_company > 0, rules.reinvestment_spend(s.companies.budget, rate), 0.0)
    f.assets += rules.reinvestment(
        rules.take_last(spend, k), weight, rules.take_last(per_company, k)
    )
    s.companies.budget -= spend


def assess_supervision(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Each firm's supervision this month: its company's strength (quality raised by the
    管资本 levers) thinned by how many firms the company holds, or its department's (or
    county agency's) strength if no company holds it."""
    f, k = s.firms, s.companies
    gain = s.column["supervision_lever_gain"]
    strength = rules.supervision_strength(k.quality, gain, lv)
    slots = k.quality.shape[1]
    held = f.active & (f.company >= 0)
    rows = np.arange(s.replications)[:, None] * slots
    count = np.bincount(
        (rows + np.maximum(f.company, 0)).ravel(), held.ravel(), s.replications * slots
    ).reshape(s.replications, slots)
    department = rules.supervision_strength(s.column["department_supervision_quality"], gain, lv)
    per_firm = rules.monitoring(strength, count, c)
    f.supervision = rules.firm_supervision(f.company, per_firm, department)


def tunnel(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Tunnelling: equity taken out of city firms, less likely under supervision."""
    enterprise.tunnel(s.firms, d.month(t), c)
    lost = s.firms.tunnelled.sum(axis=1)
    s.city.state_assets_drained += lost
    s.city.state_assets_tunnelled += lost


def expropriate(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Controlling private owners divert value from firms where the state is a minority."""
    enterprise.expropriate(s.firms, d.month(t), s.column, lv, c)
    lost = s.firms.expropriated.sum(axis=1)
    s.city.state_assets_drained += lost
    s.city.expropriated += lost


def run_companies(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """The companies pay their running costs from their budgets; the platforms they were
    built from earn their return and pay interest (a loss adds to their debt)."""
    k, n = s.companies, int(lv["investment_companies"])
    k.budget[:, :n] -= rules.company_overhead(n, c)
    income = rules.platform_income(
        k.platform_assets[:, :n], k.platform_debt[:, :n], s.column["interest_rate"], c
    )
    k.platform_assets[:, :n] += np.maximum(income, 0.0)
    k.platform_debt[:, :n] += np.maximum(-income, 0.0)
