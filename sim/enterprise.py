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
from sim.codes import Condition, Handover
from sim.rules import where
from sim.state import Firms, fields_of

# plain ints: numpy compares and selects them far faster than enum members (Python 3.11)
HOPELESS = int(Condition.HOPELESS)
UNSIGNED, SIGNED, COMPLETED = (int(h) for h in Handover)

Firm = Any  # sim.state.Firms or sim.abm.agents.Enterprise: the same variables by name


def reset(x: Any) -> Any:
    """Zero of the same type: a new array of zeros, or the scalar type's zero."""
    return np.zeros_like(x) if isinstance(x, np.ndarray) else type(x)()


RESET = fields_of(Firms, "reset")  # flows several steps add to: zeroed when a month begins
RETIRED_ZERO = ("assets", "debt", "outward", "needed0", "needed", "workers")  # closed, merged
MERGED_AVERAGES = ("log_tfp", "log_tfp_base", "roa_smoothed", "burden")  # asset-weighted


def begin_month(f: Firm) -> None:
    """Zero the flows that several of the month's steps add to."""
    for name in RESET:
        setattr(f, name, reset(getattr(f, name)))


def open_books(f: Firm, demand: ArrayLike, unc: Any, c: dict) -> None:
    """Month 0: the accounts of June 2022, so that every measure has a starting value."""
    fin = financials(f, f.log_tfp, demand, unc, c)
    f.roa_smoothed = rules.annual_roa(fin["ebit"], f.total_assets)
    f.net_smoothed = fin["net"]
    f.value_added, f.ebit, f.net_profit = fin["value_added"], fin["ebit"], fin["net"]


# --- 1. reform office (Task 1) -----------------------------------------------------------------
def complete_reform(f: Firm, t: int, c: dict) -> ArrayLike:
    """The reform completes ``implementation_lag`` months after approval; return the firms
    whose reform completed this month."""
    done = f.active & (f.approved_month > 0) & (t >= f.approved_month + c["implementation_lag"])
    new = done & np.logical_not(f.reformed)
    f.reformed = f.reformed | done
    f.restructuring = f.restructuring | new
    return new


def adopt_package(f: Firm, new: ArrayLike, d: Any, u: Any, lv: dict, c: dict) -> None:
    """Newly reformed firms adopt the scenario's package, each optional part by the firm's
    own draw: board, market-selected manager, performance contract, pay for performance
    and, for commercial firms, an equity incentive out of the state's shares."""
    f.board = f.board | (new & (d.board_u < lv["board_share"]))
    hire = new & (d.manager_u < lv["market_selected_share"])
    f.manager_ability = where(
        hire, rules.new_manager_ability(True, u.ability_z, c), f.manager_ability
    )
    f.manager_market = f.manager_market | hire
    f.contract = f.contract | (new & lv["performance_contracts"])
    f.pay_sensitivity = where(new, lv["pay_performance_sensitivity"], f.pay_sensitivity)
    commercial = rules.is_commercial(f.klass)
    grant = new & commercial & (d.incentive_u < lv["equity_incentive_share"])
    size = where(grant, np.minimum(lv["equity_incentive_size"], f.state_share), 0.0)
    f.management_share = f.management_share + size
    f.state_share = f.state_share - size


# --- 4. supervision (Task 4) ---------------------------------------------------------------------
def tunnel(f: Firm, u: Any, chance: float, strength: float, c: dict) -> None:
    """Insiders may take equity out of a city firm; supervision makes it rarer and smaller.
    ``f.tunnelled`` is the state's part of what was taken."""
    happens = f.in_plan & f.active & (u.tunnel_u < chance)
    taken = where(happens, rules.tunnel_amount(f.equity, strength, c), 0.0)
    f.assets = f.assets - taken
    f.tunnelled = f.state_share * taken


# --- 5. production -----------------------------------------------------------------------------
def tfp_target(f: Firm, unc: Any, lv: dict, c: dict) -> ArrayLike:
    """Long-run log TFP plus the gains of the firm's reform package, owners and company."""
    uplift = b.tfp_uplift(
        board=f.board,
        outside_majority=f.board & lv["outside_director_majority"],
        market_manager=f.manager_market,
        contract=f.contract,
        pay_sensitivity=f.pay_sensitivity,
        cap_room=b.pay_cap_room(
            rules.executive_pay_cap(f.manager_market, lv), c["exec_pay_base_ratio"]
        ),
        equity_size=f.management_share,
        equity_form_effect=rules.equity_form_effect(lv, c),
        private_share=f.investor_share,
        board_seat=f.investor_share >= c["board_seat_stake"],
        soft_budget=rules.soft_budget(f.klass, f.state_share),
        response=unc["incentive_response"],
        c=c,
    )
    managed = c["capital_management_effect"] * (f.company >= 0)
    return f.log_tfp_base + uplift + managed


def financials(f: Firm, log_tfp: ArrayLike, demand: ArrayLike, unc: Any, c: dict) -> dict:
    """This month's accounts of the firm at log TFP ``log_tfp``."""
    return b.financials(
        tfp=np.exp(log_tfp + f.manager_ability),
        demand=demand,
        assets=f.assets,
        workers=f.workers,
        needed=f.needed,
        wage=f.wage,
        debt=f.debt,
        interest=unc["interest_rate"],
        burden=f.burden,
        outward=f.outward,
        c=c,
    )


def fundamentals(f: Firm, demand: ArrayLike, unc: Any, lv: dict, c: dict) -> dict:
    """Accounts at the long-run (target) TFP: what appraisers and investors value."""
    return financials(f, tfp_target(f, unc, lv, c), demand, unc, c)


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
    produces (losing ``restructuring_output_loss`` of its value added if restructured this
    month) and books its profit or loss."""
    f.needed = where(
        f.active, b.needed_labour(f.needed0, demand, c["labour_demand_elasticity"]), f.needed
    )
    shock = c["shock_sd_common"] * common_shock + c["shock_sd_idiosyncratic"] * u.idio_shock
    stepped = b.tfp_step(f.log_tfp, target, c["tfp_adjustment_speed"], shock)
    f.log_tfp = where(f.active, stepped, f.log_tfp)
    fin = financials(f, f.log_tfp, demand, unc, c)
    lost = where(f.restructuring, c["restructuring_output_loss"] * fin["value_added"], 0.0)
    f.output_lost = f.output_lost + lost
    book(f, b.with_output_loss(fin, lost, c["tax_rate"]), lv, c)


def book(f: Firm, fin: dict, lv: dict, c: dict) -> None:
    """Allocate the month's profit or loss: loss subsidy (soft budget), dividends, retained
    profit and stakes in private firms; update smoothed performance."""
    net = fin["net"]
    invests_out = f.reformed & rules.is_commercial(f.klass)
    loss, subsidy, dividends, retained, outward = rules.allocate_profit(
        net, rules.wholly_state_owned(f.state_share), invests_out, lv, c
    )
    f.debt = f.debt + (loss - subsidy)
    f.outward = f.outward + outward
    f.assets = f.assets + (retained - outward)
    f.value_added = fin["value_added"]
    f.ebit = fin["ebit"]
    f.net_profit = net
    f.subsidies = subsidy
    f.dividends = dividends
    update_performance(f, fin, c)


def update_performance(f: Firm, fin: dict, c: dict) -> None:
    """Smoothed ROA and profit, condition, and months spent hopeless-loss."""
    roa = rules.annual_roa(fin["ebit"], f.total_assets)
    weight = c["roa_smoothing"]
    f.roa_smoothed = where(f.active, b.smooth(f.roa_smoothed, roa, weight), f.roa_smoothed)
    f.net_smoothed = where(f.active, b.smooth(f.net_smoothed, fin["net"], weight), 0.0)
    f.condition = b.condition(f.roa_smoothed, c["hopeless_roa"], c["performing_roa"])
    hopeless = f.active & (f.condition == HOPELESS)
    f.hopeless_months = where(hopeless, f.hopeless_months + 1, 0)


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
    """Quits and retirements; reformed firms dismiss redundant staff at the scenario's speed
    and hire only what they need, unreformed firms replace every leaver; wages of reformed
    firms follow performance."""
    quits = b.stochastic_round(f.workers * b.monthly_rate(c["quit_rate"]), u.quit_u)
    stay = f.workers - quits
    redundant = np.maximum(stay - f.needed, 0.0)
    shed = b.monthly_rate(lv["labour_adjustment_speed"])
    dismissed = where(f.reformed, b.stochastic_round(redundant * shed, u.dismiss_u), 0)
    stay = stay - dismissed
    gap = b.stochastic_round(np.maximum(f.needed - stay, 0.0), u.hire_u)
    hires = rules.hires(gap, quits, f.reformed)
    f.workers = stay + hires
    f.hires = hires
    f.separations = quits + dismissed
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
