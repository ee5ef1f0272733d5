"""Lever attribution: which of the scenario's changes make its difference from the reference.

The levers a scenario sets differently from the reference are put in groups
(:data:`GROUPS`, from each lever's ``group`` in ``sim/data/parameters.toml``). For the k
groups it changes, every one of the 2^k coalitions is run: the scenario with the
reference's value of every changed lever except those of the coalition's groups. All
coalitions run on common random numbers (same seed, same replications, and in deep mode
the same worlds) through the batch machinery, so the Shapley value of each group can be
computed per replication:

    phi_g = sum over coalitions S without g of |S|! (k - |S| - 1)! / k! * (v(S + g) - v(S))

and the parts add up, replication by replication, to v(all) - v(none): the scenario minus
the scenario with the reference's levers (the scenario minus the reference when, like the
bundled ones, it differs from it in levers only). Each part is reported as its mean over
the replications with a 95% t-interval, for each headline measure at the horizon, each
bottom line's breach probability and P(deadline) (the mean of a yes/no outcome's parts is
the part of its probability).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from sim.bottom_lines import BOTTOM_LINES
from sim.measures import headline
from sim.parameters import table as parameter_table
from sim.report.stats import paired_mean
from sim.scenario import Scenario, derive

GROUPS = {  # the parameter table's lever group -> the attribution group
    "pace": "task1_pace",
    "mixed_ownership": "task1_ownership",
    "governance": "task1_governance",
    "managers": "task1_governance",
    "pay": "task1_incentives",
    "equity_incentives": "task1_incentives",
    "labour": "task1_labour",
    "central_provincial": "task2",
    "decoupling": "task3",
    "closures": "task3",
    "supervision": "task4",
    "capital_allocation": "task4",
}
ORDER = list(dict.fromkeys(GROUPS.values()))


def changed_groups(scenario: Scenario, reference: Scenario) -> dict[str, dict[str, Any]]:
    """The levers ``scenario`` sets differently from ``reference``, by attribution group in
    :data:`ORDER` (a group it does not change is absent)."""
    levers = parameter_table()["levers"]
    found: dict[str, dict[str, Any]] = {}
    for name, value in scenario.levers.items():
        if value != reference.levers[name]:
            found.setdefault(GROUPS[levers[name].group], {})[name] = value
    return {g: found[g] for g in ORDER if g in found}


def coalition_name(mask: int, k: int) -> str:
    """'coalition_0101': the groups whose bit is 1 take the scenario's values."""
    return f"coalition_{mask:0{k}b}" if k else "coalition_"


def coalitions(scenario: Scenario, reference: Scenario, groups: Sequence[str]) -> list[Scenario]:
    """The 2^k coalition scenarios; bit j of the index (from the right) is ``groups[j]``."""
    changed = changed_groups(scenario, reference)
    out = []
    for mask in range(2 ** len(groups)):
        levers = {}
        for j, group in enumerate(groups):
            chosen = scenario if mask >> j & 1 else reference
            levers |= {name: chosen.levers[name] for name in changed[group]}
        out.append(derive(scenario, coalition_name(mask, len(groups)), levers=levers))
    return out


def outcome_columns(summary: pd.DataFrame) -> pd.DataFrame:
    """Per replication, the outcomes attributed: headline measures at the horizon, each
    bottom line's breach and the deadline (as 0/1)."""
    cols = {m: summary[f"{m}_end"].to_numpy(float) for m in headline()}
    for b in BOTTOM_LINES:
        cols[f"P(breach_{b.name})"] = summary[f"breach_{b.name}"].to_numpy(float)
    cols["P(deadline)"] = summary["deadline_met"].to_numpy(float)
    return pd.DataFrame(cols)


def shapley(values: np.ndarray) -> np.ndarray:
    """Shapley values of each player from ``values[mask]`` (any trailing shape): the value
    of the coalition whose members are the set bits of ``mask``; shape (k, ...)."""
    k = int(round(math.log2(values.shape[0])))
    if 2**k != values.shape[0]:
        raise ValueError(f"need 2^k coalition values, got {values.shape[0]}")
    phi = np.zeros((k, *values.shape[1:]))
    for j in range(k):
        others = [i for i in range(k) if i != j]
        for size in range(k):
            weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for members in combinations(others, size):
                mask = sum(1 << i for i in members)
                phi[j] += weight * (values[mask | 1 << j] - values[mask])
    return phi


def attribute(
    groups: Sequence[str], evaluate: Callable[[int], pd.DataFrame]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The attribution table and the per-replication parts (groups, replications, outcomes).

    ``evaluate(mask)`` gives the outcomes of a coalition, a row per replication (the same
    replications, in the same order, for every mask) and a column per outcome."""
    frames = [evaluate(mask) for mask in range(2 ** len(groups))]
    names = list(frames[0].columns)
    values = np.stack([f[names].to_numpy(float) for f in frames])
    phi = shapley(values)
    total = values[-1] - values[0]
    rows = []
    for o, outcome in enumerate(names):
        whole = paired_mean(total[:, o], np.zeros(len(total)))
        for j, group in enumerate([*groups, "total"]):
            part = whole if group == "total" else paired_mean(phi[j, :, o], np.zeros(len(total)))
            rows.append(
                {
                    "outcome": outcome,
                    "group": group,
                    "mean": part.diff,
                    "low": part.low,
                    "high": part.high,
                    "replications": part.pairs,
                    "share_of_total": part.diff / whole.diff if whole.diff else math.nan,
                }
            )
    return pd.DataFrame(rows), phi
