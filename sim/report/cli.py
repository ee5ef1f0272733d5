"""The ``report`` and ``compare`` commands, for ``sim.cli`` to register.

``add_commands(subparsers)`` adds both parsers; ``run_command(args)`` runs them and
returns an exit code (None for any other command). Bad input raises
:class:`~sim.report.compare.ReportError`, a ValueError with a one-line message.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.report.compare import comparison_table, format_comparison, load_results
from sim.report.html import LANGS, write_report


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``report`` and ``compare`` on the ``python run.py`` subparsers."""
    report = subparsers.add_parser(
        "report",
        help="write the interactive HTML report of a batch",
        description="Write one self-contained HTML file (works offline) comparing the "
        "scenarios of the batch in OUT, and print its path.",
    )
    report.add_argument("out", type=Path, metavar="OUT", help="results directory of a batch")
    report.add_argument(
        "--baseline", default="baseline", help="scenario to compare with (default baseline)"
    )
    report.add_argument("--lang", choices=LANGS, default="en", help="labels (default en)")
    report.add_argument(
        "--output", type=Path, help="where to write the report (default OUT/report.html)"
    )
    compare = subparsers.add_parser(
        "compare",
        help="print the headline table with paired differences from the baseline",
        description="Print, for each headline measure, each scenario's median and 90%% "
        "interval at end-2023 and at the horizon, the mean paired difference from the "
        "baseline with its 95%% confidence interval and the probability of doing better.",
    )
    compare.add_argument("out", type=Path, metavar="OUT", help="results directory of a batch")
    compare.add_argument(
        "--baseline", default="baseline", help="scenario to compare with (default baseline)"
    )


def run_command(args: argparse.Namespace) -> int | None:
    """Run ``report`` or ``compare``; None if ``args.command`` is another command."""
    if args.command == "report":
        print(write_report(args.out, args.baseline, args.lang, args.output))
        return 0
    if args.command == "compare":
        results = load_results(args.out, args.baseline)
        print(format_comparison(results, comparison_table(results)))
        return 0
    return None
