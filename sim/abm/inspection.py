"""One replication on the agent model, written out agent by agent.

``inspect`` writes, under its output directory, three tables as Parquet and CSV:

* ``timeseries``: the measures registry by month, the same table the core writes
  (``sim.tables.timeseries_frame``);
* ``agents``: every enterprise month by month (class, condition, owner, shares and
  investor, manager and replacements, incentives, employees, profit, closed or merged);
* ``events``: deals (price, appraisal, fair value, reserve, stake), transfers, mergers,
  closures, hand-overs, socialised retirees, decoupled departments, replaced managers,
  tunnelling;

and ``inspect.json`` saying which scenario, seed and replication they come from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.abm.model import SOEReformModel
from sim.results import atomic_write_bytes, parquet_bytes
from sim.scenario import Scenario
from sim.tables import timeseries_frame

TABLES = ("timeseries", "agents", "events")


def run_inspection(scenario: Scenario, seed: int, replication: int = 0) -> SOEReformModel:
    """Run one replication with the agent table and the events log recorded."""
    model = SOEReformModel(scenario, seed, replication, record_agents=True)
    model.run_model()
    return model


def agent_table(model: SOEReformModel) -> pd.DataFrame:
    """A row per enterprise and month."""
    frame = model.datacollector.get_agenttype_vars_dataframe(model.enterprise_type)
    frame = frame.reset_index().rename(columns={"Step": "month", "AgentID": "agent_id"})
    frame.insert(0, "replication", model.replication)
    frame.insert(0, "scenario", model.scenario.name)
    return frame


def event_table(model: SOEReformModel) -> pd.DataFrame:
    """A row per event, in the order they happened."""
    frame = model.datacollector.get_table_dataframe("events")
    numeric = ["value", "appraised", "fair", "reserve", "detail"]
    frame[numeric] = frame[numeric].astype(float)
    frame["counterparty"] = frame["counterparty"].astype("Int64")
    frame[["month", "firm"]] = frame[["month", "firm"]].astype("int64")
    frame.insert(0, "replication", model.replication)
    frame.insert(0, "scenario", model.scenario.name)
    return frame


def tables(model: SOEReformModel) -> dict[str, pd.DataFrame]:
    r = model.replication
    values = model.measures_array()[None]
    return {
        "timeseries": timeseries_frame(model.scenario.name, range(r, r + 1), values),
        "agents": agent_table(model),
        "events": event_table(model),
    }


def write_inspection(model: SOEReformModel, out: Path) -> list[Path]:
    """Write ``inspect.json`` (first: it marks the folder as inspect's), then the three tables
    as Parquet and CSV, each atomically (never half-written); return the files."""
    meta = {
        "engine": "mesa",
        "scenario": model.scenario.name,
        "scenario_digest": model.scenario.digest(),
        "seed": model.seed,
        "replication": model.replication,
        "months": model.horizon,
        "tables": list(TABLES),
    }
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "inspect.json"
    atomic_write_bytes(manifest, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    files = []
    for name, frame in tables(model).items():
        for path, data in (
            (out / f"{name}.parquet", parquet_bytes(frame)),
            (out / f"{name}.csv", frame.to_csv(index=False).encode("utf-8")),
        ):
            atomic_write_bytes(path, data)
            files.append(path)
    return [*files, manifest]
