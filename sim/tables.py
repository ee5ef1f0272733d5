"""The tables a chunk of replications produces, from the engine's measures array.

``chunk_tables`` is the one seam between the model and the batch runner: the
runner writes each table it returns as ``OUT/<name>/<part>.parquet``.

* ``timeseries``: a row per (scenario, replication, month); a column per measure.
* ``summary``: a row per (scenario, replication): every measure at month 18 (end-2023)
  and at the horizon, the month the plan completed, whether the deadline was met and,
  if not, which tasks were still open at it (plans, exits, decoupling), and for each
  bottom line whether it was breached and its worst month.
  Replication i of every scenario shares its random numbers, so rows with the same
  ``replication`` are paired.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.bottom_lines import breaches
from sim.codes import DEADLINE_MONTH
from sim.measures import registry
from sim.scenario import Scenario

TABLES = ("timeseries", "summary")


def timeseries_frame(scenario: str, replications: range, values: np.ndarray) -> pd.DataFrame:
    """Long table of one chunk: a row per (replication, month)."""
    reps, months, _ = values.shape
    frame = pd.DataFrame(values.reshape(reps * months, -1), columns=list(registry()))
    frame.insert(0, "month", np.tile(np.arange(months), reps).astype(np.int16))
    frame.insert(0, "replication", np.repeat(np.asarray(replications), months).astype(np.int32))
    frame.insert(0, "scenario", scenario)
    return frame


def summary_frame(scenario: Scenario, replications: range, values: np.ndarray) -> pd.DataFrame:
    """One row per replication: the values a policy team compares across scenarios."""
    names = list(registry())
    cols: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        cols[f"{name}_m18"] = values[:, DEADLINE_MONTH, j]
        cols[f"{name}_end"] = values[:, -1, j]
    share = values[:, :, names.index("reform_completed_share")]
    done = share >= 1.0
    cols["completion_month"] = np.where(done.any(axis=1), np.argmax(done, axis=1), np.nan)
    cols["deadline_met"] = values[:, -1, names.index("deadline_met")] > 0
    deadline = min(int(scenario.levers["deadline_month"]), values.shape[1] - 1)
    cols["deadline_missed_by"] = missed_by(values[:, deadline], names)
    cols.update(breaches(values, scenario.thresholds))
    frame = pd.DataFrame(cols)
    frame.insert(0, "replication", np.asarray(replications, dtype=np.int32))
    frame.insert(0, "scenario", scenario.name)
    return frame


PENDING = {
    "plans": "plans_pending",
    "exits": "exits_pending",
    "decoupling": "departments_pending",
}  # what can still be open at the deadline, and the measure that counts it


def missed_by(at_deadline: np.ndarray, names: list[str]) -> np.ndarray:
    """Per replication, the tasks still open at the deadline ("plans+exits"...; "" if none)."""
    open_ = [
        np.where(at_deadline[:, names.index(measure)] > 0, label, "")
        for label, measure in PENDING.items()
    ]
    joined = np.array(["+".join(filter(None, parts)) for parts in zip(*open_, strict=True)])
    return joined.astype(object)


def chunk_tables(
    scenario: Scenario, replications: range, values: np.ndarray
) -> dict[str, pd.DataFrame]:
    """Every table of one chunk, keyed by its directory name under OUT."""
    return {
        "timeseries": timeseries_frame(scenario.name, replications, values),
        "summary": summary_frame(scenario, replications, values),
    }
