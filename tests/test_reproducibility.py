"""Same seed, same numbers; levers off is the baseline bit for bit; chunking never matters."""

import numpy as np

from sim.engine import simulate, trajectory
from sim.parameters import table
from sim.scenario import baseline, derive, load
from tests.conftest import SEED, TASK1_GROUPS, run, scenario


def test_same_seed_same_numbers_and_another_seed_differs():
    sc = scenario("city_plan")
    a = simulate(sc, 5, range(20))
    b = simulate(sc, 5, range(20))
    c = simulate(sc, 6, range(20))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_replication_i_is_the_same_whatever_the_chunk_it_runs_in():
    sc = scenario("city_plan")
    whole = simulate(sc, SEED, range(0, 30))
    part = simulate(sc, SEED, range(12, 21))
    assert np.array_equal(whole[12:21], part)


def test_every_lever_written_out_at_its_off_value_equals_the_baseline(tmp_path):
    lines = ["[levers]"]
    for name, p in table()["levers"].items():
        value = p.value
        lines.append(f"{name} = {str(value).lower() if isinstance(value, bool) else repr(value)}")
    (tmp_path / "explicit_off.toml").write_text(
        "\n".join(lines).replace("'", '"'), encoding="utf-8"
    )
    off = load(tmp_path / "explicit_off.toml")
    assert np.array_equal(run(off), run("baseline"))


def test_the_task1_plan_without_capacity_is_the_baseline_bit_for_bit():
    """With no plan processed no firm is reformed, so no Task 1 lever may act at all, except
    re-employment support: a city labour-market policy that helps everyone out of work,
    the baseline's dismissed and quits too (tests/test_money_and_people.py)."""
    plan = scenario("city_plan")
    task1 = {
        n: plan.levers[n]
        for n, p in table()["levers"].items()
        if p.group in TASK1_GROUPS and n != "reemployment_support"
    }
    stalled = derive(baseline(), "stalled", levers={**task1, "plans_per_month": 0.0})
    switched_on = [n for n, p in table()["levers"].items() if stalled.levers[n] != p.value]
    assert len(switched_on) > 10
    assert np.array_equal(run(stalled), run("baseline"))


def test_scenarios_share_uncertainties_and_month_zero_per_replication():
    """Common random numbers: replication i of every scenario starts from the same world."""
    starts = {}
    for name in ("baseline", "city_plan", "bold_mixed"):
        s, _ = next(trajectory(scenario(name), SEED, range(10)))
        starts[name] = (
            s.uncertainty["interest_rate"].copy(),
            s.firms.assets.copy(),
            s.firms.log_tfp.copy(),
        )
    for name in ("city_plan", "bold_mixed"):
        for x, y in zip(starts[name], starts["baseline"], strict=True):
            assert np.array_equal(x, y)


def test_fixing_one_uncertainty_leaves_the_others_draws_alone():
    fixed = derive(baseline(), "fixed", uncertainties={"interest_rate": 0.04})
    s_fixed, _ = next(trajectory(fixed, SEED, range(10)))
    s_base, _ = next(trajectory(baseline(), SEED, range(10)))
    assert (s_fixed.uncertainty["interest_rate"] == 0.04).all()
    for name in ("reemployment_rate", "appraisal_error_sd", "investor_pool_size"):
        assert np.array_equal(s_fixed.uncertainty[name], s_base.uncertainty[name])
