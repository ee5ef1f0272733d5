"""The command line: ``python run.py [COMMAND] ...``.

With no command it runs every bundled scenario (the main job). ``run`` takes
``--reps``, ``--seed``, ``--out`` and ``--workers`` or ``--scheduler``; ``inspect`` and
``explore`` run one replication on the agent model in this process. Bad input ends with
one line on stderr and exit code 2; an incomplete batch with exit code 3; SIGINT with
130 and SIGTERM with 143 (finished chunks are kept).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from sim.abm.cli import COMMANDS as ABM_COMMANDS
from sim.attribution_cli import COMMANDS as ATTRIBUTION_COMMANDS
from sim.batch import run_batch, run_on
from sim.calibration_cli import COMMANDS as CALIBRATION_COMMANDS
from sim.commands import (
    EXIT_BAD_INPUT,
    EXIT_INCOMPLETE,
    RESUME,
    Command,
    InputError,
    Parser,
    dispatch,
    printable,
    register,
)
from sim.discover_cli import COMMANDS as DISCOVER_COMMANDS
from sim.measures import registry
from sim.optimize_cli import COMMANDS as OPTIMIZE_COMMANDS
from sim.options import batch_options
from sim.parameters import KINDS, table
from sim.report import write_report
from sim.report.cli import COMMANDS as REPORT_COMMANDS
from sim.report.compare import comparison_table, format_comparison, load_results, reference
from sim.report.robust import rankings
from sim.report.sections.headline import wide_table
from sim.report.summary_text import format_summary
from sim.report.verdict import verdicts
from sim.results import BOTTOM_LINES_CSV, HEADLINE_CSV, OUTPUTS, REPORT, atomic_write_bytes
from sim.scenario import BUNDLED, Scenario, ScenarioError, load, overrides
from sim.sensitivity_cli import COMMANDS as SENSITIVITY_COMMANDS
from sim.summary import bottom_line_table
from sim.sweep import check_measures, grid, manifest_entry, parse_lever

DEFAULT_OUT = Path("results/default")
DEFAULT_SWEEP_OUT = Path("results/sweep")


def run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenarios",
        nargs="*",
        type=Path,
        metavar="SCENARIO.toml",
        help=f"scenario files (default: every file in {BUNDLED.name}/)",
    )
    batch_options(p, DEFAULT_OUT)
    p.add_argument(
        "--baseline",
        metavar="NAME",
        help="the scenario the report compares with (default: 'baseline' if in the batch, "
        "otherwise none: levels only)",
    )


def bundled_scenarios() -> list[Path]:
    return sorted(BUNDLED.glob("*.toml"))


def load_all(paths: Sequence[Path]) -> list[Scenario]:
    """Load every scenario before anything runs, so a bad file writes nothing."""
    return [load(p) for p in paths]


def cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_all(args.scenarios or bundled_scenarios())
    if not scenarios:
        raise InputError(f"no scenario files given and none found in {BUNDLED}")
    base = reference([sc.name for sc in scenarios], args.baseline)
    return run_and_report(args, scenarios, base)


def run_and_report(
    args: argparse.Namespace, scenarios: list[Scenario], base: str | None, sweep: dict | None = None
) -> int:
    """Run the batch of ``run`` or ``sweep``, then its tables and report."""
    outputs = tuple(name for name in OUTPUTS if name != REPORT or not args.no_report)
    batch = partial(
        run_batch,
        scenarios,
        args.reps,
        args.seed,
        args.out,
        overwrite=args.overwrite,
        command=args.command_line,
        progress=False if args.quiet else None,
        outputs=outputs,
        sweep=sweep,
        uncertainty=args.uncertainty,
    )
    result = run_on(batch, args.scheduler, args.workers)
    if result.chunks_run + result.chunks_reused:  # the table needs at least one chunk
        write_tables(args, base, quiet=args.quiet or sweep is not None)
        if not args.no_report:
            print(f"report: {write_report(args.out, base)}")
    print(f"results: {args.out} ({result.chunks_run} chunks run, {result.chunks_reused} reused)")
    if not result.complete:
        print(
            f"batch incomplete: {len(result.failures)} chunk(s) failed; rerun the same command "
            "to retry them",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return 0


def write_tables(args: argparse.Namespace, base: str | None, quiet: bool) -> None:
    """Write (and unless --quiet print) the summary, the headline table and the bottom lines
    of every scenario in the folder: the numbers of the report's tables."""
    results = load_results(args.out, base)
    table = comparison_table(results)
    lines = bottom_line_table(results.summary, results.manifest)
    token = results.manifest["temp_token"]
    for name, frame in ((HEADLINE_CSV, wide_table(table)), (BOTTOM_LINES_CSV, lines)):
        atomic_write_bytes(args.out / name, frame.to_csv(index=False).encode("utf-8"), token)
    if not quiet:
        print(format_summary(results, verdicts(results), rankings(results)))
        print()
        print(format_comparison(results, table))


def sweep_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="the scenario swept")
    p.add_argument(
        "--lever",
        action="append",
        required=True,
        metavar="NAME=LO:HI:N",
        help="a numeric lever and N values from LO to HI; give it once (response curves) or "
        "twice (heat maps over the grid)",
    )
    p.add_argument(
        "--measures", nargs="+", metavar="MEASURE", help="measures drawn (default: headline)"
    )
    batch_options(p, DEFAULT_SWEEP_OUT)


def cmd_sweep(args: argparse.Namespace) -> int:
    base = load(args.scenario)
    levers = [parse_lever(text) for text in args.lever]
    measures = check_measures(args.measures)
    scenarios, points = grid(base, levers)
    return run_and_report(
        args, scenarios, None, sweep=manifest_entry(base, levers, points, measures)
    )


def validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO.toml")


def cmd_validate(args: argparse.Namespace) -> int:
    worst = 0
    for path in args.scenarios:
        try:
            sc = load(path)
            parent, found = overrides(path)
            what = f"changes {len(found)}:" if found else "changes nothing"
            print(printable(f"{path}: ok ({sc.title}); extends {parent}, {what}"))
            for o in found:
                unit = "" if o.unit == "-" else f" {o.unit}"
                same = " (as inherited)" if o.inherited == o.value else ""
                line = f"  {o.key}: {shown_value(o.inherited)} → {shown_value(o.value)}{unit}"
                print(printable(line + same))
        except ScenarioError as err:
            print(str(err), file=sys.stderr)
            worst = EXIT_BAD_INPUT
    return worst


def shown_value(x: object) -> str:
    """A parameter's value for a listing: true/false, a number, a law."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, dict):
        return (
            x.get("distribution", "")
            + "("
            + ", ".join(f"{k}={v}" for k, v in x.items() if k != "distribution")
            + ")"
        )
    return str(x)


def cmd_measures(args: argparse.Namespace) -> int:
    reg = registry()
    width = max(len(n) for n in reg) + 2
    for m in reg.values():
        print(f"{m.name:<{width}}{m.unit:<26}{m.zh}  /  {m.en}")
    return 0


PARAMETER_COLUMNS = (
    "Columns: name = default [unit; allowed range or choices]  English name. Source: where the "
    "value comes from ('assumption' says why). Uncertainties show their law, e.g. "
    "triangular(low, mode, high); a scenario overrides any entry in its section."
)


def parameters_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="print as Markdown (docs/parameters.md)")
    p.add_argument(
        "--kind",
        choices=KINDS,
        help="only this section (levers, thresholds, settings, uncertainties, constants)",
    )
    p.add_argument("--group", help="only levers of this group (e.g. pace, labour)")
    p.add_argument("--name", help="only entries whose name holds this text (e.g. stake)")


def cmd_parameters(args: argparse.Namespace) -> int:
    markdown = args.markdown
    shown_any = False
    for kind, entries in table().items():
        entries = {
            n: p
            for n, p in entries.items()
            if (args.kind in (None, kind))
            and (args.group is None or p.group == args.group)
            and (args.name is None or args.name in n)
        }
        if not entries:
            continue
        if not (shown_any or markdown):
            print(PARAMETER_COLUMNS)
        shown_any = True
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
    if not shown_any:
        groups = sorted({p.group for p in table()["levers"].values() if p.group})
        raise InputError(
            "parameters: no entry matches --kind/--group/--name; groups: " + ", ".join(groups)
        )
    return 0


COMMANDS = (
    Command(
        "run",
        "run scenarios and print the summary table",
        "Run scenario files in batch, write Parquet results under --out and print the "
        "answer (each scenario against the reference) and the headline table. A folder "
        "keeps every scenario run into it with the same --reps, --seed and code: running "
        "one more scenario into it runs only that one.",
        run_arguments,
        cmd_run,
        interrupted=RESUME,
    ),
    Command(
        "sweep",
        "run one scenario per value of a lever (or grid of two) and draw response curves",
        "Run SCENARIO.toml once per value of --lever NAME=LO:HI:N (N values from LO to HI), "
        "or per point of the grid of two levers, on common random numbers and the batch "
        "machinery of run; the report draws each measure's median and bands against the "
        "lever (heat maps for two), each bottom line's breach probability and the chance of "
        "meeting the deadline.",
        sweep_arguments,
        cmd_sweep,
        interrupted=RESUME,
    ),
    Command(
        "validate",
        "check scenario files",
        "Check scenario files; for each, print what it changes relative to what it "
        "extends (the key, inherited value → new value, unit).",
        validate_arguments,
        cmd_validate,
    ),
    Command(
        "measures",
        "list every measure with unit and Chinese and English names",
        "List the measures registry.",
        lambda p: None,
        cmd_measures,
    ),
    Command(
        "parameters",
        "list every parameter with unit, range and source",
        "List the parameter table (levers, uncertainties, constants).",
        parameters_arguments,
        cmd_parameters,
    ),
)


def build_parser() -> Parser:
    parser = Parser(
        prog="run.py",
        description="Simulator of state-owned enterprise reform outcomes. "
        "With no command: run every bundled scenario and print the summary table.",
        epilog="Exit codes: 0 done, 2 bad input, 3 batch incomplete (some chunks failed), "
        "130 stopped by SIGINT (Ctrl-C), 143 by SIGTERM.",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=Parser, required=True
    )
    register(
        sub,
        (
            *COMMANDS,
            *SENSITIVITY_COMMANDS,
            *ATTRIBUTION_COMMANDS,
            *OPTIMIZE_COMMANDS,
            *DISCOVER_COMMANDS,
            *REPORT_COMMANDS,
            *ABM_COMMANDS,
            *CALIBRATION_COMMANDS,
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    options_first = argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help")
    if not argv or options_first or argv[0].endswith(".toml"):
        argv = ["run", *argv]  # no command: the main job, or `run` on the files given
    args = build_parser().parse_args(argv)
    args.command_line = "python run.py " + shlex.join(argv)
    return dispatch(args)
