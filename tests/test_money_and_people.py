"""Model revision I — money and people: credit and zombies, closures at their full cost,
and the city's labour market. Directions as paired comparisons over seeded replications
(common random numbers); conservation of money and people audited step by step."""

from __future__ import annotations

import numpy as np
import pytest

from sim import engine
from sim.engine import trajectory
from sim.scenario import derive
from tests.helpers import (
    END,
    REPS,
    SEED,
    assert_greater,
    col,
    run,
    scenario,
    variant,
)


def survivors_tfp_growth(sc) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: log TFP growth (month 0 to the horizon) of the firms still operating
    at the horizon, and which firms those are."""
    first = last = None
    for s, _ in trajectory(sc, SEED, range(REPS)):
        level = s.firms.log_tfp + s.firms.manager_ability
        if first is None:
            first = level.copy()
        last, alive = level.copy(), s.firms.active.copy()
    return last - first, alive


# --- credit and zombies -------------------------------------------------------------------------
def test_closing_zombies_raises_survivors_tfp_growth():
    """Tan, Huang & Woo 2016: resolving zombies raises the survivors' TFP growth (the city's
    plan against the same plan closing nothing: fast_closures closes only about three more
    firms, too few to see). The SOEs' output at the horizon is lower with closures, since
    part of a closed firm's market goes to private firms, whose output the SOE measures do
    not count (``private_market_added`` in the ledgers)."""
    plan = scenario("city_plan")
    closing_growth, closing_alive = survivors_tfp_growth(plan)
    kept_growth, kept_alive = survivors_tfp_growth(
        derive(plan, "no_closures", levers={"closures_per_month": 0.0})
    )
    both = closing_alive & kept_alive  # firms that survive either way: the same firms compared
    closing = np.where(both, closing_growth, 0.0).sum(1) / both.sum(1)
    kept = np.where(both, kept_growth, 0.0).sum(1) / both.sum(1)
    assert_greater(closing, kept, "survivors' TFP growth")


def test_a_tighter_borrowing_limit_raises_zombie_exit():
    """At the calibrated exit rate creditors almost never force a firm into bankruptcy
    (cases are few: about 40,500 in 2003-12, Supreme People's Court), so the direction is
    tested where creditors press: the same exit rate (0.5 a year) in both arms."""
    base = derive(scenario("baseline"), "pressing", constants={"distress_exit_rate": 0.5})
    tight = variant(base, "tight", constants={"borrowing_limit": 0.6})
    loose = variant(base, "loose", constants={"borrowing_limit": 0.85})
    assert_greater(col(tight, "bankruptcies")[:, END], col(loose, "bankruptcies")[:, END], "exits")


def test_zombies_revive_in_the_baseline_and_exit_where_creditors_press():
    """Without reform zombies leave mostly by reviving (the calibrated persistence); exit by
    bankruptcy needs creditors who press, and without closures every closure is one."""
    assert (col(run("baseline"), "zombies_revived")[:, END] > 0).mean() > 0.95
    pressed = variant(scenario("baseline"), "pressing", constants={"distress_exit_rate": 0.5})
    assert col(pressed, "bankruptcies")[:, END].mean() > 0
    assert (col(pressed, "firms_closed")[:, END] <= col(pressed, "bankruptcies")[:, END]).all()


def test_credit_costs_rise_with_leverage_and_the_soft_budget_is_cheaper():
    """Within a month, the loan rates firms pay rise with their leverage; at the same
    leverage a soft budget borrows for less."""
    for s, _ in trajectory(scenario("city_plan"), SEED, range(20)):
        if s.month == 30:
            break
    f = s.firms
    lev = f.debt / np.maximum(f.total_assets, 1e-9)
    live = f.active & (lev > 0.55)
    base = s.column["interest_rate"]
    spread = (f.interest_rate - base)[live]
    assert np.corrcoef(lev[live], spread)[0, 1] > 0.5
    soft = (f.klass == 2) | ((f.state_share >= 0.5) & ~(f.reformed & (f.klass != 2)))
    near = live & (np.abs(lev - 0.6) < 0.05)
    assert (f.interest_rate - base)[near & soft].mean() < (f.interest_rate - base)[
        near & ~soft
    ].mean()


# --- closures at their full cost ------------------------------------------------------------------
def test_a_liquidation_accounts_for_every_yuan_and_creditors_lose_the_unrecovered_debt(
    monkeypatch,
):
    """Every yuan of a liquidated firm's assets is recovered or written off; creditors lose
    the debt the recovery does not cover; the state-owned creditors' part of that loss is
    their share of the debt."""
    original = engine.STEPS["liquidate"]
    names = ("assets_recovered", "assets_written_off", "creditor_losses", "state_creditor_losses")
    seen = []

    def audited(s, t, d, lv, c):
        f, city = s.firms, s.city
        before = {k: getattr(city, k).copy() for k in names}
        book, debt, was = (f.assets + f.outward).copy(), f.debt.copy(), f.liquidating.copy()
        covered = s.uncertainty["asset_recovery_rate"][:, None] * f.assets + f.outward
        original(s, t, d, lv, c)
        done = was & f.closed
        change = {k: getattr(city, k) - before[k] for k in names}
        np.testing.assert_allclose(
            change["assets_recovered"] + change["assets_written_off"],
            np.where(done, book, 0.0).sum(1),
            rtol=1e-9,
            atol=1e-9,
        )
        unrecovered = np.where(done, np.maximum(debt - covered, 0.0), 0.0).sum(1)
        np.testing.assert_allclose(change["creditor_losses"], unrecovered, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(
            change["state_creditor_losses"],
            s.uncertainty["state_creditor_share"] * change["creditor_losses"],
            rtol=1e-9,
            atol=1e-12,
        )
        assert (f.assets[done] == 0).all() and (f.debt[done] == 0).all()
        seen.append(int(done.sum()))

    monkeypatch.setitem(engine.STEPS, "liquidate", audited)
    for _ in trajectory(scenario("fast_closures"), SEED, range(30)):
        pass
    assert sum(seen) > 0, "no liquidation finished: nothing was checked"


def test_creditors_losses_equal_the_debt_the_recovery_does_not_cover():
    from sim import rules

    recovered, paid, loss, residual = rules.liquidation(
        0.3, np.array([10.0, 10.0]), np.array([0.0, 1.0]), np.array([8.0, 2.0])
    )
    np.testing.assert_allclose(recovered, [3.0, 4.0])
    np.testing.assert_allclose(loss, [5.0, 0.0])
    np.testing.assert_allclose(paid + loss, [8.0, 2.0])
    np.testing.assert_allclose(residual, [0.0, 2.0])


def test_state_creditors_losses_count_against_the_state_asset_line():
    v = run("fast_closures")
    drained, state_losses = col(v, "state_assets_drained"), col(v, "state_creditor_losses")
    assert (drained >= state_losses - 1e-9).all()
    assert state_losses[:, END].mean() > 0


# --- the labour market ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["baseline", "city_plan", "fast_closures"])
def test_every_worker_is_employed_unemployed_or_retired(name):
    """People are conserved: employed + unemployed + retired + gone to other jobs +
    re-employed by private firms = employed at the start + entrants, every month."""
    start = None
    for s, _ in trajectory(scenario(name), SEED, range(20)):
        c = s.city
        people = (
            s.firms.workers.sum(1) + c.unemployed + c.retired + c.left_to_jobs + c.reemployed_total
        )
        if start is None:
            start = people.copy()
        np.testing.assert_array_equal(people, start + c.entrants)
        np.testing.assert_array_equal(c.unemployed, c.pool.sum(axis=(1, 2)))


def test_reemployment_slows_with_time_out_of_work():
    """The share of each spell month re-employed falls with the spell (duration dependence),
    read from the pool: the survivors of a cohort thin less and less each month."""
    pools = []
    for s, _ in trajectory(scenario("city_plan"), SEED, range(60)):
        pools.append(s.city.pool.sum(axis=1).copy())
    pools = np.array(pools)  # (months + 1, R, D)
    # per spell month d, the share of those at d last month who are still at d + 1
    kept = pools[1:, :, 1:13].sum(axis=(0, 1)) / np.maximum(pools[:-1, :, :12].sum(axis=(0, 1)), 1)
    early, late = kept[:3].mean(), kept[9:12].mean()
    assert late > early, f"a year out of work should keep people longer: {early:.3f} vs {late:.3f}"


def test_stronger_reemployment_support_lowers_long_term_unemployment():
    plan = scenario("city_plan")
    none = variant(plan, "no_support", levers={"reemployment_support": 0.0})
    full = variant(plan, "full_support", levers={"reemployment_support": 1.0})
    assert_greater(
        col(none, "long_term_unemployed").sum(1),
        col(full, "long_term_unemployed").sum(1),
        "long-term",
    )
    assert_greater(
        col(none, "unemployment_duration_mean")[:, END],
        col(full, "unemployment_duration_mean")[:, END],
        "mean spell",
    )


def test_the_baseline_loses_workers_to_unemployment_too():
    """Without reform, natural separations and loss-making firms' dismissals feed the pool,
    so the stability line can be breached without any reform."""
    v = run("baseline")
    assert (col(v, "dismissals")[:, 1:].sum(1) > 0).all()
    assert (col(v, "stability_stress")[:, 12] > 0).all()


def test_county_markets_reemploy_more_slowly():
    from sim import rules
    from sim.scenario import baseline

    c = baseline().constants
    city, county = rules.reemployment_hazard(
        0.45, 6, np.array([1.0, c["county_market_factor"]]), 1.0, 0.0, c
    )
    assert county < city


def test_executive_pay_is_a_cost():
    plan = scenario("baseline")
    cheap = variant(plan, "cheap", reps=20, constants={"executives_per_firm": 1})
    dear = variant(plan, "dear", reps=20, constants={"executives_per_firm": 10})
    assert_greater(col(cheap, "profit")[:, 1], col(dear, "profit")[:, 1], "profit")
    assert_greater(col(dear, "exec_pay_cost")[:, 1], col(cheap, "exec_pay_cost")[:, 1], "cost")


def test_market_selected_managers_are_paid_above_the_cap():
    plan = scenario("city_plan")
    capped = variant(plan, "capped", reps=30, levers={"pay_differentiation": False})
    market = run(plan, reps=30)
    assert (col(capped, "exec_pay_ratio") <= plan.levers["exec_pay_cap_multiple"] + 1e-9).all()
    assert_greater(
        col(market, "exec_pay_ratio")[:, END], col(capped, "exec_pay_ratio")[:, END], "pay"
    )
