"""Scenario comparison: the headline table with paired differences from a reference.

For each headline measure, at month 18 (end-2023) and at the horizon, each scenario
gets the median and 90% interval across replications and, against the reference
scenario, the mean of the replication-paired differences (common random numbers) with
its 95% t-interval and the probability that the scenario does better: the share of
replications whose paired difference points in the measure's good direction.

The reference is ``--baseline NAME``; without it, the scenario named "baseline" when
the batch has one, otherwise none: the table then shows levels only.

The batch is read from the parts its manifest records, each verified against its size
and checksum; a damaged part is a one-line error naming it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from sim.commands import UserError
from sim.measures import headline, registry
from sim.results import MANIFEST, DamagedPart, read_manifest, read_table, verify_parts
from sim.summary import DEADLINE_MONTH, calendar, fmt

# +1: higher is better, -1: lower is better. firms_closed and mixed_firms have no
# agreed good direction; "better" there means "more", and the table says so.
GOOD_DIRECTION: dict[str, int] = {
    "state_equity": 1,
    "state_assets_drained": -1,
    "output": 1,
    "profit": 1,
    "tfp": 1,
    "mixed_firms": 1,
    "private_capital_in": 1,
    "employment": 1,
    "unemployed": -1,
    "reform_completed_share": 1,
    "firms_closed": 1,
    "priority_industry_share": 1,
    "fiscal_cost": -1,
}
NO_AGREED_DIRECTION = frozenset({"firms_closed", "mixed_firms"})
AT = {"deadline": "m18", "horizon": "end"}  # table column -> summary column suffix
CONFIDENCE = 0.95


class ReportError(UserError, ValueError):
    """A results directory or option the report cannot use; ``str()`` is one line."""


@dataclass(frozen=True)
class Results:
    """A finished batch as the report reads it: manifest and per-replication summary."""

    out: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    scenarios: list[str]  # the reference first, then the manifest's order
    baseline: str | None  # the reference scenario; None: levels only

    @property
    def horizons(self) -> dict[str, int]:
        return {name: int(self.manifest["horizons"][name]) for name in self.scenarios}

    def title(self, scenario: str, lang: str) -> str:
        return self.manifest.get("scenario_titles", {}).get(scenario, {}).get(lang, scenario)


def reference(names: list[str], chosen: str | None) -> str | None:
    """The scenario differences are taken from: ``chosen``, otherwise "baseline" when the
    batch has it, otherwise none."""
    if chosen is None:
        return "baseline" if "baseline" in names else None
    if chosen not in names:
        raise ReportError(
            f"--baseline '{chosen}' is not a scenario of this batch; allowed: {', '.join(names)}"
        )
    return chosen


def load_results(out: Path, baseline: str | None = None) -> Results:
    """Read the manifest and the verified summary parts of the batch in ``out``."""
    out = Path(out)
    if not out.is_dir():
        raise ReportError(f"{out}: no such results directory; give the --out of a batch")
    manifest = read_manifest(out)
    if manifest is None:
        raise ReportError(
            f"{out / MANIFEST}: missing, so {out} is not a results directory; run a batch "
            f"into it first (python run.py run SCENARIO.toml --out {out})"
        )
    try:
        verify_parts(out, manifest)
    except DamagedPart as err:
        again = manifest["command"] or "the same run command (same scenarios, --reps, --seed)"
        raise ReportError(f"{err}; repair it by running again: {again}") from None
    summary = read_table(out, manifest, "summary")
    if summary.empty:
        raise ReportError(
            f"{out}: no finished chunk yet; run the batch into it (its command: "
            f"{manifest['command']})"
        )
    present = set(summary["scenario"].unique())
    ordered = [s for s in manifest["identity"]["scenarios"] if s in present]
    try:
        base = reference(ordered, baseline)
    except ReportError as err:
        raise ReportError(f"{out}: {err}") from None
    first = [base] if base else []
    return Results(out, manifest, summary, [*first, *(s for s in ordered if s != base)], base)


def paired_difference(
    values: np.ndarray, base: np.ndarray, direction: int
) -> tuple[float, float, float, float]:
    """Mean paired difference, its 95% t-interval and the share of pairs in ``direction``."""
    d = np.asarray(values, dtype=float) - np.asarray(base, dtype=float)
    d = d[~np.isnan(d)]
    if d.size < 2:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(d.mean())
    half = float(student_t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
    return mean, mean - half, mean + half, float(np.mean(direction * d > 0))


def comparison_table(results: Results, measures: list[str] | None = None) -> pd.DataFrame:
    """One row per (measure, scenario, at): median, 5% and 95% quantiles, paired statistics.

    ``at`` is "deadline" (month 18) or "horizon" (each scenario's last month). Paired
    statistics need equal months, so at the horizon they are NaN for a scenario whose
    horizon differs from the reference's; they are NaN for the reference itself and for
    every scenario when there is no reference.
    """
    measures = measures or headline()
    horizons = results.horizons
    by = {
        name: frame.set_index("replication") for name, frame in results.summary.groupby("scenario")
    }
    base = by.get(results.baseline)
    rows = []
    for measure in measures:
        for scenario in results.scenarios:
            frame = by[scenario]
            for at, suffix in AT.items():
                col = f"{measure}_{suffix}"
                month = DEADLINE_MONTH if at == "deadline" else horizons[scenario]
                q = frame[col].quantile([0.05, 0.5, 0.95]).to_numpy()
                paired = (math.nan,) * 4
                pairs = 0
                if (
                    base is not None
                    and scenario != results.baseline
                    and (at == "deadline" or month == horizons[results.baseline])
                ):
                    pair = pd.concat([frame[col], base[col]], axis=1, join="inner").to_numpy()
                    pairs = len(pair)
                    paired = paired_difference(pair[:, 0], pair[:, 1], GOOD_DIRECTION[measure])
                rows.append(
                    {
                        "measure": measure,
                        "scenario": scenario,
                        "at": at,
                        "month": month,
                        "replications": int(frame[col].notna().sum()),
                        "p05": q[0],
                        "median": q[1],
                        "p95": q[2],
                        "pairs": pairs,
                        "diff_mean": paired[0],
                        "diff_low": paired[1],
                        "diff_high": paired[2],
                        "p_better": paired[3],
                    }
                )
    return pd.DataFrame(rows)


def interval(median: float, low: float, high: float) -> str:
    return f"{fmt(median)} [{fmt(low)}, {fmt(high)}]"


def difference(mean: float, low: float, high: float) -> str:
    return "—" if not np.isfinite(mean) else f"{fmt(mean, True)} [{fmt(low)}, {fmt(high)}]"


def percent(p: float) -> str:
    return "—" if not np.isfinite(p) else f"{100 * p:.0f}%"


def format_comparison(results: Results, table: pd.DataFrame) -> str:
    """The comparison as terminal text: a block per measure, a row per scenario."""
    reg = registry()
    n = int(results.manifest["identity"]["replications"])
    base = results.baseline
    horizon = results.horizons[results.scenarios[0]]
    paired = ("Δ vs baseline", "P(better)") if base else ()
    heads = [
        "scenario",
        *(f"end-2023 (m{DEADLINE_MONTH})", *paired),
        *(f"{calendar(horizon)} (m{horizon})", *paired),
    ]
    lines = [
        f"Baseline: {base}. {n} replications per scenario, paired by common random numbers."
        if base
        else f"No reference scenario (the batch has no 'baseline'; choose one with --baseline "
        f"NAME): levels only. {n} replications per scenario.",
        "Cells: median [5%, 95%]"
        + (
            "; Δ = mean paired difference [95% CI]; P(better) = share of replications better "
            "than the baseline."
            if base
            else "."
        ),
    ]
    for measure, block in table.groupby("measure", sort=False):
        m = reg[measure]
        note = " (better = more)" if base and measure in NO_AGREED_DIRECTION else ""
        lines.append(f"\n{m.en} ({m.zh}) [{m.unit}]{note}")
        rows = [heads]
        for scenario, r in block.groupby("scenario", sort=False):
            cells = [scenario]
            for at in AT:
                x = r[r["at"] == at].iloc[0]
                cells.append(interval(x["median"], x["p05"], x["p95"]))
                if base:
                    cells += [
                        difference(x["diff_mean"], x["diff_low"], x["diff_high"]),
                        percent(x["p_better"]),
                    ]
            rows.append(cells)
        widths = [max(len(row[i]) for row in rows) for i in range(len(heads))]
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    return "\n".join(lines)
