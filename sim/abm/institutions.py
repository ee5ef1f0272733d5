"""The agents besides the enterprises: private investors, investment companies, supervising
departments, cooperation projects and the reform office.

Each carries the variables of its :mod:`sim.state` dataclass (``Investors``,
``Companies``, ``Departments``, ``Projects``) under the same names, and applies the rules
of :mod:`sim.rules` one agent at a time, in the order the vectorized core applies them to
arrays (``sim/tasks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim import behaviour as b
from sim import enterprise, rules
from sim.population import N_INDUSTRIES
from sim.rules import EXIT, FOCUS_GROUPS, MIXED, PERFORMING

if TYPE_CHECKING:
    from sim.abm.agents import Enterprise
    from sim.abm.model import SOEReformModel


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


class PrivateInvestor(mesa.Agent):
    """A private investor (非国有资本) bidding for stakes with a fixed capital."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel, slot: int, variables: dict[str, object]) -> None:
        super().__init__(model)
        self.slot = slot
        for name, value in variables.items():  # the fields of sim.state.Investors
            setattr(self, name, value)
        self.holdings: list[int] = []

    def bid(self, offer: Offer) -> float | None:
        """The investor's bid for a listed stake, or None if it stays out."""
        if not rules.may_bid(
            self.wants_control, self.group, offer.stake, offer.firm.industry_group
        ):
            return None
        if self.capital < offer.reserve:  # a bid is capped by capital: it cannot win
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

    def __init__(self, model: SOEReformModel, slot: int, variables: dict[str, object]) -> None:
        super().__init__(model)
        self.slot = slot
        self.focus = slot % FOCUS_GROUPS  # industry group of its focus
        for name, value in variables.items():  # the fields of sim.state.Companies
            setattr(self, name, value)
        self.firms: list[Enterprise] = []  # firms whose state equity it holds, by index

    def monitoring(self, lv: dict) -> float:
        """Its supervision per firm: strength from quality and the 管资本 levers, thinned when
        it holds more firms than it can follow."""
        m = self.model
        strength = rules.supervision_strength(
            self.quality, m.uncertainty["supervision_lever_gain"], lv
        )
        held = sum(f.active for f in self.firms)
        return float(rules.monitoring(strength, held, m.c))

    def run(self) -> None:
        """Pay the month's running cost; the platform earns its return and pays interest."""
        m = self.model
        self.budget -= rules.company_overhead(len(m.companies), m.c)
        income = float(
            rules.platform_income(
                self.platform_assets, self.platform_debt, m.uncertainty["interest_rate"], m.c
            )
        )
        self.platform_assets += max(income, 0.0)
        self.platform_debt += max(-income, 0.0)

    def credit(self, amount: float) -> None:
        """The state's dividends or closure proceeds go to the capital budget."""
        self.budget += amount

    def consolidate(self, t: int) -> None:
        """Merge wholly state-owned firms into the largest such firm of the same industry."""
        c = self.model.c
        eligible = [f for f in self.firms if f.active and rules.wholly_state_owned(f.state_share)]
        anchors: dict[int, Enterprise] = {}
        for f in eligible:  # the largest; the lowest index among equals
            if f.industry not in anchors or f.assets > anchors[f.industry].assets:
                anchors[f.industry] = f
        absorbed: dict[Enterprise, list[Enterprise]] = {}
        for f in eligible:
            anchor = anchors[f.industry]
            if f is not anchor and f.draws.month(t).merge_u < c["merger_rate"]:
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
            if rules.reinvestment_target(f.active, True, f.state_share, f.priority_industry)
        ]
        total = 0.0
        for f in targets:
            total += f.assets
        if total <= 0:
            return
        spend = float(rules.reinvestment_spend(self.budget, rate))
        for f in targets:
            f.assets += rules.reinvestment(spend, f.assets, total)
        self.budget -= spend


class SupervisingDepartment(mesa.Agent):
    """One of the 34 supervising departments (市直单位) over the municipal firms."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel, number: int, variables: dict[str, object]) -> None:
        super().__init__(model)
        self.number = number
        for name, value in variables.items():  # the fields of sim.state.Departments
            setattr(self, name, value)
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

    def __init__(self, model: SOEReformModel, number: int, variables: dict[str, object]) -> None:
        super().__init__(model)
        self.number = number
        for name, value in variables.items():  # the fields of sim.state.Projects
            setattr(self, name, value)
        lv, c = model.lv, model.c
        chance = model.uncertainty["cooperation_realisation"]
        start, realised = rules.project_schedule(self.start_u, self.realised_u, chance, lv, c)
        self.start, self.realised = float(start), bool(realised)
        self.flow = 0.0

    def invest(self, t: int) -> None:
        """Invest evenly over the project's duration, adding assets and jobs to the host."""
        c = self.model.c
        self.flow = float(rules.project_flow(self.size, self.start, self.realised, t, c))
        host = self.model.firm_list[self.host]
        host.assets += self.flow
        host.market += self.flow  # the project opens the market it serves
        host.needed0 += self.flow / c["assets_per_worker"]


def _total(amounts: list[float]) -> float:
    """A month's amounts added up in enterprise order, as the core's ``np.bincount``."""
    total = 0.0
    for x in amounts:
        total += x
    return total


class ReformOffice(mesa.Agent):
    """The reform leading group and its seven working groups; applies the scenario's levers:
    plan approval, decoupling, closures, hand-overs and the supervision of deals (管资本)."""

    model: SOEReformModel

    def __init__(self, model: SOEReformModel) -> None:
        super().__init__(model)
        self.starts = rules.class_start_months(model.lv)

    def learned(self, klass: int) -> bool:
        """Is the pilot of this class reformed."""
        return any(f.pilot and f.reformed and f.klass == klass for f in self.model.firm_list)

    def approve_plans(self, t: int) -> None:
        """Take up this month's plans in order (pilots first) within the groups' capacity;
        some are sent back when the queue outgrows it; each gets its plan (一企一策)."""
        m, lv, c = self.model, self.model.lv, self.model.c
        waiting = [f for f in m.city_firm_list if f.active and f.approved_month == 0]
        eligible = [f for f in waiting if self.starts[f.klass] <= t]
        if lv["pilots_first"]:  # pilots' plans are drafted first, whatever their class
            eligible = [f for f in waiting if self.starts[f.klass] <= t or f.pilot]
            if any(f.pilot for f in waiting):
                eligible = [f for f in eligible if f.pilot]
        learning = m.uncertainty["pilot_learning"]
        known = {k: self.learned(k) for k in range(3)}
        effort = {
            f.index: float(
                rules.plan_effort(
                    f.klass, f.large, f.condition == PERFORMING, known[f.klass], learning, c
                )
            )
            for f in eligible
        }
        capacity = (
            lv["plans_per_month"] * rules.mean_plan_effort(c) * m.uncertainty["plan_throughput"]
        )
        capacity = capacity * (1.0 - m.uncertainty["implementation_friction"])
        efforts = np.zeros(len(m.firm_list))
        for f in eligible:
            efforts[f.index] = effort[f.index]
        queued = efforts.sum()  # in enterprise order, as the core adds them
        first = 1.0 if lv["pilots_first"] else 0.0
        eligible.sort(key=lambda f: f.plan_priority - first * f.pilot)
        used = 0.0
        for f in eligible:
            if used >= capacity:
                break
            used += effort[f.index]
            chance = rules.rework_chance(queued, capacity, known[f.klass], learning, c)
            if f.draws.month(t).rework_u < chance:
                m.plans_reworked += 1
                continue
            f.plan = int(rules.plan_type(f.condition, f.stake_limit))
            lag = m.uncertainty["implementation_lag"] * (1.0 - learning * known[f.klass])
            f.plan_lag = int(np.round(lag))
            f.approve(t)
            m.plans_approved += 1

    def decouple_departments(self, t: int) -> None:
        """Decouple this month's departments; their ready firms move to investment companies."""
        m, lv = self.model, self.model.lv
        if t < lv["decoupling_start_month"]:
            return
        done = sum(d.decoupled for d in m.departments)
        new = int(b.stochastic_round(lv["departments_per_month"], m.month.decoupling_round_u[0]))
        for d in m.departments_in_order[: min(done + new, len(m.departments))]:
            if not d.decoupled:
                d.decoupled = True
                m.log("department_decoupled", t, -1, counterparty=d.number)
        for d in m.departments:
            if d.decoupled:
                d.release(t)

    def liquidate(self, t: int) -> None:
        """Liquidations run down a month; finished ones pay creditors and owners."""
        m = self.model
        winding_up = [f for f in m.firm_list if f.liquidating]
        for f in winding_up:
            f.liquidation_left -= 1
        done = [f.complete_liquidation(t) for f in winding_up if f.liquidation_left <= 0]
        if not done:
            return
        recovered, loss, state_loss, written_off = (list(x) for x in zip(*done, strict=True))
        m.creditor_losses += _total(loss)
        m.state_creditor_losses += _total(state_loss)
        m.state_assets_drained += _total(state_loss)
        m.assets_recovered += _total(recovered)
        m.assets_written_off += _total(written_off)

    def go_bankrupt(self, t: int) -> None:
        """Creditors force firms that cannot borrow what their losses need to close."""
        m = self.model
        exits = [
            f
            for f in m.firm_list
            if f.active
            and f.distress_months > 0
            and f.draws.month(t).exit_u < rules.bankruptcy_hazard(enterprise.soft_budget(f), m.c)
        ]
        m.bankruptcies += len(exits)
        self.close(exits, t, bankrupt=True)

    def close_hopeless(self, t: int) -> None:
        """Close this month's firms with no normal operation (依法关闭、破产)."""
        m, lv = self.model, self.model.lv
        candidates = [
            f
            for f in m.city_firm_list
            if f.active and f.plan == EXIT and f.hopeless_months >= lv["closure_months"]
        ]
        n = int(b.stochastic_round(lv["closures_per_month"], m.month.closure_round_u[0]))
        chosen = sorted(candidates, key=lambda f: f.draws.month(t).closure_order_u)[:n]
        self.close(sorted(chosen, key=lambda f: f.index), t, bankrupt=False)

    def close(self, firms: list[Enterprise], t: int, bankrupt: bool) -> None:
        """The firms stop operating; their markets pass to the industry's other SOEs (in
        proportion to their markets) and to private firms."""
        if not firms:
            return
        m = self.model
        freed = np.zeros(len(m.firm_list))
        for f in firms:
            freed[f.index] = f.stop_operating(t, bankrupt)
        industry = np.array([f.industry for f in m.firm_list])
        market = np.array([f.market for f in m.firm_list])
        active = np.array([f.active for f in m.firm_list])
        share = 1.0 - m.c["private_market_share"]
        soe_part = rules.by_industry(industry, freed, N_INDUSTRIES) * share
        gain = rules.market_gain(industry, active, market, soe_part, N_INDUSTRIES)
        for f, g in zip(m.firm_list, gain.tolist(), strict=True):
            f.needed0 = f.needed0 * (1.0 + g / max(f.market, 1e-12))
            f.market = f.market + g
        m.private_market_added += freed.sum() - gain.sum()

    def tasks_done(self) -> tuple[int, int]:
        """Reform tasks of the plan done and their number (``rules.tasks_done``)."""
        m = self.model
        plan_done = [f.reformed or f.closed or f.merged for f in m.city_firm_list]
        decoupled = [d.decoupled for d in m.departments]
        done, total = rules.tasks_done(plan_done, decoupled, m.lv)
        return int(done), total

    def record_completion(self, t: int) -> None:
        """Remember the month the last task of the plan was completed."""
        m = self.model
        done, total = self.tasks_done()
        if m.completed_month == 0 and total > 0 and done == total:
            m.completed_month = t

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
        m.social_burden_saved += m.firm_sum("burden_saved") / b.MONTHS_PER_YEAR

    def run_market(self, t: int) -> None:
        """List this month's offers and settle each by a second-price auction with a reserve."""
        m, c = self.model, self.model.c
        listed = [
            f
            for f in m.firm_list
            if f.active
            and f.reformed
            and f.investor < 0
            and f.stake_limit > 0
            and f.plan == MIXED
            and f.draws.month(t).listing_u < rules.listing_chance(f.supervision, c)
        ]
        listed.sort(key=lambda f: f.draws.month(t).listing_u)
        for slot, firm in enumerate(listed[: int(c["offers_per_month"])]):
            self.auction(firm, slot, t)

    def auction(self, firm: Enterprise, slot: int, t: int) -> None:
        """Appraise the stake, set the reserve, collect bids and settle with the winner."""
        m, lv, c = self.model, self.model.lv, self.model.c
        equity = firm.equity
        roe = float(rules.expected_roe(firm.fundamentals()["net"], equity))
        cost_of_equity = rules.appraisal_rate(c)
        fair = float(
            b.equity_value(equity, roe, cost_of_equity, c["valuation_floor"], c["valuation_cap"])
        )
        sd = rules.appraisal_sd(m.uncertainty["appraisal_error_sd"], firm.supervision, c)
        appraised = float(rules.appraised_value(fair, sd, firm.draws.month(t).appraisal_z))
        stake = firm.stake_limit
        issued = float(rules.shares_issued(stake, lv["employee_stake"]))
        discount = rules.appraisal_discount(lv, c)
        colluding = m.month.collusion_u[0, slot] < rules.collusion_chance(firm.supervision, c)
        cut = c["underpricing_discount"]
        reserve = float(rules.reserve_price(stake, appraised, issued, discount, colluding, cut))
        offer = Offer(firm, stake, issued, equity, roe, reserve, m.month.signal_z[0, slot])
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

    def assess_supervision(self) -> None:
        """Each firm's supervision: its company's monitoring per firm, or its department's."""
        m, lv = self.model, self.model.lv
        gain = m.uncertainty["supervision_lever_gain"]
        department = float(
            rules.supervision_strength(m.uncertainty["department_supervision_quality"], gain, lv)
        )
        per_company = [k.monitoring(lv) for k in m.companies]
        for f in m.firm_list:
            f.supervision = per_company[f.company] if f.company >= 0 else department

    def supervise(self, t: int) -> None:
        """Tunnelling in city firms, checked by their supervision."""
        m = self.model
        m.city_firms.shuffle_do("tunnel", t)
        lost = m.firm_sum("tunnelled")
        m.state_assets_drained += lost
        m.state_assets_tunnelled += lost

    def deter_expropriation(self, t: int) -> None:
        """Controlling private owners may divert value; the state's losses add up."""
        m = self.model
        m.city_firms.shuffle_do("expropriate", t)
        lost = m.firm_sum("expropriated")
        m.state_assets_drained += lost
        m.expropriated += lost
