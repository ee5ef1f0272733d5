"""Global sensitivity analysis: which guesses decide the answers (SALib Morris and Sobol).

A design over the chosen parameters (SALib's Sobol/Saltelli or Morris sampler on the
unit hypercube, each column mapped through the parameter's deep-uncertainty law, see
``sim.deep``) is evaluated ``reps`` times per point on common random numbers: point
``p``'s replication ``r`` uses replication ``r``'s random streams, whatever ``p``. The
points run on the batch machinery (``sim.batch``: parts, resume, workers, Dask): each
group of the design (a Sobol base row and its k + 1 variants, a Morris trajectory) is a
pseudo-scenario whose replication ``j`` is its point ``j // reps``'s replication
``j % reps``. Outcomes per point:
each headline measure's mean at end-2023 (month 18) and at the horizon, each bottom
line's breach probability and P(deadline met).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim import deep
from sim.batch import CHUNK_SIZE, run_batch
from sim.bottom_lines import BOTTOM_LINES
from sim.commands import RESUME, Incomplete, InputError
from sim.engine import simulate
from sim.measures import headline
from sim.parameters import Values, table
from sim.randomness import sample_law
from sim.scenario import Scenario
from sim.tables import chunk_tables

METHODS = ("morris", "sobol")
MORRIS_LEVELS = 4
CSV = "sensitivity.csv"
PAGE = "sensitivity.html"


@dataclass(frozen=True)
class Problem:
    """The parameters analysed ("constants.NAME" / "uncertainties.NAME") and their laws."""

    names: tuple[str, ...]

    def salib(self) -> dict:
        """SALib's problem: every parameter on [0, 1], mapped through its law afterwards."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0, 1]] * len(self.names),
        }

    def values(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter values of unit-hypercube points (P, k), each through its law."""
        out = {}
        for j, key in enumerate(self.names):
            kind, name = key.split(".")
            p = table()[kind][name]
            u = np.clip(unit[:, j], 1e-9, 1 - 1e-9)  # a normal law's inverse CDF is finite
            if kind == "constants":
                out[key] = deep.constant_values(p, u)
            else:
                v = np.clip(sample_law(p.distribution, u), *p.range)
                out[key] = np.round(v) if p.type == "int" else v
        return out


def problem(selection: str) -> Problem:
    """``all`` (every parameter deep mode varies), ``assumptions`` (its constants) or a
    comma-separated list of names (with or without "constants."/"uncertainties.")."""
    every = deep.worlds(1).columns
    if selection == "all":
        return Problem(every)
    if selection == "assumptions":
        return Problem(tuple(k for k in every if k.startswith("constants.")))
    by_name = {k.split(".")[1]: k for k in every}
    names = []
    for item in filter(None, (s.strip() for s in selection.split(","))):
        key = item if item in every else by_name.get(item)
        if key is None:
            raise InputError(
                f"--parameters: {item!r} is not a parameter deep uncertainty varies; give all, "
                "assumptions or names listed in docs/UNCERTAINTY.md"
            )
        names.append(key)
    if len(names) < 2 or len(set(names)) != len(names):
        raise InputError("--parameters: give at least two different parameters")
    return Problem(tuple(names))


def sample(method: str, prob: Problem, n: int, seed: int) -> np.ndarray:
    """The design on the unit hypercube: Sobol (Saltelli, first and total order) or Morris."""
    from SALib.sample import morris, sobol

    if method == "sobol":
        return sobol.sample(prob.salib(), n, calc_second_order=False, seed=seed)
    if method == "morris":
        return morris.sample(prob.salib(), n, num_levels=MORRIS_LEVELS, seed=seed)
    raise InputError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")


def _interval(res: dict, index: str, j: int) -> dict[str, float]:
    """Parameter ``j``'s ``index`` and the ends of its 95% interval (SALib's half-width
    ``<index>_conf``)."""
    value, half = res[index][j], res[f"{index}_conf"][j]
    return {index: value, f"{index}_low": value - half, f"{index}_high": value + half}


def analyse(
    method: str, prob: Problem, unit: np.ndarray, outcomes: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """One row per (outcome, parameter): Sobol S1 and ST or Morris mu_star and sigma, with
    95% confidence intervals (bootstrap); an outcome that never varies is left out."""
    from SALib.analyze import morris, sobol

    rows = []
    for outcome in outcomes.columns:
        y = outcomes[outcome].to_numpy(dtype=float)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue
        if method == "sobol":
            res = sobol.analyze(prob.salib(), y, calc_second_order=False, seed=seed)
            intervals, plain = ("S1", "ST"), ()
        else:
            res = morris.analyze(prob.salib(), unit, y, num_levels=MORRIS_LEVELS, seed=seed)
            intervals, plain = ("mu_star",), ("sigma",)
        for j, name in enumerate(prob.names):
            row = {"outcome": outcome, "parameter": name}
            for index in intervals:
                row |= _interval(res, index, j)
            rows.append(row | {index: res[index][j] for index in plain})
    frame = pd.DataFrame(rows)
    key = "ST" if method == "sobol" else "mu_star"
    if frame.empty:
        return frame
    return frame.sort_values(["outcome", key], ascending=[True, False], ignore_index=True)


# ---------------------------------------------------------------------------- evaluation
Evaluate = Callable[[Scenario, dict[str, float], int, range], pd.DataFrame]


def model_outcomes(
    base: Scenario, values: dict[str, float], seed: int, reps: range
) -> pd.DataFrame:
    """The summary rows of ``base`` with the point's parameter values, on replications ``reps``."""
    consts, unc = Values(base.constants), Values(base.uncertainties)
    for key, v in values.items():
        kind, name = key.split(".")
        if kind == "constants":
            consts[name] = v
        else:
            unc[name] = {"distribution": "fixed", "value": v}
    sc = dataclasses.replace(base, constants=consts, uncertainties=unc, worlds=None)
    return chunk_tables(sc, reps, simulate(sc, seed, reps))["summary"]


def run_block(
    evaluate: Evaluate,
    prob: Problem,
    unit: np.ndarray,
    reps: int,
    per_block: int,
    base: Scenario,
    block: Scenario,
    seed: int,
    replications: range,
) -> dict[str, pd.DataFrame]:
    """A batch runner: the tables of rows ``replications`` of a block, row j being point
    ``first + j // reps``'s replication ``j % reps`` (points past the design, padding the
    last block, repeat its last point and are dropped when read); ``timeseries`` is left
    empty (only the summary is analysed)."""
    first = int(block.name.rsplit("_", 1)[1]) * per_block
    points: dict[int, list[int]] = {}
    for j in replications:
        points.setdefault(first + j // reps, []).append(j % reps)
    values = prob.values(unit[[min(p, len(unit) - 1) for p in points]])
    frames = []
    for i, (point, rs) in enumerate(points.items()):
        own = {k: v[i].item() for k, v in values.items()}
        frame = evaluate(base, own, seed, range(rs[0], rs[-1] + 1)).copy()
        frame["scenario"] = block.name
        frame["replication"] = np.asarray(rs) + (point - first) * reps
        frames.append(frame)
    empty = pd.DataFrame(
        {"scenario": pd.Series(dtype=object), "replication": pd.Series(dtype="int32")}
    )
    return {"timeseries": empty, "summary": pd.concat(frames, ignore_index=True)}


def block_size(points: int, n: int, reps: int) -> int:
    """Design points per pseudo-scenario: whole groups, about a chunk of replications."""
    group = points // n
    return group * max(1, CHUNK_SIZE // (group * reps))


def blocks(base: Scenario, points: int, per_block: int, method: str) -> list[Scenario]:
    """The pseudo-scenarios of a design of ``points``, ``per_block`` points each."""
    return [
        dataclasses.replace(base, name=f"{method}_{k:05d}", files=(), worlds=None)
        for k in range(-(-points // per_block))
    ]


def outcome_table(summary: pd.DataFrame, reps: int, points: int, per_block: int) -> pd.DataFrame:
    """Per design point the outcomes (means over its replications), from the summary rows."""
    first = summary["scenario"].str.rsplit("_", n=1).str[1].astype(int) * per_block
    point = (first + summary["replication"] // reps).to_numpy()
    columns = {}
    for m in headline():
        for when in ("m18", "end"):
            if f"{m}_{when}" in summary:
                columns[f"{m}_{when}"] = summary[f"{m}_{when}"].astype(float)
    for line in BOTTOM_LINES:
        if f"breach_{line.name}" in summary:
            columns[f"P(breach {line.name})"] = summary[f"breach_{line.name}"].astype(float)
    if "deadline_met" in summary:
        columns["P(deadline)"] = summary["deadline_met"].astype(float)
    if "y" in summary:  # a pluggable evaluation's outcome (tests)
        columns["y"] = summary["y"].astype(float)
    frame = pd.DataFrame(columns).groupby(point).mean()
    return frame.loc[frame.index < points].reindex(range(points))


def design_digest(method: str, prob: Problem, n: int, reps: int) -> str:
    text = f"{method}|{n}|{reps}|{','.join(prob.names)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run(
    base: Scenario,
    method: str,
    prob: Problem,
    n: int,
    reps: int,
    seed: int,
    out: Path,
    *,
    evaluate: Evaluate = model_outcomes,
    **batch: object,
) -> pd.DataFrame:
    """Sample, run every point on the batch machinery into ``out``, analyse; write and return
    the indices (``out/sensitivity.csv``)."""
    unit = sample(method, prob, n, seed)
    per_block = block_size(len(unit), n, reps)
    scenarios = blocks(base, len(unit), per_block, method)
    runner = partial(run_block, evaluate, prob, unit, reps, per_block, base)
    entry = {
        "method": method,
        "n": n,
        "parameters": list(prob.names),
        "points": len(unit),
        "reps_per_point": reps,
        "base": base.name,
        "design": design_digest(method, prob, n, reps),
    }
    result = run_batch(
        scenarios,
        per_block * reps,
        seed,
        out,
        runner=runner,
        analysis=entry,
        **batch,
    )
    if not result.complete:
        raise Incomplete(f"sensitivity: {len(result.failures)} chunk(s) failed; {RESUME}")
    summary = pd.read_parquet(out / "summary")
    outcomes = outcome_table(summary, reps, len(unit), per_block)
    return analyse(method, prob, unit, outcomes, seed)
