"""PRIM (Friedman and Fisher 1999): boxes in parameter space where an outcome is common.

Scenario discovery asks under which conditions a plan fails. Given points ``x`` (one row
per plausible world, a column per parameter) and a yes/no outcome ``y``, PRIM starts from
the box holding every point and peels: at each step it tries, for every parameter, cutting
off the ``alpha`` share of the box's points with the lowest or the highest values (cut
where sdtoolkit and EMA Workbench cut, :func:`peel_point`), and
keeps the cut that leaves the highest density (share of points in the box with ``y``). It
stops when the next box would hold less than ``min_support`` of all points. Each box on
the way is recorded (the peeling trajectory) with

- coverage: the share of all ``y`` points that fall in the box;
- density: the share of the box's points that are ``y`` points;
- support: the share of all points in the box.

The box chosen is the densest with coverage at least ``min_coverage`` (0.5: it explains
at least half the failures), ties going to the larger coverage. There is no pasting step
and no test set: the boxes are for reading, not for prediction. Each restriction of the
chosen box carries a quasi-p-value (Bryant and Lempert 2010, as EMA Workbench computes
it): the one-sided binomial chance of the box's hits if dropping that restriction's
density held, so a restriction peeled on noise (common with few worlds and many
parameters) shows a large value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binom

ALPHA = 0.05
MIN_SUPPORT = 0.05
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Box:
    """A box of the trajectory: the bounds of each parameter and what it holds."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    support: float


@dataclass(frozen=True)
class Discovery:
    """The peeling trajectory and the box chosen from it."""

    names: list[str]
    full_low: np.ndarray  # the bounds of every point
    full_high: np.ndarray
    trajectory: list[Box]
    chosen: int
    quasi_p: np.ndarray  # per parameter, for the chosen box (1 where it is not restricted)

    @property
    def box(self) -> Box:
        return self.trajectory[self.chosen]

    def restricted(self, box: Box | None = None) -> list[int]:
        """The columns a box restricts (bounds inside those of all points)."""
        b = box or self.box
        return [
            j
            for j in range(len(self.names))
            if b.low[j] > self.full_low[j] or b.high[j] < self.full_high[j]
        ]

    def trajectory_frame(self) -> pd.DataFrame:
        rows = [
            {
                "step": i,
                "coverage": b.coverage,
                "density": b.density,
                "support": b.support,
                "restricted": len(self.restricted(b)),
                "chosen": i == self.chosen,
            }
            for i, b in enumerate(self.trajectory)
        ]
        return pd.DataFrame(rows)

    def box_frame(self) -> pd.DataFrame:
        """A row per restricted parameter of the chosen box: its range and the box's
        coverage and density."""
        b = self.box
        rows = [
            {
                "parameter": self.names[j],
                "low": b.low[j],
                "high": b.high[j],
                "full_low": self.full_low[j],
                "full_high": self.full_high[j],
                "coverage": b.coverage,
                "density": b.density,
                "support": b.support,
                "quasi_p": self.quasi_p[j],
            }
            for j in self.restricted()
        ]
        columns = ["parameter", "low", "high", "full_low", "full_high"]
        return pd.DataFrame(rows, columns=[*columns, "coverage", "density", "support", "quasi_p"])


def _box(x: np.ndarray, y: np.ndarray, inside: np.ndarray, low, high) -> Box:
    n_in = int(inside.sum())
    hits = float(y[inside].sum())
    return Box(low.copy(), high.copy(), hits / y.sum(), hits / n_in if n_in else 0.0, n_in / len(y))


def peel_point(values: np.ndarray, q: float) -> float:
    """The value that peels the ``q`` quantile off ``values``, as sdtoolkit and EMA Workbench
    compute it: midway between the order statistics around position (n - 1) q, moved
    outwards past ties so that the cut falls between two distinct values."""
    v = np.sort(values)
    i = (len(v) - 1) * q
    lo, hi = int(np.floor(i)), int(np.ceil(i))
    if q > 0.5:
        while v[lo] == v[hi] and lo > 0:
            lo -= 1
    else:
        while v[lo] == v[hi] and hi < len(v) - 1:
            hi += 1
    return float((v[lo] + v[hi]) / 2)


def prim(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    min_coverage: float = MIN_COVERAGE,
) -> Discovery:
    """Peel boxes around the points with ``y`` (see the module's docstring)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or len(x) != len(y) or x.shape[1] != len(names):
        raise ValueError("x must be (points, parameters) with a name per column and y per row")
    if not y.any():
        raise ValueError("the outcome never happens: there is nothing to discover")
    low, high = x.min(axis=0), x.max(axis=0)
    full_low, full_high = low.copy(), high.copy()
    inside = np.ones(len(y), dtype=bool)
    trajectory = [_box(x, y, inside, low, high)]
    floor = min_support * len(y)
    while True:
        best = None
        for j in range(x.shape[1]):
            col = x[inside, j]
            for side, q in (("low", alpha), ("high", 1 - alpha)):
                cut = peel_point(col, q)
                keep = x[:, j] >= cut if side == "low" else x[:, j] <= cut
                if side == "low" and cut <= low[j] or side == "high" and cut >= high[j]:
                    keep = x[:, j] > low[j] if side == "low" else x[:, j] < high[j]
                    cut = None
                after = inside & keep
                n = int(after.sum())
                if n < floor or n == int(inside.sum()):
                    continue
                density = float(y[after].mean())
                if best is None or density > best[0]:
                    best = (density, j, side, cut, after)
        if best is None:
            break
        _, j, side, cut, inside = best
        values = x[inside, j]
        if side == "low":
            low[j] = values.min() if cut is None else cut
        else:
            high[j] = values.max() if cut is None else cut
        trajectory.append(_box(x, y, inside, low, high))
    eligible = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage]
    chosen = max(eligible, key=lambda i: (trajectory[i].density, trajectory[i].coverage))
    qp = quasi_p(x, y, trajectory[chosen], full_low, full_high)
    return Discovery(list(names), full_low, full_high, trajectory, chosen, qp)


def quasi_p(
    x: np.ndarray, y: np.ndarray, box: Box, full_low: np.ndarray, full_high: np.ndarray
) -> np.ndarray:
    """Per parameter, P(at least the box's hits | the density without its restriction):
    binomial, one-sided; 1 for a parameter the box does not restrict."""
    within = (x >= box.low) & (x <= box.high)
    inside = within.all(axis=1)
    hits, n = int(y[inside].sum()), int(inside.sum())
    out = np.ones(x.shape[1])
    for j in np.flatnonzero((box.low > full_low) | (box.high < full_high)):
        others = np.delete(within, j, axis=1).all(axis=1)
        out[j] = binom.sf(hits - 1, n, y[others].mean())
    return out
