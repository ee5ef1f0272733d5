"""Every lever works through a mechanism and moves what its entry in the parameter table
says it moves (``moves``, ``direction``, at ``month``): the city's plan with the lever off
against the plan with it on (the plan's own value, or ``contrast`` where the plan leaves
the lever off), paired by replication. A lever that moved nothing, or moved its measure
the other way, fails. (That no lever adds a constant to an outcome is structural: every
lever is read only by the rules in sim/rules.py, sim/enterprise.py and the task modules,
which the ODD describes.)"""

from __future__ import annotations

import pytest

from sim.parameters import table
from sim.scenario import derive
from tests.helpers import col, paired_gap, run, scenario

REPS = 30
LEVERS = table()["levers"]


def on_value(name: str):
    p, plan = LEVERS[name], scenario("city_plan")
    if p.contrast is not None:
        return p.contrast
    return plan.levers[name]


def test_every_lever_documents_what_it_moves():
    from sim.measures import registry

    for name, p in LEVERS.items():
        assert p.moves in registry(), f"levers.{name}: moves = {p.moves!r} is not a measure"
        assert p.direction in (1, -1), f"levers.{name}: direction must be + or -"
        assert on_value(name) != p.value, f"levers.{name}: no contrast with its off value"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LEVERS))
def test_each_lever_moves_its_measure_in_the_documented_direction(name):
    p = LEVERS[name]
    plan = scenario("city_plan")
    off = run(derive(plan, f"{name}_off", levers={name: p.value}), reps=REPS)
    on = (
        run("city_plan", reps=REPS)
        if on_value(name) == plan.levers[name]
        else run(derive(plan, f"{name}_on", levers={name: on_value(name)}), reps=REPS)
    )
    month = p.month
    mean, se = paired_gap(col(on, p.moves)[:, month], col(off, p.moves)[:, month])
    assert p.direction * mean > 3 * se and mean != 0, (
        f"levers.{name} {p.value} -> {on_value(name)}: {p.moves} at month {month} moved "
        f"{mean:+.4g} (SE {se:.2g}), documented {'+' if p.direction > 0 else '-'}"
    )
