"""Sweeps: one scenario per value of a lever (or per point of a grid of two), on common
random numbers, on the batch machinery of ``run``.

``--lever NAME=LO:HI:N`` gives N evenly spaced values from LO to HI (both included). Each
grid point is the base scenario with those lever values, named ``BASE@NAME=VALUE[@...]``;
replication i of every point draws the same random numbers, so the points are paired.
The manifest's ``sweep`` entry records the base, the levers' values, each point's values
and the measures the report draws.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from sim.commands import InputError
from sim.measures import headline, registry
from sim.parameters import table
from sim.scenario import Scenario, derive

MAX_LEVERS = 2
MAX_POINTS = 101  # values of one lever
MAX_GRID = 400  # points of a sweep


@dataclass(frozen=True)
class Lever:
    name: str
    values: tuple[float, ...]


def parse_lever(text: str) -> Lever:
    """``NAME=LO:HI:N`` -> N values from LO to HI; one-line errors naming ``--lever``."""
    name, eq, spec = text.partition("=")
    where = f"--lever {text}"
    levers = table()["levers"]
    if not eq or name not in levers:
        numeric = [n for n, p in levers.items() if p.type in ("float", "int")]
        raise InputError(
            f"{where}: unknown lever {name!r}; give NAME=LO:HI:N with NAME one of: "
            + ", ".join(numeric)
        )
    p = levers[name]
    if p.type not in ("float", "int"):
        raise InputError(f"{where}: {name} is not numeric ({p.allowed()}); sweep a numeric lever")
    parts = spec.split(":")
    try:
        low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
        if len(parts) != 3 or not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError
    except (ValueError, IndexError):
        raise InputError(f"{where}: the range must be LO:HI:N (numbers, N an integer)") from None
    if not low < high or not 2 <= count <= MAX_POINTS:
        raise InputError(f"{where}: the range needs LO < HI and N in [2, {MAX_POINTS}]")
    values = tuple(float(f"{v:.12g}") for v in np.linspace(low, high, count))
    for v in values:
        problem = p.check(int(v) if p.type == "int" and v.is_integer() else v)
        if problem:
            raise InputError(f"{where}: {name} {problem}")
    if p.type == "int":
        values = tuple(int(v) for v in values)
    return Lever(name, values)


def check_levers(levers: list[Lever]) -> None:
    names = [lv.name for lv in levers]
    if not 1 <= len(levers) <= MAX_LEVERS:
        raise InputError(f"--lever: give one or two levers, got {len(levers)}")
    if len(set(names)) != len(names):
        raise InputError(f"--lever: {names[0]} is given twice; give two different levers")
    points = int(np.prod([len(lv.values) for lv in levers]))
    if points > MAX_GRID:
        raise InputError(f"--lever: {points} grid points; at most {MAX_GRID}")


def check_measures(names: list[str] | None) -> list[str]:
    """The measures the report draws: ``--measures``, default the headline ones."""
    if not names:
        return headline()
    reg = registry()
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise InputError(
            f"--measures: unknown measure {unknown[0]!r}; `python run.py measures` lists them"
        )
    return list(dict.fromkeys(names))


def point_name(base: str, values: dict[str, float]) -> str:
    return base + "".join(f"@{k}={v!r}" for k, v in values.items())


def grid(base: Scenario, levers: list[Lever]) -> tuple[list[Scenario], dict[str, dict]]:
    """One scenario per grid point, and each point's lever values by scenario name."""
    check_levers(levers)
    scenarios, points = [], {}
    for combo in itertools.product(*(lv.values for lv in levers)):
        values = {lv.name: v for lv, v in zip(levers, combo, strict=True)}
        name = point_name(base.name, values)
        shown = ", ".join(f"{k} = {v:g}" for k, v in values.items())
        sc = replace(
            derive(base, name, levers=values),
            title=f"{base.title}: {shown}",
            title_zh=f"{base.title_zh}：{shown}",
            description=f"{base.name} with {shown}",
        )
        scenarios.append(sc)
        points[name] = values
    return scenarios, points


def manifest_entry(base: Scenario, levers: list[Lever], points: dict, measures: list[str]) -> dict:
    return {
        "base": base.name,
        "levers": {lv.name: list(lv.values) for lv in levers},
        "points": points,
        "measures": measures,
    }
