"""Task 3 — decoupling, transfer, consolidation and closure of municipally funded firms.

* Decoupling (脱钩): from ``decoupling_start_month`` the 34 supervising departments are
  decoupled in a random order at ``departments_per_month``, but only if there is at
  least one investment company to receive the firms; otherwise departments keep them.
* Transfer: a decoupled department's firms that are ready (not hopeless-loss, debt
  ratio below ``readiness_debt_ratio``) have their state equity transferred to the
  company whose industry focus matches best (same group > related priority group >
  unrelated); the rest stay under supervisory-board oversight and move once ready.
  A transfer changes the holder of the state's equity, not the equity.
* Consolidation: with ``consolidation`` on, a wholly state-owned firm in a company
  merges into the company's largest wholly state-owned firm of the same industry
  (chance ``merger_rate`` a month): assets, debt and workers move, a share of the
  absorbed workers is laid off, and overheads fall (``merger_cost_saving``).
* Closure: municipal and county firms hopeless-loss for ``closure_months`` are
  closed at up to ``closures_per_month`` (a capacity); and in every scenario creditors
  force any firm that cannot borrow what their losses need into bankruptcy. A closed
  firm stops producing and employing at once: its workers are laid off, its market
  passes partly to the other SOEs of its industry and partly to private firms. Its
  liquidation takes ``liquidation_months``; then part of its assets is recovered, the
  creditors are paid what it allows (the loss of the state-owned creditors is a loss of
  state assets), the state's share of any rest goes to the holding company, and the
  rest is written off.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import enterprise, rules
from sim.population import IN_PLAN, INDUSTRY_GROUP, MUNICIPAL, N_DEPARTMENTS, N_INDUSTRIES
from sim.randomness import Draws
from sim.rules import EXIT
from sim.state import State
from sim.tasks.task1_mixed_ownership import for_pairs, for_rows
from sim.tasks.task4_investment_companies import credit_owners


def decouple_departments(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Decouple this month's departments and transfer every ready firm of a decoupled one."""
    if t < lv["decoupling_start_month"]:
        return
    f, dep = s.firms, s.departments
    done = dep.decoupled.sum(axis=1)
    new = b.stochastic_round(lv["departments_per_month"], d.month(t).decoupling_round_u)
    rank = np.argsort(np.argsort(dep.order_u, axis=1), axis=1)
    dep.decoupled |= rank < np.minimum(done + new, N_DEPARTMENTS)[:, None]
    department = np.clip(f.department, 0, None)
    released = MUNICIPAL & rules.take_last(dep.decoupled, department) & f.active
    waiting = released & (f.company < 0)
    ready = waiting & rules.transfer_ready(f.condition, f.debt, f.total_assets, c)
    if ready.any():  # the match of the ready firms only: it reads nothing of the others
        companies = int(lv["investment_companies"])
        r, i = np.nonzero(ready)
        cr = for_rows(c, r, s.replications)  # deep mode's (R, 1) constants, of these rows
        group = INDUSTRY_GROUP[f.industry[r, i]]
        f.company[r, i] = rules.match_company(group, companies, d.company_tie_u[r, i], cr)
    f.oversight = waiting & ~ready
    f.restructuring |= ready


def consolidate(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Merge same-industry wholly state-owned firms into their company's largest such firm."""
    f = s.firms
    eligible = f.active & (f.company >= 0) & rules.wholly_state_owned(f.state_share)
    merging = eligible & (d.month(t).merge_u < c["merger_rate"])
    rows = np.flatnonzero(merging.any(axis=1))  # anchors are found only where one may merge
    if rows.size == 0:
        return
    # each group's (company x industry of a row) anchor: its largest eligible firm, the
    # first in firm order among equals, as a sort by size stable in firm order puts first
    n, span = f.assets.shape[1], s.companies.budget.shape[1] * N_INDUSTRIES
    j, i = np.nonzero(eligible[rows])
    group = j * span + f.company[rows[j], i] * N_INDUSTRIES + f.industry[rows[j], i]
    size = f.assets[rows[j], i]
    largest = np.full(rows.size * span, -np.inf)
    np.fmax.at(largest, group, size)  # fmax: a NaN size would sort last, not win
    top = size == largest[group]
    first = np.full(rows.size * span, n)
    np.minimum.at(first, group[top], i[top])
    anchor = np.broadcast_to(np.arange(n), (rows.size, n)).copy()
    anchor[j, i] = first[group]
    absorb = merging[rows] & (anchor != np.arange(n))
    j, i = np.nonzero(absorb)
    if j.size == 0:
        return
    r = rows[j]
    into, src = (r, anchor[j, i]), (r, i)
    weight = f.assets[src]
    c = for_pairs(c, r, s.replications)  # deep mode's (R, 1) constants, one per merger
    laid_off = rules.merger_layoffs(f.workers[src], c)
    stay = f.workers[src] - laid_off
    _weighted_merge(s, into, src, weight)
    for name in ("assets", "debt", "outward", "market"):
        np.add.at(getattr(f, name), into, getattr(f, name)[src])
    np.add.at(f.needed0, into, rules.merged_needed_labour(f.needed0[src], c))
    np.add.at(f.workers, into, stay)
    np.add.at(f.moved, into, stay)
    f.moved[src] -= stay
    f.layoffs[src] += laid_off
    np.subtract.at(f.burden, into, rules.merger_overhead_saving(weight, f.assets[into], c))
    f.restructuring[into] = True
    _retire(s, src, f.merged)


def _weighted_merge(s: State, into: tuple, src: tuple, weight: np.ndarray) -> None:
    """Asset-weighted averages of TFP and performance of each anchor and what it absorbs.

    Anchors are grouped by how many firms they absorb; in a group, ``parts[k]`` picks
    each anchor's k-th absorbed firm in firm order, the order the rule adds them in."""
    f = s.firms
    key = into[0] * f.assets.shape[1] + into[1]
    order = np.argsort(key, kind="stable")
    _, first, count = np.unique(key[order], return_index=True, return_counts=True)
    groups = []
    for n in np.unique(count):
        parts = [order[first[count == n] + k] for k in range(n)]
        groups.append(((into[0][parts[0]], into[1][parts[0]]), parts))
    for name in enterprise.MERGED_AVERAGES:
        x = getattr(f, name)
        absorbed = x[src]
        for anchor, parts in groups:
            xs, ws = [absorbed[p] for p in parts], [weight[p] for p in parts]
            x[anchor] = rules.weighted_merge(x[anchor], f.assets[anchor], xs, ws)


def _retire(s: State, src: tuple, flag: np.ndarray) -> None:
    """Take a firm out of the economy: no assets, debt, workers or owner any more."""
    f = s.firms
    flag[src] = True
    f.active[src] = False
    for name in enterprise.RETIRED_ZERO:
        getattr(f, name)[src] = 0
    f.oversight[src] = False


def close_hopeless(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Close this month's firms with no normal operation (依法关闭、破产): those whose plan is
    an exit and that have been hopeless-loss for ``closure_months``, up to
    ``closures_per_month`` (a capacity, not a quota); their liquidation begins."""
    f, m = s.firms, d.month(t)
    candidate = IN_PLAN & f.active & (f.plan == EXIT) & (f.hopeless_months >= lv["closure_months"])
    n = b.stochastic_round(lv["closures_per_month"], m.closure_round_u)
    key = np.where(candidate, m.closure_order_u, np.inf)
    rank = np.argsort(np.argsort(key, axis=1), axis=1)
    start_liquidation(s, candidate & (rank < n[:, None]), c)


def go_bankrupt(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Creditors force a firm that cannot borrow what its losses need into bankruptcy, at
    ``rules.bankruptcy_hazard`` (lower under a soft budget); its liquidation begins."""
    f = s.firms
    distressed = f.active & (f.distress_months > 0)
    hazard = rules.bankruptcy_hazard(enterprise.soft_budget(f), c)
    exits = distressed & (d.month(t).exit_u < hazard)
    f.bankrupt |= exits
    s.city.bankruptcies += exits.sum(axis=1)
    start_liquidation(s, exits, c)


def start_liquidation(s: State, closing: np.ndarray, c: dict) -> None:
    """Firms stop operating: their workers are laid off, the month's output is lost, their
    market passes to the other SOEs of the industry (``1 - private_market_share`` of it, in
    proportion to their markets) and to private firms, and their liquidation takes
    ``liquidation_months``."""
    if not closing.any():
        return
    f = s.firms
    freed = np.where(closing, f.market, 0.0)
    f.active &= ~closing
    f.liquidating |= closing
    months = np.broadcast_to(s.column["liquidation_months"], closing.shape).astype(np.int64)
    f.liquidation_left = np.where(closing, months, f.liquidation_left)
    f.layoffs += np.where(closing, f.workers, 0)
    f.output_lost += np.where(closing, f.value_added, 0.0)
    for name in ("workers", "needed0", "needed", "market"):
        setattr(f, name, np.where(closing, 0, getattr(f, name)))
    f.oversight &= ~closing
    reallocate_market(s, freed, c)


def reallocate_market(s: State, freed: np.ndarray, c: dict) -> None:
    """The SOEs of the same industry take part of a freed market (and need the workers to
    serve it); the rest goes to the city's private firms."""
    f = s.firms
    soe_part = rules.by_industry(f.industry, freed, N_INDUSTRIES) * (
        1.0 - c["private_market_share"]
    )
    gain = rules.market_gain(f.industry, f.active, f.market, soe_part, N_INDUSTRIES)
    f.needed0 = f.needed0 * (1.0 + gain / np.maximum(f.market, 1e-12))
    f.market = f.market + gain
    s.city.private_market_added += freed.sum(axis=1) - gain.sum(axis=1)


def liquidate(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Liquidations run down a month; a finished one recovers part of the assets, pays the
    creditors what it can (their loss is recorded, the state-owned creditors' part as a
    loss of state assets) and the owners the rest, and writes off the remainder."""
    f = s.firms
    f.liquidation_left = np.where(f.liquidating, f.liquidation_left - 1, f.liquidation_left)
    r, i = np.nonzero(f.liquidating & (f.liquidation_left <= 0))
    if r.size == 0:
        return
    assets, outward, debt = f.assets[r, i], f.outward[r, i], f.debt[r, i]
    recovered, paid, loss, residual = rules.liquidation(
        s.uncertainty["asset_recovery_rate"][r], assets, outward, debt
    )
    credit_owners(s, r, i, residual)
    n = s.replications
    state_loss = s.uncertainty["state_creditor_share"][r] * loss
    s.city.creditor_losses += np.bincount(r, loss, n)
    s.city.state_creditor_losses += np.bincount(r, state_loss, n)
    s.city.state_assets_drained += np.bincount(r, state_loss, n)
    s.city.assets_recovered += np.bincount(r, recovered, n)
    s.city.assets_written_off += np.bincount(r, assets + outward - recovered, n)
    for name in ("assets", "outward", "debt"):
        getattr(f, name)[r, i] = 0.0
    f.liquidating[r, i] = False
    f.closed[r, i] = True
