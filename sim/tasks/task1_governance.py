"""Task 1 — boards, managers, pay and equity incentives (能上能下).

When a firm's reform completes it adopts the scenario's package
(``sim.enterprise.adopt_package``): a board (with an outside-director majority if the
scenario says so), a market-selected professional manager, a performance contract,
pay-for-performance and, for commercial firms, an equity incentive for the management
team (granted out of the state's shares). Whether a firm adopts an optional part is
fixed by its own uniform draw, so the same firms adopt in every scenario with a share
at least as high. Under-performing managers of reformed firms are replaced
(``sim.enterprise.review_manager``) when the scenario allows.
"""

from __future__ import annotations

from sim import enterprise
from sim.randomness import Draws
from sim.state import State


def review_managers(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """能上能下: replace managers of reformed firms that stay below the benchmark."""
    replaced = enterprise.review_manager(s.firms, d, d.month(t), lv, c)
    s.city.managers_replaced += replaced.sum(axis=1)
