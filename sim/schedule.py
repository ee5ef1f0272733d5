"""The month, written once: the steps both engines run, in order, with their lever checks.

The vectorized core (``sim.engine``) and the Mesa agent model (``sim.abm.model``) each
implement every step of ``MONTH`` under its name and run them in this order; a step
whose levers are all off would change nothing and is skipped (``runs``), in both engines
alike. docs/ODD.md (process overview) describes the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def _always(lv: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """One step of the month: its name (the function or method both engines define), the
    report's task it belongs to, what it does, and when its levers let it run."""

    name: str
    task: str
    does: str
    runs: Callable[[Mapping[str, Any]], bool] = _always


def _companies(lv: Mapping[str, Any]) -> bool:
    return lv["investment_companies"] >= 1


MONTH: tuple[Step, ...] = (
    Step("begin_month", "-", "zero the flows that several steps add to"),
    Step("approve_plans", "Task 1", "the working groups approve plans within capacity"),
    Step("complete_reforms", "Task 1", "reforms complete; the newly reformed adopt the package"),
    Step(
        "decouple_departments",
        "Task 3",
        "departments decouple; ready firms move to investment companies",
        _companies,
    ),
    Step(
        "consolidate",
        "Task 3",
        "same-industry wholly state-owned firms of a company merge",
        lambda lv: bool(lv["consolidation"]) and _companies(lv),
    ),
    Step(
        "close_hopeless",
        "Task 3",
        "firms with no normal operation close",
        lambda lv: lv["closures_per_month"] > 0,
    ),
    Step("record_completion", "Task 1", "remember the month the plan's last task was done"),
    Step("hand_over_social_functions", "Task 2", "三供一业 hand-overs; provincial retirees"),
    Step("invest_cooperation_projects", "Task 2", "the cooperation projects invest"),
    Step("run_market", "Task 1", "the stake market under the supervision rules (Task 4)"),
    Step("tunnel", "Task 4", "tunnelling, checked by supervision"),
    Step("produce", "-", "TFP, output, profit and the soft budget constraint"),
    Step("collect_dividends", "Task 4", "the state's dividends go to its companies", _companies),
    Step(
        "reallocate_capital",
        "Task 4",
        "companies invest in their priority-industry firms",
        lambda lv: lv["priority_reallocation_rate"] > 0 and _companies(lv),
    ),
    Step(
        "review_managers",
        "Task 1",
        "under-performing managers are replaced (能上能下)",
        lambda lv: bool(lv["replace_underperformers"]),
    ),
    Step("adjust_labour", "Task 1", "quits, dismissals, hires and wages (能进能出, 能增能减)"),
    Step("settle_labour_market", "Task 1", "the unemployed pool and re-employment"),
)


def steps(lv: Mapping[str, Any]) -> list[Step]:
    """The steps of the month that the scenario's levers let run, in order."""
    return [step for step in MONTH if step.runs(lv)]
