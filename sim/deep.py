"""Deep uncertainty: every guessed parameter drawn once per replication.

In deep mode each replication is one plausible world. Every uncertainty and every
constant whose source is an assumption (and that has a range) takes a value from its
law, read off one Latin hypercube over the batch's replications: row ``i`` of
``LatinHypercube(seed=SeedSequence(seed, spawn_key=DESIGN_SPAWN_KEY)).random(reps)``
is replication ``i``'s world. The design is a function of (seed, replications) alone,
so replication ``i`` has the same parameter values in every scenario of a batch and
whatever the chunking, the workers or a resume.

Laws (docs/UNCERTAINTY.md): an uncertainty's is its law in the scenario (the table's
unless the scenario fixes or changes it); a constant's is the ``distribution`` its
table entry gives, otherwise uniform over its default +-50%, cut to its allowed range
(integers: every integer in that interval equally likely). A constant the scenario
sets itself stays at that value. Calibrated constants stay fixed, and so do the few in
``NOT_PER_REPLICATION``, which the core reads as one number for a whole chunk.

The vectorized core gets each varied constant as an array of shape (replications, 1),
which broadcasts against the (replications, enterprises) state; the agent model runs
one replication and gets its scalars (:func:`world`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.commands import InputError
from sim.parameters import Parameter, Values, table
from sim.population import draw_population
from sim.randomness import Draws, sample_law, sample_uncertainties, stream

if TYPE_CHECKING:
    from sim.scenario import Scenario

MODES = ("deep", "fixed")
# replication indices stay below MAX_REPS, so no replication's stream (spawn key (i, s))
# is this one
DESIGN_SPAWN_KEY = (2**32 - 1, 0)
HALF_WIDTH = 0.5  # the default law: uniform over the default +-50%
POPULATION = frozenset(  # what draw_population reads: the population is redrawn per world
    {
        "share_competitive",
        "share_strategic",
        "share_large",
        "share_hopeless",
        "share_marginal",
        "share_leading",
        "share_emerging",
        "share_characteristic",
        "share_infrastructure",
        "assets_median_large",
        "assets_median_small",
        "assets_central_factor",
        "assets_county_factor",
        "assets_log_sd",
        "assets_per_worker",
        "debt_ratio_performing",
        "debt_ratio_marginal",
        "debt_ratio_hopeless",
        "hopeless_size_factor",
        "tfp_performing",
        "tfp_marginal",
        "tfp_hopeless",
        "tfp_dispersion",
        "tfp_gap_transitory",
        "social_burden_central",
        "social_burden_provincial",
        "redundant_share",
        "manager_ability_sd",
        "private_return_mean",
        "private_return_sd",
    }
)
NOT_PER_REPLICATION = {  # assumption constants that stay fixed in deep mode, and why
    "offers_per_month": "sets the shape of the stake market's random numbers",
}


@dataclass(frozen=True)
class Worlds:
    """The plausible worlds of a deep-uncertainty batch: one design row per replication."""

    reps: int  # replications in the batch, the design's size
    columns: tuple[str, ...]  # "uncertainties.NAME" then "constants.NAME", design order


def is_assumption(p: Parameter) -> bool:
    return p.source.startswith("assumption")


def constant_law(p: Parameter) -> dict[str, Any]:
    """The law of a varied constant: its table entry's, else uniform over the default +-50%."""
    if p.distribution:
        return dict(p.distribution)
    lo, hi = sorted((p.value * (1 - HALF_WIDTH), p.value * (1 + HALF_WIDTH)))
    lo, hi = (float(f"{x:.12g}") for x in (max(lo, p.range[0]), min(hi, p.range[1])))
    if p.type == "int":
        lo, hi = int(np.ceil(lo)), int(np.floor(hi))
    return {"distribution": "uniform", "low": lo, "high": hi}


@cache
def varied_constants() -> tuple[str, ...]:
    """The constants deep mode varies, in table order."""
    return tuple(
        n
        for n, p in table()["constants"].items()
        if is_assumption(p)
        and p.range is not None
        and p.type in ("int", "float")
        and n not in NOT_PER_REPLICATION
        and constant_law(p).get("low") != constant_law(p).get("high")
    )


def worlds(reps: int) -> Worlds:
    """The worlds of a batch of ``reps`` replications: every uncertainty, then the constants."""
    names = [f"uncertainties.{n}" for n in table()["uncertainties"]]
    names += [f"constants.{n}" for n in varied_constants()]
    return Worlds(reps, tuple(names))


@lru_cache(maxsize=4)
def design(seed: int, reps: int, dims: int) -> np.ndarray:
    """The Latin hypercube of a batch, shape (reps, dims): a function of its arguments only."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=DESIGN_SPAWN_KEY))
    out = qmc.LatinHypercube(d=dims, rng=rng).random(reps)
    out.flags.writeable = False
    return out


def constant_values(p: Parameter, u: np.ndarray) -> np.ndarray:
    """A constant's values for uniforms ``u`` (integers: each equally likely)."""
    law = constant_law(p)
    if p.type == "int":
        lo, hi = law["low"], law["high"]
        return np.minimum(lo + np.floor(u * (hi - lo + 1)), hi).astype(np.int64)
    return np.clip(sample_law(law, u), *p.range)


def world_values(
    scenario: Scenario, seed: int, replications: range
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The design rows of ``replications`` and the values of every parameter the scenario
    lets vary (uncertainties through its laws; constants it does not set), shape (R,)."""
    w = scenario.worlds
    rows = design(seed, w.reps, len(w.columns))[replications.start : replications.stop]
    unc = table()["uncertainties"]
    sampled = sample_uncertainties(scenario.uncertainties, rows[:, : len(unc)])
    values = {f"uncertainties.{n}": v for n, v in sampled.items()}
    consts = table()["constants"]
    for j, key in enumerate(w.columns):
        kind, name = key.split(".")
        if kind == "constants" and scenario.constants[name] == consts[name].value:
            values[key] = constant_values(consts[name], rows[:, j])
    return rows, values


def apply(scenario: Scenario, seed: int, replications: range, d: Draws, c: Values) -> Values:
    """Make ``d`` and ``c`` those of ``replications``' worlds: the uncertainties' uniforms
    from the design, the population redrawn where a population constant varies, and each
    varied constant an array of shape (R, 1). Returns the constants."""
    rows, values = world_values(scenario, seed, replications)
    n_unc = len(table()["uncertainties"])
    d.uncertainty_u[:, :n_unc] = rows[:, :n_unc]
    out = Values(c)
    varied = [k.split(".")[1] for k in values if k.startswith("constants.")]
    for name in varied:
        out[name] = values[f"constants.{name}"][:, None]
    if POPULATION.intersection(varied):
        pop = [
            draw_population(stream(seed, r, "population"), _row(out, i))
            for i, r in enumerate(replications)
        ]
        d.population = {key: np.stack([p[key] for p in pop]) for key in pop[0]}
    return out


def _row(c: Values, i: int) -> Values:
    """The constants of the ``i``-th replication of a chunk, as scalars."""
    return Values({k: v[i, 0].item() if isinstance(v, np.ndarray) else v for k, v in c.items()})


def world(scenario: Scenario, seed: int, replication: int) -> Scenario:
    """Replication ``replication``'s world as a fixed scenario: its constants and
    uncertainties at that world's values (what the agent model runs)."""
    _, values = world_values(scenario, seed, range(replication, replication + 1))
    unc, consts = Values(scenario.uncertainties), Values(scenario.constants)
    for key, v in values.items():
        kind, name = key.split(".")
        if kind == "uncertainties":
            unc[name] = {"distribution": "fixed", "value": v[0].item()}
        else:
            consts[name] = v[0].item()
    return dataclasses.replace(scenario, uncertainties=unc, constants=consts, worlds=None)


def with_mode(scenarios: list[Scenario], mode: str, reps: int) -> list[Scenario]:
    """``scenarios`` in uncertainty ``mode`` (deep or fixed) for a batch of ``reps``."""
    if mode not in MODES:
        raise InputError(f"--uncertainty must be one of {', '.join(MODES)}, got {mode!r}")
    w = worlds(reps) if mode == "deep" else None
    return [dataclasses.replace(sc, worlds=w) for sc in scenarios]


def manifest_entry(w: Worlds | None) -> dict[str, Any]:
    """What the manifest records: the mode, the design and each varied parameter's law."""
    if w is None:
        return {"mode": "fixed"}
    t = table()
    laws = {}
    for key in w.columns:
        kind, name = key.split(".")
        p = t[kind][name]
        laws[key] = dict(p.distribution) if kind == "uncertainties" else constant_law(p)
    return {
        "mode": "deep",
        "design": "scipy.stats.qmc.LatinHypercube over replications, seeded by "
        f"SeedSequence(seed, spawn_key={DESIGN_SPAWN_KEY}); column j is parameters[j]",
        "parameters": laws,
        "fixed_in_deep_mode": dict(NOT_PER_REPLICATION),
    }


def markdown() -> str:
    """The table of docs/UNCERTAINTY.md: every parameter deep mode varies, with its law."""
    t = table()
    rows = ["| parameter | law in deep mode | allowed range | unit |", "|---|---|---|---|"]
    for key, law in manifest_entry(worlds(1))["parameters"].items():
        kind, name = key.split(".")
        p = t[kind][name]
        args = ", ".join(f"{k}={v}" for k, v in law.items() if k != "distribution")
        kind_of = " (integers)" if p.type == "int" else ""
        rows.append(
            f"| `{key}` | {law['distribution']}({args}){kind_of} | "
            f"[{p.range[0]}, {p.range[1]}] | {p.unit} |"
        )
    rows += [
        "",
        "Fixed in deep mode although an assumption (the core reads them as one number):",
        "",
    ]
    rows += [f"- `constants.{n}`: {why}" for n, why in NOT_PER_REPLICATION.items()]
    return "\n".join(rows) + "\n"


def world_table(manifest: dict) -> pd.DataFrame:
    """Every world's value of every varied parameter, a row per replication."""
    entry = manifest.get("uncertainty", {})
    if entry.get("mode") != "deep":
        raise InputError(
            f"manifest.json: uncertainty mode is {entry.get('mode', 'fixed')!r}; discover needs "
            "a batch run in deep mode (run without --uncertainty fixed)"
        )
    laws = entry["parameters"]
    ident = manifest["identity"]
    rows = design(int(ident["seed"]), int(ident["replications"]), len(laws))
    t = table()
    cols = {}
    for j, (key, law) in enumerate(laws.items()):
        kind, name = key.split(".")
        p = t[kind][name]
        if kind == "constants":
            cols[key] = constant_values(p, rows[:, j])
        else:
            v = np.clip(sample_law(law, rows[:, j]), *p.range)
            cols[key] = np.round(v) if p.type == "int" else v  # as sim.randomness does
    return pd.DataFrame(cols)
