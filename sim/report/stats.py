"""Paired statistics of two scenarios run on common random numbers.

Replication i of every scenario shares its random numbers, so a scenario and its
reference are compared pair by pair: a measure by the mean paired difference and its
t-interval, a yes/no outcome (a bottom line breached, the deadline met) by the
difference of the two proportions and Newcombe's interval for paired binary data
(method 10 of Newcombe 1998, Statistics in Medicine 17:2635-2650: Wilson score
intervals of each proportion combined with the phi correlation of the pairs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Paired:
    """A paired difference (scenario minus reference) with its confidence interval."""

    diff: float
    low: float
    high: float
    pairs: int

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


NONE = Paired(math.nan, math.nan, math.nan, 0)


def paired_mean(values: np.ndarray, base: np.ndarray) -> Paired:
    """Mean of the pairs' differences and its t-interval (NaN pairs are dropped)."""
    d = np.asarray(values, dtype=float) - np.asarray(base, dtype=float)
    d = d[~np.isnan(d)]
    if d.size < 2:
        return Paired(math.nan, math.nan, math.nan, int(d.size))
    mean = float(d.mean())
    q = student_t.ppf(0.5 + CONFIDENCE / 2, d.size - 1)
    half = float(q * d.std(ddof=1) / np.sqrt(d.size))
    return Paired(mean, mean - half, mean + half, int(d.size))


def wilson(k: np.ndarray | int, n: int, confidence: float = CONFIDENCE) -> tuple:
    """Wilson score interval of k successes in n trials (vectorised over k)."""
    z = norm.ppf(0.5 + confidence / 2)
    p = np.asarray(k, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def paired_proportions(
    scenario: np.ndarray, reference: np.ndarray, confidence: float = CONFIDENCE
) -> Paired:
    """P(scenario) - P(reference) for paired yes/no outcomes, with Newcombe's method-10
    interval; the arrays hold one outcome per replication, in the same order."""
    x = np.asarray(scenario, dtype=bool)
    y = np.asarray(reference, dtype=bool)
    n = int(x.size)
    if n == 0 or y.size != n:
        return NONE
    a, b = int(np.sum(x & y)), int(np.sum(x & ~y))
    c, d = int(np.sum(~x & y)), int(np.sum(~x & ~y))
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = (float(v) for v in wilson(a + b, n, confidence))
    l2, u2 = (float(v) for v in wilson(a + c, n, confidence))
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    excess = a * d - b * c  # Newcombe's phi: a positive excess loses n/2, floored at 0
    excess = max(excess - n / 2, 0.0) if excess > 0 else excess
    phi = excess / math.sqrt(margins) if margins else 0.0
    diff = p1 - p2
    down = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    up = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    low = max(diff - math.sqrt(max(down, 0.0)), -1.0)
    high = min(diff + math.sqrt(max(up, 0.0)), 1.0)
    return Paired(diff, low, high, n)
