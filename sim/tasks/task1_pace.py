"""Task 1 — classification, pilots first and the pace of reform plans.

The seven working groups approve plans up to an effective capacity; pilots come
first when the scenario says so; each class opens at its own start month unless the
scenario reforms every class in lockstep. Processing several classes at once costs
capacity (the report's warning against lockstep). A firm's reform is complete
``implementation_lag`` months after its plan is approved, and the newly reformed
adopt the scenario's package (``sim.enterprise.adopt_package``, Task 1 governance).
"""

from __future__ import annotations

import numpy as np

from sim import enterprise, rules
from sim.behaviour import effective_capacity, stochastic_round
from sim.codes import Klass
from sim.population import IN_PLAN
from sim.randomness import Draws
from sim.state import PILOT, State


def approve_plans(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Approve this month's plans, pilots first, within the working groups' capacity."""
    f = s.firms
    waiting = IN_PLAN & f.active & (f.approved_month == 0)
    eligible = waiting & (rules.class_start_months(lv)[f.klass] <= t)
    if lv["pilots_first"]:  # pilots' plans are drafted first, whatever their class
        eligible |= waiting & PILOT
        pilots_done = ~(waiting & PILOT).any(axis=1)
        eligible &= PILOT | pilots_done[:, None]
    classes_open = sum((eligible & (f.klass == k)).any(axis=1) for k in Klass)
    capacity = effective_capacity(
        lv["plans_per_month"],
        s.uncertainty["implementation_friction"],
        classes_open,
        c["class_switch_cost"],
    )
    n_approve = stochastic_round(capacity, d.month(t).capacity_u)
    key = np.where(eligible, f.plan_priority - PILOT * lv["pilots_first"], np.inf)
    rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1, kind="stable")
    approved = eligible & (rank < n_approve[:, None])
    f.approved_month[approved] = t
    s.city.plans_approved += approved.sum(axis=1)


def complete_reforms(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Reforms complete after the lag; the newly reformed adopt the package."""
    new = enterprise.complete_reform(s.firms, t, c)
    enterprise.adopt_package(s.firms, new, d, d.month(t), lv, c)


def record_completion(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Remember the month the last task of the plan was completed."""
    done, total = s.tasks_done(lv)
    finished = (s.city.completed_month == 0) & (total > 0) & (done == total)
    s.city.completed_month[finished] = t
