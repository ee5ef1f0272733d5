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
from sim.prim import Discovery, prim
from sim.report.compare import load_results
from sim.results import DISCOVERY_COLUMNS, DISCOVERY_CSV, atomic_write_bytes, claim_output

COLUMNS = list(DISCOVERY_COLUMNS)
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


def discovery_frame(found: Discovery, scenario: str, outcome: str) -> pd.DataFrame:
    """The chosen box (a row per restricted parameter) then the trajectory (a row per box)."""
    box = found.box_frame().assign(section="box", step=found.chosen)
    path = found.trajectory_frame().assign(section="trajectory", parameter="")
    path[["low", "high", "full_low", "full_high", "quasi_p"]] = np.nan
    frame = pd.concat([box, path], ignore_index=True)
    return frame.assign(scenario=scenario, outcome=outcome)[COLUMNS]


def write_csv(path: Path, frame: pd.DataFrame, manifest: dict | None) -> None:
    """Write ``frame`` to ``path``, keeping the rows of other (scenario, outcome) pairs a
    file this command wrote there holds; a file it did not write is never replaced. In
    the batch folder (``manifest`` given) the file is recorded in the manifest first."""
    if manifest is not None:
        claim_output(path.parent, manifest, path.name)
    if path.is_file():
        with path.open(encoding="utf-8", errors="replace") as fh:
            if fh.readline().strip() != HEADER:
                raise InputError(f"{path}: exists and was not written by discover; choose --output")
        old = pd.read_csv(path, keep_default_na=True)
        mine = frame[["scenario", "outcome"]].iloc[0].tolist()
        old = old[(old["scenario"] != mine[0]) | (old["outcome"] != mine[1])]
        frame = pd.concat([old, frame], ignore_index=True)
    atomic_write_bytes(path, frame.to_csv(index=False).encode("utf-8"))


def handler(args: argparse.Namespace) -> int:
    reps, flags, manifest = outcome_flags(args)
    x = deep.world_table(manifest).iloc[reps]
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
    rows = [["parameter", "low", "high", "all worlds", "quasi-p"]]
    for _, r in found.box_frame().iterrows():
        whole = f"[{r['full_low']:.4g}, {r['full_high']:.4g}]"
        p = f"{r['quasi_p']:.2g}"
        rows.append([r["parameter"], f"{r['low']:.4g}", f"{r['high']:.4g}", whole, p])
    print("\n".join(aligned(rows)))
    output = args.output or args.out / DISCOVERY_CSV
    in_batch = output.resolve() == (args.out / DISCOVERY_CSV).resolve()
    frame = discovery_frame(found, args.scenario, args.outcome)
    write_csv(output, frame, manifest if in_batch else None)
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
        "peeling trajectory as CSV (OUT/discovery.csv, one block per scenario and outcome; the "
        "batch's report shows every box it holds).",
        arguments,
        handler,
    ),
)
