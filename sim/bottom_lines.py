"""The three bottom lines (底线): 国有资产不流失 / 正常生产经营 / 人心稳定.

Each is a measure, a threshold the scenario sets (``[thresholds]``) and a rule:

* state assets: cumulative ``state_assets_drained`` at the horizon above ``drain_max``;
* production: ``production_disruption`` in any month above ``disruption_max``;
* stability: ``stability_stress`` (dismissed, laid-off or quit workers still
  unemployed, as a share of initial employment) in any month above ``stress_max``.

Per replication it records whether each was breached and its worst month (the
month of the largest drain, disruption or stress).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from sim.measures import registry


@dataclass(frozen=True)
class BottomLine:
    name: str
    measure: str
    threshold: str
    cumulative: bool
    en: str
    zh: str


BOTTOM_LINES = (
    BottomLine(
        "state_assets",
        "state_assets_drained",
        "drain_max",
        True,
        "No drain of state assets",
        "国有资产不流失",
    ),
    BottomLine(
        "production",
        "production_disruption",
        "disruption_max",
        False,
        "Firms keep producing normally",
        "正常生产经营",
    ),
    BottomLine(
        "stability",
        "stability_stress",
        "stress_max",
        False,
        "Workforce and society stay stable",
        "人心稳定",
    ),
)


def breaches(values: np.ndarray, thresholds: dict) -> dict[str, np.ndarray]:
    """``breach_<line>`` (bool) and ``worst_month_<line>`` per replication from (R, T, M) measures."""
    names = list(registry())
    out = {}
    for line in BOTTOM_LINES:
        series = values[:, :, names.index(line.measure)]
        limit = thresholds[line.threshold]
        if line.cumulative:
            breach = series[:, -1] > limit
            intensity = np.diff(series, axis=1, prepend=series[:, :1])
        else:
            breach = (series > limit).any(axis=1)
            intensity = series
        worst = np.argmax(intensity, axis=1).astype(float)
        out[f"breach_{line.name}"] = breach
        out[f"worst_month_{line.name}"] = np.where(intensity.max(axis=1) > 0, worst, np.nan)
    return out


def breach_probability(
    breached: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Share of replications breached and its exact (Clopper-Pearson) confidence interval."""
    k, n = int(np.sum(breached)), int(np.size(breached))
    ci = binomtest(k, n).proportion_ci(confidence, method="exact")
    return k / n, float(ci.low), float(ci.high)
