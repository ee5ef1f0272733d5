"""Task 1 — labour mobility (能进能出) and wages (能增能减).

Every firm loses workers to quits and retirements. Unreformed firms keep their
headcount (they replace every leaver and grow with demand), so redundancy persists.
Reformed firms shed redundant staff at the scenario's speed and hire only the
workers they need; the dismissed join the city's pool of unemployed, who are
re-employed at the sampled annual rate, raised by re-employment support; so are the
workers laid off by closures and mergers (Task 3) this month. Resettlement and
re-employment support are fiscal costs.
Wages of reformed firms rise or fall with performance.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import rules
from sim.randomness import Draws
from sim.state import State

QUITS, DISMISSALS, HIRES = range(3)


def adjust_labour(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Separations, hires and re-employment for one month."""
    u = d.labour_u[:, t - 1]
    quits = b.stochastic_round(s.workers * b.monthly_rate(c["quit_rate"]), u[:, QUITS])
    stay = s.workers - quits
    redundant = np.maximum(stay - s.needed, 0.0)
    shed = b.monthly_rate(lv["labour_adjustment_speed"])
    dismissed = np.where(s.reformed, b.stochastic_round(redundant * shed, u[:, DISMISSALS]), 0)
    stay = stay - dismissed
    gap = b.stochastic_round(np.maximum(s.needed - stay, 0.0), u[:, HIRES])
    hires = rules.hires(gap, quits, s.reformed)
    s.workers = stay + hires
    s.hires = hires
    s.separations = quits + dismissed
    s.dismissals = dismissed
    laid_off = dismissed.sum(axis=1) + s.layoffs.sum(axis=1)
    s.unemployed += laid_off
    rate = rules.reemployment_rate(s.uncertainty["reemployment_rate"], lv["reemployment_support"])
    s.reemployed = np.minimum(
        b.stochastic_round(s.unemployed * b.monthly_rate(rate), d.city_u[:, t - 1, 1]), s.unemployed
    )
    s.unemployed -= s.reemployed
    s.fiscal_cost += rules.labour_fiscal_cost(laid_off, s.unemployed, lv, c)
    flexibility = np.where(s.reformed, lv["wage_flexibility"], 0.0)
    s.wage = b.wage_level(c["wage"], flexibility, s.roa_smoothed - c["performing_roa"])
