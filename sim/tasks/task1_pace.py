"""Task 1 — classification, pilots first and the pace of reform plans.

The seven working groups approve plans up to an effective capacity; pilots come
first when the scenario says so; each class opens at its own start month unless the
scenario reforms every class in lockstep. Processing several classes at once costs
capacity (the report's warning against lockstep). A firm's reform is complete
``implementation_lag`` months after its plan is approved.
"""

from __future__ import annotations

import numpy as np

from sim.behaviour import effective_capacity, stochastic_round
from sim.population import IN_PLAN
from sim.randomness import Draws
from sim.state import PILOT, State

N_CLASSES = 3


def class_start_months(lv: dict) -> np.ndarray:
    """Start month of each class: competitive, strategic, public-welfare."""
    if lv["lockstep"]:
        return np.ones(N_CLASSES, dtype=int)
    return np.array(
        [
            lv["start_month_competitive"],
            lv["start_month_strategic"],
            lv["start_month_public_welfare"],
        ]
    )


def approve_plans(s: State, t: int, d: Draws, lv: dict, c: dict) -> np.ndarray:
    """Approve this month's plans; return the newly approved firms (R, N)."""
    waiting = IN_PLAN & (s.approved_month == 0)
    eligible = waiting & (class_start_months(lv)[s.klass] <= t)
    if lv["pilots_first"]:  # pilots' plans are drafted first, whatever their class
        eligible |= waiting & PILOT
        pilots_done = ~(waiting & PILOT).any(axis=1)
        eligible &= PILOT | pilots_done[:, None]
    classes_open = sum((eligible & (s.klass == k)).any(axis=1) for k in range(N_CLASSES))
    capacity = effective_capacity(
        lv["plans_per_month"],
        s.uncertainty["implementation_friction"],
        classes_open,
        c["class_switch_cost"],
    )
    n_approve = stochastic_round(capacity, d.city_u[:, t - 1, 0])
    key = np.where(eligible, s.plan_priority - PILOT * lv["pilots_first"], np.inf)
    rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1, kind="stable")
    approved = eligible & (rank < n_approve[:, None])
    s.approved_month[approved] = t
    s.plans_approved += approved.sum(axis=1)
    return approved


def complete_reforms(s: State, t: int, c: dict) -> np.ndarray:
    """Mark reforms complete after the implementation lag; return the newly completed."""
    done = (s.approved_month > 0) & (t >= s.approved_month + c["implementation_lag"])
    new = done & ~s.reformed
    s.reformed |= done
    finished = (s.completed_month == 0) & (s.reformed | ~IN_PLAN).all(axis=1)
    s.completed_month[finished] = t
    return new
