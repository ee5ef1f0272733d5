"""MODEL.md's directions for Task 1 as comparative statics over seeded replications.

Each test runs two scenarios that differ in one lever or uncertainty, on the same
seeds (common random numbers), and requires the paired mean difference to have
the stated sign by more than Z standard errors.
"""

import numpy as np
import pytest

from sim.codes import DEADLINE_MONTH, PlanType
from sim.engine import trajectory
from sim.scenario import derive
from tests.conftest import SEED, assert_greater, col, run, scenario

END = -1
DEADLINE = DEADLINE_MONTH


@pytest.fixture(scope="module")
def plan():
    return scenario("city_plan")


def variant(plan, name, **sections):
    return run(derive(plan, name, **sections))


def test_more_private_capital_raises_mixing_deals(plan):
    few = variant(plan, "few", uncertainties={"investor_pool_size": 30})
    many = variant(plan, "many", uncertainties={"investor_pool_size": 120})
    assert_greater(col(many, "mixed_firms")[:, END], col(few, "mixed_firms")[:, END], "mixed firms")
    assert_greater(
        col(many, "private_capital_in")[:, END],
        col(few, "private_capital_in")[:, END],
        "capital in",
    )


def test_lower_required_returns_raise_mixing_deals(plan):
    hungry = variant(plan, "hungry", uncertainties={"required_return_mean": 0.08})
    picky = variant(plan, "picky", uncertainties={"required_return_mean": 0.12})
    assert_greater(col(hungry, "mixed_firms")[:, END], col(picky, "mixed_firms")[:, END], "mixed")


def test_stronger_incentives_raise_productivity_and_profit(plan):
    weak = {"pay_performance_sensitivity": 0.0, "equity_incentive_share": 0.0}
    strong = {"pay_performance_sensitivity": 1.0, "equity_incentive_share": 1.0}
    lo, hi = variant(plan, "weak", levers=weak), variant(plan, "strong", levers=strong)
    assert_greater(col(hi, "tfp")[:, END], col(lo, "tfp")[:, END], "TFP")
    assert_greater(col(hi, "profit")[:, END], col(lo, "profit")[:, END], "profit")


def test_market_selected_managers_and_boards_raise_productivity(plan):
    none = variant(plan, "none", levers={"market_selected_share": 0.0, "board_share": 0.0})
    full = variant(plan, "full", levers={"market_selected_share": 1.0, "board_share": 1.0})
    assert_greater(col(full, "tfp")[:, END], col(none, "tfp")[:, END], "TFP")


def test_the_reform_raises_productivity_over_the_baseline():
    assert_greater(col(run("city_plan"), "tfp")[:, END], col(run("baseline"), "tfp")[:, END], "TFP")


def test_faster_labour_adjustment_raises_separations_and_labour_productivity(plan):
    slow = variant(plan, "slow", levers={"labour_adjustment_speed": 0.1})
    fast = variant(plan, "fast", levers={"labour_adjustment_speed": 0.8})
    seps = col(fast, "separations").sum(axis=1), col(slow, "separations").sum(axis=1)
    assert_greater(*seps, "separations")
    assert_greater(
        col(fast, "labour_productivity")[:, DEADLINE],
        col(slow, "labour_productivity")[:, DEADLINE],
        "labour productivity",
    )


def test_reemployment_support_shortens_unemployment(plan):
    none = variant(plan, "none", levers={"reemployment_support": 0.0})
    full = variant(plan, "full", levers={"reemployment_support": 1.0})
    unemployed_months = col(none, "unemployed").sum(axis=1), col(full, "unemployed").sum(axis=1)
    assert_greater(*unemployed_months, "person-months of unemployment")


def test_without_an_appraisal_floor_more_state_assets_drain(plan):
    floor = variant(plan, "floor", levers={"appraisal_floor": True})
    loose = variant(plan, "loose", levers={"appraisal_floor": False})
    assert_greater(
        col(loose, "state_assets_drained")[:, END],
        col(floor, "state_assets_drained")[:, END],
        "drain",
    )


def test_less_capacity_delays_completion(plan):
    full = run(plan)
    cut = variant(plan, "cut", levers={"plans_per_month": 12.0})
    done = (
        col(full, "reform_completed_share")[:, DEADLINE],
        col(cut, "reform_completed_share")[:, DEADLINE],
    )
    assert_greater(*done, "completed share at month 18")
    plans = col(full, "plans_pending")[:, DEADLINE], col(cut, "plans_pending")[:, DEADLINE]
    assert_greater(plans[1], plans[0], "plans still pending at the deadline")


def test_lockstep_swamps_the_working_groups_and_slows_the_reform():
    plan, lock = run("city_plan"), run("lockstep")
    done = (
        col(plan, "reform_completed_share")[:, DEADLINE],
        col(lock, "reform_completed_share")[:, DEADLINE],
    )
    assert_greater(*done, "completed share at month 18")
    reworked = col(lock, "plans_reworked")[:, DEADLINE], col(plan, "plans_reworked")[:, DEADLINE]
    assert_greater(*reworked, "plans sent back by swamped working groups")


def _deals_by_condition(sc, reps=100):
    """New deals and offers listed, by the firm's condition in the month of the deal."""
    deals = np.zeros(3)
    exposure = np.zeros(3)
    before = None
    for s, _ in trajectory(sc, SEED, range(reps)):
        if before is not None:
            new = (s.firms.investor >= 0) & (before["investor"] < 0)
            on_offer = before["on_offer"]
            for k in range(3):
                deals[k] += (new & (before["condition"] == k)).sum()
                exposure[k] += (on_offer & (before["condition"] == k)).sum()
        before = {
            "investor": s.firms.investor.copy(),
            "condition": s.firms.condition.copy(),
            "on_offer": s.firms.reformed
            & (s.firms.investor < 0)
            & (s.firms.klass == 0)
            & (s.firms.plan == PlanType.MIXED_OWNERSHIP),
        }
    return deals, exposure


def test_good_firms_attract_capital_first_and_hopeless_loss_firms_none(plan):
    """Adverse selection on noisy quality: among firms on offer, performing ones mix at a
    higher rate than marginal ones; a firm that turned hopeless-loss after its mixing plan
    draws no bid at ordinary hurdles. (一企一策 gives hopeless-loss firms an exit plan, so
    they are not offered in the first place.)"""
    competitive_only = derive(
        plan,
        "competitive",
        levers={"max_private_stake_strategic": 0.0, "max_private_stake_public_welfare": 0.0},
    )
    deals, exposure = _deals_by_condition(competitive_only)
    rate = deals / np.maximum(exposure, 1)
    se = np.sqrt(rate * (1 - rate) / np.maximum(exposure, 1))
    assert deals[0] > 0 and exposure[1] > 50
    assert rate[0] - rate[1] > 3 * np.hypot(se[0], se[1]), (rate, se)
    assert deals[2] == 0, f"hopeless-loss firms drew {deals[2]} deals at ordinary hurdles"


def test_private_stakes_bring_capital_into_the_firms(plan):
    incentives = run("incentives_first")
    mixed = run(plan)
    assert (col(incentives, "private_capital_in") == 0).all()
    assert_greater(
        col(mixed, "private_capital_in")[:, END],
        col(incentives, "private_capital_in")[:, END],
        "capital",
    )
