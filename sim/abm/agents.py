"""The agents of the Mesa model: one object per enterprise, investor, company, department,
cooperation project, and the reform office.

Agents carry the same variables as the vectorized core's :class:`~sim.state.State` (an
enterprise has one attribute per (replications, enterprises) field, with the same name),
read their fate from the same pre-drawn random numbers, and call the same equations of
:mod:`sim.behaviour` and rules of :mod:`sim.rules` as the core. Methods are named after the
steps of the monthly schedule (``sim/engine.py``);
:meth:`SOEReformModel.step <sim.abm.model.SOEReformModel.step>` runs them in that order.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import behaviour as b
from sim import rules
from sim.population import (
    CENTRAL,
    IN_PLAN,
    INDUSTRY_GROUP,
    LEVEL,
    LEVELS,
    MUNICIPAL,
    PILOTS,
    PRIORITY_INDUSTRY,
    PROVINCIAL,
)
from sim.rules import FOCUS_GROUPS
from sim.tasks.task1_governance import BOARD, EQUITY_INCENTIVE, MARKET_MANAGER, new_manager_ability
from sim.tasks.task1_labour import DISMISSALS, HIRES, QUITS
from sim.tasks.task1_pace import class_start_months
from sim.tasks.task2_central_provincial import COMPLETED, SIGNED, UNSIGNED
from sim.tasks.task4_investment_companies import supervision_strength

if TYPE_CHECKING:
    from sim.abm.model import SOEReformModel

WHOLLY_STATE = rules.WHOLLY_STATE


@dataclass(slots=True)
class FirmDraws:
    """One enterprise's column of the pre-drawn random numbers (index ``t - 1`` by month)."""

    shock: list[float]  # idiosyncratic TFP shock
    listing: list[float]  # uniform: is the offer listed, and in which order
    appraisal: list[float]  # appraisal error
    ability: list[float]  # a new manager's ability
    labour: list[list[float]]  # uniforms for quits, dismissals, hires
    merge: list[float]
    closure: list[float]  # order among closure candidates
    tunnel: list[float]
    handover: list[float]
    adoption: list[float]  # board, market manager, equity incentive, (unused)
    company_tie: float


@dataclass(slots=True)
class Offer:
    """A listed stake: what the investors see when they bid."""

    firm: Enterprise
    stake: float
    issued: float
    equity: float
    roe: float
    reserve: float
    signal_z: list[float] = field(repr=False)  # by investor slot, for this listing slot


class Enterprise(mesa.Agent):
    """An enterprise: municipal, county, central or provincial SOE in the city."""

    model: SOEReformModel

    def __init__(
        self, model: SOEReformModel, index: int, state: dict[str, object], draws: FirmDraws
    ) -> None:
        super().__init__(model)
        self.index = index
        self.level = LEVELS[LEVEL[index]]
        self.in_plan = bool(IN_PLAN[index])
        self.municipal = bool(MUNICIPAL[index])
        self.central = bool(CENTRAL[index])
        self.provincial = bool(PROVINCIAL[index])
        self.pilot = index in PILOTS
        for name, value in state.items():
            setattr(self, name, value)
        self.draws = draws
        self.group = int(INDUSTRY_GROUP[self.industry])
        self.priority_industry = bool(PRIORITY_INDUSTRY[self.industry])
        self.stake_limit = float(rules.stake_limit(self.klass, self.in_plan, model.lv))
        self.replacements = 0
        # this month's flows that the city and the companies add up
        self.dividends = 0.0
        self.tunnelled = 0.0
        self.handover_city_cost = 0.0
        self.socialisation_city_cost = 0.0
        self.burden_saved = 0.0
        self._target_key: tuple | None = None
        self._target = 0.0

    # --- balance sheet ---------------------------------------------------------------------
    @property
    def equity(self) -> float:
        return self.assets + self.outward - self.debt

    @property
    def total_assets(self) -> float:
        return self.assets + self.outward

    @property
    def owner(self) -> str:
        """Who holds the state's equity: the department, an investment company, or the level."""
        if self.company >= 0:
            return f"company {self.company}"
        if self.municipal:
            return f"department {self.department}"
        return self.level

    # --- 1. reform office (Task 1) -----------------------------------------------------------
    def begin_month(self) -> None:
        """Reset the flows that this month's steps add to."""
        self.restructuring = False
        self.output_lost = 0.0
        self.layoffs = 0
        self.moved = 0

    def approve(self, t: int) -> None:
        """The working groups approve this firm's reform plan."""
        self.approved_month = t
        self.model.log("plan_approved", t, self.index)

    def complete_reform(self, t: int) -> None:
        """The reform completes ``implementation_lag`` months after approval."""
        lag = self.model.c["implementation_lag"]
        done = self.active and self.approved_month > 0 and t >= self.approved_month + lag
        if done and not self.reformed:
            self.reformed = True
            self.restructuring = True
            self.adopt_package(t)

    def adopt_package(self, t: int) -> None:
        """Board, manager, contract, pay and equity incentive, by the firm's own draws."""
        lv, c, u = self.model.lv, self.model.c, self.draws.adoption
        if u[BOARD] < lv["board_share"]:
            self.board = True
        if u[MARKET_MANAGER] < lv["market_selected_share"]:
            self.manager_ability = float(new_manager_ability(True, self.draws.ability[t - 1], c))
            self.manager_market = True
        if lv["performance_contracts"]:
            self.contract = True
        self.pay_sensitivity = lv["pay_performance_sensitivity"]
        if self.klass < 2 and u[EQUITY_INCENTIVE] < lv["equity_incentive_share"]:
            size = min(lv["equity_incentive_size"], self.state_share)
            self.management_share += size
            self.state_share -= size

    # --- 2. restructuring (Task 3) -----------------------------------------------------------
    def transfer(self, company: InvestmentCompany, t: int) -> None:
        """The state's equity moves from the department to an investment company."""
        self.company = company.slot
        self.oversight = False
        self.restructuring = True
        insort(company.firms, self, key=lambda f: f.index)
        self.model.log("transfer", t, self.index, counterparty=company.slot)

    def absorb(self, sources: list[Enterprise], t: int) -> None:
        """Merge same-industry firms into this one (``task3_decoupling.consolidate``)."""
        c = self.model.c
        weights = [f.assets for f in sources]
        for name in ("log_tfp", "log_tfp_base", "roa_smoothed", "burden"):
            xs = [getattr(f, name) for f in sources]
            setattr(self, name, rules.weighted_merge(getattr(self, name), self.assets, xs, weights))
        for f in sources:
            laid_off = int(rules.merger_layoffs(f.workers, c))
            stay = f.workers - laid_off
            self.assets += f.assets
            self.debt += f.debt
            self.outward += f.outward
            self.needed0 += rules.merged_needed_labour(f.needed0, c)
            self.workers += stay
            self.moved += stay
            f.moved -= stay
            f.layoffs += laid_off
            self.model.log(
                "merger", t, f.index, counterparty=self.index, value=stay, detail=laid_off
            )
        for w in weights:
            self.burden -= rules.merger_overhead_saving(w, self.assets, c)
        self.restructuring = True
        for f in sources:
            f.retire("merged")

    def close(self, recovery_rate: float, t: int) -> None:
        """Close a firm with no normal operation: creditors first, the owners get the rest."""
        residual = float(
            rules.closure_residual(recovery_rate, self.assets, self.outward, self.debt)
        )
        if self.company >= 0:
            self.model.companies[self.company].credit(self.state_share * residual)
        self.layoffs += self.workers
        self.output_lost += self.value_added
        self.model.log("closure", t, self.index, value=residual, detail=self.workers)
        self.retire("closed")

    def retire(self, how: str) -> None:
        """Leave the economy (closed or merged): no assets, debt, workers or oversight."""
        setattr(self, how, True)
        self.active = False
        self.assets = self.debt = self.outward = self.needed0 = self.needed = 0.0
        self.workers = 0
        self.oversight = False

    # --- 3. central and provincial SOEs (Task 2) -----------------------------------------------
    def hand_over(self, t: int, hazard: float) -> None:
        """三供一业 hand-over of a central SOE; socialised retirees of a provincial SOE."""
        lv, c = self.model.lv, self.model.c
        u = self.draws.handover[t - 1]
        self.handover_city_cost = self.socialisation_city_cost = 0.0
        relieved = False
        if self.central:
            sign = self.handover == UNSIGNED and u < lv["handover_signing_rate"]
            complete = self.handover == SIGNED and u < hazard
            if sign:
                self.handover = SIGNED
                self.model.log("handover_signed", t, self.index)
            if complete:
                self.handover = COMPLETED
                firm_part, city = rules.handover_costs(self.workers, lv["handover_city_subsidy"], c)
                self.assets -= float(firm_part - city)
                self.handover_city_cost = float(city)
                relieved = True
                self.model.log("handover_completed", t, self.index, value=float(firm_part))
        socialise = u < lv["retiree_socialisation_rate"]
        if self.provincial and not self.socialised and self.active and socialise:
            self.socialised = True
            firm_part, city = rules.socialisation_cost(self.burden, self.assets, c)
            self.assets -= float(firm_part)
            self.socialisation_city_cost = float(city)
            relieved = True
            self.model.log("retirees_socialised", t, self.index, value=float(firm_part))
        if relieved:
            self.burden = self.burden * (1.0 - c["handover_burden_removed"])
        self.burden_saved = (self.burden0 - self.burden) * self.assets

    # --- 4. stake market and supervision (Tasks 1, 4) ------------------------------------------
    def fundamentals(self) -> dict:
        """Accounts at the target TFP: what appraisers and investors value."""
        return self.accounts(self.tfp_target(), self.model.demand[self.industry])

    def sell_stake(self, investor: PrivateInvestor, price: float, offer: Offer, fair: float):
        """Issue new shares to ``investor`` (and employees); return (cash paid, state drain)."""
        employee = self.model.lv["employee_stake"]
        paid, drained, keep = rules.settle_deal(
            price, offer.stake, employee, fair, self.state_share
        )
        self.assets += float(paid)
        self.state_share *= float(keep)
        self.management_share *= float(keep)
        self.investor_share = offer.stake
        self.employee_share = employee
        self.investor = investor.slot
        return float(paid), float(drained)

    def tunnel(self, t: int, chance: float, strength: float) -> None:
        """Insiders may take equity out of a city firm; supervision makes it rarer and smaller."""
        self.tunnelled = 0.0
        if self.in_plan and self.active and self.draws.tunnel[t - 1] < chance:
            taken = float(rules.tunnel_amount(self.equity, strength, self.model.c))
            self.assets -= taken
            self.tunnelled = self.state_share * taken
            self.model.log("tunnelling", t, self.index, value=taken)

    # --- 5. production ------------------------------------------------------------------------
    def tfp_target(self) -> float:
        """Long-run log TFP plus the gains of the reform package, owners and company."""
        key = (
            self.board,
            self.manager_market,
            self.contract,
            self.pay_sensitivity,
            self.management_share,
            self.investor_share,
            self.state_share >= WHOLLY_STATE,
            self.company >= 0,
            self.log_tfp_base,
        )
        if key != self._target_key:  # the package, owners or base changed: recompute
            m, lv, c = self.model, self.model.lv, self.model.c
            uplift = b.tfp_uplift(
                board=self.board,
                outside_majority=self.board and lv["outside_director_majority"],
                market_manager=self.manager_market,
                contract=self.contract,
                pay_sensitivity=self.pay_sensitivity,
                cap_room=b.pay_cap_room(
                    rules.executive_pay_cap(self.manager_market, lv), c["exec_pay_base_ratio"]
                ),
                equity_size=self.management_share,
                equity_form_effect=m.equity_form_effect,
                private_share=self.investor_share,
                board_seat=self.investor_share >= c["board_seat_stake"],
                soft_budget=rules.soft_budget(self.klass, self.state_share),
                response=m.uncertainty["incentive_response"],
                c=c,
            )
            managed = c["capital_management_effect"] * (self.company >= 0)
            self._target, self._target_key = float(self.log_tfp_base + uplift + managed), key
        return self._target

    def accounts(self, log_tfp: float, demand: float) -> dict:
        """This month's accounts at the given log TFP."""
        return b.financials(
            tfp=np.exp(log_tfp + self.manager_ability),
            demand=demand,
            assets=self.assets,
            workers=self.workers,
            needed=self.needed,
            wage=self.wage,
            debt=self.debt,
            interest=self.model.uncertainty["interest_rate"],
            burden=self.burden,
            outward=self.outward,
            c=self.model.c,
        )

    def produce(self, t: int) -> None:
        """TFP moves toward its target; the firm produces and books profit."""
        m, c = self.model, self.model.c
        if not self.active:
            self.value_added = self.ebit = self.net_profit = self.subsidies = 0.0
            self.dividends = self.net_smoothed = 0.0
            self.condition = int(
                b.condition(self.roa_smoothed, c["hopeless_roa"], c["performing_roa"])
            )
            self.hopeless_months = 0
            return
        demand = m.demand[self.industry]
        self.needed = float(b.needed_labour(self.needed0, demand, c["labour_demand_elasticity"]))
        shock = m.common_shock_term + c["shock_sd_idiosyncratic"] * self.draws.shock[t - 1]
        self.log_tfp = float(
            b.tfp_step(self.log_tfp, self.tfp_target(), c["tfp_adjustment_speed"], shock)
        )
        fin = self.accounts(self.log_tfp, demand)
        lost = c["restructuring_output_loss"] * fin["value_added"] if self.restructuring else 0.0
        self.output_lost += float(lost)
        self.book(b.with_output_loss(fin, lost, c["tax_rate"]))

    def book(self, fin: dict) -> None:
        """Allocate profit or loss: subsidy, dividends, retained earnings, outward stakes."""
        net = float(fin["net"])
        loss, subsidy, dividends, retained, outward = rules.allocate_profit(
            net,
            self.state_share >= WHOLLY_STATE,
            self.reformed and self.klass < 2,
            self.model.lv,
            self.model.c,
        )
        self.debt += float(loss - subsidy)
        self.outward += float(outward)
        self.assets += float(retained - outward)
        self.value_added = float(fin["value_added"])
        self.ebit = float(fin["ebit"])
        self.net_profit = net
        self.subsidies = float(subsidy)
        self.dividends = float(dividends)
        self.update_performance()

    def update_performance(self) -> None:
        """Smoothed ROA and profit, condition, and months spent hopeless-loss."""
        c = self.model.c
        roa = rules.annual_roa(self.ebit, self.total_assets)
        self.roa_smoothed = float(b.smooth(self.roa_smoothed, roa, c["roa_smoothing"]))
        self.net_smoothed = float(b.smooth(self.net_smoothed, self.net_profit, c["roa_smoothing"]))
        self.condition = int(b.condition(self.roa_smoothed, c["hopeless_roa"], c["performing_roa"]))
        self.hopeless_months = self.hopeless_months + 1 if self.condition == 2 else 0

    # --- 6. managers (能上能下) -----------------------------------------------------------------
    def review_manager(self, t: int) -> None:
        """The board replaces a manager who stays below the benchmark too long."""
        m, lv, c = self.model, self.model.lv, self.model.c
        below = self.roa_smoothed < c["performing_roa"] - c["underperformance_gap"]
        if self.active and self.reformed and self.contract and below:
            self.under_months += 1
        else:
            self.under_months = 0
        if self.under_months >= c["underperformance_months"]:
            market = self.draws.adoption[MARKET_MANAGER] < lv["market_selected_share"]
            self.manager_ability = float(new_manager_ability(market, self.draws.ability[t - 1], c))
            self.manager_market = market
            self.under_months = 0
            self.replacements += 1
            m.managers_replaced += 1
            m.log("manager_replaced", t, self.index, detail=int(market))

    # --- 7. labour (能进能出, 能增能减) -----------------------------------------------------------
    def monthly_quit_rate(self) -> float:
        """Share of workers who quit or retire this month."""
        return self.model.quit_rate

    def monthly_shed_rate(self) -> float:
        """Share of redundant workers a reformed firm dismisses this month."""
        return self.model.shed_rate

    def adjust_labour(self, t: int) -> None:
        """Quits, dismissals (reformed firms only), hires and the wage."""
        if not self.active:
            self.hires = self.separations = self.dismissals = 0
            return
        lv, c, u = self.model.lv, self.model.c, self.draws.labour[t - 1]
        quits = int(b.stochastic_round(self.workers * self.monthly_quit_rate(), u[QUITS]))
        stay = self.workers - quits
        dismissed = 0
        if self.reformed:
            redundant = max(stay - self.needed, 0.0)
            dismissed = int(b.stochastic_round(redundant * self.monthly_shed_rate(), u[DISMISSALS]))
        stay -= dismissed
        gap = int(b.stochastic_round(max(self.needed - stay, 0.0), u[HIRES]))
        self.hires = int(rules.hires(gap, quits, self.reformed))
        self.workers = stay + self.hires
        self.separations = quits + dismissed
        self.dismissals = dismissed
        flexibility = lv["wage_flexibility"] if self.reformed else 0.0
        gap_roa = self.roa_smoothed - c["performing_roa"]
        self.wage = float(b.wage_level(c["wage"], flexibility, gap_roa))


class PrivateInvestor(mesa.Agent):
    """A private investor (非国有资本) bidding for stakes with a fixed capital."""

    model: SOEReformModel

    def __init__(
        self,
        model: SOEReformModel,
        slot: int,
        capital: float,
        required: float,
        trust: float,
        wants_control: bool,
        group: int,
    ) -> None:
        super().__init__(model)
        self.slot = slot
        self.capital = capital
        self.required = required
        self.trust = trust
        self.wants_control = wants_control
        self.group = group  # industry group it invests in; -1 for any
        self.holdings: list[int] = []

    def bid(self, offer: Offer) -> float | None:
        """The investor's bid for a listed stake, or None if it stays out."""
        if self.wants_control and offer.stake < 0.5:
            return None
        if self.group >= 0 and self.group != offer.firm.group:
            return None
        if (
            self.capital < offer.reserve
        ):  # a bid is capped by capital: it could not reach the reserve
            return None
        c = self.model.c
        signal = rules.investor_signal(offer.roe, offer.signal_z[self.slot], c)
        hurdle = b.investor_hurdle(
            self.required, self.trust, offer.stake, c["minority_risk_premium"]
        )
        bid = float(
            rules.investor_bid(
                offer.equity, signal, hurdle, offer.stake, offer.issued, self.capital, c
            )
        )
        return bid if bid >= offer.reserve and bid > 0.0 else None

    def buy(self, firm: Enterprise, price: float) -> None:
        self.capital -= price
        self.holdings.append(firm.index)


class InvestmentCompany(mesa.Agent):
    """A state capital investment/operating company (国有资本投资运营公司)."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot
        self.focus = slot % FOCUS_GROUPS  # industry group of its focus
        self.budget = 0.0
        self.firms: list[Enterprise] = []  # firms whose state equity it holds, by index

    def credit(self, amount: float) -> None:
        """The state's dividends or closure proceeds go to the capital budget."""
        self.budget += amount

    def consolidate(self, t: int) -> None:
        """Merge wholly state-owned firms into the largest such firm of the same industry."""
        c = self.model.c
        eligible = [f for f in self.firms if f.active and f.state_share >= WHOLLY_STATE]
        anchors: dict[int, Enterprise] = {}
        for f in eligible:  # the largest; the lowest index among equals
            if f.industry not in anchors or f.assets > anchors[f.industry].assets:
                anchors[f.industry] = f
        absorbed: dict[Enterprise, list[Enterprise]] = {}
        for f in eligible:
            anchor = anchors[f.industry]
            if f is not anchor and f.draws.merge[t - 1] < c["merger_rate"]:
                absorbed.setdefault(anchor, []).append(f)
        for anchor, sources in absorbed.items():
            anchor.absorb(sources, t)

    def collect_dividends(self) -> None:
        """The state's share of its firms' dividends, in firm order."""
        for f in self.firms:
            if f.dividends > 0:
                self.credit(f.state_share * f.dividends)

    def reallocate_capital(self, rate: float) -> None:
        """Invest part of the budget as new equity in its wholly state-owned priority firms."""
        targets = [
            f
            for f in self.firms
            if f.active and f.state_share >= WHOLLY_STATE and f.priority_industry
        ]
        total = 0.0
        for f in targets:
            total += f.assets
        if total <= 0:
            return
        spend = self.budget * rate
        for f in targets:
            f.assets += spend * (f.assets / max(total, 1e-12))
        self.budget -= spend


class SupervisingDepartment(mesa.Agent):
    """One of the 34 supervising departments (市直单位) over the municipal firms."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel, number: int, order_u: float) -> None:
        super().__init__(model)
        self.number = number
        self.order_u = order_u  # its place in the decoupling order
        self.decoupled = False
        self.firms: list[Enterprise] = []

    def release(self, t: int) -> None:
        """After decoupling: ready firms move to a company, the rest stay under oversight."""
        m = self.model
        for f in self.firms:
            if f.active and f.company < 0:
                if rules.transfer_ready(f.condition, f.debt, f.total_assets, m.c):
                    f.transfer(m.companies[m.company_match(f)], t)
                else:
                    f.oversight = True


class CooperationProject(mesa.Agent):
    """A signed city-enterprise cooperation project, investing in its host firm."""

    model: SOEReformModel

    def __init__(
        self, model: SOEReformModel, number: int, size: float, start: float, realised: bool, host
    ) -> None:
        super().__init__(model)
        self.number = number
        self.size = size
        self.start = start
        self.realised = realised
        self.host: Enterprise = host
        self.flow = 0.0

    def invest(self, t: int) -> None:
        """Invest evenly over the project's duration, adding assets and jobs to the host."""
        c = self.model.c
        duration = c["cooperation_duration"]
        running = self.realised and self.start <= t < self.start + duration
        self.flow = self.size / duration if running else 0.0
        if running:
            self.host.assets += self.flow
            self.host.needed0 += self.flow / c["assets_per_worker"]


class ReformOffice(mesa.Agent):
    """The reform leading group and its seven working groups; applies the scenario's levers:
    plan approval, decoupling, closures, hand-overs and the supervision of deals (管资本)."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel) -> None:
        super().__init__(model)
        lv, c = model.lv, model.c
        self.plans_approved = 0
        self.completed_month = 0
        self.starts = class_start_months(lv)
        self.strength = supervision_strength(lv)
        self.collusion_chance, self.collusive_cut = rules.collusion(self.strength, c)

    def approve_plans(self, t: int) -> None:
        """Approve this month's plans, pilots first, within the working groups' capacity."""
        m, lv = self.model, self.model.lv
        waiting = [f for f in m.firm_list if f.in_plan and f.active and f.approved_month == 0]
        eligible = [f for f in waiting if self.starts[f.klass] <= t]
        if lv["pilots_first"]:  # pilots' plans are drafted first, whatever their class
            eligible = [f for f in waiting if self.starts[f.klass] <= t or f.pilot]
            if any(f.pilot for f in waiting):
                eligible = [f for f in eligible if f.pilot]
        classes_open = len({f.klass for f in eligible})
        capacity = b.effective_capacity(
            lv["plans_per_month"],
            m.uncertainty["implementation_friction"],
            classes_open,
            m.c["class_switch_cost"],
        )
        n = int(b.stochastic_round(capacity, m.city_u[t - 1][0]))
        first = 1.0 if lv["pilots_first"] else 0.0
        eligible.sort(key=lambda f: f.plan_priority - first * f.pilot)
        for f in eligible[:n]:
            f.approve(t)
        self.plans_approved += len(eligible[:n])

    def decouple_departments(self, t: int) -> None:
        """Decouple this month's departments; their ready firms move to investment companies."""
        m, lv = self.model, self.model.lv
        if lv["investment_companies"] < 1 or t < lv["decoupling_start_month"]:
            return
        done = sum(d.decoupled for d in m.departments)
        new = int(b.stochastic_round(lv["departments_per_month"], m.decoupling_round_u[t - 1]))
        for d in m.departments_in_order[: min(done + new, len(m.departments))]:
            if not d.decoupled:
                d.decoupled = True
                m.log("department_decoupled", t, -1, counterparty=d.number)
        for d in m.departments:
            if d.decoupled:
                d.release(t)

    def close_hopeless(self, t: int) -> None:
        """Close this month's firms with no normal operation (依法关闭、破产)."""
        m, lv = self.model, self.model.lv
        if lv["closures_per_month"] <= 0:
            return
        candidates = [
            f
            for f in m.firm_list
            if f.in_plan and f.active and f.hopeless_months >= lv["closure_months"]
        ]
        n = int(b.stochastic_round(lv["closures_per_month"], m.closure_round_u[t - 1]))
        chosen = sorted(candidates, key=lambda f: f.draws.closure[t - 1])[:n]
        recovery = m.uncertainty["asset_recovery_rate"]
        for f in sorted(chosen, key=lambda f: f.index):
            f.close(recovery, t)

    def tasks_done(self) -> tuple[int, int]:
        """Reform tasks completed and in the plan (``task1_pace.tasks_done``)."""
        m, lv = self.model, self.model.lv
        done = total = 0
        if lv["plans_per_month"] > 0:
            plan = [f for f in m.firm_list if f.in_plan]
            done += sum(f.reformed or not f.active for f in plan)
            total += len(plan)
        if lv["investment_companies"] > 0 and lv["departments_per_month"] > 0:
            done += sum(d.decoupled for d in m.departments)
            total += len(m.departments)
        return done, total

    def record_completion(self, t: int) -> None:
        """Remember the month the last task of the plan was completed."""
        done, total = self.tasks_done()
        if self.completed_month == 0 and total > 0 and done == total:
            self.completed_month = t

    def hand_over_social_functions(self, t: int) -> None:
        """Central SOEs' 三供一业 hand-overs and provincial retirees, with the city's subsidy."""
        m = self.model
        hazard = float(
            rules.handover_hazard(
                m.lv["handover_city_subsidy"], m.uncertainty["handover_completion_months"], m.c
            )
        )
        m.outside_plan.shuffle_do("hand_over", t, hazard)
        m.fiscal_cost += m.firm_sum("handover_city_cost")
        m.fiscal_cost += m.firm_sum("socialisation_city_cost")
        m.social_burden_saved += m.firm_sum("burden_saved") / 12.0

    def run_market(self, t: int) -> None:
        """List this month's offers and settle each by a second-price auction with a reserve."""
        m, c = self.model, self.model.c
        chance = rules.listing_chance(self.strength, c)
        listed = [
            f
            for f in m.firm_list
            if f.active
            and f.reformed
            and f.investor < 0
            and f.stake_limit > 0
            and f.draws.listing[t - 1] < chance
        ]
        listed.sort(key=lambda f: f.draws.listing[t - 1])
        for slot, firm in enumerate(listed[: int(c["offers_per_month"])]):
            self.auction(firm, slot, t)

    def auction(self, firm: Enterprise, slot: int, t: int) -> None:
        """Appraise the stake, set the reserve, collect bids and settle with the winner."""
        m, lv, c = self.model, self.model.lv, self.model.c
        equity = firm.equity
        roe = float(rules.expected_roe(firm.fundamentals()["net"], equity))
        cost_of_equity = rules.cost_of_equity(m.uncertainty["interest_rate"], c)
        fair = float(
            b.equity_value(equity, roe, cost_of_equity, c["valuation_floor"], c["valuation_cap"])
        )
        sd = rules.appraisal_sd(m.uncertainty["appraisal_error_sd"], self.strength, c)
        appraised = float(rules.appraised_value(fair, sd, firm.draws.appraisal[t - 1]))
        stake = firm.stake_limit
        issued = stake + lv["employee_stake"]
        discount = 0.0 if lv["appraisal_floor"] else c["negotiated_discount"]
        colluding = m.collusion_u[t - 1][slot] < self.collusion_chance
        reserve = float(
            rules.reserve_price(stake, appraised, issued, discount, colluding, self.collusive_cut)
        )
        offer = Offer(firm, stake, issued, equity, roe, reserve, m.signal_z[t - 1][slot])
        bidders, bids = [], []
        for investor in m.investors:
            bid = investor.bid(offer)
            if bid is not None:
                bidders.append(investor)
                bids.append(bid)
        if not bids:
            return
        winner, price = rules.second_price(bids, reserve)
        paid, drained = firm.sell_stake(bidders[winner], price, offer, fair)
        bidders[winner].buy(firm, price)
        m.state_assets_drained += drained
        m.private_capital_in += paid
        m.log(
            "deal",
            t,
            firm.index,
            counterparty=bidders[winner].slot,
            value=price,
            appraised=appraised,
            fair=fair,
            reserve=reserve,
            detail=stake,
        )

    def supervise(self, t: int) -> None:
        """Tunnelling in city firms, checked by the supervision rules."""
        m = self.model
        chance = rules.tunnel_chance(self.strength, m.c)
        m.city_firms.shuffle_do("tunnel", t, chance, self.strength)
        lost = m.firm_sum("tunnelled")
        m.state_assets_drained += lost
        m.state_assets_tunnelled += lost
