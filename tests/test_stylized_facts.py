"""Pattern-oriented validation: the stylized facts of CALIBRATION_SOURCES.md.

Bands are the sources' ranges; each is checked on the mean over seeded
replications, widened by three standard errors so that only a real miss fails.
"""

import numpy as np
import pytest

from sim.engine import trajectory
from sim.scenario import derive
from tests.conftest import SEED, col, run, scenario

PRIVATE_ROA = 0.124  # Lardy (NBS data, 2012)


def within(x: np.ndarray, low: float, high: float, what: str) -> None:
    mean, se = float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(np.size(x)))
    assert low - 3 * se <= mean <= high + 3 * se, (
        f"{what}: {mean:.4f} ± {se:.4f} not in [{low}, {high}]"
    )


@pytest.fixture(scope="module")
def first_year():
    """Baseline firm-level facts over months 0-12, per replication."""
    facts = {"debt_ratio": [], "zombie_share": [], "zombie_debt_share": []}
    for s, _ in trajectory(scenario("baseline"), SEED, range(100)):
        if s.month > 12:
            break
        zombie = s.firms.active & (s.firms.condition == 2)
        facts["debt_ratio"].append(s.firms.debt.sum(axis=1) / s.firms.total_assets.sum(axis=1))
        facts["zombie_share"].append(zombie.mean(axis=1))
        facts["zombie_debt_share"].append(
            (s.firms.debt * zombie).sum(axis=1) / s.firms.debt.sum(axis=1)
        )
    return {k: np.mean(v, axis=0) for k, v in facts.items()}


def test_1_soe_roa_is_about_a_third_of_private_firms():
    roa = col(run("baseline"), "roa")[:, :13].mean(axis=1)
    within(roa, 0.025, 0.06, "SOE total-asset return")
    within(roa / PRIVATE_ROA, 0.2, 0.5, "SOE / private ROA")


def test_2_roe_and_debt_ratio_in_band(first_year):
    within(col(run("baseline"), "roe")[:, :13].mean(axis=1), 0.04, 0.095, "ROE")
    within(first_year["debt_ratio"], 0.60, 0.68, "debt / assets")


def test_3_ownership_change_raises_tfp_10_to_15_percent_within_three_years():
    """TFP of firms mixed by the city's plan, three years on, against the same firms in the baseline."""
    plan, base = scenario("city_plan"), scenario("baseline")
    gaps, mixed_month = [], None
    for (s, _), (b, _) in zip(
        trajectory(plan, SEED, range(60)), trajectory(base, SEED, range(60)), strict=True
    ):
        if mixed_month is None:
            mixed_month = np.zeros(s.firms.investor.shape, dtype=int)
        mixed_month[(s.firms.investor >= 0) & (mixed_month == 0)] = s.month
        due = (mixed_month > 0) & (s.month == mixed_month + 36) & s.firms.active
        gaps.append(
            (
                (s.firms.log_tfp + s.firms.manager_ability)
                - (b.firms.log_tfp + b.firms.manager_ability)
            )[due]
        )
    gap = np.exp(np.concatenate(gaps)) - 1.0
    assert gap.size > 500
    within(gap, 0.10, 0.15, "TFP gain of mixed firms after 36 months")


def test_5_zombies_are_7_to_27_percent_and_hold_more_debt_than_their_share(first_year):
    within(first_year["zombie_share"], 0.075, 0.27, "zombie share of firms")
    assert_more = first_year["zombie_debt_share"] - first_year["zombie_share"]
    assert np.mean(assert_more) > 3 * np.std(assert_more, ddof=1) / np.sqrt(assert_more.size)
    end = col(run("baseline"), "hopeless_loss_firms")[:, -1] / 340
    within(end, 0.075, 0.27, "zombie share in December 2027")


def test_6_laid_off_workers_are_reemployed_at_30_to_50_percent_a_year():
    plain = run(derive(scenario("city_plan"), "no_support", levers={"reemployment_support": 0.0}))
    pool = col(plain, "unemployed")[:, :-1].sum(axis=1)
    monthly = col(plain, "reemployed")[:, 1:].sum(axis=1) / pool
    within(1 - (1 - monthly) ** 12, 0.30, 0.50, "annual re-employment rate")


def test_7_executive_pay_is_7_to_8_times_the_average_wage():
    within(col(run("baseline"), "exec_pay_ratio")[:, -1], 7.0, 8.0, "executive / worker pay")
