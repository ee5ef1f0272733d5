"""Tasks 2-4 and the bottom lines: MODEL.md's directions and conservation of money and people."""

import numpy as np
import pandas as pd
import pytest

from sim import engine
from sim.codes import DEADLINE_MONTH
from sim.engine import simulate, trajectory
from sim.scenario import derive
from sim.tables import summary_frame
from tests.conftest import SEED, assert_greater, col, run, scenario

END = -1
DEADLINE = DEADLINE_MONTH


@pytest.fixture(scope="module")
def plan():
    return scenario("city_plan")


def variant(base, name, **levers):
    return run(derive(base, name, levers=levers))


# ---------------------------------------------------------------- directions
def test_weaker_supervision_drains_more_state_assets():
    weak, strong = run("weak_supervision"), run("city_plan")
    assert_greater(
        col(weak, "state_assets_drained")[:, END],
        col(strong, "state_assets_drained")[:, END],
        "drain",
    )
    assert_greater(
        col(weak, "state_assets_tunnelled")[:, END],
        col(strong, "state_assets_tunnelled")[:, END],
        "tunnel",
    )


def test_supervision_slows_deals(plan):
    loose = variant(
        plan, "loose", rules_before=False, monitoring_during=False, accountability_after=False
    )
    assert_greater(
        col(loose, "mixed_firms")[:, DEADLINE],
        col(run(plan), "mixed_firms")[:, DEADLINE],
        "deals by m18",
    )


def test_closing_hopeless_firms_raises_survivors_roa_and_layoffs(plan):
    none = variant(plan, "no_closures", closures_per_month=0.0)
    fast = run("fast_closures")
    assert_greater(col(fast, "roa")[:, END], col(none, "roa")[:, END], "ROA of survivors")
    assert_greater(col(fast, "layoffs").sum(axis=1), col(none, "layoffs").sum(axis=1), "layoffs")
    assert_greater(
        col(none, "hopeless_loss_firms")[:, END],
        col(fast, "hopeless_loss_firms")[:, END],
        "zombies",
    )
    # without policy closures, only the firms creditors force into bankruptcy close
    assert (col(none, "firms_closed")[:, END] <= col(none, "bankruptcies")[:, END]).all()


def test_completed_handovers_lower_the_recurring_cost(plan):
    slow = variant(plan, "no_signing", handover_signing_rate=0.0)
    done = col(run(plan), "handovers_completed")[:, END], col(slow, "handovers_completed")[:, END]
    assert_greater(*done, "hand-overs completed")
    assert_greater(
        col(slow, "social_burden_cost")[:, END],
        col(run(plan), "social_burden_cost")[:, END],
        "cost",
    )
    assert_greater(
        col(run(plan), "social_burden_saved")[:, END],
        col(slow, "social_burden_saved")[:, END],
        "saved",
    )


def test_handovers_follow_an_s_curve():
    """Among the central SOEs unsigned at the start, completions a month first rise and
    then fall: the cumulative count is an S-curve (stylized fact 8)."""
    counts = []
    for s, _ in trajectory(scenario("city_plan"), SEED, range(100)):
        counts.append(((s.firms.handover == 2) & ~s.firms.handover_signed).sum(axis=1))
    per_month = np.diff(np.array(counts).T, axis=1)
    peak = int(np.argmax(per_month.mean(axis=0)))
    assert 0 < peak < per_month.shape[1] - 1
    assert_greater(per_month[:, peak], per_month[:, 0], "rise before the peak")
    assert_greater(per_month[:, peak], per_month[:, -1], "fall after the peak")


def test_cooperation_support_adds_investment_output_and_jobs(plan):
    none, full = (
        variant(plan, "no_support", cooperation_support=0.0),
        variant(plan, "support", cooperation_support=1.0),
    )
    for m in ("cooperation_investment", "output", "employment"):
        assert_greater(col(full, m)[:, DEADLINE], col(none, m)[:, DEADLINE], m)


def test_investment_companies_raise_productivity_and_steer_capital_to_priority_industries(plan):
    keep = run("no_investment_companies")
    assert (col(keep, "firms_transferred") == 0).all() and (col(keep, "firms_merged") == 0).all()
    assert_greater(col(run(plan), "tfp")[:, END], col(keep, "tfp")[:, END], "TFP under 管资本")
    idle = variant(plan, "idle", priority_reallocation_rate=0.0)
    assert_greater(
        col(run(plan), "priority_industry_share")[:, END],
        col(idle, "priority_industry_share")[:, END],
        "priority",
    )


def test_consolidation_merges_with_layoffs(plan):
    """Mergers happen and lay off part of the absorbed workers. (A hopeless firm that is not
    merged is closed instead, laying off everyone, so the layoffs are compared without
    closures: there they can only come from mergers.)"""
    merging = run(plan)
    off = variant(plan, "no_mergers", consolidation=False)
    assert_greater(
        col(merging, "firms_merged")[:, END], col(off, "firms_merged")[:, END], "mergers"
    )
    merging_only = variant(plan, "mergers_only", closures_per_month=0.0)
    neither = variant(plan, "neither", closures_per_month=0.0, consolidation=False)
    assert_greater(
        col(merging_only, "layoffs").sum(axis=1), col(neither, "layoffs").sum(axis=1), "layoffs"
    )


# ---------------------------------------------------------------- conservation
def test_a_transfer_moves_the_same_state_equity(monkeypatch):
    original = engine.STEPS["decouple_departments"]
    moved = []

    def audited(s, t, d, lv, c):
        f = s.firms
        before = (f.state_share * f.equity).copy(), f.company.copy()
        original(s, t, d, lv, c)
        np.testing.assert_array_equal(f.state_share * f.equity, before[0])
        moved.append(int(((f.company >= 0) & (before[1] < 0)).sum()))

    monkeypatch.setitem(engine.STEPS, "decouple_departments", audited)
    for _ in trajectory(scenario("city_plan"), SEED, range(20)):
        pass
    assert sum(moved) > 0


def test_closures_and_mergers_conserve_money_and_people(monkeypatch):
    close, merge = engine.STEPS["close_hopeless"], engine.STEPS["consolidate"]
    seen = {"closed": 0, "merged": 0}

    def audited_close(s, t, d, lv, c):
        """A closure lays off every worker and hands the firm's whole market on: to the
        industry's other SOEs or to private firms."""
        f = s.firms
        before = {k: getattr(f, k).copy() for k in ("active", "workers", "market")}
        private = s.city.private_market_added.copy()
        close(s, t, d, lv, c)
        new = before["active"] & f.liquidating
        assert (f.layoffs[new] == before["workers"][new]).all() and (f.workers[new] == 0).all()
        np.testing.assert_allclose(
            f.market.sum(axis=1) + s.city.private_market_added,
            before["market"].sum(axis=1) + private,
            rtol=1e-12,
        )
        seen["closed"] += int(new.sum())

    def audited_merge(s, t, d, lv, c):
        f = s.firms
        before = {k: getattr(f, k).copy() for k in ("assets", "debt", "workers", "layoffs")}
        merge(s, t, d, lv, c)
        np.testing.assert_allclose(f.assets.sum(axis=1), before["assets"].sum(axis=1), rtol=1e-12)
        np.testing.assert_allclose(f.debt.sum(axis=1), before["debt"].sum(axis=1), rtol=1e-12)
        laid = (f.layoffs - before["layoffs"]).sum(axis=1)
        np.testing.assert_array_equal(f.workers.sum(axis=1) + laid, before["workers"].sum(axis=1))
        seen["merged"] += int(laid.size and (f.merged.sum()))

    monkeypatch.setitem(engine.STEPS, "close_hopeless", audited_close)
    monkeypatch.setitem(engine.STEPS, "consolidate", audited_merge)
    for s, _ in trajectory(scenario("fast_closures"), SEED, range(20)):
        if s.month > 0:
            gone = ~s.firms.active
            assert (s.firms.value_added[gone] == 0).all() and (s.firms.workers[gone] == 0).all()
            assert (s.firms.net_profit[gone] == 0).all(), "a closed firm still makes losses"
    assert seen["closed"] > 0 and seen["merged"] > 0


def test_levers_that_need_a_plan_act_only_with_it():
    """With every task's activating lever off, the city plan's other settings change nothing."""
    dormant = derive(
        scenario("city_plan"),
        "dormant",
        levers={
            "plans_per_month": 0.0,
            "reemployment_support": 0.0,  # helps every unemployed worker, reform or not
            "investment_companies": 0,
            "closures_per_month": 0.0,
            "handover_signing_rate": 0.0,
            "handover_city_subsidy": 0.0,
            "retiree_socialisation_rate": 0.0,
            "cooperation_support": 0.0,
            "rules_before": False,
            "monitoring_during": False,
            "accountability_after": False,
            "priority_reallocation_rate": 0.0,
        },
    )
    assert np.array_equal(run(dormant), run("baseline"))


# ---------------------------------------------------------------- bottom lines and summary
def test_summary_rows_match_the_timeseries_and_thresholds():
    sc = scenario("weak_supervision")
    values = simulate(sc, SEED, range(30))
    table = summary_frame(sc, range(30), values)
    assert len(table) == 30 and list(table.columns[:2]) == ["scenario", "replication"]
    np.testing.assert_array_equal(
        table["state_assets_drained_end"], col(values, "state_assets_drained")[:, END]
    )
    np.testing.assert_array_equal(table["mixed_firms_m18"], col(values, "mixed_firms")[:, DEADLINE])
    limit = sc.thresholds["drain_max"]
    np.testing.assert_array_equal(
        table["breach_state_assets"], col(values, "state_assets_drained")[:, END] > limit
    )
    stress = col(values, "stability_stress")
    np.testing.assert_array_equal(
        table["breach_stability"], (stress > sc.thresholds["stress_max"]).any(axis=1)
    )
    np.testing.assert_array_equal(table["worst_month_stability"], np.argmax(stress, axis=1))
    share = col(values, "reform_completed_share")
    first = pd.Series(
        [np.flatnonzero(row >= 1)[0] if (row >= 1).any() else np.nan for row in share]
    )
    np.testing.assert_array_equal(table["completion_month"], first)
    np.testing.assert_array_equal(table["deadline_met"], first <= sc.levers["deadline_month"])


def test_weak_supervision_breaches_the_state_asset_line_more_often():
    weak = summary_frame(scenario("weak_supervision"), range(100), run("weak_supervision"))
    strong = summary_frame(scenario("city_plan"), range(100), run("city_plan"))
    assert_greater(
        weak["breach_state_assets"].astype(float),
        strong["breach_state_assets"].astype(float),
        "breach",
    )
