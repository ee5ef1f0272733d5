"""The ``optimize`` command: which plan to adopt, as a robust multi-objective search.

``python run.py optimize SCENARIO.toml --levers A,B,C [--bounds A=LO:HI] --objective
MEASURE_end:max --objective ...:min --constraint "breach_stability<=0.10" --budget 2000
--reps 50`` searches the levers with NSGA-II (``sim.optimize``), each generation one batch
on the machinery of ``run`` (``--workers``, ``--scheduler``, resume), then writes into
``--out``:

* ``optimize.csv``: a row per Pareto plan: levers, objectives, each bottom line's breach
  probability and P(deadline) with 95% intervals, the same on the re-check's fresh worlds,
  and ``feasible_on_recheck``;
* ``plans/opt_<hash>.toml``: each plan as a scenario file that extends SCENARIO and sets
  only the searched levers (``python run.py run`` it with the reported --seed and --reps
  to reproduce its figures);
* ``optimize.html``: the front in two objectives (the starting plan and the reference
  marked, the re-check's figures beside the search's) and the levers in parallel
  coordinates.

No plan meeting the constraints is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import html
import json
import os
from functools import partial
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from sim import optimize as opt
from sim.commands import RESUME, Command, InputError
from sim.numbers import aligned
from sim.results import (
    OPTIMIZE_CSV,
    OPTIMIZE_PAGE,
    PLAN_FILE,
    ResultsError,
    atomic_write_bytes,
    claim_output,
    read_manifest,
    remove_files,
    write_manifest,
)
from sim.scenario import BUNDLED, load

DEFAULT_OUT = Path("results/optimize")


def arguments(p: argparse.ArgumentParser) -> None:
    from sim.options import batch_options, positive_int, replications, seed_int

    p.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="the starting plan")
    p.add_argument(
        "--levers",
        required=True,
        metavar="A,B,...",
        help="comma-separated numeric levers searched, each within its allowed range "
        "(`python run.py parameters --kind levers`)",
    )
    p.add_argument(
        "--bounds",
        action="append",
        default=[],
        metavar="LEVER=LO:HI",
        help="narrower bounds for a searched lever (repeatable)",
    )
    p.add_argument(
        "--objective",
        action="append",
        required=True,
        metavar="COLUMN:max|min",
        help="an objective: a measure at m18 or end (mean over the replications), e.g. "
        "state_equity_end:max (repeatable; the report draws the first two)",
    )
    p.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="COLUMN<=X|COLUMN>=X",
        help="a chance constraint checked on the 95%% interval's upper (<=) or lower (>=) "
        "end, e.g. breach_stability<=0.10 or deadline_met>=0.8 (repeatable)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        default=2000,
        help="candidate evaluations in all (default 2000)",
    )
    p.add_argument(
        "--pop", type=positive_int, default=20, help="population per generation (default 20)"
    )
    p.add_argument(
        "--plans",
        type=positive_int,
        default=10,
        help="Pareto plans reported, re-checked and written at most, spread along the front "
        "(default 10)",
    )
    p.add_argument(
        "--recheck-reps",
        type=replications,
        help="replications of the re-check of the Pareto plans (default 2 x --reps)",
    )
    p.add_argument(
        "--recheck-seed", type=seed_int, help="seed of the re-check's worlds (default --seed + 1)"
    )
    p.add_argument(
        "--reference",
        default="baseline",
        metavar="NAME|FILE.toml",
        help="the reference marked on the front: a bundled scenario's name or a file "
        "(default baseline)",
    )
    batch_options(p, DEFAULT_OUT, reps=50, per="candidate (paired plausible worlds)", report=False)


def spec_of(args: argparse.Namespace) -> opt.Spec:
    """Check every option before anything runs (one-line errors, exit 2)."""
    from sim.attribution_cli import reference

    base = load(args.scenario)
    names = [n.strip() for n in args.levers.split(",") if n.strip()]
    variables = opt.variables(names, args.bounds)
    objectives = [opt.parse_objective(t) for t in args.objective]
    if len({o.column for o in objectives}) != len(objectives):
        raise InputError("--objective: a column is given twice")
    constraints = [opt.parse_constraint(t) for t in args.constraint]
    opt.check_reps(constraints, args.reps)
    if args.pop < 2:
        raise InputError(f"--pop {args.pop}: at least 2")
    if args.budget < args.pop:
        raise InputError(f"--budget {args.budget}: at least one generation (--pop {args.pop})")
    try:
        ref = reference(args.reference)
    except InputError as err:
        raise InputError(str(err).replace("--baseline", "--reference", 1)) from None
    return opt.Spec(
        base=base,
        variables=tuple(variables),
        objectives=tuple(objectives),
        constraints=tuple(constraints),
        reps=args.reps,
        seed=args.seed,
        pop=args.pop,
        budget=args.budget,
        reference=ref,
        plans=args.plans,
    )


def handler(args: argparse.Namespace) -> int:
    from sim.batch import run_on

    spec = spec_of(args)
    search = partial(
        opt.run,
        spec,
        args.out,
        recheck_reps=args.recheck_reps,
        recheck_seed=args.recheck_seed,
        uncertainty=args.uncertainty,
        overwrite=args.overwrite,
        command=args.command_line,
        outputs=(OPTIMIZE_CSV, OPTIMIZE_PAGE),
        report=(lambda line: None) if args.quiet else None,
    )
    found = run_on(search, args.scheduler, args.workers)
    write_outputs(found, args.out)
    return 0


def extends_of(spec: opt.Spec, plans: Path) -> str:
    """How a plan file names the starting scenario: its name if bundled, else a relative path."""
    real = Path(spec.base.files[0][0])
    if real.parent == BUNDLED.resolve():
        return spec.base.name
    return os.path.relpath(real, plans.resolve())


def write_outputs(found: opt.Found, out: Path) -> None:
    """optimize.csv, plans/*.toml (recorded outputs; stale recorded plans removed), optimize.html."""
    manifest = read_manifest(out)
    token = manifest["temp_token"]
    plans = out / "plans"
    if plans.is_symlink() or (plans.exists() and not plans.is_dir()):
        raise ResultsError(f"{plans}: not a folder this program made; move it away")
    plans.mkdir(exist_ok=True)
    wanted = {f"plans/{r.name}.toml" for r in found.front}
    stale = [
        name for name in manifest["outputs"] if PLAN_FILE.fullmatch(name) and name not in wanted
    ]
    if stale:
        remove_files(out, stale)
        manifest["outputs"] = [n for n in manifest["outputs"] if n not in stale]
        write_manifest(out, manifest)
    extends = extends_of(found.spec, plans)
    for record in found.front:
        name = f"plans/{record.name}.toml"
        claim_output(out, manifest, name)
        text = opt.plan_text(found, record, extends)
        atomic_write_bytes(out / name, text.encode("utf-8"), token)
    table = opt.plan_table(found)
    atomic_write_bytes(out / OPTIMIZE_CSV, table.to_csv(index=False).encode("utf-8"), token)
    atomic_write_bytes(out / OPTIMIZE_PAGE, page(found, table).encode("utf-8"), token)
    print(format_plans(found, table))
    print(
        f"optimize: {out / OPTIMIZE_CSV}, {out / OPTIMIZE_PAGE}, {len(found.front)} plan(s) in {plans}"
    )


def interval(row: pd.Series, column: str, prefix: str = "") -> str:
    c = prefix + column
    if c not in row or pd.isna(row[c]):
        return "-"
    return f"{row[c]:.3g} [{row[c + '_low']:.3g}, {row[c + '_high']:.3g}]"


def format_plans(found: opt.Found, table: pd.DataFrame) -> str:
    """The Pareto plans for the terminal: levers, objectives and constraints, search and re-check."""
    spec = found.spec
    levers = [v.name for v in spec.variables]
    cols = [o.column for o in spec.objectives] + [
        c.column for c in spec.constraints if c.column not in {o.column for o in spec.objectives}
    ]
    rows = [["plan", *levers, *cols, *(f"re-check {c}" for c in cols), "ok on re-check"]]
    for _, r in table.iterrows():
        rows.append(
            [
                r["plan"],
                *(f"{r[n]:g}" for n in levers),
                *(interval(r, c) for c in cols),
                *(interval(r, c, "recheck_") for c in cols),
                "yes" if r.get("feasible_on_recheck", True) else "NO",
            ]
        )
    head = (
        f"{len(table)} Pareto plan(s) from {len(found.archive)} candidates in {found.generations} "
        f"generations (--seed {spec.seed}, --reps {spec.reps}); re-check on --seed "
        f"{found.recheck_seed}, --reps {found.recheck_reps}; means and 95% intervals"
    )
    return head + "\n" + "\n".join(aligned(rows))


def page(found: opt.Found, table: pd.DataFrame) -> str:
    """The front in two objectives and the levers in parallel coordinates, plotly.js once."""
    spec = found.spec
    objs = list(spec.objectives)
    x = objs[0]
    y = objs[1] if len(objs) > 1 else None
    charts = []
    fig = go.Figure()
    records = list(found.archive.values())

    def ycol(stats: dict) -> float:
        return stats[y.column][0] if y else 0.0

    for feasible, label, color in ((False, "infeasible", "#cccccc"), (True, "feasible", "#8fb3d9")):
        chosen = [r for r in records if r.feasible(spec) == feasible]
        if chosen:
            fig.add_scatter(
                x=[r.stats[x.column][0] for r in chosen],
                y=[ycol(r.stats) for r in chosen],
                mode="markers",
                name=f"candidates, {label}",
                marker={"color": color, "size": 6},
                text=[r.name for r in chosen],
            )
    front = found.front

    def bars(col: str | None, prefix: str = "") -> dict | None:
        if col is None:
            return None
        mean = table[f"{prefix}{col}"]
        return {
            "type": "data",
            "symmetric": False,
            "array": table[f"{prefix}{col}_high"] - mean,
            "arrayminus": mean - table[f"{prefix}{col}_low"],
        }

    if front:
        fig.add_scatter(
            x=table[x.column],
            y=table[y.column] if y else [0.0] * len(table),
            error_x=bars(x.column),
            error_y=bars(y.column if y else None),
            mode="markers+lines",
            name=f"Pareto plans (seed {spec.seed}, {spec.reps} replications)",
            marker={"color": "#1f4e8c", "size": 10},
            text=table["plan"],
        )
        if found.recheck:
            flag = table.get("feasible_on_recheck", pd.Series([True] * len(table)))
            fig.add_scatter(
                x=table[f"recheck_{x.column}"],
                y=table[f"recheck_{y.column}"] if y else [0.0] * len(table),
                error_x=bars(x.column, "recheck_"),
                error_y=bars(y.column if y else None, "recheck_"),
                mode="markers",
                name=f"re-check (seed {found.recheck_seed}, {found.recheck_reps} replications)",
                marker={
                    "color": ["#2a9d3a" if ok else "#d62728" for ok in flag],
                    "size": 10,
                    "symbol": ["circle-open" if ok else "x" for ok in flag],
                },
                text=[
                    f"{p}{'' if ok else ': fails a constraint'}"
                    for p, ok in zip(table["plan"], flag, strict=True)
                ],
            )
    for record, label, symbol, colour in (
        (found.start, f"starting plan ({spec.base.name})", "star", "#e08a00"),
        (found.reference, "reference", "diamond", "#d62728"),
    ):
        if record is not None:
            fig.add_scatter(
                x=[record.stats[x.column][0]],
                y=[ycol(record.stats)],
                mode="markers",
                name=f"{label}: {record.name}" if label == "reference" else label,
                marker={"symbol": symbol, "size": 16, "color": colour},
            )
    fig.update_layout(
        title="The front / 帕累托前沿" + ("" if y else f" ({x.column} only)"),
        xaxis_title=f"{x.column} ({x.sense})",
        yaxis_title=f"{y.column} ({y.sense})" if y else "",
        height=560,
    )
    charts.append(fig.to_html(full_html=False, include_plotlyjs=True))
    if len(table) and spec.variables:
        charts.append(parallel(found, table).to_html(full_html=False, include_plotlyjs=False))
    intro = (
        f"Starting plan {spec.base.name}; levers searched: "
        + ", ".join(f"{v.name} in [{v.low:g}, {v.high:g}]" for v in spec.variables)
        + "; objectives: "
        + ", ".join(o.text for o in objs)
        + "; constraints (on the 95% interval's upper end for <=, lower end for >=): "
        + (", ".join(c.text for c in spec.constraints) or "none")
        + f". {len(found.archive)} candidates in {found.generations} generations of NSGA-II, "
        f"each on the same {spec.reps} plausible worlds (seed {spec.seed}). The Pareto plans "
        f"are re-evaluated on {found.recheck_reps} fresh worlds (seed {found.recheck_seed}): "
        "the figures chosen as best on the search's worlds are biased in their favour (the "
        "optimiser's curse), the re-check's are not. A plan failing a constraint on the "
        "re-check is marked with a red cross and 'NO' in the table."
    )
    shown = table.copy()
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Optimize</title>'
        "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;"
        "font-size:12px}td,th{border:1px solid #ccc;padding:2px 5px}</style>"
        f"</head><body><h1>Designing a better plan / 方案优化</h1><p>{html.escape(intro)}</p>"
        f"{''.join(charts)}<h2>The Pareto plans / 帕累托方案</h2>"
        f"{shown.to_html(index=False, float_format=lambda v: f'{v:.4g}')}"
        f'<script type="application/json" id="plans">'
        f"{html.escape(json.dumps(table.to_dict(orient='records'), default=str))}</script>"
        "</body></html>"
    )


def parallel(found: opt.Found, table: pd.DataFrame) -> go.Figure:
    """The Pareto plans' levers and objectives in parallel coordinates (blue), the starting
    plan (orange) and the reference (red) as lines of their own."""
    spec = found.spec
    pairs = ((found.start, spec.base), (found.reference, spec.reference))
    marked = [(r, sc) for r, sc in pairs if r is not None and sc is not None]
    values = {v.name: list(table[v.name]) for v in spec.variables}
    for v in spec.variables:
        values[v.name] += [float(sc.levers[v.name]) for _, sc in marked]
    for o in spec.objectives:
        values[o.text] = list(table[o.column]) + [r.stats[o.column][0] for r, _ in marked]
    dims = [
        {
            "label": v.name,
            "values": values[v.name],
            "range": [min(v.low, *values[v.name]), max(v.high, *values[v.name])],
        }
        for v in spec.variables
    ] + [{"label": o.text, "values": values[o.text]} for o in spec.objectives]
    colour = [0.0] * len(table) + [0.5, 1.0][: len(marked)]
    scale = [[0, "#1f4e8c"], [0.25, "#1f4e8c"], [0.5, "#e08a00"], [0.75, "#e08a00"], [1, "#d62728"]]
    fig = go.Figure(
        go.Parcoords(
            line={"color": colour, "colorscale": scale, "cmin": 0, "cmax": 1}, dimensions=dims
        )
    )
    names = " and ".join(
        f"{label} {r.name}"
        for (r, _), label in zip(
            marked, ("orange: the starting plan", "red: the reference"), strict=False
        )
    )
    fig.update_layout(
        title=f"The levers of the Pareto plans (blue) / 帕累托方案的杠杆; {names}", height=480
    )
    return fig


COMMANDS = (
    Command(
        "optimize",
        "search the levers for the Pareto plans under chance constraints (NSGA-II)",
        "Search the named levers (within their allowed ranges or --bounds) with NSGA-II for "
        "the Pareto plans of the --objective measures (means over --reps paired plausible "
        "worlds), each --constraint checked on its 95% interval's upper (<=) or lower (>=) "
        "end; every generation runs on the batch machinery (--workers, --scheduler, resume). "
        "The Pareto plans are re-checked on fresh worlds; writes OUT/optimize.csv, "
        "OUT/plans/*.toml (scenario files extending SCENARIO) and OUT/optimize.html. No plan "
        "meeting the constraints: one line and exit code 2.",
        arguments,
        handler,
        interrupted=RESUME,
    ),
)
