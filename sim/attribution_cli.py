"""The ``attribute`` command: which of a scenario's lever groups make its difference.

``python run.py attribute SCENARIO.toml [--baseline NAME|FILE.toml] --reps --seed --out
--workers`` runs the 2^k coalitions of the k lever groups the scenario changes
(:mod:`sim.attribution`) as one batch (parts, resume, ``--workers``, ``--scheduler``),
then writes ``OUT/attribution.csv`` (a row per outcome and group, ``total`` last: mean
Shapley part, 95% interval, share of the total) and prints it.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

import pandas as pd

from sim import attribution as at
from sim.commands import RESUME, Command, Incomplete, InputError
from sim.numbers import aligned
from sim.report.html import analysis_page
from sim.report.text import LANGS
from sim.results import (
    ATTRIBUTION_CSV,
    ATTRIBUTION_PAGE,
    atomic_write_bytes,
    read_manifest,
    read_table,
)
from sim.scenario import BUNDLED, Scenario, load

DEFAULT_OUT = Path("results/attribution")


def arguments(p: argparse.ArgumentParser) -> None:
    from sim.options import batch_options

    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="the scenario analysed")
    p.add_argument(
        "--baseline",
        default="baseline",
        metavar="NAME|FILE.toml",
        help="the reference: a bundled scenario's name or a file (default baseline)",
    )
    batch_options(p, DEFAULT_OUT, reps=20, per="coalition", report=False)
    p.add_argument("--lang", choices=LANGS, default="en", help="the page's words (default en)")


def reference(given: str) -> Scenario:
    """``--baseline``: a file when it names one (or ends in .toml), else a bundled scenario."""
    path = Path(given)
    if given.endswith(".toml") or path.is_file():
        return load(path)
    names = sorted(p.stem for p in BUNDLED.glob("*.toml"))
    if given not in names:
        raise InputError(
            f"--baseline '{given}': no such bundled scenario or file; allowed: {', '.join(names)}"
        )
    return load(BUNDLED / f"{given}.toml")


def format_attribution(table: pd.DataFrame) -> str:
    """The table for the terminal: a block per outcome, a row per group."""
    rows = [["outcome", "group", "mean part", "95% CI", "share of total"]]
    for _, r in table.iterrows():
        share = "" if pd.isna(r["share_of_total"]) else f"{int(round(100 * r['share_of_total']))}%"
        rows.append(
            [
                r["outcome"],
                r["group"],
                f"{r['mean']:.4g}",
                f"[{r['low']:.4g}, {r['high']:.4g}]",
                share,
            ]
        )
    return "\n".join(aligned(rows))


def handler(args: argparse.Namespace) -> int:
    from sim.batch import run_batch, run_on

    scenario, ref = load(args.scenario), reference(args.baseline)
    groups = list(at.changed_groups(scenario, ref))
    if not groups:
        raise InputError(
            f"{args.scenario}: sets every lever as {ref.name} does; nothing to attribute"
        )
    print(
        f"attribute: {len(groups)} lever groups ({', '.join(groups)}), {2 ** len(groups)} "
        f"coalitions x {args.reps} replications",
        file=sys.stderr,
    )
    batch = partial(
        run_batch,
        at.coalitions(scenario, ref, groups),
        args.reps,
        args.seed,
        args.out,
        overwrite=args.overwrite,
        command=args.command_line,
        progress=False if args.quiet else None,
        outputs=(ATTRIBUTION_CSV, ATTRIBUTION_PAGE),
        uncertainty=args.uncertainty,
    )
    result = run_on(batch, args.scheduler, args.workers)
    if not result.complete:
        raise Incomplete(f"{len(result.failures)} chunk(s) failed; {RESUME}")
    manifest = read_manifest(args.out)
    summary = read_table(args.out, manifest, "summary")
    by = {name: f.sort_values("replication") for name, f in summary.groupby("scenario")}

    def evaluate(mask: int) -> pd.DataFrame:
        return at.outcome_columns(by[at.coalition_name(mask, len(groups))])

    table, _ = at.attribute(groups, evaluate)
    data = table.to_csv(index=False).encode("utf-8")
    atomic_write_bytes(args.out / ATTRIBUTION_CSV, data, manifest["temp_token"])
    page = analysis_page(args.out, args.lang).encode("utf-8")
    atomic_write_bytes(args.out / ATTRIBUTION_PAGE, page, manifest["temp_token"])
    print(f"{scenario.name} against {ref.name}: Shapley parts of the paired difference")
    print(format_attribution(table))
    print(f"attribution: {args.out / ATTRIBUTION_CSV}, {args.out / ATTRIBUTION_PAGE}")
    return 0


COMMANDS = (
    Command(
        "attribute",
        "split a scenario's difference from the reference between its lever groups (Shapley)",
        "Run the 2^k coalitions of the k lever groups SCENARIO changes against the reference "
        "on common random numbers, and split the paired difference in each headline measure "
        "(at the horizon), each bottom line's breach probability and P(deadline) between the "
        "groups by Shapley values, with 95% intervals; writes OUT/attribution.csv and "
        "OUT/attribution.html (its report section; `report OUT --with DIR` shows it too).",
        arguments,
        handler,
        interrupted=RESUME,
    ),
)
