"""The command line: ``python run.py [COMMAND] ...``.

With no command it runs every bundled scenario (the main job). Every command that
runs the model takes ``--reps``, ``--seed``, ``--out`` and ``--workers`` or
``--scheduler``. Bad input ends with one line on stderr and exit code 2; an incomplete
batch with exit code 3.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from concurrent.futures import BrokenExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from sim.abm.cli import add_commands as add_abm_commands
from sim.abm.cli import run_command as run_abm_command
from sim.batch import BatchConflict, ClusterError, dask_executor, run_batch
from sim.measures import registry
from sim.parameters import table
from sim.report import ReportError, write_report
from sim.report.cli import add_commands as add_report_commands
from sim.report.cli import run_command as run_report_command
from sim.results import read_timeseries
from sim.scenario import Scenario, ScenarioError, load
from sim.summary import (
    DEADLINE_MONTH,
    bottom_line_table,
    format_bottom_lines,
    format_table,
    headline_table,
)

BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_REPS = 200
DEFAULT_SEED = 1
DEFAULT_OUT = Path("results/default")
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE = 3


class InputError(Exception):
    """A problem with what the user asked for; the message is one line."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options every model-running command shares."""
    p.add_argument(
        "--reps",
        type=positive_int,
        default=DEFAULT_REPS,
        help=f"replications per scenario (default {DEFAULT_REPS})",
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
        default=DEFAULT_OUT,
        help=f"results directory (default {DEFAULT_OUT}); rerunning the same batch resumes it",
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


def build_parser() -> Parser:
    parser = Parser(
        prog="run.py",
        description="Simulator of state-owned enterprise reform outcomes. "
        "With no command: run every bundled scenario and print the summary table.",
        epilog="Exit codes: 0 done, 2 bad input, 3 batch incomplete (some chunks failed).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    run = sub.add_parser(
        "run",
        help="run scenarios and print the summary table",
        description="Run scenario files in batch, write Parquet results under --out "
        "and print median and 90% interval of the headline measures.",
    )
    run.add_argument(
        "scenarios",
        nargs="*",
        type=Path,
        metavar="SCENARIO.toml",
        help=f"scenario files (default: every file in {BUNDLED.name}/)",
    )
    add_run_options(run)
    run.add_argument(
        "--overwrite", action="store_true", help="replace a different batch already in --out"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    run.add_argument(
        "--no-report", action="store_true", help="do not write OUT/report.html at the end"
    )

    val = sub.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files; print one line per file.",
    )
    val.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO.toml")

    sub.add_parser(
        "measures",
        help="list every measure with unit and Chinese and English names",
        description="List the measures registry.",
    )

    par = sub.add_parser(
        "parameters",
        help="list every parameter with unit, range and source",
        description="List the parameter table (levers, uncertainties, constants).",
    )
    par.add_argument(
        "--markdown", action="store_true", help="print as Markdown (docs/parameters.md)"
    )
    add_report_commands(sub)
    add_abm_commands(sub)
    return parser


def bundled_scenarios() -> list[Path]:
    return sorted(BUNDLED.glob("*.toml"))


def load_all(paths: Sequence[Path]) -> list[Scenario]:
    """Load every scenario before anything runs, so a bad file writes nothing."""
    return [load(p) for p in paths]


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    scenarios = load_all(args.scenarios or bundled_scenarios())
    if not scenarios:
        raise InputError(f"no scenario files given and none found in {BUNDLED}")
    command = "python run.py " + shlex.join(argv)
    batch = partial(
        run_batch,
        scenarios,
        args.reps,
        args.seed,
        args.out,
        overwrite=args.overwrite,
        command=command.strip(),
        progress=False if args.quiet else None,
    )
    if args.scheduler:
        with dask_executor(args.scheduler) as (executor, slots):
            result = batch(executor=executor, workers=slots)
    else:
        result = batch(workers=args.workers)
    if result.chunks_run + result.chunks_reused:  # the table needs at least one part
        months = [DEADLINE_MONTH, *(sc.horizon for sc in scenarios)]
        ts = read_timeseries(args.out, months=months)
        table_ = headline_table(ts)
        table_.to_csv(args.out / "summary_table.csv", index=False)
        lines = bottom_line_table(pd.read_parquet(args.out / "summary"), scenarios)
        lines.to_csv(args.out / "bottom_lines.csv", index=False)
        if not args.quiet:
            print(format_table(table_, int(ts["month"].max())))
            print(format_bottom_lines(lines))
        if not args.no_report:
            print(f"report: {write_report(args.out)}")
    print(f"results: {args.out} ({result.chunks_run} chunks run, {result.chunks_reused} reused)")
    if not result.complete:
        print(
            f"batch incomplete: {len(result.failures)} chunk(s) failed; rerun the same command "
            "to retry them",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    worst = 0
    for path in args.scenarios:
        try:
            sc = load(path)
            print(f"{path}: ok ({sc.title})")
        except ScenarioError as err:
            print(str(err), file=sys.stderr)
            worst = EXIT_BAD_INPUT
    return worst


def cmd_measures() -> int:
    reg = registry()
    width = max(len(n) for n in reg) + 2
    for m in reg.values():
        print(f"{m.name:<{width}}{m.unit:<26}{m.zh}  /  {m.en}")
    return 0


def cmd_parameters(markdown: bool) -> int:
    for kind, entries in table().items():
        if markdown:
            print(
                f"\n## {kind}\n\n| name | default | unit | range | zh | en | source |\n|---|---|---|---|---|---|---|"
            )
        else:
            print(f"\n[{kind}]")
        for p in entries.values():
            rng = "-" if p.range is None else f"[{p.range[0]}, {p.range[1]}]"
            if p.choices:
                rng = " / ".join(p.choices)
            if markdown:
                print(
                    f"| `{p.name}` | {p.default_text()} | {p.unit} | {rng} | {p.zh} | {p.en} | {p.source} |"
                )
            else:
                print(
                    f"  {p.name} = {p.default_text()}  [{p.unit}; {rng}]  {p.en}. Source: {p.source}"
                )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # no command: the main job, with any run options given
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args, argv)
        if (code := run_report_command(args)) is not None:
            return code
        if (code := run_abm_command(args)) is not None:
            return code
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "measures":
            return cmd_measures()
        return cmd_parameters(args.markdown)
    except (ScenarioError, BatchConflict, ClusterError, InputError, ReportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenExecutor as err:
        print(
            f"error: a worker process died ({err}); finished chunks are kept; rerun the same "
            "command to resume",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(
            "interrupted: finished chunks are kept; rerun the same command to resume",
            file=sys.stderr,
        )
        return 130
