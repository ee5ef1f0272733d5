"""Robust multi-objective search over the levers, with the bottom lines as chance constraints.

``python run.py optimize SCENARIO.toml --levers A,B --objective MEASURE_end:max
--constraint "breach_stability<=0.10" --budget 2000 --reps 50`` searches the named levers
within their allowed ranges (or ``--bounds``) with pymoo's NSGA-II (NSGA-III for three
objectives or more; real levers on a grid
of about a thousandth of their range, integer levers rounded: a repair after every
variation), so the optimiser is a kept library, not ours.

Each generation is one batch on the machinery of ``run`` (``sim.batch``: parts, resume,
``--workers``, ``--scheduler``) in its own folder ``OUT/generations/NNNN`` (so no manifest
grows with the budget; ``OUT`` itself holds the starting plan and the reference): one
scenario per candidate, named after its lever values (``opt_<hash>``), every candidate on
the same ``reps`` replications (deep uncertainty,
common random numbers: replication i is the same plausible world for every candidate).
An objective is the mean over the replications; a constraint is checked on the upper
(``<=``) or lower (``>=``) end of the 95% interval of its estimate: exact (Clopper-Pearson)
for a probability (``breach_*``, ``deadline_met``), normal for a mean. The optimiser is
seeded, so rerunning the same command regenerates the same candidates generation by
generation and the batch reuses every finished one: an interrupted search resumes from
the last finished generation with the same result.

The Pareto set of the feasible candidates evaluated is then re-evaluated on fresh worlds
(another seed, more replications; ``recheck_s<seed>_r<reps>/`` under the folder) so the
optimiser's curse shows, and a plan failing a constraint there is flagged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch import Runner, run_batch
from sim.bottom_lines import BOTTOM_LINES, breach_probability
from sim.commands import RESUME, Incomplete, InputError, UserError
from sim.engine import simulate
from sim.measures import registry
from sim.parameters import table
from sim.results import read_manifest, read_table
from sim.scenario import Scenario, derive
from sim.tables import chunk_tables

PREFIX = "opt_"
GRID = 1000  # a real lever moves on steps of about 1/GRID of its range (a readable file)
Z95 = 1.959963984540054
CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")


class Infeasible(UserError):
    """No evaluated plan met the constraints (one line naming the closest)."""


# ------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class Variable:
    """A searched lever: its bounds and whether it takes integers."""

    name: str
    low: float
    high: float
    integer: bool

    @property
    def decimals(self) -> int:
        """Decimals kept of a real lever: about GRID steps over its range."""
        return max(0, math.ceil(math.log10(GRID / (self.high - self.low))))

    def clean(self, x: float) -> int | float:
        """``x`` clipped to the bounds and on the lever's grid (an int for integer levers)."""
        x = min(max(float(x), self.low), self.high)
        if self.integer:
            return int(round(x))
        step = 10.0**-self.decimals
        inside = (
            math.ceil(self.low / step - 1e-9) * step,
            math.floor(self.high / step + 1e-9) * step,
        )
        return float(round(min(max(round(x, self.decimals), inside[0]), inside[1]), self.decimals))


@dataclass(frozen=True)
class Objective:
    column: str  # a column of the summary table, e.g. state_equity_end
    sense: str  # "min" or "max"

    @property
    def text(self) -> str:
        return f"{self.column}:{self.sense}"


@dataclass(frozen=True)
class Constraint:
    column: str
    op: str  # "<=" (checked on the upper bound) or ">=" (on the lower bound)
    limit: float

    @property
    def text(self) -> str:
        return f"{self.column}{self.op}{self.limit:g}"

    def violation(self, low: float, high: float) -> float:
        """How far the interval's relevant end is on the wrong side (<= 0: satisfied)."""
        return high - self.limit if self.op == "<=" else self.limit - low


def summary_columns() -> list[str]:
    """The columns of the model's summary table an objective or constraint may name."""
    measures = [f"{m}_{when}" for m in registry() for when in ("m18", "end")]
    lines = [f"breach_{line.name}" for line in BOTTOM_LINES]
    return [*measures, "completion_month", "deadline_met", *lines]


def is_probability(column: str) -> bool:
    """A 0/1 column per replication, whose mean is a probability (exact intervals)."""
    return column.startswith("breach_") or column == "deadline_met"


def numeric_levers() -> list[str]:
    return [n for n, p in table()["levers"].items() if p.type in ("float", "int")]


def parse_bound(text: str) -> tuple[str, float, float]:
    """``--bounds NAME=LO:HI`` -> (name, lo, hi); the checks against the lever come later."""
    name, eq, spec = text.partition("=")
    low, colon, high = spec.partition(":")
    try:
        if not (eq and colon):
            raise ValueError
        lo, hi = float(low), float(high)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError
    except ValueError:
        raise InputError(f"--bounds {text}: give NAME=LO:HI with two numbers") from None
    return name.strip(), lo, hi


def variables(names: list[str], bounds: list[str] = ()) -> list[Variable]:
    """The searched levers, each within its allowed range or its ``--bounds``."""
    levers = table()["levers"]
    allowed = numeric_levers()
    if not names:
        raise InputError("--levers: name at least one lever; allowed: " + ", ".join(allowed))
    for name in names:
        if name not in levers:
            raise InputError(
                f"--levers: unknown lever {name!r}; allowed (numeric levers): " + ", ".join(allowed)
            )
        if name not in allowed:
            raise InputError(
                f"--levers: {name} is not numeric ({levers[name].allowed()}); search numeric levers"
            )
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InputError(f"--levers: {twice} is named twice")
    given = {}
    for text in bounds:
        name, lo, hi = parse_bound(text)
        if name not in names:
            raise InputError(
                f"--bounds {text}: {name!r} is not one of --levers ({', '.join(names)})"
            )
        p = levers[name]
        for v in (lo, hi):
            value = int(v) if p.type == "int" and v.is_integer() else v
            problem = p.check(value)
            if problem:
                raise InputError(f"--bounds {text}: {name} {problem}")
        if not lo < hi:
            raise InputError(f"--bounds {text}: needs LO < HI")
        given[name] = (lo, hi)
    out = []
    for name in names:
        p = levers[name]
        lo, hi = given.get(name, p.range)
        out.append(Variable(name, float(lo), float(hi), p.type == "int"))
    return out


def parse_objective(text: str, columns: list[str] | None = None) -> Objective:
    """``COLUMN:max`` or ``COLUMN:min``."""
    columns = summary_columns() if columns is None else columns
    column, colon, sense = text.partition(":")
    if not colon or sense not in ("min", "max"):
        raise InputError(f"--objective {text}: give MEASURE_end:max or MEASURE_end:min")
    if column not in columns:
        raise InputError(
            f"--objective {text}: unknown column {column!r}; give a measure at m18 or end "
            "(e.g. state_equity_end; `python run.py measures` lists them), completion_month, "
            "deadline_met or breach_<line>"
        )
    return Objective(column, sense)


def parse_constraint(text: str, columns: list[str] | None = None) -> Constraint:
    """``COLUMN<=LIMIT`` or ``COLUMN>=LIMIT``; a probability's limit must be in [0, 1]."""
    columns = summary_columns() if columns is None else columns
    found = CONSTRAINT.match(text)
    try:
        limit = float(found.group(3)) if found else math.nan
    except ValueError:
        limit = math.nan
    if not found or not math.isfinite(limit):
        raise InputError(
            f"--constraint {text}: give COLUMN<=LIMIT or COLUMN>=LIMIT, e.g. breach_stability<=0.10"
        )
    column, op = found.group(1), found.group(2)
    if column not in columns:
        lines = ", ".join(f"breach_{line.name}" for line in BOTTOM_LINES)
        raise InputError(
            f"--constraint {text}: unknown column {column!r}; give {lines}, deadline_met or a "
            "measure at m18 or end (`python run.py measures` lists them)"
        )
    if is_probability(column) and not 0 <= limit <= 1:
        raise InputError(
            f"--constraint {text}: {column} is a probability; the limit must be in [0, 1]"
        )
    return Constraint(column, op, limit)


def fewest_reps(c: Constraint) -> int:
    """The fewest replications with which a probability constraint can hold at all: with
    none of them breaching (``<=``) or all of them meeting it (``>=``), the exact 95%
    interval's end must reach the limit (0 if it never can, e.g. ``<= 0``)."""
    if not is_probability(c.column):
        return 1
    if c.op == "<=":  # upper end with no event: 1 - 0.025 ** (1 / n) <= limit
        return (
            0
            if c.limit <= 0
            else 1
            if c.limit >= 1
            else math.ceil(math.log(0.025) / math.log(1 - c.limit))
        )
    return (
        0 if c.limit >= 1 else 1 if c.limit <= 0 else math.ceil(math.log(0.025) / math.log(c.limit))
    )


def check_reps(constraints: list[Constraint], reps: int) -> None:
    """Refuse a search no plan can pass for too few replications (one line, exit 2)."""
    for c in constraints:
        need = fewest_reps(c)
        if need == 0 or reps < need:
            low, high = breach_probability(
                np.zeros(reps, bool) if c.op == "<=" else np.ones(reps, bool)
            )[1:]
            bound = f"upper bound {high:.3g}" if c.op == "<=" else f"lower bound {low:.3g}"
            fix = f"give --reps {need} or more" if need else "loosen it"
            raise InputError(
                f"--constraint {c.text}: no plan can meet it on the 95% interval with --reps {reps} "
                f"(the best possible, {'no' if c.op == '<=' else 'every'} replication, has {bound}); {fix}"
            )


def estimate(values: np.ndarray, probability: bool) -> tuple[float, float, float]:
    """The mean over replications and its 95% interval: exact for a probability, normal
    (mean +- 1.96 standard errors) for a mean."""
    values = np.asarray(values, dtype=float)
    if probability:
        return breach_probability(values > 0.5)
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
    return mean, mean - Z95 * se, mean + Z95 * se


def candidate_name(values: dict[str, int | float]) -> str:
    """The scenario name of a candidate: the same lever values, the same name (and parts)."""
    text = json.dumps(values, sort_keys=True)
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()[:12]


def candidate(base: Scenario, values: dict[str, int | float]) -> Scenario:
    """``base`` with the candidate's lever values; no file texts (the manifest records the base)."""
    name = candidate_name(values)
    shown = ", ".join(f"{k} = {v:g}" for k, v in values.items())
    sc = derive(base, name, levers=values)
    return dataclasses.replace(
        sc,
        title=f"{base.title}: {shown}",
        title_zh=f"{base.title_zh}：{shown}",
        description=f"{base.name} with {shown}",
        files=(),
    )


def summary_runner(scenario: Scenario, seed: int, replications: range) -> dict[str, pd.DataFrame]:
    """The batch runner of a search: the summary of a chunk only (the candidates' time series
    are not needed, and their parts stay small to verify at every generation)."""
    values = simulate(scenario, seed, replications)
    empty = pd.DataFrame(
        {"scenario": pd.Series(dtype=object), "replication": pd.Series(dtype="int32")}
    )
    return {"timeseries": empty, "summary": chunk_tables(scenario, replications, values)["summary"]}


@dataclass(frozen=True)
class Spec:
    """What is searched: the start, the levers, the objectives and the constraints."""

    base: Scenario
    variables: tuple[Variable, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    reps: int
    seed: int
    pop: int
    budget: int
    reference: Scenario | None = None
    plans: int = 10  # Pareto plans reported, re-checked and written at most

    def columns(self, available: set[str] | None = None) -> list[str]:
        """The columns reported per plan: objectives, constraints, and every bottom line's
        breach probability and P(deadline) when the summary has them."""
        cols = [o.column for o in self.objectives] + [c.column for c in self.constraints]
        extra = [f"breach_{line.name}" for line in BOTTOM_LINES] + ["deadline_met"]
        cols += [c for c in extra if available is None or c in available]
        return list(dict.fromkeys(cols))

    def entry(self) -> dict:
        """The manifest's ``analysis`` entry; its design digest makes the folder's identity
        (the budget is not part of it: a larger budget continues the same search)."""
        design = {
            "kind": "optimize",
            "base": self.base.name,
            "base_digest": self.base.digest(),
            "levers": {
                v.name: [v.low, v.high, "int" if v.integer else "float"] for v in self.variables
            },
            "objectives": [o.text for o in self.objectives],
            "constraints": [c.text for c in self.constraints],
            "pop": self.pop,
            "seed": self.seed,
        }
        digest = hashlib.sha256(json.dumps(design, sort_keys=True).encode()).hexdigest()[:16]
        return {**design, "budget": self.budget, "design": digest}


@dataclass
class Record:
    """One evaluated scenario: its lever values and each column's (mean, low, high)."""

    name: str
    values: dict[str, int | float]
    stats: dict[str, tuple[float, float, float]]
    generation: int

    def objectives(self, spec: Spec) -> np.ndarray:
        """Objectives as pymoo minimises them (a maximised one negated)."""
        f = np.array(
            [self.stats[o.column][0] * (-1 if o.sense == "max" else 1) for o in spec.objectives]
        )
        return np.nan_to_num(f, nan=np.inf)  # a measure undefined in some world: the worst

    def violations(self, spec: Spec) -> np.ndarray:
        g = np.array(
            [c.violation(*self.stats[c.column][1:]) for c in spec.constraints], dtype=float
        )
        return np.nan_to_num(g, nan=np.inf)

    def feasible(self, spec: Spec) -> bool:
        return bool(np.all(self.violations(spec) <= 0))


def statistics(
    summary: pd.DataFrame, names: list[str], columns: list[str], horizons: dict[str, int]
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per scenario each column's mean and 95% interval over its replications; a world
    where the plan never completes counts as completing at the horizon (censored), so
    ``completion_month:min`` asks for the fastest plan."""
    out = {}
    for name, rows in summary.groupby("scenario"):
        if name in names:
            if "completion_month" in rows:
                rows = rows.assign(completion_month=rows["completion_month"].fillna(horizons[name]))
            out[name] = {
                c: estimate(rows[c].to_numpy(), is_probability(c)) for c in columns if c in rows
            }
    missing = [n for n in names if n not in out]
    if missing:
        raise UserError(f"optimize: no results for {missing[0]}; rerun the same command to resume")
    return out


def evaluate_batch(
    scenarios: list[Scenario],
    reps: int,
    seed: int,
    out: Path,
    columns: list[str],
    runner: Runner,
    batch: dict,
) -> tuple[dict[str, dict[str, tuple[float, float, float]]], int, int]:
    """Run ``scenarios`` as one batch into ``out``; their statistics, chunks run and reused."""
    result = run_batch(scenarios, reps, seed, out, runner=runner, **batch)
    if not result.complete:
        first = result.failures[0]
        raise Incomplete(
            f"{len(result.failures)} chunk(s) failed (the first: scenario {first['scenario']}: "
            f"{first['error']}); {RESUME}"
        )
    manifest = read_manifest(out)
    names = [sc.name for sc in scenarios]
    summary = read_table(out, manifest, "summary", scenarios=names)
    horizons = {sc.name: sc.horizon for sc in scenarios}
    return statistics(summary, names, columns, horizons), result.chunks_run, result.chunks_reused


@dataclass
class Found:
    """What a search found: every evaluated candidate, the Pareto set of the feasible ones,
    the starting plan and the reference, and the re-check of the Pareto set."""

    spec: Spec
    archive: dict[str, Record]
    front: list[Record]  # the plans reported: at most ``spec.plans``, spread along the front
    pareto: list[Record] = field(default_factory=list)  # every feasible non-dominated one
    start: Record | None = None
    reference: Record | None = None
    recheck: dict[str, dict[str, tuple[float, float, float]]] = field(default_factory=dict)
    recheck_seed: int = 0
    recheck_reps: int = 0
    uncertainty: str = "deep"  # of every batch: a plan's figures need the same to reproduce
    generations: int = 0


def run(
    spec: Spec,
    out: Path,
    *,
    runner: Runner = summary_runner,
    recheck_reps: int | None = None,
    recheck_seed: int | None = None,
    uncertainty: str = "deep",
    overwrite: bool = False,
    command: str = "",
    outputs: tuple[str, ...] = (),
    workers: int = 1,
    executor: object = None,
    report: Callable[[str], None] | None = None,
) -> Found:
    """Search, then re-check the Pareto set; every evaluation on the batch machinery into
    ``out``. ``report`` receives a line per generation (default: stderr)."""
    from sim.batch import LocalPool, stop_pool

    say = report or (lambda line: print(line, file=sys.stderr))
    pool = executor
    if pool is None and workers > 1:  # one pool for every generation, not one each
        pool = LocalPool(workers)
    batch = {
        "command": command,
        "progress": False,
        "workers": workers,
        "executor": pool,
        "outputs": outputs,
        "uncertainty": uncertainty,
        "analysis": spec.entry(),
    }
    interrupted = True
    try:
        found = search(spec, out, runner, batch, overwrite, say)
        found.uncertainty = uncertainty
        recheck(found, out, runner, batch, recheck_reps, recheck_seed, overwrite, say)
        interrupted = False
    finally:
        if executor is None and pool is not None:
            stop_pool(pool, at_once=interrupted)
    return found


def search(
    spec: Spec,
    out: Path,
    runner: Runner,
    batch: dict,
    overwrite: bool,
    say: Callable[[str], None],
) -> Found:
    """NSGA-II over the levers, a generation per batch; the feasible Pareto set of all the
    candidates evaluated (InputError-like :class:`Infeasible` if none is feasible)."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem
    from pymoo.core.repair import Repair
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.sampling.rnd import FloatRandomSampling

    if spec.budget < spec.pop:
        raise InputError(f"--budget {spec.budget}: at least one generation (--pop {spec.pop})")
    columns = spec.columns()
    archive: dict[str, Record] = {}
    found = Found(spec, archive, [])
    fixed = [spec.base] + (
        [spec.reference] if spec.reference and spec.reference.name != spec.base.name else []
    )
    stats, _, _ = evaluate_batch(
        fixed, spec.reps, spec.seed, out, columns, runner, {**batch, "overwrite": overwrite}
    )
    found.start = Record(spec.base.name, {}, stats[spec.base.name], 0)
    if spec.reference is not None:
        found.reference = Record(spec.reference.name, {}, stats[spec.reference.name], 0)

    class Grid(Repair):
        def _do(self, problem: object, X: np.ndarray, **kwargs: object) -> np.ndarray:
            return np.array(
                [[v.clean(x) for v, x in zip(spec.variables, row, strict=True)] for row in X],
                dtype=float,
            )

    counts = {"run": 0, "reused": 0, "generation": 0}
    generation = {**batch, "overwrite": overwrite, "outputs": ()}

    class Levers(Problem):
        def _evaluate(self, X: np.ndarray, out_: dict, *args: object, **kwargs: object) -> None:
            counts["generation"] += 1
            rows = [
                {v.name: v.clean(x) for v, x in zip(spec.variables, row, strict=True)} for row in X
            ]
            # a candidate evaluated in an earlier generation is not run again
            new = {candidate_name(r): r for r in rows if candidate_name(r) not in archive}
            if new:
                scenarios = [candidate(spec.base, r) for r in new.values()]
                folder = generation_folder(out, counts["generation"])
                stats, ran, reused = evaluate_batch(
                    scenarios, spec.reps, spec.seed, folder, columns, runner, generation
                )
                counts["run"] += ran
                counts["reused"] += reused
                for name, r in new.items():
                    archive[name] = Record(name, r, stats[name], counts["generation"])
            records = [archive[candidate_name(r)] for r in rows]
            out_["F"] = np.array([rec.objectives(spec) for rec in records])
            if spec.constraints:
                out_["G"] = np.array([rec.violations(spec) for rec in records])

    problem = Levers(
        n_var=len(spec.variables),
        n_obj=len(spec.objectives),
        n_ieq_constr=len(spec.constraints),
        xl=np.array([v.low for v in spec.variables]),
        xu=np.array([v.high for v in spec.variables]),
    )
    operators = {
        "pop_size": spec.pop,
        "sampling": FloatRandomSampling(),
        "crossover": SBX(prob=0.9, eta=15),
        "mutation": PM(eta=20),
        "repair": Grid(),
        "eliminate_duplicates": True,
    }
    if len(spec.objectives) >= 3:  # NSGA-II's crowding distance loses its way beyond two
        from pymoo.algorithms.moo.nsga3 import NSGA3
        from pymoo.util.ref_dirs import get_reference_directions

        directions = get_reference_directions(
            "energy", len(spec.objectives), spec.pop, seed=spec.seed
        )
        algorithm = NSGA3(ref_dirs=directions, **operators)
    else:
        algorithm = NSGA2(**operators)
    algorithm.setup(problem, termination=("n_eval", spec.budget), seed=spec.seed, verbose=False)
    while algorithm.has_next():
        pop = algorithm.ask()
        algorithm.evaluator.eval(problem, pop)
        algorithm.tell(infills=pop)
        say(progress_line(spec, archive, counts, algorithm.evaluator.n_eval))
    found.generations = counts["generation"]
    feasible = [r for r in archive.values() if r.feasible(spec)]
    if not feasible:
        raise Infeasible(infeasible_message(spec, archive))
    found.pareto = pareto(spec, feasible)
    found.front = spread(found.pareto, spec.plans)
    return found


def pareto(spec: Spec, records: list[Record]) -> list[Record]:
    """The non-dominated records (minimised objectives), sorted by the first objective;
    of plans with equal objectives the first evaluated is kept."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    F = np.array([r.objectives(spec) for r in records])
    best = NonDominatedSorting().do(F, only_non_dominated_front=True)
    front, seen = [], set()
    for i in sorted(best, key=lambda i: (tuple(F[i]), records[i].generation, records[i].name)):
        key = tuple(F[i])
        if key not in seen:
            seen.add(key)
            front.append(records[i])
    return front


def spread(front: list[Record], most: int) -> list[Record]:
    """At most ``most`` plans of a front sorted by its first objective, evenly spaced along
    it, both ends included."""
    if len(front) <= most:
        return list(front)
    picks = sorted({int(round(i)) for i in np.linspace(0, len(front) - 1, most)})
    return [front[i] for i in picks]


def progress_line(spec: Spec, archive: dict[str, Record], counts: dict, evaluations: int) -> str:
    feasible = [r for r in archive.values() if r.feasible(spec)]
    best = []
    for o in spec.objectives:
        if feasible:
            pick = max if o.sense == "max" else min
            best.append(f"{o.text} {pick(r.stats[o.column][0] for r in feasible):.4g}")
    shown = "; best feasible: " + ", ".join(best) if best else "; no feasible plan yet"
    return (
        f"generation {counts['generation']}: {evaluations}/{spec.budget} evaluations "
        f"({counts['run']} chunks run, {counts['reused']} reused), {len(feasible)} feasible{shown}"
    )


def infeasible_message(spec: Spec, archive: dict[str, Record]) -> str:
    """One line: no plan met the constraints; the closest one and its worst constraint."""
    records = list(archive.values())
    total = [float(np.clip(r.violations(spec), 0, None).sum()) for r in records]
    closest = records[int(np.argmin(total))]
    v = closest.violations(spec)
    worst = spec.constraints[int(np.argmax(v))]
    mean, low, high = closest.stats[worst.column]
    end, bound = ("upper", high) if worst.op == "<=" else ("lower", low)
    return (
        f"no plan met the constraints in {len(records)} candidates evaluated; the closest "
        f"({closest.name}) has {worst.column} {mean:.3g} with 95% {end} bound {bound:.3g} "
        f"against {worst.text}"
    )


def recheck(
    found: Found,
    out: Path,
    runner: Runner,
    batch: dict,
    reps: int | None,
    seed: int | None,
    overwrite: bool,
    say: Callable[[str], None],
) -> None:
    """Re-evaluate the Pareto set on fresh worlds: another seed, more replications."""
    spec = found.spec
    found.recheck_reps = reps or 2 * spec.reps
    found.recheck_seed = spec.seed + 1 if seed is None else seed
    folder = recheck_folder(out, found.recheck_seed, found.recheck_reps)
    scenarios = [candidate(spec.base, r.values) for r in found.front]
    found.recheck, _, _ = evaluate_batch(
        scenarios,
        found.recheck_reps,
        found.recheck_seed,
        folder,
        spec.columns(),
        runner,
        {**batch, "outputs": (), "overwrite": overwrite},
    )
    failing = sum(not feasible_on_recheck(spec, found.recheck[r.name]) for r in found.front)
    say(
        f"re-check: {len(found.front)} Pareto plan(s) on seed {found.recheck_seed}, "
        f"{found.recheck_reps} replications: {failing} fail a constraint there"
    )


def generation_folder(out: Path, generation: int) -> Path:
    """The batch folder of a generation: one each keeps every manifest small (the search's
    cost stays linear in the budget) and a finished generation is reused whole on resume."""
    return own_folder(Path(out) / "generations") / f"{generation:04d}"


def own_folder(path: Path) -> Path:
    """``path``, refused if it is a symlink or not a folder (the batch must not write
    through it elsewhere)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise UserError(f"{path}: not a folder this program made; move it away")
    return path


def recheck_folder(out: Path, seed: int, reps: int) -> Path:
    return own_folder(Path(out) / f"recheck_s{seed}_r{reps}")


def feasible_on_recheck(spec: Spec, stats: dict[str, tuple[float, float, float]]) -> bool:
    return all(c.violation(*stats[c.column][1:]) <= 0 for c in spec.constraints)


# ----------------------------------------------------------------------------- outputs
def plan_table(found: Found) -> pd.DataFrame:
    """A row per Pareto plan: levers, each column's mean and 95% interval on the search's
    worlds and on the re-check's, and whether it meets every constraint on the re-check."""
    spec = found.spec
    rows = []
    for r in found.front:
        row: dict[str, object] = {"plan": r.name, "file": f"plans/{r.name}.toml"}
        row.update(r.values)
        for c in spec.columns(set(r.stats)):
            mean, low, high = r.stats[c]
            row.update({c: mean, f"{c}_low": low, f"{c}_high": high})
        row.update({"seed": spec.seed, "reps": spec.reps, "uncertainty": found.uncertainty})
        again = found.recheck.get(r.name)
        if again is not None:
            for c in spec.columns(set(again)):
                mean, low, high = again[c]
                row.update(
                    {f"recheck_{c}": mean, f"recheck_{c}_low": low, f"recheck_{c}_high": high}
                )
            row.update(
                {
                    "recheck_seed": found.recheck_seed,
                    "recheck_reps": found.recheck_reps,
                    "feasible_on_recheck": feasible_on_recheck(spec, again),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


def plan_text(found: Found, record: Record, extends: str) -> str:
    """The scenario file of a plan: extends the starting scenario, sets the searched levers."""
    spec = found.spec
    shown = ", ".join(f"{k} = {v:g}" for k, v in record.values.items())
    lines = [
        f"# A Pareto plan of `python run.py optimize` ({', '.join(o.text for o in spec.objectives)}"
        + (f"; {', '.join(c.text for c in spec.constraints)}" if spec.constraints else "")
        + ")",
        f"# its figures: run --seed {spec.seed} --reps {spec.reps} --uncertainty "
        f"{found.uncertainty}; re-checked on --seed {found.recheck_seed} --reps {found.recheck_reps}",
        f"title = {json.dumps(f'{spec.base.title}: {shown}', ensure_ascii=False)}",
        f"title_zh = {json.dumps(f'{spec.base.title_zh}：{shown}', ensure_ascii=False)}",
        f"description = {json.dumps(f'{spec.base.name} with searched levers: {shown}', ensure_ascii=False)}",
        f"extends = {json.dumps(extends)}",
        "",
        "[levers]",
    ]
    lines += [f"{k} = {v!r}" for k, v in record.values.items()]
    return "\n".join(lines) + "\n"
