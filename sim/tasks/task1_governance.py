"""Task 1 — boards, managers, pay and equity incentives (能上能下).

When a firm's reform completes it adopts the scenario's package: a board (with an
outside-director majority if the scenario says so), a market-selected professional
manager, a performance contract, pay-for-performance and, for commercial firms,
an equity incentive for the management team (granted out of the state's shares).
Whether a firm adopts an optional part is fixed by its own uniform draw, so the
same firms adopt in every scenario with a share at least as high.
Under-performing managers of reformed firms are replaced when the scenario allows.
"""

from __future__ import annotations

import numpy as np

from sim import rules
from sim.randomness import Draws
from sim.state import State

BOARD, MARKET_MANAGER, EQUITY_INCENTIVE, OUTWARD = range(4)


def new_manager_ability(market: np.ndarray, z: np.ndarray, c: dict) -> np.ndarray:
    """Ability of a newly appointed manager: market selection adds a premium."""
    return c["market_manager_premium"] * market + c["manager_ability_sd"] * z


def adopt_package(s: State, new: np.ndarray, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Apply the scenario's governance, manager, pay and incentive levers to ``new`` firms."""
    u = d.adoption_u
    s.board |= new & (u[:, BOARD] < lv["board_share"])
    hire = new & (u[:, MARKET_MANAGER] < lv["market_selected_share"])
    s.manager_ability = np.where(
        hire, new_manager_ability(True, d.ability_z[:, t - 1], c), s.manager_ability
    )
    s.manager_market |= hire
    s.contract |= new & lv["performance_contracts"]
    s.pay_sensitivity = np.where(new, lv["pay_performance_sensitivity"], s.pay_sensitivity)
    grant = new & (s.klass < 2) & (u[:, EQUITY_INCENTIVE] < lv["equity_incentive_share"])
    size = np.where(grant, np.minimum(lv["equity_incentive_size"], s.state_share), 0.0)
    s.management_share += size
    s.state_share -= size


def equity_form_effect(lv: dict, c: dict) -> float:
    """Effect of the chosen incentive form relative to options."""
    return 1.0 if lv["equity_incentive_form"] == "options" else c["stock_grant_effect"]


def executive_pay_cap(s: State, lv: dict) -> np.ndarray:
    """The cap each firm's executives face; market pay for market-selected managers if allowed."""
    return rules.executive_pay_cap(s.manager_market, lv)


def review_managers(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """能上能下: replace managers of reformed firms that stay below the benchmark."""
    if not lv["replace_underperformers"]:
        return
    below = s.roa_smoothed < c["performing_roa"] - c["underperformance_gap"]
    s.under_months = np.where(s.active & s.reformed & s.contract & below, s.under_months + 1, 0)
    replace = s.under_months >= c["underperformance_months"]
    market = d.adoption_u[:, MARKET_MANAGER] < lv["market_selected_share"]
    ability = new_manager_ability(market, d.ability_z[:, t - 1], c)
    s.manager_ability = np.where(replace, ability, s.manager_ability)
    s.manager_market = np.where(replace, market, s.manager_market)
    s.under_months[replace] = 0
    s.managers_replaced += replace.sum(axis=1)
