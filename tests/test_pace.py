"""The pace of reform: a plan queue that congests, pilots that teach, one plan per firm
(一企一策), and the end-2023 deadline as the report means it."""

from __future__ import annotations

import numpy as np

from sim import rules
from sim.codes import DEADLINE_MONTH, Condition, PlanType
from sim.engine import trajectory
from sim.scenario import baseline, derive
from tests.helpers import SEED, assert_greater, col, scenario, variant

C = baseline().constants


def completed_at_deadline(v: np.ndarray) -> np.ndarray:
    return col(v, "reform_completed_share")[:, DEADLINE_MONTH]


def test_with_congestion_lockstep_is_slower_and_the_gap_shrinks_with_capacity():
    gaps = []
    for capacity in (16.0, 40.0):
        staggered = variant(
            scenario("city_plan"), f"staggered_{capacity}", levers={"plans_per_month": capacity}
        )
        lockstep = variant(
            scenario("lockstep"), f"lockstep_{capacity}", levers={"plans_per_month": capacity}
        )
        if capacity == 16.0:  # congested: lockstep is slower; at 40 the gap may vanish
            assert_greater(
                completed_at_deadline(staggered), completed_at_deadline(lockstep), "completed"
            )
        gaps.append(completed_at_deadline(staggered) - completed_at_deadline(lockstep))
    assert_greater(gaps[0], gaps[1], "the gap shrinks as capacity rises")


def test_the_working_groups_send_plans_back_only_when_swamped():
    assert rules.rework_chance(10.0, 20.0, False, 0.3, C) == 0.0
    swamped = rules.rework_chance(60.0, 20.0, False, 0.3, C)
    assert 0.0 < swamped <= C["rework_max"]
    assert rules.rework_chance(60.0, 20.0, True, 0.3, C) < swamped  # a pilot helps


def plan_lags(sc, learning: float) -> np.ndarray:
    """Per replication: mean months from approval to reform of the non-pilot plans approved
    after the class pilots were reformed."""
    sc = derive(sc, f"learning_{learning}", uncertainties={"pilot_learning": learning})
    approved = reformed = None
    for s, _ in trajectory(sc, SEED, range(60)):
        f = s.firms
        if approved is None:
            approved = np.zeros(f.reformed.shape, dtype=int)
            reformed = np.zeros(f.reformed.shape, dtype=int)
        approved = np.where((approved == 0) & (f.approved_month > 0), f.approved_month, approved)
        reformed = np.where((reformed == 0) & f.reformed, s.month, reformed)
    pilots_done = reformed[:, :2].max(axis=1, keepdims=True)
    later = (approved > pilots_done) & (reformed > 0)
    later[:, :2] = False
    return np.where(later, reformed - approved, 0).sum(1) / np.maximum(later.sum(1), 1)


def test_pilots_shorten_later_plans_lag():
    plan = scenario("city_plan")
    assert_greater(plan_lags(plan, 0.0), plan_lags(plan, 0.4), "lag")


def test_each_firm_gets_the_plan_its_class_and_condition_call_for():
    kinds = rules.plan_type(
        np.array(
            [Condition.HOPELESS, Condition.PERFORMING, Condition.PERFORMING, Condition.MARGINAL]
        ),
        np.array([0.6, 0.6, 0.0, 0.6]),
    )
    assert list(kinds) == [
        PlanType.EXIT,
        PlanType.MIXED_OWNERSHIP,
        PlanType.GOVERNANCE,
        PlanType.RESTRUCTURING,
    ]
    mixed = exits = 0
    for s, _ in trajectory(scenario("city_plan"), SEED, range(20)):
        f = s.firms
        if s.month == 24:
            listed = f.investor >= 0
            assert (f.plan[listed] == PlanType.MIXED_OWNERSHIP).all()  # only mixing plans list
            mixed, exits = int(listed.sum()), int((f.plan == PlanType.EXIT).sum())
            break
    assert mixed > 0 and exits > 0


def test_closure_capacity_is_a_capacity_not_a_quota():
    v = variant(scenario("city_plan"), "wide", levers={"closures_per_month": 20.0})
    closed = (
        col(v, "firms_closed")[:, DEADLINE_MONTH]
        + col(v, "firms_in_liquidation")[:, DEADLINE_MONTH]
    )
    assert closed.std() > 0 and (closed < 20 * DEADLINE_MONTH).all()


def test_a_closure_counts_for_the_deadline_only_once_liquidated():
    slow = derive(scenario("fast_closures"), "slow", uncertainties={"liquidation_months": 60})
    v = variant(slow, "slow", reps=30)
    assert (col(v, "deadline_met")[:, -1] == 0).all()
    assert (col(v, "exits_pending")[:, DEADLINE_MONTH] > 0).all()
