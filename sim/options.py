"""The command-line options shared by every command that runs a batch, and their types."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.batch import MAX_REPS
from sim.deep import MODES

DEFAULT_REPS = 200
DEFAULT_SEED = 1


def integer_at_least(low: int, what: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be a {what} integer, got {text!r}")
    return value


def positive_int(text: str) -> int:
    return integer_at_least(1, "positive", text)


def replications(text: str) -> int:
    """``--reps``: at most MAX_REPS per scenario. The batch streams its chunks in constant
    memory, but the table and the report at the end read the results back."""
    value = positive_int(text)
    if value > MAX_REPS:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_REPS} replications per scenario, got {text}: the table and the "
            "report read every replication back into memory"
        )
    return value


def seed_int(text: str) -> int:
    return integer_at_least(0, "non-negative", text)


def batch_options(
    p: argparse.ArgumentParser,
    out: Path,
    reps: int = DEFAULT_REPS,
    per: str = "scenario",
    uncertainty: bool = True,
    report: bool = True,
) -> None:
    """The options of every command that runs a batch (``run``, ``sweep``, ``attribute``,
    ``sensitivity``): --reps --seed --out --workers|--scheduler --overwrite [--uncertainty]
    --quiet [--no-report]; ``per`` names what --reps counts replications of."""
    p.add_argument(
        "--reps",
        type=replications,
        default=reps,
        help=f"replications per {per}, at most {MAX_REPS} (default {reps})",
    )
    p.add_argument(
        "--seed",
        type=seed_int,
        default=DEFAULT_SEED,
        help=f"seed of the batch; replication i of every scenario shares its random numbers (default {DEFAULT_SEED})",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=out,
        help=f"results folder (default {out}): empty or one of this program's; "
        "rerunning the same batch resumes it",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="local processes running chunks (default 1); results do not depend on it",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run the chunks on this Dask cluster instead (needs the 'cluster' extra)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a different batch in --out (deletes only the files its manifest records)",
    )
    if uncertainty:
        p.add_argument(
            "--uncertainty",
            choices=MODES,
            default="deep",
            help="deep (default): each replication is a plausible world, every guessed parameter "
            "drawn from its range (docs/UNCERTAINTY.md); fixed: every parameter at its default",
        )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    if report:
        p.add_argument(
            "--no-report", action="store_true", help="do not write OUT/report.html at the end"
        )
