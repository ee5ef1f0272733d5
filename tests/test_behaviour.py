"""The behavioural equations: the same numbers on scalars and on arrays, and their directions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import behaviour as b
from sim.scenario import baseline

C = baseline().constants
share = st.floats(0.0, 1.0)
peak_stake = st.floats(0.2, 0.5)  # the range of uncertainties.monitoring_peak_stake


@given(st.lists(share, min_size=1, max_size=20), peak_stake)
def test_monitoring_hump_on_arrays_equals_scalars(xs, peak):
    arr = b.monitoring_hump(np.array(xs), peak)
    assert np.array_equal(arr, [b.monitoring_hump(x, peak) for x in xs])


@given(share, peak_stake)
def test_monitoring_is_strongest_at_the_peak_stake(s, peak):
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
        incentive=b.equity_incentive(eq, 0.03, 0.02),
        ownership=b.ownership_gain(s, seat, 0.35, 0.1, 0.14, C),
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


def test_a_pay_cap_at_base_and_term_pay_leaves_no_room_for_performance_pay():
    floor = C["exec_base_multiple"] * (1.0 + C["exec_term_share"])
    assert b.pay_cap_room(floor, C) == 0.0
    assert b.pay_cap_room(np.inf, C) == 1.0
    assert 0.0 < b.pay_cap_room(floor * 1.5, C) < 1.0


@given(st.floats(0.0, 0.2), st.floats(0.0, 0.2))
def test_equity_incentives_are_concave_and_bounded(small, extra):
    largest, scale = 0.03, 0.02
    low, high = (
        b.equity_incentive(small, largest, scale),
        b.equity_incentive(small + extra, largest, scale),
    )
    assert low <= high <= largest
    assert high - low <= b.equity_incentive(extra, largest, scale) + 1e-15


def test_control_adds_the_privatisation_effect_and_a_seat_strengthens_monitoring():
    minority = b.ownership_gain(0.49, True, 0.35, 0.1, 0.14, C)
    control = b.ownership_gain(0.51, True, 0.35, 0.1, 0.14, C)
    assert control - minority > 0.13
    assert b.ownership_gain(0.35, False, 0.35, 0.1, 0.14, C) < b.ownership_gain(
        0.35, True, 0.35, 0.1, 0.14, C
    )


def test_monthly_rate_compounds_to_the_annual_rate():
    assert np.isclose(1 - (1 - b.monthly_rate(0.4)) ** 12, 0.4)


def test_take_last_gathers_what_take_along_axis_gathers():
    from sim.rules import take_last

    rng = np.random.default_rng(0)
    months = rng.random((5, 4, 7))
    table = months[:, 2]  # a strided view, as a month of the demand paths is
    index = rng.integers(0, 7, (5, 11)).astype(np.int8)
    expected = np.take_along_axis(table, index.astype(np.intp), axis=-1)
    assert np.array_equal(take_last(table, index), expected)
    shared = rng.integers(0, 7, 11)  # one index for every row
    assert np.array_equal(take_last(table, shared), table[:, shared])
    assert np.array_equal(take_last(table[0], shared), table[0][shared])
    with pytest.raises(ValueError, match="rows"):
        take_last(table, index[:3])
