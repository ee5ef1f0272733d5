"""What every enterprise does in a month, written once for both engines.

Each function takes ``f``, either the vectorized core's :class:`~sim.state.Firms`
(arrays of shape (replications, enterprises)) or one ``Enterprise`` of the Mesa agent
model (scalars), which carry the same variables under the same names, and updates it
in place. ``u`` is the month's random numbers (the core's ``MonthDraws``, or the
firm's own ``FirmMonth``), ``d`` its drawn-once numbers (``Draws`` or ``FirmDraws``);
``unc`` maps each uncertainty to its per-replication value ((R, 1) columns in the core,
floats in the agent model). Only elementwise operations are used, so the two engines
compute the same numbers; which firms interact with which (markets, mergers, queues)
is each engine's own scheduling, in ``sim/tasks`` and ``sim/abm``.

A closed or merged firm is frozen: no function here changes its variables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim import behaviour as b
from sim import rules
from sim.codes import MAJORITY, MONTHS_PER_YEAR, Condition, Handover, PlanType
from sim.rules import where
from sim.state import Firms, fields_of

# plain ints: numpy compares and selects them far faster than enum members (Python 3.11)
HOPELESS = int(Condition.HOPELESS)
UNSIGNED, SIGNED, COMPLETED = (int(h) for h in Handover)
RESTRUCTURE, EXIT = int(PlanType.RESTRUCTURING), int(PlanType.EXIT)

Firm = Any  # sim.state.Firms or sim.abm.agents.Enterprise: the same variables by name


def reset(x: Any) -> Any:
    """Zero of the same type: a new array of zeros, or the scalar type's zero."""
    return np.zeros_like(x) if isinstance(x, np.ndarray) else type(x)()


RESET = fields_of(Firms, "reset")  # flows several steps add to: zeroed when a month begins
RETIRED_ZERO = ("assets", "debt", "outward", "needed0", "needed", "workers", "market")
MERGED_AVERAGES = ("log_tfp", "log_tfp_base", "roa_smoothed", "burden")  # asset-weighted


def begin_month(f: Firm) -> None:
    """Zero the flows that several of the month's steps add to."""
    for name in RESET:
        setattr(f, name, reset(getattr(f, name)))


def open_books(f: Firm, demand: ArrayLike, unc: Any, lv: dict, c: dict) -> None:
    """Month 0: the loan rates, executive pay and accounts of June 2022, so that every
    measure has a starting value."""
    lev = rules.leverage(f.debt, f.total_assets)
    f.interest_rate = rules.loan_rate(unc["interest_rate"], lev, soft_budget(f), c)
    performance = b.standardised_performance(
        f.roa_smoothed, c["performing_roa"], c["performance_scale"]
    )
    f.exec_pay = rules.exec_pay_multiple(performance, f.pay_sensitivity, f.manager_market, lv, c)
    fin = financials(f, f.log_tfp, demand, unc, c)
    f.roa_smoothed = rules.annual_roa(fin["pretax"], f.total_assets)
    f.net_smoothed = fin["net"]
    f.value_added, f.ebit, f.net_profit = fin["value_added"], fin["ebit"], fin["net"]
    f.pretax_profit = fin["pretax"]
    marginal = mpk(fin, f.assets, unc["capital_elasticity"])
    f.return_gap0 = rules.return_gap(marginal, f.interest_rate + c["depreciation"])


def mpk(fin: dict, capital: ArrayLike, alpha: ArrayLike) -> ArrayLike:
    """Marginal product of capital a year: ``alpha`` times value added over capital."""
    return alpha * MONTHS_PER_YEAR * fin["value_added"] / np.maximum(capital, 1e-9)


# --- 1. reform office (Task 1) -----------------------------------------------------------------
def complete_reform(f: Firm, t: int, c: dict) -> ArrayLike:
    """A plan is implemented ``plan_lag`` months after approval: the firm is reformed, except
    that a firm with an exit plan waits for its merger or closure (if it has recovered by
    then, its plan becomes a restructuring). Returns the firms reformed this month."""
    due = f.active & (f.approved_month > 0) & (t >= f.approved_month + f.plan_lag)
    exiting = f.plan == EXIT
    recovered = due & exiting & (f.condition != HOPELESS)
    f.plan = where(recovered, RESTRUCTURE, f.plan)
    waits = (f.plan == EXIT) & (f.condition == HOPELESS)
    new = due & np.logical_not(f.reformed) & np.logical_not(waits)
    f.reformed = f.reformed | new
    f.restructuring = f.restructuring | new
    return new


def adopt_package(
    f: Firm, new: ArrayLike, d: Any, u: Any, unc: Any, lv: dict, c: dict
) -> tuple[ArrayLike, ArrayLike]:
    """Newly reformed firms adopt the scenario's package, each optional part by the firm's
    own draw: a board, a market-selected manager (a restructuring plan brings a new manager
    in any case), a performance contract, pay for performance and, for commercial firms,
    an equity incentive out of the state's shares. Returns the value the state gives the
    management team with the grant and what the team pays for it."""
    f.board = f.board | (new & (d.board_u < lv["board_share"]))
    hire = new & (d.manager_u < lv["market_selected_share"])
    replace = hire | (new & (f.plan == RESTRUCTURE))
    ability = rules.new_manager_ability(hire, u.ability_z, c)
    f.manager_ability = where(replace, ability, f.manager_ability)
    f.manager_market = where(replace, hire, f.manager_market)
    f.contract = f.contract | (new & lv["performance_contracts"])
    f.pay_sensitivity = where(new, lv["pay_performance_sensitivity"], f.pay_sensitivity)
    commercial = rules.is_commercial(f.klass)
    grant = new & commercial & (d.incentive_u < lv["equity_incentive_share"])
    size = where(grant, np.minimum(lv["equity_incentive_size"], f.state_share), 0.0)
    unit = share_value(f, unc, c)
    transfer = rules.grant_transfer(size, unit, lv, c)
    value = size * unit
    f.management_share = f.management_share + size
    f.state_share = f.state_share - size
    return transfer, value - transfer


def share_value(f: Firm, unc: Any, c: dict) -> ArrayLike:
    """Value of the whole of a firm's equity, from its smoothed return on equity."""
    equity = f.equity
    roe = rules.expected_roe(f.net_smoothed, equity)
    cost = rules.cost_of_equity(unc["interest_rate"], c)
    return b.equity_value(equity, roe, cost, c["valuation_floor"], c["valuation_cap"])


# --- 4. supervision and owners (Tasks 1, 4) -------------------------------------------------------
def tunnel(f: Firm, u: Any, c: dict) -> None:
    """Insiders may take equity out of a city firm, as its supervision (``f.supervision``)
    lets them; ``f.tunnelled`` is the state's part of what was taken."""
    chance = rules.tunnel_chance(f.supervision, c)
    happens = f.in_plan & f.active & (u.tunnel_u < chance)
    taken = where(happens, rules.tunnel_amount(f.equity, c), 0.0)
    f.assets = f.assets - taken
    f.tunnelled = f.state_share * taken


def expropriate(f: Firm, u: Any, unc: Any, lv: dict, c: dict) -> None:
    """Where a private owner controls the firm and the state is a minority holder, it may
    divert value through related-party deals, deterred by a state board seat, outside
    directors and supervision; ``f.expropriated`` is the state's loss."""
    controlled = (f.investor >= 0) & (f.investor_share >= MAJORITY)
    seat = f.state_share >= c["board_seat_stake"]
    outside = f.board & lv["outside_director_majority"]
    chance = rules.expropriation_chance(
        unc["expropriation_chance"], seat, outside, f.supervision, c
    )
    happens = f.in_plan & f.active & controlled & (u.expropriation_u < chance)
    taken = where(happens, c["expropriation_size"] * np.maximum(f.equity, 0.0), 0.0)
    f.assets = f.assets - taken
    f.expropriated = f.state_share * taken


# --- 5. productivity and production --------------------------------------------------------
def soft_budget(f: Firm) -> ArrayLike:
    """Does the firm have a soft budget (``rules.soft_budget``)."""
    return rules.soft_budget(f.klass, f.state_share, f.reformed)


def evolve_productivity(f: Firm, d: Any, u: Any, lv: dict, c: dict) -> ArrayLike:
    """A firm's own productivity drifts back toward its long-run level with persistent
    shocks (how loss-makers recover or sink), and managers whose term ends are replaced:
    market-selected in a reformed firm if its draw says so, else appointed. Returns the
    firms whose manager changed."""
    reversion = c["tfp_reversion"] / MONTHS_PER_YEAR * (f.tfp_anchor - f.log_tfp_base)
    drifted = f.log_tfp_base + reversion + rules.tfp_shock_sd(c) * u.base_z
    f.log_tfp_base = where(f.active, drifted, f.log_tfp_base)
    ends = f.active & (u.turnover_u < b.monthly_rate(c["manager_turnover_rate"]))
    market = f.reformed & (d.manager_u < lv["market_selected_share"])
    f.manager_ability = where(
        ends, rules.new_manager_ability(market, u.ability_z, c), f.manager_ability
    )
    f.manager_market = where(ends, market, f.manager_market)
    return ends


def tfp_target(f: Firm, congestion: ArrayLike, unc: Any, lv: dict, c: dict) -> ArrayLike:
    """Long-run log TFP plus the gains of the firm's reform package, its private owner and
    its company's monitoring, less what its industry's zombies cost it (``congestion``:
    their share of the industry's assets)."""
    incentive = b.equity_incentive(
        f.management_share, unc["equity_incentive_effect"], c["equity_incentive_scale"]
    )
    ownership = b.ownership_gain(
        f.investor_share,
        f.investor_share >= c["board_seat_stake"],
        unc["monitoring_peak_stake"],
        unc["effect_private_monitoring"],
        unc["privatisation_effect"],
        c,
    )
    uplift = b.tfp_uplift(
        board=f.board,
        outside_majority=f.board & lv["outside_director_majority"],
        market_manager=f.manager_market,
        contract=f.contract,
        pay_sensitivity=f.pay_sensitivity,
        cap_room=b.pay_cap_room(rules.executive_pay_cap(f.manager_market, lv), c),
        incentive=incentive * rules.equity_form_effect(lv, c),
        ownership=ownership,
        soft_budget=soft_budget(f),
        response=unc["incentive_response"],
        c=c,
    )
    managed = c["capital_management_effect"] * where(f.company >= 0, f.supervision, 0.0)
    return f.log_tfp_base + uplift + managed - c["zombie_congestion"] * congestion


def financials(f: Firm, log_tfp: ArrayLike, demand: ArrayLike, unc: Any, c: dict) -> dict:
    """This month's accounts of the firm at log TFP ``log_tfp``; nothing for a closed firm."""
    fin = b.financials(
        tfp=np.exp(log_tfp + f.manager_ability),
        demand=demand,
        scale=b.capacity(f.assets, f.market, unc["capital_elasticity"]),
        assets=f.assets,
        workers=f.workers,
        needed=f.needed,
        wage=f.wage,
        debt=f.debt,
        interest=f.interest_rate,
        burden=f.burden,
        outward=f.outward,
        outward_return=f.outward_return,
        exec_cost=rules.exec_pay_cost(f.exec_pay, f.workers, c),
        c=c,
    )
    return {name: where(f.active, x, 0.0) for name, x in fin.items()}


def fundamentals(f: Firm, target: ArrayLike, demand: ArrayLike, unc: Any, c: dict) -> dict:
    """Accounts at the long-run (target) TFP: what appraisers and investors value."""
    return financials(f, target, demand, unc, c)


def produce(
    f: Firm,
    target: ArrayLike,
    demand: ArrayLike,
    common_shock: ArrayLike,
    u: Any,
    unc: Any,
    lv: dict,
    c: dict,
) -> None:
    """Log TFP moves toward ``target`` (``tfp_target``) with this month's shocks; the firm
    borrows at its loan rate, pays its executives, produces (losing
    ``restructuring_output_loss`` of its value added if restructured this month) and books
    its profit or loss, then invests and finances (``book``)."""
    f.needed = where(
        f.active, b.needed_labour(f.needed0, demand, c["labour_demand_elasticity"]), f.needed
    )
    shock = c["shock_sd_common"] * common_shock + c["shock_sd_idiosyncratic"] * u.idio_shock
    stepped = b.tfp_step(f.log_tfp, target, c["tfp_adjustment_speed"], shock)
    f.log_tfp = where(f.active, stepped, f.log_tfp)
    soft = soft_budget(f)
    lev = rules.leverage(f.debt, f.total_assets)
    f.interest_rate = where(
        f.active, rules.loan_rate(unc["interest_rate"], lev, soft, c), f.interest_rate
    )
    performance = b.standardised_performance(
        f.roa_smoothed, c["performing_roa"], c["performance_scale"]
    )
    pay = rules.exec_pay_multiple(performance, f.pay_sensitivity, f.manager_market, lv, c)
    f.exec_pay = where(f.active, pay, 0.0)
    fin = financials(f, f.log_tfp, demand, unc, c)
    lost = where(f.restructuring, c["restructuring_output_loss"] * fin["value_added"], 0.0)
    f.output_lost = f.output_lost + lost
    book(f, b.with_output_loss(fin, lost, c["tax_rate"]), soft, lev, unc, lv, c)


def book(f: Firm, fin: dict, soft: ArrayLike, lev: ArrayLike, unc: Any, lv: dict, c: dict) -> None:
    """Allocate the month's profit or loss (loss subsidy under a soft budget, dividends,
    stakes in private firms), invest toward the desired capital stock and target leverage,
    and borrow what internal funds do not cover, within the borrowing limit: investment is
    cut first; a firm that must still borrow beyond its limit (to cover losses) is in
    distress. Then update smoothed performance."""
    net = fin["net"]
    invests_out = f.reformed & rules.is_commercial(f.klass)
    loss, subsidy, dividends, retained, outward = rules.allocate_profit(
        net, soft, invests_out, lv, c
    )
    capital, upkeep = f.assets, c["depreciation"] * f.assets / MONTHS_PER_YEAR
    funds = net + upkeep + subsidy - dividends - outward
    alpha = unc["capital_elasticity"]
    gap = rules.return_gap(mpk(fin, capital, alpha), f.interest_rate + c["depreciation"])
    rate = rules.net_investment_rate(gap, f.return_gap0, lev, alpha, c)
    replace = c["depreciation"] + c["economy_growth"]  # to hold capital relative to the economy
    planned = where(f.active, np.maximum(rate + replace, 0.0), 0.0)
    limit = rules.borrowing_limit(soft, c)
    after = capital - upkeep + f.outward + outward  # total assets before investing
    # the most it can invest and keep its debt within the limit (no limit at 100% or more)
    affordable = where(
        limit < 1.0, (limit * after - f.debt + funds) / np.maximum(1.0 - limit, 1e-9), np.inf
    )
    invest = b.clip(np.minimum(planned * capital / MONTHS_PER_YEAR, affordable), 0.0, np.inf)
    borrowed = invest - funds
    f.investment = invest
    trend = np.exp(-c["economy_growth"] / MONTHS_PER_YEAR)  # stocks relative to the economy
    f.assets = where(f.active, (capital + invest - upkeep) * trend, capital)
    f.debt = where(f.active, (f.debt + borrowed) * trend, f.debt)
    f.outward = where(f.active, (f.outward + outward) * trend, f.outward)
    distressed = f.active & (borrowed > 0.0) & (f.debt > limit * f.total_assets)
    f.distress_months = where(distressed, f.distress_months + 1, 0)
    f.value_added = fin["value_added"]
    f.ebit = fin["ebit"]
    f.pretax_profit = fin["pretax"]
    f.net_profit = net
    f.subsidies = subsidy
    f.dividends = dividends
    update_performance(f, fin, c)


def update_performance(f: Firm, fin: dict, c: dict) -> None:
    """Smoothed ROA and profit, condition, months spent hopeless-loss, and revival."""
    roa = rules.annual_roa(fin["pretax"], f.total_assets)
    weight = c["roa_smoothing"]
    was_hopeless = f.condition == HOPELESS
    f.roa_smoothed = where(f.active, b.smooth(f.roa_smoothed, roa, weight), f.roa_smoothed)
    f.net_smoothed = where(f.active, b.smooth(f.net_smoothed, fin["net"], weight), 0.0)
    f.condition = b.condition(f.roa_smoothed, c["hopeless_roa"], c["performing_roa"])
    hopeless = f.active & (f.condition == HOPELESS)
    f.hopeless_months = where(hopeless, f.hopeless_months + 1, 0)
    f.revived = f.active & was_hopeless & np.logical_not(hopeless)


# --- 6. managers (能上能下) ----------------------------------------------------------------------
def review_manager(f: Firm, d: Any, u: Any, lv: dict, c: dict) -> ArrayLike:
    """Replace a reformed firm's manager who stays below the benchmark for
    ``underperformance_months``; return the firms whose manager was replaced."""
    below = f.roa_smoothed < c["performing_roa"] - c["underperformance_gap"]
    watched = f.active & f.reformed & f.contract & below
    f.under_months = where(watched, f.under_months + 1, 0)
    replace = f.under_months >= c["underperformance_months"]
    market = d.manager_u < lv["market_selected_share"]
    ability = rules.new_manager_ability(market, u.ability_z, c)
    f.manager_ability = where(replace, ability, f.manager_ability)
    f.manager_market = where(replace, market, f.manager_market)
    f.under_months = where(replace, 0, f.under_months)
    return replace


# --- 7. labour (能进能出, 能增能减) -----------------------------------------------------------------
def adjust_labour(f: Firm, u: Any, lv: dict, c: dict) -> None:
    """Retirements and quits; redundant staff dismissed by reformed firms at the scenario's
    speed and by loss-making firms at ``loss_dismissal_rate``; firms that are reformed or
    losing hire only what they need, the others also replace every leaver; wages of
    reformed firms follow performance."""
    retired = b.stochastic_round(f.workers * b.monthly_rate(c["retirement_rate"]), u.retire_u)
    staying = f.workers - retired
    quits = b.stochastic_round(staying * b.monthly_rate(c["quit_rate"]), u.quit_u)
    stay = staying - quits
    redundant = np.maximum(stay - f.needed, 0.0)
    losing = f.net_smoothed < 0.0
    shed = np.maximum(
        where(f.reformed, b.monthly_rate(lv["labour_adjustment_speed"]), 0.0),
        where(losing, b.monthly_rate(c["loss_dismissal_rate"]), 0.0),
    )
    dismissed = b.stochastic_round(redundant * shed, u.dismiss_u)
    stay = stay - dismissed
    gap = b.stochastic_round(np.maximum(f.needed - stay, 0.0), u.hire_u)
    hires = rules.hires(gap, retired + quits, f.reformed | losing)
    f.workers = stay + hires
    f.hires = hires
    f.retirements = retired
    f.quits = quits
    f.separations = retired + quits + dismissed
    f.dismissals = dismissed
    flexibility = where(f.reformed, lv["wage_flexibility"], 0.0)
    wage = b.wage_level(c["wage"], flexibility, f.roa_smoothed - c["performing_roa"])
    f.wage = where(f.active, wage, f.wage)


# --- 3. central and provincial SOEs (Task 2) -----------------------------------------------------
def hand_over(f: Firm, u: Any, hazard: ArrayLike, lv: dict, c: dict) -> tuple[ArrayLike, ...]:
    """三供一业 hand-over of a central SOE (signing, then completion at ``hazard``) and
    socialised retirees of a provincial SOE, each removing part of the social burden.

    Returns the city's part of the hand-over costs, of the socialisation costs, and the
    burden cost saved a year against month 0."""
    subsidy = lv["handover_city_subsidy"]
    draw = u.handover_u
    sign = f.central & (f.handover == UNSIGNED) & (draw < lv["handover_signing_rate"])
    complete = f.central & (f.handover == SIGNED) & (draw < hazard)
    f.handover = where(sign, SIGNED, where(complete, COMPLETED, f.handover))
    firm_part, city_part = rules.handover_costs(f.workers, subsidy, c)
    handover_city = where(complete, city_part, 0.0)
    f.assets = f.assets - (where(complete, firm_part, 0.0) - handover_city)

    rate = lv["retiree_socialisation_rate"]
    socialise = f.provincial & np.logical_not(f.socialised) & f.active & (draw < rate)
    f.socialised = f.socialised | socialise
    firm_cost, city_cost = rules.socialisation_cost(f.burden, f.assets, c)
    f.assets = f.assets - where(socialise, firm_cost, 0.0)
    f.burden = rules.relieved_burden(f.burden, complete | socialise, c)
    saved = where(f.central | f.provincial, rules.burden_saved(f.burden0, f.burden, f.assets), 0.0)
    return handover_city, where(socialise, city_cost, 0.0), saved
