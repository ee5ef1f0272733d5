"""The vectorized core: a chunk of replications stepped month by month.

Each month runs the steps of ``sim.schedule.MONTH`` in order (those the scenario's
levers let run); ``STEPS`` maps each step to the core's function, which updates the
(replications, enterprises) arrays of a :class:`~sim.state.State` in place. The Mesa
agent model (``sim.abm``) runs the same steps agent by agent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from sim import deep, enterprise, measures, schedule
from sim.production import evolve_productivity, open_books, produce
from sim.randomness import Draws, draw
from sim.scenario import Scenario
from sim.state import State, initial_state
from sim.tasks import (
    task1_governance,
    task1_labour,
    task1_mixed_ownership,
    task1_pace,
    task2_central_provincial,
    task3_decoupling,
    task4_investment_companies,
)

Step = Callable[[State, int, Draws, dict, dict], None]


def begin_month(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Zero the flows that several of the month's steps add to."""
    enterprise.begin_month(s.firms)


STEPS: dict[str, Step] = {
    "begin_month": begin_month,
    "approve_plans": task1_pace.approve_plans,
    "complete_reforms": task1_pace.complete_reforms,
    "decouple_departments": task3_decoupling.decouple_departments,
    "consolidate": task3_decoupling.consolidate,
    "liquidate": task3_decoupling.liquidate,
    "go_bankrupt": task3_decoupling.go_bankrupt,
    "close_hopeless": task3_decoupling.close_hopeless,
    "record_completion": task1_pace.record_completion,
    "hand_over_social_functions": task2_central_provincial.hand_over_social_functions,
    "invest_cooperation_projects": task2_central_provincial.invest_cooperation_projects,
    "assess_supervision": task4_investment_companies.assess_supervision,
    "run_market": task1_mixed_ownership.run_market,
    "tunnel": task4_investment_companies.tunnel,
    "expropriate": task4_investment_companies.expropriate,
    "evolve_productivity": evolve_productivity,
    "produce": produce,
    "collect_dividends": task4_investment_companies.collect_dividends,
    "run_companies": task4_investment_companies.run_companies,
    "reallocate_capital": task4_investment_companies.reallocate_capital,
    "review_managers": task1_governance.review_managers,
    "adjust_labour": task1_labour.adjust_labour,
    "settle_labour_market": task1_labour.settle_labour_market,
}


def trajectory(
    scenario: Scenario, seed: int, replications: range
) -> Iterator[tuple[State, measures.Context]]:
    """Yield the state at month 0, 1, ..., horizon (the same object, updated in place)."""
    lv, c = scenario.levers, scenario.constants
    d = draw(seed, replications, scenario.horizon, c)
    if scenario.worlds is not None:
        c = deep.apply(scenario, seed, replications, d, c)
    s = initial_state(d, scenario.uncertainties, c)
    open_books(s, lv, c)
    ctx = measures.context(s, lv, c)
    yield s, ctx
    month = [STEPS[step.name] for step in schedule.steps(lv)]
    for t in range(1, scenario.horizon + 1):
        for run_step in month:
            run_step(s, t, d, lv, c)
        s.month = t
        yield s, ctx


def simulate(scenario: Scenario, seed: int, replications: range) -> np.ndarray:
    """Run ``replications`` of ``scenario``; return measures of shape (R, months + 1, n)."""
    out = np.empty((len(replications), scenario.horizon + 1, len(measures.registry())))
    for t, (s, ctx) in enumerate(trajectory(scenario, seed, replications)):
        out[:, t] = measures.record(s, ctx)
    return out
