"""The model's state: arrays of shape (replications, enterprises) and per-replication arrays.

One ``State`` holds a chunk of replications. The vectorized core updates it in
place month by month; every update is elementwise or a reduction over
enterprises, never a Python loop over enterprises or replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import IN_PLAN, INDUSTRY_GROUP, N_FIRMS, PILOTS
from sim.randomness import Draws, sample_law, sample_uncertainties

PILOT = np.zeros(N_FIRMS, dtype=bool)
PILOT[list(PILOTS)] = True


@dataclass
class State:
    """Everything that changes, plus the drawn attributes that do not."""

    # drawn once per replication ------------------------------------------- (R, N)
    klass: np.ndarray
    large: np.ndarray
    industry: np.ndarray
    department: np.ndarray
    handover_signed: np.ndarray
    burden: np.ndarray
    plan_priority: np.ndarray
    needed0: np.ndarray
    log_tfp_base: np.ndarray
    initial_condition: np.ndarray
    # enterprises ----------------------------------------------------------- (R, N)
    log_tfp: np.ndarray
    manager_ability: np.ndarray
    manager_market: np.ndarray
    assets: np.ndarray
    outward: np.ndarray
    debt: np.ndarray
    workers: np.ndarray
    wage: np.ndarray
    state_share: np.ndarray
    investor_share: np.ndarray
    employee_share: np.ndarray
    management_share: np.ndarray
    investor: np.ndarray
    board: np.ndarray
    contract: np.ndarray
    pay_sensitivity: np.ndarray
    approved_month: np.ndarray
    reformed: np.ndarray
    roa_smoothed: np.ndarray
    net_smoothed: np.ndarray
    under_months: np.ndarray
    condition: np.ndarray
    # last month's flows ---------------------------------------------------- (R, N)
    value_added: np.ndarray
    ebit: np.ndarray
    net_profit: np.ndarray
    subsidies: np.ndarray
    hires: np.ndarray
    separations: np.ndarray
    dismissals: np.ndarray
    needed: np.ndarray
    # replication level ---------------------------------------------------------- (R,)
    uncertainty: dict[str, np.ndarray]
    industry_growth: np.ndarray  # (R, N_INDUSTRIES), per year
    investor_capital: np.ndarray  # (R, M)
    investor_required: np.ndarray  # (R, M)
    investor_trust: np.ndarray  # (R, M)
    investor_wants_control: np.ndarray  # (R, M)
    investor_group: np.ndarray  # (R, M): industry group, -1 for any
    investor_active: np.ndarray  # (R, M)
    unemployed: np.ndarray
    reemployed: np.ndarray
    private_capital_in: np.ndarray
    state_assets_drained: np.ndarray
    managers_replaced: np.ndarray
    plans_approved: np.ndarray
    completed_month: np.ndarray  # month every plan firm was reformed; 0 = not yet
    month: int = 0

    @property
    def replications(self) -> int:
        return self.assets.shape[0]

    @property
    def equity(self) -> np.ndarray:
        return self.assets + self.outward - self.debt

    @property
    def total_assets(self) -> np.ndarray:
        return self.assets + self.outward

    @property
    def private_share(self) -> np.ndarray:
        return self.investor_share + self.employee_share + self.management_share

    @property
    def industry_group(self) -> np.ndarray:
        return INDUSTRY_GROUP[self.industry]


def initial_state(draws: Draws, uncertainty_laws: dict, c: dict) -> State:
    """The state at month 0 (end of June 2022) for a chunk of replications."""
    pop = draws.population
    r, n = pop["assets"].shape
    unc = sample_uncertainties(uncertainty_laws, draws.uncertainty_u)
    growth = unc["demand_growth_mean"][:, None] + c["industry_growth_sd"] * draws.industry_z
    capital, required, control, focus, trust = draws.investor_u.transpose(1, 0, 2)
    m = capital.shape[1]
    zeros = np.zeros((r, n))
    false = np.zeros((r, n), dtype=bool)
    izeros = np.zeros((r, n), dtype=np.int64)
    return State(
        klass=pop["klass"],
        large=pop["large"],
        industry=pop["industry"],
        department=pop["department"],
        handover_signed=pop["handover_signed"],
        burden=pop["burden"],
        plan_priority=pop["plan_priority"],
        needed0=pop["needed0"],
        log_tfp_base=pop["log_tfp_base"],
        initial_condition=pop["initial_condition"],
        log_tfp=pop["log_tfp_base"].copy(),
        manager_ability=pop["manager_ability"].copy(),
        manager_market=false.copy(),
        assets=pop["assets"].copy(),
        outward=zeros.copy(),
        debt=pop["debt"].copy(),
        workers=pop["workers"].copy(),
        wage=np.full((r, n), float(c["wage"])),
        state_share=np.ones((r, n)),
        investor_share=zeros.copy(),
        employee_share=zeros.copy(),
        management_share=zeros.copy(),
        investor=np.full((r, n), -1, dtype=np.int64),
        board=false.copy(),
        contract=false.copy(),
        pay_sensitivity=zeros.copy(),
        approved_month=izeros.copy(),
        reformed=false.copy(),
        roa_smoothed=zeros.copy(),
        net_smoothed=zeros.copy(),
        under_months=izeros.copy(),
        condition=pop["initial_condition"].copy(),
        value_added=zeros.copy(),
        ebit=zeros.copy(),
        net_profit=zeros.copy(),
        subsidies=zeros.copy(),
        hires=izeros.copy(),
        separations=izeros.copy(),
        dismissals=izeros.copy(),
        needed=pop["needed0"].copy(),
        uncertainty=unc,
        industry_growth=growth,
        investor_capital=np.exp(
            sample_law(
                {
                    "distribution": "normal",
                    "mean": np.log(c["investor_capital_median"]),
                    "sd": c["investor_capital_log_sd"],
                },
                capital,
            )
        ),
        investor_required=np.maximum(
            sample_law(
                {"distribution": "normal", "mean": 0.0, "sd": c["required_return_sd"]}, required
            )
            + unc["required_return_mean"][:, None],
            0.01,
        ),
        investor_trust=trust,
        investor_wants_control=control < c["control_seeking_share"],
        investor_group=np.where(
            focus < c["sector_focus_share"], np.floor(draws.investor_group_u * 5).astype(int), -1
        ),
        investor_active=np.arange(m)[None, :] < unc["investor_pool_size"][:, None],
        unemployed=np.zeros(r, dtype=np.int64),
        reemployed=np.zeros(r, dtype=np.int64),
        private_capital_in=np.zeros(r),
        state_assets_drained=np.zeros(r),
        managers_replaced=np.zeros(r, dtype=np.int64),
        plans_approved=np.zeros(r, dtype=np.int64),
        completed_month=np.zeros(r, dtype=np.int64),
    )


__all__ = ["IN_PLAN", "PILOT", "State", "initial_state"]
