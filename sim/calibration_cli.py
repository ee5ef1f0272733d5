"""The ``calibrate`` command: fit the free constants to the calibration targets by the
simulated method of moments (``sim.calibration``) and write what it found.

``python run.py calibrate [--reps --seed --out --workers --maxiter --check]`` writes, in
its output folder (empty, new, or one of its own earlier runs):

* ``calibration.csv``: ``target, low, high, simulated, se, inside`` (and the source);
* ``calibration.toml``: the fitted values as a scenario's ``[constants]`` table;
* ``calibration.json``: seed, replications, the objective and the parameters.

``--check`` evaluates the targets at the shipped defaults without fitting.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from sim import calibration as cal
from sim.commands import Command, InputError
from sim.results import atomic_write_bytes

DEFAULT_OUT = Path("results/calibration")


def arguments(p: argparse.ArgumentParser) -> None:
    from sim.options import positive_int, seed_int

    p.add_argument("--reps", type=positive_int, default=30, help="replications (default 30)")
    p.add_argument("--seed", type=seed_int, default=1, help="seed (default 1)")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})"
    )
    p.add_argument("--workers", type=positive_int, default=1, help="local processes (default 1)")
    p.add_argument(
        "--maxiter", type=positive_int, default=300, help="Nelder-Mead iterations (default 300)"
    )
    p.add_argument(
        "--check", action="store_true", help="evaluate the targets at the defaults; do not fit"
    )


def check_out(out: Path) -> None:
    """The folder must be new, empty or one this command wrote (it holds calibration.json)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "calibration.json").is_file():
        raise InputError(
            f"{out}: --out holds files this command did not write; choose an empty folder"
        )


def handler(args: argparse.Namespace) -> int:
    out: Path = args.out
    check_out(out)
    start = time.perf_counter()

    def progress(calls: int, value: float) -> None:
        print(
            f"evaluation {calls}: distance {value:.3f} ({time.perf_counter() - start:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    pool = (
        ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"))
        if args.workers > 1
        else nullcontext(None)
    )
    chunk = max(1, -(-args.reps // args.workers))
    with pool as executor:
        if args.check:
            table = cal.evaluate(cal.outcomes({}, args.seed, args.reps, executor, chunk))
            parameters, objective, calls = {}, cal.distance(table), 0
        else:
            fit = cal.fit(
                args.seed,
                args.reps,
                maxiter=args.maxiter,
                executor=executor,
                chunk=chunk,
                progress=progress,
            )
            table, parameters, objective, calls = (
                fit.table,
                fit.parameters,
                fit.objective,
                fit.evaluations,
            )
    write(out, table, parameters, objective, calls, args)
    print(table[["target", "low", "high", "simulated", "se", "inside"]].to_string(index=False))
    print(f"distance {objective:.3f}; written to {out}")
    return 0


def write(out: Path, table, parameters: dict, objective: float, calls: int, args) -> None:
    """The three files, each written atomically."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "calibration.csv", table.to_csv(index=False).encode("utf-8"))
    lines = ["[constants]", *(f"{name} = {value:.6g}" for name, value in parameters.items())]
    atomic_write_bytes(out / "calibration.toml", ("\n".join(lines) + "\n").encode("utf-8"))
    meta = {
        "seed": args.seed,
        "replications": args.reps,
        "fitted": not args.check,
        "evaluations": calls,
        "distance": objective,
        "parameters": parameters,
        "free": list(cal.FREE) if not args.check else [],
    }
    atomic_write_bytes(out / "calibration.json", json.dumps(meta, indent=2).encode("utf-8"))


COMMANDS = (
    Command(
        "calibrate",
        "fit the free constants to the calibration targets (simulated method of moments)",
        "Fit the free constants (sim.calibration.FREE) to the targets of docs/CALIBRATION.md "
        "on common random numbers, and write calibration.csv, calibration.toml and "
        "calibration.json under --out. --check only evaluates the targets at the defaults.",
        arguments,
        handler,
    ),
)
