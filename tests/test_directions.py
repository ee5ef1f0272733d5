"""MODEL.md's directions for Task 1 as comparative statics over seeded replications.

Each test runs two scenarios that differ in one lever or uncertainty, on the same
seeds (common random numbers), and requires the paired mean difference to have
the stated sign by more than Z standard errors.
"""

import numpy as np
import pytest

from sim import behaviour as b
from sim import rules
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
    """Adverse selection on noisy quality, in the market's own rules: an investor bids only
    where its noisy reading of the firm's return beats its hurdle, and the appraisal
    prices the stake at the market's required return, so on the same draws a firm with a
    better fundamental return closes a deal more often, and a loss-making one never.

    (In whole runs the month's listings, not the bids, decide most deals, and under the
    calibrated productivity process a firm's condition is mostly transitory, so the deal
    rates of performing and marginal firms on offer differ little; see docs/ODD.md.)"""
    c = plan.constants
    rng = np.random.default_rng(np.random.SeedSequence(SEED))
    draws, investors = 20_000, 20
    hurdle = b.investor_hurdle(
        rng.uniform(0.08, 0.12, (draws, investors)), 0.5, 0.3, c["minority_risk_premium"]
    )
    signal_z = rng.standard_normal((draws, investors))
    appraisal_z = rng.standard_normal(draws)
    equity, stake = 10.0, 0.3
    issued = rules.shares_issued(stake, 0.0)

    def deal_chance(roe: float) -> tuple[float, float]:
        rate = rules.appraisal_rate(c)
        fair = b.equity_value(equity, roe, rate, c["valuation_floor"], c["valuation_cap"])
        appraised = rules.appraised_value(fair, 0.15, appraisal_z)
        reserve = rules.reserve_price(stake, appraised, issued, 0.0, False, 0.0)
        signal = rules.investor_signal(roe, signal_z, c)
        bid = rules.investor_bid(equity, signal, hurdle, stake, issued, np.inf, c)
        deal = ((bid >= reserve[:, None]) & (bid > 0)).any(axis=1)
        return deal.mean(), deal.std(ddof=1) / np.sqrt(draws)

    def assert_more(high: tuple[float, float], low: tuple[float, float]) -> None:
        assert high[0] - low[0] > 3 * np.hypot(high[1], low[1]), (high, low)

    none, poor, fair, good = (deal_chance(roe) for roe in (0.0, 0.04, 0.08, 0.12))
    assert_more(poor, none)
    assert_more(fair, poor)
    assert_more(good, poor)
    assert deal_chance(-0.05)[0] == 0.0, "a loss-making firm drew a deal at ordinary hurdles"


def test_private_stakes_bring_capital_into_the_firms(plan):
    incentives = run("incentives_first")
    mixed = run(plan)
    assert (col(incentives, "private_capital_in") == 0).all()
    assert_greater(
        col(mixed, "private_capital_in")[:, END],
        col(incentives, "private_capital_in")[:, END],
        "capital",
    )
