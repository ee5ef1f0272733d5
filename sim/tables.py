"""The tables a chunk of replications produces, from the engine's measures array.

``chunk_tables`` is the one seam between the model and the batch runner: the
runner writes each table it returns as ``OUT/<name>/<part>.parquet``.

* ``timeseries``: a row per (scenario, replication, month); a column per measure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures import registry
from sim.scenario import Scenario

TABLES = ("timeseries",)


def timeseries_frame(scenario: str, replications: range, values: np.ndarray) -> pd.DataFrame:
    """Long table of one chunk: a row per (replication, month)."""
    reps, months, _ = values.shape
    frame = pd.DataFrame(values.reshape(reps * months, -1), columns=list(registry()))
    frame.insert(0, "month", np.tile(np.arange(months), reps).astype(np.int16))
    frame.insert(0, "replication", np.repeat(np.asarray(replications), months).astype(np.int32))
    frame.insert(0, "scenario", scenario)
    return frame


def chunk_tables(
    scenario: Scenario, replications: range, values: np.ndarray
) -> dict[str, pd.DataFrame]:
    """Every table of one chunk, keyed by its directory name under OUT."""
    return {"timeseries": timeseries_frame(scenario.name, replications, values)}
