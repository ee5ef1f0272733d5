"""The agent model on Mesa: one replication of a scenario, agent by agent.

``SOEReformModel(scenario, seed, replication)`` builds the same initial state as the
vectorized core (``sim.state.initial_state`` and ``sim.engine.open_books`` on the same
pre-drawn numbers, ``sim.randomness.draw``), turns every enterprise, investor,
department, company and cooperation project into an agent, and steps month by month in
the order of ``sim.engine.step``. Each month the agents' variables are copied into a
one-replication :class:`~sim.state.State`, and the measures registry is computed from it
with the core's own formulas (``sim.measures``); a Mesa ``DataCollector`` records them.

Randomness comes only from the pre-drawn arrays. Mesa's own generators are seeded from
the replication's SeedSequence and only order ``shuffle_do``, which no result depends on:
agents acting in a shuffled step change only their own variables, and the city adds up
their flows afterwards in enterprise order, as the core does.
"""

from __future__ import annotations

from operator import attrgetter

import mesa
import numpy as np
from mesa.agent import AgentSet

from sim import behaviour as b
from sim import measures, rules
from sim.abm.agents import (
    CooperationProject,
    Enterprise,
    FirmDraws,
    InvestmentCompany,
    PrivateInvestor,
    ReformOffice,
    SupervisingDepartment,
)
from sim.engine import open_books
from sim.population import CLASSES, CONDITIONS, INDUSTRIES, N_FIRMS
from sim.randomness import Draws, draw
from sim.scenario import Scenario
from sim.state import State, initial_state
from sim.tasks.task1_governance import equity_form_effect, executive_pay_cap

ORDER_STREAM = 1000  # spawn key of Mesa's own generators: they only shuffle activation order

# the (replications, enterprises) fields of State: one attribute of each Enterprise
ENTERPRISE_FIELDS = (
    "klass",
    "large",
    "industry",
    "department",
    "handover_signed",
    "burden",
    "plan_priority",
    "needed0",
    "log_tfp_base",
    "initial_condition",
    "log_tfp",
    "manager_ability",
    "manager_market",
    "assets",
    "outward",
    "debt",
    "workers",
    "wage",
    "state_share",
    "investor_share",
    "employee_share",
    "management_share",
    "investor",
    "board",
    "contract",
    "pay_sensitivity",
    "approved_month",
    "reformed",
    "roa_smoothed",
    "net_smoothed",
    "under_months",
    "condition",
    "hopeless_months",
    "active",
    "closed",
    "merged",
    "company",
    "oversight",
    "handover",
    "socialised",
    "burden0",
    "value_added",
    "ebit",
    "net_profit",
    "subsidies",
    "hires",
    "separations",
    "dismissals",
    "layoffs",
    "moved",
    "restructuring",
    "output_lost",
    "needed",
)
# replication-level State fields the model (the city) keeps
CITY_FIELDS = (
    "unemployed",
    "reemployed",
    "private_capital_in",
    "state_assets_drained",
    "state_assets_tunnelled",
    "fiscal_cost",
    "cooperation_investment",
    "social_burden_saved",
    "managers_replaced",
)
HANDOVER = ("unsigned", "signed", "completed")


def incentive_scheme(f: Enterprise) -> str:
    """The firm's incentive package in words."""
    parts = []
    if f.contract:
        parts.append("performance contract")
    if f.pay_sensitivity > 0:
        parts.append(f"pay sensitivity {f.pay_sensitivity:g}")
    if f.management_share > 0:
        parts.append(f"management equity {100 * f.management_share:.2g}%")
    return "; ".join(parts) or "none"


# the agent-level table: one row per enterprise and month
AGENT_COLUMNS = {
    "firm": "index",
    "level": "level",
    "class": lambda f: CLASSES[f.klass],
    "industry": lambda f: INDUSTRIES[f.industry],
    "condition": lambda f: CONDITIONS[f.condition],
    "owner": "owner",
    "department": "department",
    "company": "company",
    "oversight": "oversight",
    "state_share": "state_share",
    "investor": "investor",
    "investor_share": "investor_share",
    "employee_share": "employee_share",
    "management_share": "management_share",
    "approved_month": "approved_month",
    "reformed": "reformed",
    "board": "board",
    "manager": lambda f: "market-selected" if f.manager_market else "appointed",
    "manager_replacements": "replacements",
    "incentive_scheme": incentive_scheme,
    "employees": "workers",
    "hires": "hires",
    "separations": "separations",
    "wage": "wage",
    "value_added": "value_added",
    "profit": "net_profit",
    "assets": "assets",
    "debt": "debt",
    "equity": "equity",
    "handover": lambda f: HANDOVER[f.handover] if f.central else "",
    "socialised": "socialised",
    "active": "active",
    "closed": "closed",
    "merged": "merged",
}
EVENT_COLUMNS = (
    "month",
    "event",
    "firm",
    "counterparty",
    "value",
    "appraised",
    "fair",
    "reserve",
    "detail",
)


class SOEReformModel(mesa.Model):
    """One replication of a scenario, with one agent per enterprise, investor, department,
    investment company and cooperation project, and the reform office."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 1,
        replication: int = 0,
        *,
        record_agents: bool = False,
        enterprise_type: type[Enterprise] = Enterprise,
    ) -> None:
        super().__init__(rng=np.random.SeedSequence(seed, spawn_key=(replication, ORDER_STREAM)))
        self.scenario, self.seed, self.replication = scenario, seed, replication
        self.lv, self.c = lv, c = scenario.levers, scenario.constants
        self.horizon = scenario.horizon
        self.record_agents = record_agents
        d = draw(seed, range(replication, replication + 1), self.horizon, c)
        s = initial_state(d, scenario.uncertainties, c)
        open_books(s, c)
        for name in ENTERPRISE_FIELDS:  # own arrays: open_books shares one between fields
            setattr(s, name, getattr(s, name).copy())
        self.state: State = s  # the measures' view of the agents, refreshed every month

        # the city: uncertainties, demand, accounts, and the city-wide draws
        self.uncertainty = {k: float(v[0]) for k, v in s.uncertainty.items()}
        self.industry_growth = s.industry_growth[0]
        self.demand = rules.demand_index(self.industry_growth, 0)
        self.common_shock_term = 0.0
        for name in CITY_FIELDS:
            setattr(self, name, getattr(s, name)[0].item())
        self.equity_form_effect = equity_form_effect(lv, c)
        self.quit_rate = b.monthly_rate(c["quit_rate"])
        self.shed_rate = b.monthly_rate(lv["labour_adjustment_speed"])
        self.common_shock = d.common_shock[0].tolist()
        self.city_u = d.city_u[0].tolist()
        self.decoupling_round_u = d.decoupling_round_u[0].tolist()
        self.closure_round_u = d.closure_round_u[0].tolist()
        self.signal_z = d.signal_z[0].tolist()
        self.collusion_u = d.collusion_u[0].tolist()

        self.enterprise_type = enterprise_type
        self.firm_list = self._create_enterprises(s, d)
        self.enterprises = self.agents_by_type[enterprise_type]
        self.city_firms = self.enterprises.select(lambda f: f.in_plan)
        self.outside_plan = self.enterprises.select(lambda f: f.central or f.provincial)
        self.investors = [
            PrivateInvestor(
                self,
                m,
                float(s.investor_capital[0, m]),
                float(s.investor_required[0, m]),
                float(s.investor_trust[0, m]),
                bool(s.investor_wants_control[0, m]),
                int(s.investor_group[0, m]),
            )
            for m in np.flatnonzero(s.investor_active[0])
        ]
        self.companies = [InvestmentCompany(self, k) for k in range(lv["investment_companies"])]
        self.departments = [
            SupervisingDepartment(self, k, u) for k, u in enumerate(d.department_order_u[0])
        ]
        for f in self.firm_list:
            if f.municipal:
                self.departments[f.department].firms.append(f)
        self.departments_in_order = sorted(self.departments, key=attrgetter("order_u"))
        start, realised = rules.project_schedule(
            s.project_start_u[0],
            s.project_realised_u[0],
            self.uncertainty["cooperation_realisation"],
            lv,
            c,
        )
        self.projects = [
            CooperationProject(self, p, float(size), float(st), bool(ok), self.firm_list[host])
            for p, (size, st, ok, host) in enumerate(
                zip(s.project_size[0], start, realised, s.project_host[0], strict=True)
            )
        ]
        self.office = ReformOffice(self)
        self._company_match: dict[int, int] = {}

        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, j=j: m.values[j]) for j, name in enumerate(measures.registry())
            },
            agenttype_reporters={enterprise_type: AGENT_COLUMNS} if record_agents else None,
            tables={"events": list(EVENT_COLUMNS)},
        )
        self.ctx = {"c": c, "deadline": lv["deadline_month"], "levers": lv}
        self.refresh_state()
        self.ctx["initial_state_equity"] = measures.FORMULAS["state_equity"](self.state, self.ctx)
        self.ctx["initial_employment"] = measures.FORMULAS["employment"](self.state, self.ctx)
        self.record()

    def _create_enterprises(self, s: State, d: Draws) -> list[Enterprise]:
        """One agent per enterprise, from month 0 of the core's state and its own draws."""
        columns = {name: getattr(s, name)[0].tolist() for name in ENTERPRISE_FIELDS}
        per_firm = [
            d.idio_shock[0].T.tolist(),
            d.listing_u[0].T.tolist(),
            d.appraisal_z[0].T.tolist(),
            d.ability_z[0].T.tolist(),
            d.labour_u[0].transpose(2, 0, 1).tolist(),
            d.merge_u[0].T.tolist(),
            d.closure_order_u[0].T.tolist(),
            d.tunnel_u[0].T.tolist(),
            d.handover_u[0].T.tolist(),
            d.adoption_u[0].T.tolist(),
            d.company_tie_u[0].tolist(),
        ]
        return [
            self.enterprise_type(
                self,
                i,
                {name: column[i] for name, column in columns.items()},
                FirmDraws(*(x[i] for x in per_firm)),
            )
            for i in range(N_FIRMS)
        ]

    # --- the month -----------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of ``sim.engine.step`` (the ODD schedule)."""
        t = self.steps
        lv, c = self.lv, self.c
        firms, office = self.enterprises, self.office
        self.demand = rules.demand_index(self.industry_growth, t)
        self.common_shock_term = c["shock_sd_common"] * self.common_shock[t - 1]
        firms.shuffle_do("begin_month")
        # 1. reform office (Task 1): approve plans; complete reforms; adopt the package
        office.approve_plans(t)
        firms.shuffle_do("complete_reform", t)
        # 2. restructuring (Task 3): decouple and transfer; merge; close
        office.decouple_departments(t)
        companies = self.agent_set(InvestmentCompany)
        if lv["consolidation"]:
            companies.do("consolidate", t)
        office.close_hopeless(t)
        office.record_completion(t)
        # 3. central and provincial SOEs (Task 2): hand-overs, retirees, cooperation projects
        office.hand_over_social_functions(t)
        self.agent_set(CooperationProject).do("invest", t)
        self.cooperation_investment += np.fromiter(
            (p.flow for p in self.projects), float, len(self.projects)
        ).sum()
        # 4. stake market (Task 1) under the supervision rules (Task 4), then tunnelling
        office.run_market(t)
        office.supervise(t)
        # 5. production; dividends to the companies, which reinvest (Task 4)
        firms.shuffle_do("produce", t)
        companies.do("collect_dividends")
        self.fiscal_cost += self.firm_sum("subsidies")
        rate = b.monthly_rate(lv["priority_reallocation_rate"])
        if rate > 0:
            companies.do("reallocate_capital", rate)
        # 6. managers of reformed firms are reviewed (能上能下)
        if lv["replace_underperformers"]:
            firms.shuffle_do("review_manager", t)
        # 7. labour: quits, dismissals, hires, wages; the city's unemployed pool
        firms.shuffle_do("adjust_labour", t)
        self.settle_labour_market(t)
        # 8. the measures are recorded
        self.record()
        self.running = t < self.horizon

    def settle_labour_market(self, t: int) -> None:
        """The dismissed and laid-off join the unemployed; some are re-employed."""
        lv, c = self.lv, self.c
        laid_off = int(self.firm_sum("dismissals", np.int64)) + int(
            self.firm_sum("layoffs", np.int64)
        )
        self.unemployed += laid_off
        rate = rules.reemployment_rate(
            self.uncertainty["reemployment_rate"], lv["reemployment_support"]
        )
        found = b.stochastic_round(self.unemployed * b.monthly_rate(rate), self.city_u[t - 1][1])
        self.reemployed = min(int(found), self.unemployed)
        self.unemployed -= self.reemployed
        self.fiscal_cost += float(rules.labour_fiscal_cost(laid_off, self.unemployed, lv, c))

    # --- helpers ---------------------------------------------------------------------------------
    def agent_set(self, kind: type[mesa.Agent]) -> AgentSet:
        """The agents of one type in creation order (empty if there are none, e.g. no companies)."""
        return self.agents_by_type.get(kind) or AgentSet([], random=self.random)

    def firm_sum(self, name: str, dtype: type = float):
        """Sum of an enterprise attribute over all enterprises, in enterprise order."""
        return np.fromiter(map(attrgetter(name), self.firm_list), dtype, N_FIRMS).sum()

    def company_match(self, firm: Enterprise) -> int:
        """The company a firm moves to when its department lets it go."""
        if firm.index not in self._company_match:
            self._company_match[firm.index] = int(
                rules.match_company(firm.group, len(self.companies), firm.draws.company_tie, self.c)
            )
        return self._company_match[firm.index]

    def log(self, event: str, t: int, firm: int, **details: float) -> None:
        """Add a row to the events table (deals, transfers, mergers, closures, hand-overs...)."""
        if self.record_agents:
            row = {"month": t, "event": event, "firm": firm, **details}
            self.datacollector.add_table_row("events", row, ignore_missing=True)

    # --- measures --------------------------------------------------------------------------------
    def refresh_state(self) -> None:
        """Copy the agents' variables into the one-replication State the measures read."""
        s, firms = self.state, self.firm_list
        for name in ENTERPRISE_FIELDS:
            getattr(s, name)[0] = list(map(attrgetter(name), firms))
        for name in CITY_FIELDS:
            getattr(s, name)[0] = getattr(self, name)
        s.plans_approved[0] = self.office.plans_approved
        s.completed_month[0] = self.office.completed_month
        s.department_decoupled[0] = [d.decoupled for d in self.departments]
        s.company_budget[0, : len(self.companies)] = [k.budget for k in self.companies]
        for investor in self.investors:
            s.investor_capital[0, investor.slot] = investor.capital
        s.month = self.steps

    def record(self) -> None:
        """Compute this month's measures from the agents and let the DataCollector keep them."""
        self.refresh_state()
        self.ctx["pay_cap"] = executive_pay_cap(self.state, self.lv)
        self.values = measures.record(self.state, self.ctx)[0]
        self.datacollector.collect(self)

    def release(self) -> None:
        """Let a finished model be garbage-collected: Mesa 3.3 keeps every model alive through
        ``Agent._ids`` (mesa issue #3179, fixed after 3.3) and its agents' registrations."""
        for agent in list(self.agents):
            agent.remove()
        getattr(mesa.Agent, "_ids", {}).pop(self, None)

    def measures_array(self) -> np.ndarray:
        """Every measure by month, shape (months + 1, n_measures), registry order."""
        frame = self.datacollector.get_model_vars_dataframe()
        return frame[list(measures.registry())].to_numpy(dtype=float)


def simulate(
    scenario: Scenario,
    seed: int,
    replications: range,
    enterprise_type: type[Enterprise] = Enterprise,
) -> np.ndarray:
    """Run ``replications`` on the agent model; measures of shape (R, months + 1, n) like
    ``sim.engine.simulate``."""
    out = np.empty((len(replications), scenario.horizon + 1, len(measures.registry())))
    for i, r in enumerate(replications):
        model = SOEReformModel(scenario, seed, r, enterprise_type=enterprise_type)
        model.run_model()
        out[i] = model.measures_array()
        model.release()
    return out
