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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.commands import UserError
from sim.measures import headline, registry
from sim.numbers import DASH, aligned, estimate, percent
from sim.report.stats import NONE, paired_mean
from sim.results import MANIFEST, DamagedPart, read_manifest, read_table, verify_parts
from sim.summary import DEADLINE_MONTH, calendar

AT = {"deadline": "m18", "horizon": "end"}  # table column -> summary column suffix


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


def comparison_table(results: Results, measures: list[str] | None = None) -> pd.DataFrame:
    """One row per (measure, scenario, at): median, 5% and 95% quantiles, paired statistics.

    ``at`` is "deadline" (month 18) or "horizon" (each scenario's last month). Paired
    statistics need equal months, so at the horizon they are NaN for a scenario whose
    horizon differs from the reference's; they are NaN for the reference itself and for
    every scenario when there is no reference. ``material`` says whether the difference's
    interval excludes zero and the difference is at least the measure's material change.
    """
    reg = registry()
    measures = measures or headline()
    horizons = results.horizons
    by = {
        name: frame.set_index("replication") for name, frame in results.summary.groupby("scenario")
    }
    base = by.get(results.baseline)
    rows = []
    for measure in measures:
        m = reg[measure]
        for scenario in results.scenarios:
            frame = by[scenario]
            for at, suffix in AT.items():
                col = f"{measure}_{suffix}"
                month = DEADLINE_MONTH if at == "deadline" else horizons[scenario]
                q = frame[col].quantile([0.05, 0.5, 0.95]).to_numpy()
                paired, better = NONE, np.nan
                if (
                    base is not None
                    and scenario != results.baseline
                    and (at == "deadline" or month == horizons[results.baseline])
                ):
                    pair = pd.concat([frame[col], base[col]], axis=1, join="inner").to_numpy()
                    paired = paired_mean(pair[:, 0], pair[:, 1])
                    d = pair[:, 0] - pair[:, 1]
                    better = float(np.mean(m.direction * d[~np.isnan(d)] > 0))
                material = m.material or 0.0
                rows.append(
                    {
                        "measure": measure,
                        "unit": m.unit,
                        "scenario": scenario,
                        "at": at,
                        "month": month,
                        "replications": int(frame[col].notna().sum()),
                        "p05": q[0],
                        "median": q[1],
                        "p95": q[2],
                        "pairs": paired.pairs,
                        "diff_mean": paired.diff,
                        "diff_low": paired.low,
                        "diff_high": paired.high,
                        "p_better": better,
                        "material": paired.excludes_zero and abs(paired.diff) >= material,
                    }
                )
    return pd.DataFrame(rows)


def shade(measure: str, row: pd.Series) -> str:
    """'better', 'worse' or 'changed' (no agreed direction) for a material change, else ''."""
    if not row["material"]:
        return ""
    m = registry()[measure]
    if m.better == "either":
        return "changed"
    return "better" if m.direction * row["diff_mean"] > 0 else "worse"


def level_cell(row: pd.Series) -> str:
    return estimate(row["median"], row["p05"], row["p95"], row["unit"])


def difference_cell(row: pd.Series) -> str:
    return estimate(row["diff_mean"], row["diff_low"], row["diff_high"], row["unit"], signed=True)


MARKS = {"better": "▲", "worse": "▼", "changed": "◆", "": ""}


def format_comparison(results: Results, table: pd.DataFrame) -> str:
    """The comparison as terminal text: a block per measure, a row per scenario."""
    reg = registry()
    n = int(results.manifest["identity"]["replications"])
    base = results.baseline
    horizon = results.horizons[results.scenarios[0]]
    paired = (f"Δ vs {base}", "P(better)") if base else ()
    heads = [
        "scenario",
        *(f"end-2023 (m{DEADLINE_MONTH})", *paired),
        *(f"{calendar(horizon)} (m{horizon})", *paired),
    ]
    lines = [
        f"Reference: {base}. {n} replications per scenario, paired by common random numbers."
        if base
        else f"No reference scenario (the batch has no 'baseline'; choose one with --baseline "
        f"NAME): levels only. {n} replications per scenario.",
        "Cells: median [5% – 95%]"
        + (
            f"; Δ = mean paired difference from {base} [95% CI], marked ▲ better, ▼ worse, "
            "◆ changed (no agreed direction) only when the interval excludes zero and the "
            f"change is at least material; P(better) = share of replications better than {base}."
            if base
            else "."
        ),
    ]
    for measure, block in table.groupby("measure", sort=False):
        m = reg[measure]
        note = " (better = more)" if base and m.better == "either" else ""
        material = f"; material change {m.material:g}" if base and m.material else ""
        lines.append(f"\n{m.en} ({m.zh}) [{m.unit}{material}]{note}")
        rows = [heads]
        for scenario, r in block.groupby("scenario", sort=False):
            cells = [scenario]
            for at in AT:
                x = r[r["at"] == at].iloc[0]
                cells.append(level_cell(x))
                if base:
                    mark = MARKS[shade(measure, x)]
                    cells += [f"{difference_cell(x)} {mark}".rstrip(), percent(x["p_better"])]
            rows.append([DASH if c == "" else c for c in cells])
        lines += aligned(rows)
    return "\n".join(lines)
