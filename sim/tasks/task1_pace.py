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
from sim.population import IN_PLAN, N_DEPARTMENTS
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
    waiting = IN_PLAN & s.active & (s.approved_month == 0)
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
    done = s.active & (s.approved_month > 0) & (t >= s.approved_month + c["implementation_lag"])
    new = done & ~s.reformed
    s.reformed |= done
    return new


def tasks_done(s: State, lv: dict) -> tuple[np.ndarray, int]:
    """Reform tasks completed (R,) and the number in the plan.

    The plan's tasks are the classified reform of every municipal and county firm
    (done when reformed, merged or closed) and, when the scenario decouples, the
    decoupling of each of the 34 departments.
    """
    done = np.zeros(s.replications, dtype=np.int64)
    total = 0
    if lv["plans_per_month"] > 0:
        done += (IN_PLAN & (s.reformed | ~s.active)).sum(axis=1)
        total += int(IN_PLAN.sum())
    if lv["investment_companies"] > 0 and lv["departments_per_month"] > 0:
        done += s.department_decoupled.sum(axis=1)
        total += N_DEPARTMENTS
    return done, total


def record_completion(s: State, t: int, lv: dict) -> None:
    """Remember the month the last task of the plan was completed."""
    done, total = tasks_done(s, lv)
    finished = (s.completed_month == 0) & (total > 0) & (done == total)
    s.completed_month[finished] = t
