"""The model's state: arrays of shape (replications, enterprises) and per-replication arrays.

One ``State`` holds a chunk of replications. The vectorized core updates it in
place month by month; every update is elementwise or a reduction over
enterprises, never a Python loop over enterprises or replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.population import (
    CENTRAL,
    INDUSTRY_GROUP,
    N_DEPARTMENTS,
    N_FIRMS,
    PILOTS,
    PROVINCIAL,
)
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
    burden: (
        np.ndarray
    )  # social-function and overhead cost, share of assets a year; merger savings lower it
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
    hopeless_months: np.ndarray
    active: np.ndarray  # neither closed nor merged into another firm
    closed: np.ndarray
    merged: np.ndarray
    company: np.ndarray  # investment company holding the state's equity; -1 = none
    oversight: np.ndarray  # decoupled but not ready: supervisory-board oversight
    handover: np.ndarray  # central SOEs' 三供一业: 0 unsigned, 1 signed, 2 completed
    socialised: np.ndarray  # provincial SOEs: social functions and retirees handed over
    burden0: np.ndarray
    # last month's flows ---------------------------------------------------- (R, N)
    value_added: np.ndarray
    ebit: np.ndarray
    net_profit: np.ndarray
    subsidies: np.ndarray
    hires: np.ndarray
    separations: np.ndarray
    dismissals: np.ndarray
    layoffs: np.ndarray  # laid off at closures and mergers
    moved: np.ndarray  # workers moved between firms by mergers
    restructuring: np.ndarray  # restructured this month: output loss
    output_lost: np.ndarray
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
    department_decoupled: np.ndarray  # (R, N_DEPARTMENTS)
    company_budget: np.ndarray  # (R, company slots), 亿元
    project_size: np.ndarray  # (R, P) cooperation projects, 亿元
    project_start_u: np.ndarray  # (R, P) uniform: when, within the window, a project starts
    project_host: np.ndarray  # (R, P) enterprise index
    project_realised_u: np.ndarray  # (R, P) uniform: realised if below the realisation chance
    unemployed: np.ndarray
    reemployed: np.ndarray
    private_capital_in: np.ndarray
    state_assets_drained: np.ndarray
    state_assets_tunnelled: np.ndarray
    fiscal_cost: np.ndarray
    cooperation_investment: np.ndarray
    social_burden_saved: np.ndarray
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
        burden=pop["burden"].copy(),
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
        hopeless_months=izeros.copy(),
        active=np.ones((r, n), dtype=bool),
        closed=false.copy(),
        merged=false.copy(),
        company=np.full((r, n), -1, dtype=np.int64),
        oversight=false.copy(),
        handover=pop["handover_signed"].astype(np.int8),
        socialised=false.copy(),
        burden0=pop["burden"].copy(),
        value_added=zeros.copy(),
        ebit=zeros.copy(),
        net_profit=zeros.copy(),
        subsidies=zeros.copy(),
        hires=izeros.copy(),
        separations=izeros.copy(),
        dismissals=izeros.copy(),
        layoffs=izeros.copy(),
        moved=izeros.copy(),
        restructuring=false.copy(),
        output_lost=zeros.copy(),
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
        department_decoupled=np.zeros((r, N_DEPARTMENTS), dtype=bool),
        company_budget=np.zeros((r, int(c["company_slots"]))),
        **cooperation_projects(draws.project_u, c),
        unemployed=np.zeros(r, dtype=np.int64),
        reemployed=np.zeros(r, dtype=np.int64),
        private_capital_in=np.zeros(r),
        state_assets_drained=np.zeros(r),
        state_assets_tunnelled=np.zeros(r),
        fiscal_cost=np.zeros(r),
        cooperation_investment=np.zeros(r),
        social_burden_saved=np.zeros(r),
        managers_replaced=np.zeros(r, dtype=np.int64),
        plans_approved=np.zeros(r, dtype=np.int64),
        completed_month=np.zeros(r, dtype=np.int64),
    )


def cooperation_projects(u: np.ndarray, c: dict) -> dict[str, np.ndarray]:
    """The 52 signed projects: sizes summing to the report's total, start, host, realised."""
    size_u, start_u, host_u, realised_u = u.transpose(1, 0, 2)
    weight = np.exp(
        sample_law(
            {"distribution": "normal", "mean": 0.0, "sd": c["cooperation_size_log_sd"]}, size_u
        )
    )
    hosts = np.flatnonzero(CENTRAL | PROVINCIAL)
    return {
        "project_size": c["cooperation_total"] * weight / weight.sum(axis=1, keepdims=True),
        "project_start_u": start_u,
        "project_host": hosts[np.floor(host_u * len(hosts)).astype(int)],
        "project_realised_u": realised_u,
    }
