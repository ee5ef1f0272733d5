"""Task 1 — labour mobility (能进能出) and wages (能增能减).

Every firm loses workers to quits and retirements. Unreformed firms keep their
headcount (they replace every leaver and grow with demand), so redundancy persists.
Reformed firms shed redundant staff at the scenario's speed and hire only the
workers they need (``sim.enterprise.adjust_labour``); the dismissed join the city's
pool of unemployed, who are re-employed at the sampled annual rate, raised by
re-employment support (``sim.city.settle_labour_market``); so are the workers laid
off by closures and mergers (Task 3) this month. Resettlement and re-employment
support are fiscal costs. Wages of reformed firms rise or fall with performance.
"""

from __future__ import annotations

from sim import city, enterprise
from sim.randomness import Draws
from sim.state import State


def adjust_labour(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Quits, dismissals, hires and wages of every firm."""
    enterprise.adjust_labour(s.firms, d.month(t), lv, c)


def settle_labour_market(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """The month's dismissed and laid-off join the unemployed; some are re-employed."""
    laid_off = s.firms.dismissals.sum(axis=1) + s.firms.layoffs.sum(axis=1)
    city.settle_labour_market(s.city, laid_off, d.month(t).reemployment_u, s.uncertainty, lv, c)
