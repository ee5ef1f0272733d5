"""The ``sensitivity`` command: which guesses decide the answers.

``python run.py sensitivity SCENARIO.toml --method morris|sobol [--parameters
all|assumptions|NAMES] [--measures ...] --n 256 --reps 20`` samples the parameters'
laws (``sim.sensitivity``), runs every design point ``--reps`` times on common random
numbers through the batch machinery (so ``--workers``, ``--scheduler`` and resuming work
as for ``run``) and writes into ``--out``:

* ``sensitivity.csv``: ``outcome, parameter`` and Morris ``mu_star`` (with its 95%
  interval) and ``sigma``, or Sobol ``S1`` and ``ST`` with their 95% intervals;
* ``sensitivity.html``: per outcome the parameters ranked, as bars with intervals (the
  report's section, in ``--lang``; ``report OUT --with DIR`` shows it in a batch's report).
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from sim import sensitivity as sa
from sim.commands import RESUME, Command, InputError
from sim.measures import headline
from sim.report.html import analysis_page
from sim.report.text import LANGS
from sim.results import SENSITIVITY_CSV, SENSITIVITY_PAGE, atomic_write_bytes, read_manifest
from sim.scenario import load

DEFAULT_OUT = Path("results/sensitivity")
TOP = 15  # parameters drawn per outcome


def arguments(p: argparse.ArgumentParser) -> None:
    from sim.options import batch_options, positive_int

    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="the scenario analysed")
    p.add_argument(
        "--method", choices=sa.METHODS, required=True, help="morris (screening) or sobol"
    )
    p.add_argument(
        "--parameters",
        default="all",
        help="all (every parameter deep uncertainty varies), assumptions (its constants) or "
        "comma-separated names (docs/UNCERTAINTY.md); default all",
    )
    p.add_argument(
        "--measures", nargs="+", metavar="MEASURE", help="headline measures analysed (default: all)"
    )
    p.add_argument(
        "--n", type=positive_int, default=256, help="base samples (Sobol) or trajectories (Morris)"
    )
    batch_options(p, DEFAULT_OUT, reps=20, per="design point", uncertainty=False, report=False)
    p.add_argument("--lang", choices=LANGS, default="en", help="the page's words (default en)")


def check_measures(names: list[str] | None) -> list[str]:
    allowed = headline()
    for name in names or []:
        if name not in allowed:
            raise InputError(
                f"--measures: {name!r} is not a headline measure; allowed: {', '.join(allowed)}"
            )
    return names or allowed


def handler(args: argparse.Namespace) -> int:
    from sim.batch import run_on

    base = load(args.scenario)
    prob = sa.problem(args.parameters)
    measures = check_measures(args.measures)
    batch = {
        "progress": False if args.quiet else None,
        "overwrite": args.overwrite,
        "command": args.command_line,
        "outputs": (SENSITIVITY_CSV, SENSITIVITY_PAGE),
    }
    run = partial(sa.run, base, args.method, prob, args.n, args.reps, args.seed, args.out, **batch)
    found = run_on(run, args.scheduler, args.workers)
    keep = found["outcome"].map(lambda o: o.startswith("P(") or o.rsplit("_", 1)[0] in measures)
    found = found[keep].reset_index(drop=True)
    token = read_manifest(args.out)["temp_token"]
    atomic_write_bytes(args.out / SENSITIVITY_CSV, found.to_csv(index=False).encode("utf-8"), token)
    page = analysis_page(args.out, args.lang).encode("utf-8")
    atomic_write_bytes(args.out / SENSITIVITY_PAGE, page, token)
    print(f"sensitivity: {args.out / SENSITIVITY_CSV}, {args.out / SENSITIVITY_PAGE}")
    return 0


COMMANDS = (
    Command(
        "sensitivity",
        "rank the guessed parameters by their effect (Morris, Sobol)",
        "Morris screening or Sobol indices (first and total order, with 95% intervals) of the "
        "headline measures at end-2023 and the horizon, each bottom line's breach probability "
        "and P(deadline), each estimated per design point from --reps paired replications on "
        "the batch machinery; writes OUT/sensitivity.csv and OUT/sensitivity.html.",
        arguments,
        handler,
        interrupted=RESUME,
    ),
)
