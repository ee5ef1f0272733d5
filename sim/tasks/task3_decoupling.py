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
  closed at ``closures_per_month``: they stop producing and employing, part of their
  assets is recovered (creditors first; the state's share of any rest goes to the
  holding company), their workers are laid off and the state's equity in them is
  written off.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import rules
from sim.population import IN_PLAN, MUNICIPAL, N_DEPARTMENTS, N_INDUSTRIES
from sim.randomness import Draws
from sim.state import State
from sim.tasks.task4_investment_companies import credit_owners, match_company


def decouple_departments(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Decouple this month's departments and transfer every ready firm of a decoupled one."""
    if lv["investment_companies"] < 1 or t < lv["decoupling_start_month"]:
        return
    done = s.department_decoupled.sum(axis=1)
    new = b.stochastic_round(lv["departments_per_month"], d.decoupling_round_u[:, t - 1])
    rank = np.argsort(np.argsort(d.department_order_u, axis=1), axis=1)
    s.department_decoupled |= rank < np.minimum(done + new, N_DEPARTMENTS)[:, None]
    dept = np.clip(s.department, 0, None)
    released = MUNICIPAL & np.take_along_axis(s.department_decoupled, dept, axis=1) & s.active
    waiting = released & (s.company < 0)
    ready = waiting & rules.transfer_ready(s.condition, s.debt, s.total_assets, c)
    if ready.any():
        target = match_company(s, d, int(lv["investment_companies"]), c)
        s.company = np.where(ready, target, s.company)
    s.oversight = waiting & ~ready
    s.restructuring |= ready


def consolidate(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Merge same-industry wholly state-owned firms into their company's largest such firm."""
    if not lv["consolidation"]:
        return
    eligible = s.active & (s.company >= 0) & (s.state_share >= rules.WHOLLY_STATE)
    key = np.where(eligible, s.company * N_INDUSTRIES + s.industry, -1)
    order = np.lexsort((-s.assets, key), axis=-1)
    sorted_key = np.take_along_axis(key, order, axis=1)
    first = np.ones_like(sorted_key, dtype=bool)
    first[:, 1:] = sorted_key[:, 1:] != sorted_key[:, :-1]
    position = np.maximum.accumulate(np.where(first, np.arange(key.shape[1]), 0), axis=1)
    anchor = np.empty_like(order)
    np.put_along_axis(anchor, order, np.take_along_axis(order, position, axis=1), axis=1)
    absorb = (
        eligible & (anchor != np.arange(key.shape[1])) & (d.merge_u[:, t - 1] < c["merger_rate"])
    )
    r, f = np.nonzero(absorb)
    if r.size == 0:
        return
    into, src = (r, anchor[r, f]), (r, f)
    weight = s.assets[src]
    laid_off = rules.merger_layoffs(s.workers[src], c)
    stay = s.workers[src] - laid_off
    _weighted_merge(s, into, src, weight)
    for name in ("assets", "debt", "outward"):
        np.add.at(getattr(s, name), into, getattr(s, name)[src])
    np.add.at(s.needed0, into, rules.merged_needed_labour(s.needed0[src], c))
    np.add.at(s.workers, into, stay)
    np.add.at(s.moved, into, stay)
    s.moved[src] -= stay
    s.layoffs[src] += laid_off
    np.subtract.at(s.burden, into, rules.merger_overhead_saving(weight, s.assets[into], c))
    s.restructuring[into] = True
    _retire(s, src, s.merged)


def _weighted_merge(s: State, into: tuple, src: tuple, weight: np.ndarray) -> None:
    """Asset-weighted averages of TFP and performance of each anchor and what it absorbs.

    Anchors are grouped by how many firms they absorb; in a group, ``parts[k]`` picks
    each anchor's k-th absorbed firm in firm order, the order the rule adds them in."""
    key = into[0] * s.assets.shape[1] + into[1]
    order = np.argsort(key, kind="stable")
    _, first, count = np.unique(key[order], return_index=True, return_counts=True)
    groups = []
    for n in np.unique(count):
        parts = [order[first[count == n] + k] for k in range(n)]
        groups.append(((into[0][parts[0]], into[1][parts[0]]), parts))
    for name in ("log_tfp", "log_tfp_base", "roa_smoothed", "burden"):
        x = getattr(s, name)
        absorbed = x[src]
        for anchor, parts in groups:
            xs, ws = [absorbed[p] for p in parts], [weight[p] for p in parts]
            x[anchor] = rules.weighted_merge(x[anchor], s.assets[anchor], xs, ws)


def _retire(s: State, src: tuple, flag: np.ndarray) -> None:
    """Take a firm out of the economy: no assets, debt, workers or owner any more."""
    flag[src] = True
    s.active[src] = False
    for name in ("assets", "debt", "outward", "needed0", "needed"):
        getattr(s, name)[src] = 0.0
    s.workers[src] = 0
    s.oversight[src] = False


def close_hopeless(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Close this month's firms with no normal operation (依法关闭、破产)."""
    if lv["closures_per_month"] <= 0:
        return
    candidate = IN_PLAN & s.active & (s.hopeless_months >= lv["closure_months"])
    n = b.stochastic_round(lv["closures_per_month"], d.closure_round_u[:, t - 1])
    key = np.where(candidate, d.closure_order_u[:, t - 1], np.inf)
    rank = np.argsort(np.argsort(key, axis=1), axis=1)
    close = candidate & (rank < n[:, None])
    r, f = np.nonzero(close)
    if r.size == 0:
        return
    recovery_rate = s.uncertainty["asset_recovery_rate"][r]
    residual = rules.closure_residual(recovery_rate, s.assets[r, f], s.outward[r, f], s.debt[r, f])
    credit_owners(s, r, f, residual)
    s.layoffs[r, f] += s.workers[r, f]
    s.output_lost[r, f] += s.value_added[r, f]
    _retire(s, (r, f), s.closed)
