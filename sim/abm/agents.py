"""The enterprise agent of the Mesa model.

An :class:`Enterprise` carries one attribute per field of :class:`sim.state.Firms`, with
the same name, and reads its fate from its own pre-drawn numbers
(:class:`sim.randomness.FirmDraws`). What it does in a month is written once in
:mod:`sim.enterprise` for both engines: its methods, named after the steps of
``sim.schedule.MONTH``, call those functions on the agent itself, and add what only an
agent has: the events log and the links to other agents (its company, its investor).
The other agents are in :mod:`sim.abm.institutions`.
"""

from __future__ import annotations

from bisect import insort
from typing import TYPE_CHECKING

import mesa

from sim import enterprise, rules
from sim.codes import Handover
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
from sim.randomness import FirmDraws
from sim.state import BalanceSheet

if TYPE_CHECKING:
    from sim.abm.institutions import InvestmentCompany, Offer, PrivateInvestor
    from sim.abm.model import SOEReformModel


class Enterprise(mesa.Agent, BalanceSheet):
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
        self.industry_group = int(INDUSTRY_GROUP[self.industry])
        self.priority_industry = bool(PRIORITY_INDUSTRY[self.industry])
        self.stake_limit = float(rules.stake_limit(self.klass, self.in_plan, model.lv))
        self.replacements = 0
        # this month's amounts the city adds up, in enterprise order
        self.handover_city_cost = self.socialisation_city_cost = self.burden_saved = 0.0
        self._target_key: tuple | None = None
        self._target = 0.0

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
        enterprise.begin_month(self)

    def approve(self, t: int) -> None:
        """The working groups approve this firm's reform plan."""
        self.approved_month = t
        self.model.log("plan_approved", t, self.index)

    def complete_reform(self, t: int) -> None:
        """The reform completes after the lag; the firm adopts the package."""
        m = self.model
        if enterprise.complete_reform(self, t, m.c):
            enterprise.adopt_package(self, True, self.draws, self.draws.month(t), m.lv, m.c)

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
        for name in enterprise.MERGED_AVERAGES:
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
        for name in enterprise.RETIRED_ZERO:
            setattr(self, name, type(getattr(self, name))(0))
        self.oversight = False

    # --- 3. central and provincial SOEs (Task 2) -----------------------------------------------
    def hand_over(self, t: int, hazard: float) -> None:
        """三供一业 hand-over of a central SOE; socialised retirees of a provincial SOE."""
        m = self.model
        handover, socialised, assets = self.handover, self.socialised, self.assets
        self.handover_city_cost, self.socialisation_city_cost, self.burden_saved = (
            enterprise.hand_over(self, self.draws.month(t), hazard, m.lv, m.c)
        )
        if self.handover != handover:
            event = "handover_signed" if self.handover == Handover.SIGNED else "handover_completed"
            m.log(event, t, self.index, value=assets - self.assets)
        if self.socialised != socialised:
            m.log("retirees_socialised", t, self.index, value=assets - self.assets)

    # --- 4. stake market and supervision (Tasks 1, 4) ------------------------------------------
    def fundamentals(self) -> dict:
        """Accounts at the target TFP: what appraisers and investors value."""
        m = self.model
        return enterprise.financials(
            self, self.tfp_target(), m.demand[self.industry], m.uncertainty, m.c
        )

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
        assets = self.assets
        enterprise.tunnel(self, self.draws.month(t), chance, strength, self.model.c)
        if self.assets != assets:
            self.model.log("tunnelling", t, self.index, value=assets - self.assets)

    # --- 5. production ------------------------------------------------------------------------
    def tfp_target(self) -> float:
        """The target log TFP (``sim.enterprise.tfp_target``), re-evaluated only when the
        firm's package, owners, company or base change."""
        key = (
            self.board,
            self.manager_market,
            self.contract,
            self.pay_sensitivity,
            self.management_share,
            self.investor_share,
            self.state_share,
            self.company,
            self.log_tfp_base,
        )
        if key != self._target_key:
            m = self.model
            self._target = enterprise.tfp_target(self, m.uncertainty, m.lv, m.c)
            self._target_key = key
        return self._target

    def produce(self, t: int) -> None:
        """TFP moves toward its target; the firm produces and books profit."""
        m = self.model
        enterprise.produce(
            self,
            self.tfp_target(),
            m.demand[self.industry],
            m.month.common_shock[0],
            self.draws.month(t),
            m.uncertainty,
            m.lv,
            m.c,
        )

    # --- 6. managers (能上能下) -----------------------------------------------------------------
    def review_manager(self, t: int) -> None:
        """The board replaces a manager who stays below the benchmark too long."""
        m = self.model
        if enterprise.review_manager(self, self.draws, self.draws.month(t), m.lv, m.c):
            self.replacements += 1
            m.managers_replaced += 1
            m.log("manager_replaced", t, self.index, detail=int(self.manager_market))

    # --- 7. labour (能进能出, 能增能减) -----------------------------------------------------------
    def adjust_labour(self, t: int) -> None:
        """Quits, dismissals (reformed firms), hires and the wage."""
        enterprise.adjust_labour(self, self.draws.month(t), self.model.lv, self.model.c)
