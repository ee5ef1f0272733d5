"""Task 1 — classification, pilots first and the pace of reform plans.

The seven working groups take up plans in order (pilots first when the scenario says
so; each class from its own start month unless the scenario reforms every class in
lockstep). Each plan takes the effort its class, size and condition need; the month's
capacity is ``plans_per_month`` times the realised throughput; when the queue outgrows
capacity, some approved plans are sent back for rework, so processing every class at
once congests the groups (the report's warning against lockstep). Once a class's pilot
is reformed, its later plans take less effort, fail less and are implemented faster.
Each plan follows from the firm's class and condition (一企一策: mixed ownership,
restructuring or exit) and is implemented ``implementation_lag`` months after approval;
the newly reformed adopt the scenario's package (``sim.enterprise.adopt_package``).
"""

from __future__ import annotations

import numpy as np

from sim import enterprise, rules
from sim.codes import Klass
from sim.population import IN_PLAN
from sim.randomness import Draws
from sim.rules import PERFORMING
from sim.state import PILOT, State


def queue(priority: np.ndarray, pilots_first: bool) -> np.ndarray:
    """The working groups' queue (R, N): flat indices of every firm in the order of its
    place (pilots first if the scenario says so), ties in firm order."""
    order = np.argsort(priority - PILOT * pilots_first, axis=1, kind="stable")
    return order + np.arange(priority.shape[0])[:, None] * priority.shape[1]


def learned(s: State) -> np.ndarray:
    """Per class, whether its pilot's reform is done (R, classes)."""
    f = s.firms
    return np.stack([(PILOT & f.reformed & (f.klass == int(k))).any(axis=1) for k in Klass], axis=1)


def approve_plans(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """The working groups take up this month's plans in order (pilots first), each taking
    the effort its class, size and condition need, until the month's capacity is used; when
    the queue outgrows capacity, some approved plans are sent back for rework. Each plan
    follows from the firm's class and condition (一企一策)."""
    f, m = s.firms, d.month(t)
    waiting = IN_PLAN & f.active & (f.approved_month == 0)
    eligible = waiting & (rules.class_start_months(lv)[f.klass] <= t)
    if lv["pilots_first"]:  # pilots' plans are drafted first, whatever their class
        eligible |= waiting & PILOT
        pilots_done = ~(waiting & PILOT).any(axis=1)
        eligible &= PILOT | pilots_done[:, None]
    known = rules.take_last(learned(s), f.klass)
    learning = s.column["pilot_learning"]
    performing = f.condition == PERFORMING
    effort = np.where(
        eligible, rules.plan_effort(f.klass, f.large, performing, known, learning, c), 0.0
    )
    capacity = lv["plans_per_month"] * rules.mean_plan_effort(c) * s.column["plan_throughput"]
    capacity = capacity * (1.0 - s.column["implementation_friction"])
    # every firm in queue order (flat indices); the ineligible ones' effort is 0, so the
    # effort ahead of each eligible plan is that of the eligible plans ahead of it
    if s.queue is None:  # a firm's place is drawn once: the queue is sorted once per chunk
        s.queue = queue(f.plan_priority, lv["pilots_first"])
    flat = s.queue
    in_order = effort.take(flat)
    before = np.zeros_like(in_order)  # effort of the plans ahead in the queue
    np.cumsum(in_order[:, :-1], axis=1, out=before[:, 1:])
    in_time = eligible.take(flat) & (before < capacity)
    taken = np.empty_like(eligible)
    taken.ravel()[flat] = in_time
    queued = effort.sum(axis=1, keepdims=True)
    rework = m.rework_u < rules.rework_chance(queued, capacity, known, learning, c)
    approved = taken & ~rework
    limit = rules.stake_limit(f.klass, IN_PLAN, lv)
    f.plan = np.where(approved, rules.plan_type(f.condition, limit), f.plan).astype(np.int8)
    lag = np.round(s.column["implementation_lag"] * (1.0 - learning * known)).astype(np.int64)
    f.plan_lag = np.where(approved, lag, f.plan_lag)
    f.approved_month[approved] = t
    s.city.plans_approved += approved.sum(axis=1)
    s.city.plans_reworked += (taken & rework).sum(axis=1)


def complete_reforms(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Plans are implemented after their lag; the newly reformed adopt the package (an equity
    grant gives value away: a loss of state assets, and the team's payment goes to the
    firm's company)."""
    f = s.firms
    new = enterprise.complete_reform(f, t, c)
    transfer, paid = enterprise.adopt_package(f, new, d, d.month(t), s.column, lv, c)
    s.city.incentive_transfers += transfer.sum(axis=1)
    s.city.state_assets_drained += transfer.sum(axis=1)
    r, i = np.nonzero((f.company >= 0) & (paid > 0))
    np.add.at(s.companies.budget, (r, f.company[r, i]), paid[r, i])


def record_completion(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Remember the month the last task of the plan was completed."""
    done, total = s.tasks_done(lv)
    finished = (s.city.completed_month == 0) & (total > 0) & (done == total)
    s.city.completed_month[finished] = t
