"""Production, profit and the soft budget constraint, for every enterprise each month.

TFP moves toward a target (the firm's long-run level plus the effort and monitoring
gains of its governance, managers, pay, incentives and owners) with common and
idiosyncratic shocks. Value added, wages, depreciation, social burden, interest and
tax give profit; a firm restructured this month loses ``restructuring_output_loss`` of
its value added. Profits are partly paid out (the state's dividends go to the
holding investment company, if any) and the rest retained (a share invested in
stakes in private firms by reformed commercial firms); losses of wholly
state-owned firms are partly subsidised (a fiscal cost), the rest borrowed.
"""

from __future__ import annotations

import numpy as np

from sim import behaviour as b
from sim import rules
from sim.randomness import Draws
from sim.state import State
from sim.tasks.task1_governance import equity_form_effect, executive_pay_cap
from sim.tasks.task4_investment_companies import collect_dividends


def demand_index(s: State, t: int) -> np.ndarray:
    """Demand of each firm's industry relative to month 0 (R, N)."""
    growth = np.take_along_axis(s.industry_growth, s.industry.astype(np.intp), axis=1)
    return rules.demand_index(growth, t)


def tfp_target(s: State, lv: dict, c: dict) -> np.ndarray:
    """Long-run log TFP plus the gains from the firm's reform package and owners."""
    uplift = b.tfp_uplift(
        board=s.board,
        outside_majority=s.board & lv["outside_director_majority"],
        market_manager=s.manager_market,
        contract=s.contract,
        pay_sensitivity=s.pay_sensitivity,
        cap_room=b.pay_cap_room(executive_pay_cap(s, lv), c["exec_pay_base_ratio"]),
        equity_size=s.management_share,
        equity_form_effect=equity_form_effect(lv, c),
        private_share=s.investor_share,
        board_seat=s.investor_share >= c["board_seat_stake"],
        soft_budget=rules.soft_budget(s.klass, s.state_share),
        response=s.uncertainty["incentive_response"][:, None],
        c=c,
    )
    managed = c["capital_management_effect"] * (s.company >= 0)
    return s.log_tfp_base + uplift + managed


def firm_financials(s: State, log_tfp: np.ndarray, demand: np.ndarray, c: dict) -> dict:
    """This month's accounts of every firm at the given log TFP."""
    return b.financials(
        tfp=np.exp(log_tfp + s.manager_ability),
        demand=demand,
        assets=s.assets,
        workers=s.workers,
        needed=s.needed,
        wage=s.wage,
        debt=s.debt,
        interest=s.uncertainty["interest_rate"][:, None],
        burden=s.burden,
        outward=s.outward,
        c=c,
    )


def fundamentals(s: State, t: int, lv: dict, c: dict) -> dict:
    """Accounts at the long-run (target) TFP: what appraisers and investors value."""
    return firm_financials(s, tfp_target(s, lv, c), demand_index(s, t), c)


def produce(s: State, t: int, d: Draws, lv: dict, c: dict) -> None:
    """Update TFP, produce, book profit, and update smoothed ROA and condition."""
    demand = demand_index(s, t)
    s.needed = b.needed_labour(s.needed0, demand, c["labour_demand_elasticity"])
    shock = (
        c["shock_sd_common"] * d.common_shock[:, t - 1, None]
        + c["shock_sd_idiosyncratic"] * (d.idio_shock[:, t - 1])
    )
    s.log_tfp = b.tfp_step(s.log_tfp, tfp_target(s, lv, c), c["tfp_adjustment_speed"], shock)
    fin = firm_financials(s, s.log_tfp, demand, c)
    lost = np.where(s.restructuring, c["restructuring_output_loss"] * fin["value_added"], 0.0)
    s.output_lost += lost
    fin = b.with_output_loss(fin, lost, c["tax_rate"])
    book(s, fin, lv, c)


def book(s: State, fin: dict, lv: dict, c: dict) -> None:
    """Allocate the month's profit or loss and update smoothed performance."""
    net = fin["net"]
    wholly_state = s.state_share >= rules.WHOLLY_STATE
    invests_out = s.reformed & (s.klass < 2)
    loss, subsidy, dividends, retained, outward = rules.allocate_profit(
        net, wholly_state, invests_out, lv, c
    )
    s.debt += loss - subsidy
    s.outward += outward
    s.assets += retained - outward
    s.value_added = fin["value_added"]
    s.ebit = fin["ebit"]
    s.net_profit = net
    s.subsidies = subsidy
    collect_dividends(s, dividends)
    s.fiscal_cost += subsidy.sum(axis=1)
    update_performance(s, fin, c)


def update_performance(s: State, fin: dict, c: dict) -> None:
    """Smoothed ROA and profit, condition, and months spent hopeless-loss (active firms)."""
    roa = rules.annual_roa(fin["ebit"], s.total_assets)
    s.roa_smoothed = np.where(
        s.active, b.smooth(s.roa_smoothed, roa, c["roa_smoothing"]), s.roa_smoothed
    )
    s.net_smoothed = np.where(
        s.active, b.smooth(s.net_smoothed, fin["net"], c["roa_smoothing"]), 0.0
    )
    s.condition = b.condition(s.roa_smoothed, c["hopeless_roa"], c["performing_roa"])
    s.hopeless_months = np.where(s.active & (s.condition == 2), s.hopeless_months + 1, 0)
