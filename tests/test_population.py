"""The synthetic population holds the report's counts exactly and the stated shares."""

import numpy as np

from sim import population as pop
from sim.codes import IndustryGroup, Klass
from sim.randomness import draw
from sim.scenario import baseline

C = baseline().constants
D = draw(11, range(200), 2, C).population


def test_counts_by_level_are_the_reports():
    assert pop.N_FIRMS == 340
    assert [(k == pop.LEVEL).sum() for k in range(4)] == [95, 149, 76, 20]
    assert pop.IN_PLAN.sum() == 95 + 149


def test_34_departments_each_manage_a_municipal_firm_and_only_municipal_firms():
    dep = D["department"]
    assert (dep[:, ~pop.MUNICIPAL] == -1).all()
    for row in dep[:, pop.MUNICIPAL]:
        assert set(row) == set(range(34))


def test_27_of_76_central_handovers_signed():
    signed = D["handover_signed"]
    assert (signed.sum(axis=1) == 27).all()
    assert not signed[:, ~pop.CENTRAL].any()


def test_two_pilots_large_performing_municipal():
    assert pop.MUNICIPAL[list(pop.PILOTS)].all()
    assert D["large"][:, list(pop.PILOTS)].all()
    assert (D["initial_condition"][:, list(pop.PILOTS)] == 0).all()


def _share_ok(mask: np.ndarray, share: float) -> None:
    n = mask.size
    se = np.sqrt(share * (1 - share) / n)
    assert abs(mask.mean() - share) < 4 * se, (mask.mean(), share)


def test_drawn_shares_match_the_table():
    others = np.ones(pop.N_FIRMS, dtype=bool)
    others[list(pop.PILOTS)] = False
    _share_ok(D["initial_condition"][:, others] == 2, C["share_hopeless"])
    _share_ok(D["initial_condition"][:, others] == 1, C["share_marginal"])
    _share_ok(D["large"][:, others], C["share_large"])
    _share_ok(D["klass"][:, others] == 0, C["share_competitive"])
    _share_ok(D["klass"][:, others] == 1, C["share_strategic"])


def test_public_welfare_firms_run_infrastructure():
    welfare = D["industry"][D["klass"] == Klass.PUBLIC_WELFARE]
    assert (pop.INDUSTRY_GROUP[welfare] == IndustryGroup.INFRASTRUCTURE).all()


def test_zombies_hold_more_of_the_debt_than_their_share_of_firms():
    hopeless = D["initial_condition"] == 2
    debt_share = (D["debt"] * hopeless).sum() / D["debt"].sum()
    assert debt_share > hopeless.mean()
