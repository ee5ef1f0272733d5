"""The ``report`` and ``compare`` commands, which ``sim.cli`` registers from ``COMMANDS``.

Bad input raises :class:`~sim.report.compare.ReportError` (or ``ResultsError`` for a
folder that cannot be trusted), each a one-line message.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands import Command
from sim.report.compare import comparison_table, format_comparison, load_results
from sim.report.html import write_report
from sim.report.robust import parse_pairs, rankings
from sim.report.summary_text import format_rankings, format_summary
from sim.report.text import LANGS
from sim.report.verdict import verdicts

BASELINE_HELP = (
    "the reference scenario for paired differences (default: 'baseline' if in the batch, "
    "otherwise none: levels only)"
)


def report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="results directory of a batch")
    p.add_argument("--baseline", metavar="NAME", help=BASELINE_HELP)
    p.add_argument("--lang", choices=LANGS, default="en", help="labels (default en)")
    p.add_argument(
        "--with",
        dest="analyses",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also show the results of a sensitivity or attribute folder (repeatable)",
    )
    p.add_argument(
        "--output", type=Path, help="the file to write (default OUT/report.html); not a folder"
    )


def cmd_report(args: argparse.Namespace) -> int:
    print(write_report(args.out, args.baseline, args.lang, args.output, args.analyses))
    return 0


def compare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, metavar="OUT", help="results directory of a batch")
    p.add_argument("--baseline", metavar="NAME", help=BASELINE_HELP)
    p.add_argument(
        "--pairs",
        action="append",
        metavar="A:B",
        help="also rank scenario A against B in every world (repeatable or comma-separated)",
    )


def cmd_compare(args: argparse.Namespace) -> int:
    results = load_results(args.out, args.baseline)
    ranked = rankings(results, parse_pairs(args.pairs, results.scenarios))
    print(format_summary(results, verdicts(results), ranked))
    print()
    if ranked:
        print(format_rankings(ranked))
        print()
    print(format_comparison(results, comparison_table(results)))
    return 0


COMMANDS = (
    Command(
        "report",
        "write the interactive HTML report of a batch",
        "Write one self-contained HTML file (works offline) comparing the scenarios of the "
        "batch in OUT, and print its path. Only the parts the manifest records are read, "
        "each checked against its size and checksum.",
        report_arguments,
        cmd_report,
    ),
    Command(
        "compare",
        "print the headline table with paired differences from the reference scenario",
        "Print, for each headline measure, each scenario's median and 90% interval at "
        "end-2023 and at the horizon and, against the reference scenario, the mean paired "
        "difference with its 95% confidence interval and the probability of doing better.",
        compare_arguments,
        cmd_compare,
    ),
)
