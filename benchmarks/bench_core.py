"""Throughput, memory and scaling of the vectorized core against the Mesa agent model, in one run.

    python benchmarks/bench_core.py [--quick] [--seed 1] [--json PATH]

On ``scenarios/city_plan.toml``: firm-steps per second (enterprises x months x
replications over seconds) of ``sim.engine.simulate`` on one chunk of 1, 50, 200 and
1 000 replications and of the Mesa agent model on one replication (a short horizon,
scaled per firm-step); their ratio per replication; the time of drawing the largest
chunk's random numbers alone (a floor under the core's time); the wall time of a whole batch with
its results written (``sim.batch.run_batch``, each worker count in its own process) on
1 and 2 workers; the peak memory (tracemalloc, numpy's buffers included) per
replication in flight, in bytes per enterprise, at the batch's chunk size; and the
fitted log-log exponents of the core's time in replications and in city size (synthetic
cities with every level's count of enterprises times 4 and 16, each run in its own
process). It prints a table and writes ``benchmarks/results/bench_core.json`` with the
machine's description and the load average before the run. ``--quick`` is a smoke run
of the same steps on tiny sizes (its figures mean nothing). Speed is measured here,
never asserted in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the sim package of this checkout, wherever it is run from

SCENARIO = ROOT / "scenarios" / "city_plan.toml"
RESULTS = ROOT / "benchmarks" / "results" / "bench_core.json"
CITY_LEVEL_NAMES = ("N_FIRMS", "LEVEL", "IN_PLAN", "MUNICIPAL", "CENTRAL", "PROVINCIAL", "COUNTS")


@dataclass(frozen=True)
class Plan:
    """The sizes of one benchmark run."""

    horizon: int  # months of the core runs and of the batch
    chunks: tuple[int, ...]  # replications per core chunk
    abm_horizon: int  # months of the agent model's replication
    batch_reps: int
    workers: tuple[int, ...]
    memory_reps: int  # replications in flight for the memory measure
    city_scales: tuple[int, ...]
    city_reps: int  # replications a chunk in each city: a batch's (sim.batch.CHUNK_SIZE)
    city_horizon: int


FULL = Plan(66, (1, 50, 200, 1000), 18, 10_000, (1, 2), 50, (1, 4, 16), 50, 24)
QUICK = Plan(18, (1, 2), 18, 4, (1, 2), 2, (1, 4, 16), 1, 18)


def scenario(horizon: int):
    from sim.scenario import derive, load

    base = load(SCENARIO)
    return derive(base, base.name, settings={"horizon_months": horizon})


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": version("mesa"),
    }


def scale_city(factor: int) -> None:
    """Make this process's city ``factor`` times as large: every level's count of
    enterprises is multiplied (departments, industries, listings and investors stay)."""
    from sim import population, state

    counts = {level: n * factor for level, n in population.COUNTS.items()}
    level = np.repeat(np.arange(len(counts)), list(counts.values())).astype(np.int8)
    new = {
        "COUNTS": counts,
        "N_FIRMS": int(level.size),
        "LEVEL": level,
        "IN_PLAN": level <= population.Level.COUNTY,
        "MUNICIPAL": level == population.Level.MUNICIPAL,
        "CENTRAL": level == population.Level.CENTRAL,
        "PROVINCIAL": level == population.Level.PROVINCIAL,
    }
    old = {name: getattr(population, name) for name in CITY_LEVEL_NAMES}
    for module in [m for name, m in sys.modules.items() if name.startswith("sim")]:
        for name in CITY_LEVEL_NAMES:
            if getattr(module, name, None) is old[name]:
                setattr(module, name, new[name])
    pilot = np.zeros(level.size, dtype=bool)
    pilot[list(population.PILOTS)] = True
    state.PILOT = pilot
    firms = state.Firms
    firms.in_plan, firms.municipal, firms.pilot = new["IN_PLAN"], new["MUNICIPAL"], pilot
    firms.central, firms.provincial = new["CENTRAL"], new["PROVINCIAL"]


def time_core(sc, seed: int, reps: int) -> float:
    """Seconds per call of ``engine.simulate`` on one chunk of ``reps`` (best of a few
    calls when a call is short)."""
    from sim import engine

    best, spent = np.inf, 0.0
    while spent < 3.0 or best == np.inf:
        t0 = time.perf_counter()
        engine.simulate(sc, seed, range(reps))
        took = time.perf_counter() - t0
        best, spent = min(best, took), spent + took
        if took > 1.0:
            break
    return best


def core_row(sc, seed: int, reps: int) -> dict:
    from sim.population import N_FIRMS

    seconds = time_core(sc, seed, reps)
    steps = N_FIRMS * sc.horizon * reps
    return {
        "reps": reps,
        "enterprises": N_FIRMS,
        "months": sc.horizon,
        "seconds": seconds,
        "ms_per_rep": 1e3 * seconds / reps,
        "firm_steps_per_s": steps / seconds,
    }


def draws_row(sc, seed: int, reps: int) -> dict:
    """Drawing one chunk's random numbers alone, every month's as the core reads them (best
    of three): a floor under the core's time that no rewriting of its equations lowers."""
    from sim.randomness import draw

    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        d = draw(seed, range(reps), sc.horizon, sc.constants)
        for t in range(1, sc.horizon + 1):
            d.month(t)
        best = min(best, time.perf_counter() - t0)
    return {"reps": reps, "months": sc.horizon, "seconds": best, "ms_per_rep": 1e3 * best / reps}


def mesa_row(seed: int, horizon: int) -> dict:
    """One replication of the agent model (setup included), per firm-step."""
    from sim.abm import simulate
    from sim.abm.model import SOEReformModel  # noqa: F401  (imports Mesa before the clock)
    from sim.population import N_FIRMS

    sc = scenario(horizon)
    t0 = time.perf_counter()
    simulate(sc, seed, range(1))
    seconds = time.perf_counter() - t0
    return {
        "reps": 1,
        "enterprises": N_FIRMS,
        "months": horizon,
        "seconds": seconds,
        "firm_steps_per_s": N_FIRMS * horizon / seconds,
    }


def memory_row(sc, seed: int, reps: int) -> dict:
    """Peak memory tracemalloc sees during one chunk, per replication and enterprise."""
    from sim import engine
    from sim.population import N_FIRMS

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    engine.simulate(sc, seed, range(reps))
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "reps_in_flight": reps,
        "months": sc.horizon,
        "peak_bytes": peak,
        "bytes_per_rep": peak / reps,
        "bytes_per_enterprise_rep": peak / (reps * N_FIRMS),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started. Linux's ``ru_maxrss`` would
    carry over the benchmark's own peak from before the fork that started this process;
    ``VmHWM`` is this program's alone."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batch_child(horizon: int, reps: int, workers: int, seed: int, out: Path) -> dict:
    """The batch with results written, in this process (a child of the benchmark)."""
    from sim.batch import run_batch

    sc = scenario(horizon)
    t0 = time.perf_counter()
    result = run_batch([sc], reps, seed, out, workers=workers, progress=False)
    seconds = time.perf_counter() - t0
    assert result.complete, result.failures
    return {
        "reps": reps,
        "workers": workers,
        "months": horizon,
        "seconds": seconds,
        "ms_per_rep": 1e3 * seconds / reps,
        "main_rss_mb": peak_rss_mb(),
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def city_child(factor: int, horizon: int, reps: int, seed: int) -> dict:
    scale_city(factor)
    return {"scale": factor, **core_row(scenario(horizon), seed, reps)}


def child(args: list[str]) -> dict:
    """Run one measurement in a fresh process; return its JSON line."""
    command = [sys.executable, __file__, "--child", *args]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])


def exponent(x: list[float], y: list[float]) -> float:
    """Slope of log y on log x (least squares)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def run(plan: Plan, seed: int) -> dict:
    load = os.getloadavg()
    sc = scenario(plan.horizon)
    from sim import engine

    engine.simulate(sc, seed, range(1))  # imports, caches
    core = [core_row(sc, seed, reps) for reps in plan.chunks]
    mesa = mesa_row(seed, plan.abm_horizon)
    for row in core:  # how many times as fast per replication as the agent model
        row["over_mesa"] = row["firm_steps_per_s"] / mesa["firm_steps_per_s"]
    big = [row for row in core if row["reps"] >= 50] or core
    best = max(big, key=lambda row: row["reps"])
    draws = draws_row(sc, seed, best["reps"])
    memory = memory_row(sc, seed, plan.memory_reps)
    with tempfile.TemporaryDirectory() as tmp:
        batches = [
            child(["batch", str(plan.horizon), str(plan.batch_reps), str(w), str(seed), tmp])
            for w in plan.workers
        ]
    cities = [
        child(["city", str(f), str(plan.city_horizon), str(plan.city_reps), str(seed)])
        for f in plan.city_scales
    ]
    return {
        "scenario": "city_plan",
        "seed": seed,
        "quick": plan is QUICK,
        "machine": machine(),
        "load_average_before": list(load),
        "core": core,
        "mesa": mesa,
        "core_over_mesa_per_rep": best["firm_steps_per_s"] / mesa["firm_steps_per_s"],
        "draws": {**draws, "share_of_core": draws["seconds"] / best["seconds"]},
        "batch": batches,
        "memory": memory,
        "scaling": {
            "replications_exponent": exponent(
                [r["reps"] for r in big], [r["seconds"] for r in big]
            ),
            "replications_fitted_on": [r["reps"] for r in big],
            "enterprises_exponent": exponent(
                [r["enterprises"] for r in cities], [r["seconds"] for r in cities]
            ),
            "cities": cities,
        },
    }


def table(res: dict) -> str:
    """The figures as text."""
    m = res["machine"]
    lines = [
        f"{res['scenario']}, seed {res['seed']}{' (quick: sizes too small to mean anything)' if res['quick'] else ''}",
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}, numpy {m['numpy']}, Mesa {m['mesa']}",
        "load average before: " + " ".join(f"{x:.2f}" for x in res["load_average_before"]),
        "",
        f"{'engine':<16}{'reps':>6}{'months':>8}{'ms/rep':>11}{'firm-steps/s':>15}{'x Mesa':>9}",
    ]
    for r in res["core"]:
        lines.append(
            f"{'core':<16}{r['reps']:>6}{r['months']:>8}{r['ms_per_rep']:>11.2f}"
            f"{r['firm_steps_per_s']:>15,.0f}{r['over_mesa']:>8.0f}x"
        )
    a = res["mesa"]
    per_rep = 1e3 * a["seconds"] / a["months"] * res["core"][0]["months"]
    lines.append(
        f"{'Mesa (scaled)':<16}{1:>6}{a['months']:>8}{per_rep:>11.1f}{a['firm_steps_per_s']:>15,.0f}"
    )
    lines.append(
        f"core / Mesa per replication, largest chunk: {res['core_over_mesa_per_rep']:.0f}x"
    )
    d = res["draws"]
    lines.append(
        f"random numbers alone ({d['reps']} reps): {d['ms_per_rep']:.2f} ms/rep, "
        f"{d['share_of_core']:.0%} of the core's time"
    )
    lines.append("")
    for b in res["batch"]:
        lines.append(
            f"batch of {b['reps']} reps, results written, {b['workers']} worker(s): "
            f"{b['seconds']:.1f} s (main RSS {b['main_rss_mb']:.0f} MB, "
            f"worker RSS {b['worker_rss_mb']:.0f} MB)"
        )
    mem = res["memory"]
    lines.append(
        f"peak memory, {mem['reps_in_flight']} reps in flight: "
        f"{mem['bytes_per_enterprise_rep']:,.0f} bytes per enterprise per replication"
    )
    sc = res["scaling"]
    lines.append(
        f"scaling exponents: replications {sc['replications_exponent']:.2f} "
        f"(chunks {sc['replications_fitted_on']}), enterprises {sc['enterprises_exponent']:.2f} "
        f"(cities of {', '.join(str(c['enterprises']) for c in sc['cities'])})"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run on tiny sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "batch":
            h, reps, workers, seed, tmp = rest
            out = Path(tmp) / f"w{workers}"
            row = batch_child(int(h), int(reps), int(workers), int(seed), out)
        else:
            row = city_child(*(int(x) for x in rest))
        print(json.dumps(row))
        return
    res = run(QUICK if args.quick else FULL, args.seed)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    print(table(res))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
