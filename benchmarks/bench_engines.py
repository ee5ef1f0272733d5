"""Time per replication of the Mesa agent model against the vectorized core, in one run.

    python benchmarks/bench_engines.py [--scenario city_plan] [--reps 200] [--abm-reps 5]
                                       [--horizon 66] [--seed 1]

Both engines run the same scenario and seed in this process, one worker each (the core
on a chunk of ``--reps`` replications at once, the agent model one replication after
another); the script checks that their common replications give the same measures,
then prints seconds per replication and the ratio, with the load average before the
run: other work on the machine slows both.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from sim import engine
from sim.abm import simulate
from sim.scenario import derive, load

ROOT = Path(__file__).resolve().parent.parent


def timed(run, *args) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    values = run(*args)
    return values, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="city_plan", help="bundled scenario name")
    parser.add_argument("--reps", type=int, default=200, help="replications on the core")
    parser.add_argument("--abm-reps", type=int, default=5, help="replications on the agent model")
    parser.add_argument("--horizon", type=int, default=66, help="months (18 or more)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    base = load(ROOT / "scenarios" / f"{args.scenario}.toml")
    sc = derive(base, base.name, settings={"horizon_months": args.horizon})
    load_before = os.getloadavg()[0]
    simulate(sc, args.seed, range(1))  # warm up imports and caches
    core, core_s = timed(engine.simulate, sc, args.seed, range(args.reps))
    agents, abm_s = timed(simulate, sc, args.seed, range(args.abm_reps))
    common = min(args.reps, args.abm_reps)
    same = np.allclose(agents[:common], core[:common], rtol=1e-9, atol=1e-9)

    per_core, per_abm = core_s / args.reps, abm_s / args.abm_reps
    print(f"{sc.name}, {args.horizon} months, seed {args.seed}; load average {load_before:.2f}")
    print(f"  vectorized core: {per_core * 1e3:9.2f} ms per replication ({args.reps} reps)")
    print(f"  Mesa agent model: {per_abm * 1e3:8.1f} ms per replication ({args.abm_reps} reps)")
    print(f"  ratio (agent model / core): {per_abm / per_core:.0f}x")
    print(f"  same measures on the {common} common replications: {same}")


if __name__ == "__main__":
    main()
