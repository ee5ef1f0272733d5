"""The ``discover`` command: under which conditions a plan fails (PRIM, :mod:`sim.prim`).

``python run.py discover OUT --scenario NAME --outcome breach_LINE|deadline_missed|
regret:MEASURE`` reads a finished deep-uncertainty batch. Each replication is a world
whose parameter values are recomputed from the manifest: the design is
``sim.deep.design(seed, replications, parameters)`` (a function of those alone) and
column j is the manifest's j-th varied parameter, mapped through the law the manifest
records for it. The outcome per world is a bottom line breached, the deadline missed, or
regret on a headline measure: the scenario strictly worse than the reference there (at
the horizon, in the measure's good direction). PRIM's chosen box and its peeling
trajectory are printed and written to ``--output`` (default ``OUT/discovery.csv``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim import deep
from sim.bottom_lines import BOTTOM_LINES
from sim.commands import Command, InputError
from sim.measures import headline, registry
from sim.numbers import aligned
from sim.parameters import table as parameter_table
from sim.prim import Discovery, prim
from sim.randomness import sample_law
from sim.report.compare import load_results
from sim.results import atomic_write_bytes

COLUMNS = ["section", "step", "parameter", "low", "high", "coverage", "density", "support"]
HEADER = ",".join(COLUMNS)  # a file starting otherwise was not written here: never replaced


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="results folder of a deep-mode batch")
    p.add_argument("--scenario", required=True, metavar="NAME", help="the scenario examined")
    p.add_argument(
        "--outcome",
        required=True,
        help="breach_LINE (a bottom line breached), deadline_missed, or regret:MEASURE "
        "(worse than the reference on a headline measure at the horizon)",
    )
    p.add_argument("--baseline", metavar="NAME", help="the reference for regret (default baseline)")
    p.add_argument("--output", type=Path, help="the CSV written (default OUT/discovery.csv)")


def outcomes() -> list[str]:
    directed = [m for m in headline() if registry()[m].better != "either"]
    return [
        *(f"breach_{b.name}" for b in BOTTOM_LINES),
        "deadline_missed",
        *(f"regret:{m}" for m in directed),
    ]


def world_parameters(manifest: dict) -> pd.DataFrame:
    """Every world's value of every varied parameter, a row per replication."""
    entry = manifest.get("uncertainty", {})
    if entry.get("mode") != "deep":
        raise InputError(
            f"manifest.json: uncertainty mode is {entry.get('mode', 'fixed')!r}; discover needs "
            "a batch run in deep mode (run without --uncertainty fixed)"
        )
    laws = entry["parameters"]
    ident = manifest["identity"]
    rows = deep.design(int(ident["seed"]), int(ident["replications"]), len(laws))
    t = parameter_table()
    cols = {}
    for j, (key, law) in enumerate(laws.items()):
        kind, name = key.split(".")
        p = t[kind][name]
        if kind == "constants":
            cols[key] = deep.constant_values(p, rows[:, j])
        else:
            v = np.clip(sample_law(law, rows[:, j]), *p.range)
            cols[key] = np.round(v) if p.type == "int" else v  # as sim.randomness does
    return pd.DataFrame(cols)


def outcome_flags(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, dict]:
    """(replications, yes/no per replication, manifest) for the outcome asked for."""
    allowed = outcomes()
    if args.outcome not in allowed:
        raise InputError(f"--outcome {args.outcome!r}: allowed: {', '.join(allowed)}")
    regret = args.outcome.startswith("regret:")
    results = load_results(args.out, (args.baseline or "baseline") if regret else args.baseline)
    if args.scenario not in results.scenarios:
        raise InputError(
            f"--scenario '{args.scenario}': not a scenario of {args.out}; "
            f"allowed: {', '.join(results.scenarios)}"
        )
    own = results.summary[results.summary["scenario"] == args.scenario].set_index("replication")
    if args.outcome == "deadline_missed":
        return own.index.to_numpy(), ~own["deadline_met"].to_numpy(bool), results.manifest
    if not regret:
        return own.index.to_numpy(), own[args.outcome].to_numpy(bool), results.manifest
    measure = args.outcome.removeprefix("regret:")
    ref = results.summary[results.summary["scenario"] == results.baseline]
    pair = pd.concat(
        [own[f"{measure}_end"], ref.set_index("replication")[f"{measure}_end"]],
        axis=1,
        join="inner",
    )
    worse = registry()[measure].direction * (pair.iloc[:, 0] - pair.iloc[:, 1]) < 0
    return pair.index.to_numpy(), worse.to_numpy(bool), results.manifest


def discovery_frame(found: Discovery) -> pd.DataFrame:
    """The chosen box (a row per restricted parameter) then the trajectory (a row per box)."""
    box = found.box_frame().assign(section="box", step=found.chosen)
    path = found.trajectory_frame().assign(section="trajectory", parameter="", low=np.nan)
    path["high"] = np.nan
    return pd.concat([box[COLUMNS], path[COLUMNS]], ignore_index=True)


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    if path.is_file():
        with path.open(encoding="utf-8", errors="replace") as fh:
            if fh.readline().strip() != HEADER:
                raise InputError(f"{path}: exists and was not written by discover; choose --output")
    atomic_write_bytes(path, frame.to_csv(index=False).encode("utf-8"))


def handler(args: argparse.Namespace) -> int:
    reps, flags, manifest = outcome_flags(args)
    x = world_parameters(manifest).iloc[reps]
    if not flags.any():
        print(f"{args.scenario}: {args.outcome} happens in none of {len(flags)} worlds")
        return 0
    found = prim(x.to_numpy(), flags, list(x.columns))
    b = found.box
    print(
        f"{args.scenario}: {args.outcome} in {flags.mean():.1%} of {len(flags)} worlds. PRIM box "
        f"(step {found.chosen} of {len(found.trajectory) - 1}): coverage {b.coverage:.1%}, "
        f"density {b.density:.1%}, support {b.support:.1%}"
    )
    rows = [["parameter", "low", "high", "all worlds"]]
    for _, r in found.box_frame().iterrows():
        whole = f"[{r['full_low']:.4g}, {r['full_high']:.4g}]"
        rows.append([r["parameter"], f"{r['low']:.4g}", f"{r['high']:.4g}", whole])
    print("\n".join(aligned(rows)))
    output = args.output or args.out / "discovery.csv"
    write_csv(output, discovery_frame(found))
    print(f"discovery: {output}")
    return 0


COMMANDS = (
    Command(
        "discover",
        "find the conditions under which a plan fails (PRIM on a deep-mode batch)",
        "Scenario discovery: on the plausible worlds of a finished deep-uncertainty batch, "
        "PRIM peels a box of parameter ranges where the outcome (a bottom line breached, the "
        "deadline missed, or worse than the reference on a headline measure) is common; "
        "prints the box (coverage, density, restricted parameters) and writes it with the "
        "peeling trajectory as CSV.",
        arguments,
        handler,
    ),
)
