"""The vectorized core: a chunk of replications stepped month by month.

The schedule of one month (the ODD process overview, docs/ODD.md):

1. reform office (Task 1): approve plans within capacity; complete reforms after the
   lag; newly reformed firms adopt the governance, manager, pay and incentive package;
2. restructuring (Task 3): departments decouple and ready firms move to investment
   companies; same-industry firms merge; firms with no normal operation close;
3. central and provincial SOEs (Task 2): hand-overs, retirees, cooperation projects;
4. stake market (Task 1) under the supervision rules (Task 4), then tunnelling;
5. production: TFP moves toward its target, firms produce and book profit;
   dividends go to the companies, which reinvest in priority industries (Task 4);
6. managers of reformed firms are reviewed (能上能下);
7. labour: quits, dismissals, hires, re-employment, wages (能进能出, 能增能减);
8. the measures are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim import measures, rules
from sim.production import demand_index, firm_financials, fundamentals, produce
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


def begin_month(s: State) -> None:
    """Reset the flows that tasks add to during a month."""
    s.restructuring[:] = False
    s.output_lost[:] = 0.0
    s.layoffs[:] = 0
    s.moved[:] = 0


def step(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Advance every replication of ``s`` from month ``t - 1`` to month ``t``."""
    begin_month(s)
    task1_pace.approve_plans(s, t, d, lv, c)
    new = task1_pace.complete_reforms(s, t, c)
    s.restructuring |= new
    task1_governance.adopt_package(s, new, t, d, lv, c)
    task3_decoupling.decouple_departments(s, t, d, lv, c)
    task3_decoupling.consolidate(s, t, d, lv, c)
    task3_decoupling.close_hopeless(s, t, d, lv, c)
    task1_pace.record_completion(s, t, lv)
    task2_central_provincial.hand_over_social_functions(s, t, d, lv, c)
    task2_central_provincial.invest_cooperation_projects(s, t, lv, c)
    task1_mixed_ownership.run_market(s, t, d, lv, c, fundamentals(s, t, lv, c))
    task4_investment_companies.tunnel(s, t, d, lv, c)
    produce(s, t, d, lv, c)
    task4_investment_companies.reallocate_capital(s, lv)
    task1_governance.review_managers(s, t, d, lv, c)
    task1_labour.adjust_labour(s, t, d, lv, c)
    s.month = t


def open_books(s: State, c: dict) -> None:
    """Month 0: the accounts of June 2022, so that every measure has a starting value."""
    fin = firm_financials(s, s.log_tfp, demand_index(s, 0), c)
    s.roa_smoothed = rules.annual_roa(fin["ebit"], s.total_assets)
    s.net_smoothed = fin["net"]
    s.value_added, s.ebit, s.net_profit = fin["value_added"], fin["ebit"], fin["net"]
    s.condition = s.initial_condition.copy()


def trajectory(scenario: Scenario, seed: int, replications: range) -> Iterator[tuple[State, dict]]:
    """Yield the state at month 0, 1, ..., horizon (the same object, updated in place)."""
    lv, c = scenario.levers, scenario.constants
    d = draw(seed, replications, scenario.horizon, c)
    s = initial_state(d, scenario.uncertainties, c)
    open_books(s, c)
    ctx = {
        "c": c,
        "deadline": lv["deadline_month"],
        "pay_cap": task1_governance.executive_pay_cap(s, lv),
    }
    ctx["initial_state_equity"] = measures.FORMULAS["state_equity"](s, ctx)
    ctx["initial_employment"] = measures.FORMULAS["employment"](s, ctx)
    ctx["levers"] = lv
    yield s, ctx
    for t in range(1, scenario.horizon + 1):
        step(s, t, d, lv, c)
        ctx["pay_cap"] = task1_governance.executive_pay_cap(s, lv)
        yield s, ctx


def simulate(scenario: Scenario, seed: int, replications: range) -> np.ndarray:
    """Run ``replications`` of ``scenario``; return measures of shape (R, months + 1, n)."""
    out = np.empty((len(replications), scenario.horizon + 1, len(measures.registry())))
    for t, (s, ctx) in enumerate(trajectory(scenario, seed, replications)):
        out[:, t] = measures.record(s, ctx)
    return out
