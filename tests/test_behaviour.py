"""The behavioural equations: the same numbers on scalars and on arrays, and their directions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import behaviour as b
from sim.scenario import baseline

C = baseline().constants
share = st.floats(0.0, 1.0)


@given(st.lists(share, min_size=1, max_size=20))
def test_monitoring_hump_on_arrays_equals_scalars(xs):
    arr = b.monitoring_hump(np.array(xs), C["monitoring_peak_stake"])
    assert np.array_equal(arr, [b.monitoring_hump(x, C["monitoring_peak_stake"]) for x in xs])


@given(share)
def test_monitoring_is_strongest_at_the_peak_stake(s):
    peak = C["monitoring_peak_stake"]
    assert b.monitoring_hump(s, peak) <= b.monitoring_hump(peak, peak) + 1e-12


@given(st.floats(0, 1e6), st.floats(0, 1, exclude_max=True))
def test_stochastic_round_stays_within_one(x, u):
    r = b.stochastic_round(x, u)
    assert np.floor(x) <= r <= np.floor(x) + 1


def test_stochastic_round_is_unbiased():
    u = (np.arange(10_000) + 0.5) / 10_000
    assert b.stochastic_round(np.full_like(u, 3.37), u).mean() == 3.37


@settings(max_examples=50)
@given(share, share, share, st.floats(0, 0.1), share, st.booleans(), st.floats(0.0, 3.0))
def test_uplift_on_arrays_equals_scalars_and_soft_budget_damps_it(
    pps, board, mkt, eq, s, seat, resp
):
    args = dict(
        board=board,
        outside_majority=1.0,
        market_manager=mkt,
        contract=1.0,
        pay_sensitivity=pps,
        cap_room=1.0,
        equity_size=eq,
        equity_form_effect=1.0,
        private_share=s,
        board_seat=seat,
        response=resp,
        c=C,
    )
    hard = b.tfp_uplift(soft_budget=0.0, **args)
    soft = b.tfp_uplift(soft_budget=1.0, **args)
    assert soft <= hard + 1e-15
    as_array = {k: (np.array([v, v]) if k != "c" else v) for k, v in args.items()}
    np.testing.assert_array_equal(
        b.tfp_uplift(soft_budget=np.array([0.0, 1.0]), **as_array), [hard, soft]
    )


@given(st.floats(0.01, 0.9), st.floats(0.0, 0.05), st.floats(0.0, 100.0))
def test_a_fair_capital_increase_leaves_the_old_owners_value_unchanged(stake, employee, value):
    issued = stake + employee
    paid = b.stake_price(stake, value, issued) + b.stake_price(employee, value, issued)
    assert np.isclose((1 - issued) * (value + paid), value)


def test_minority_stakes_ask_more_of_distrustful_investors():
    minority = b.investor_hurdle(0.1, trust=0.0, stake=0.3, premium=0.04)
    majority = b.investor_hurdle(0.1, trust=0.0, stake=0.6, premium=0.04)
    trusting = b.investor_hurdle(0.1, trust=1.0, stake=0.3, premium=0.04)
    assert minority > majority == trusting == 0.1


def test_a_binding_pay_cap_halves_the_pay_incentive():
    base = C["exec_pay_base_ratio"]
    assert b.pay_cap_room(base, base) == 0.5
    assert b.pay_cap_room(np.inf, base) == 1.0


def test_capacity_falls_with_friction_and_classes_open():
    assert b.effective_capacity(20, 0.0, 1, 0.25) == 20
    assert b.effective_capacity(20, 0.2, 1, 0.25) < 20
    assert b.effective_capacity(20, 0.0, 3, 0.25) < b.effective_capacity(20, 0.0, 2, 0.25)


def test_monthly_rate_compounds_to_the_annual_rate():
    assert np.isclose(1 - (1 - b.monthly_rate(0.4)) ** 12, 0.4)
