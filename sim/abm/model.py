"""The agent model on Mesa: one replication of a scenario, agent by agent.

``SOEReformModel(scenario, seed, replication)`` builds the same initial state as the
vectorized core (``sim.state.initial_state`` and ``sim.enterprise.open_books`` on the same
pre-drawn numbers, ``sim.randomness.draw``), turns every enterprise, investor,
department, company and cooperation project into an agent carrying the variables of its
``sim.state`` dataclass, and steps month by month through the steps of
``sim.schedule.MONTH``: the model has one method per step, which asks its agents to act.
Each month the agents' variables are copied into a one-replication
:class:`~sim.state.State`, and the measures registry is computed from it with the core's
own formulas (``sim.measures``); a Mesa ``DataCollector`` records them.

Randomness comes only from the pre-drawn arrays. Mesa's own generators are seeded from
the replication's SeedSequence and only order ``shuffle_do``, which no result depends on:
agents acting in a shuffled step change only their own variables, and the city adds up
their flows afterwards in enterprise order, as the core does.
"""

from __future__ import annotations

from operator import attrgetter
from types import SimpleNamespace

import mesa
import numpy as np
from mesa.agent import AgentSet

from sim import behaviour as b
from sim import city, deep, measures, rules, schedule
from sim.abm.agents import Enterprise
from sim.abm.institutions import (
    CooperationProject,
    InvestmentCompany,
    PrivateInvestor,
    ReformOffice,
    SupervisingDepartment,
)
from sim.behaviour import HOPELESS
from sim.population import CLASSES, CONDITIONS, INDUSTRIES, N_FIRMS, N_INDUSTRIES
from sim.production import open_books
from sim.randomness import Draws, MonthDraws, draw, firm_draws
from sim.scenario import Scenario
from sim.state import (
    Companies,
    Departments,
    Firms,
    Investors,
    Ledgers,
    Projects,
    State,
    fields_of,
    initial_state,
)

ORDER_STREAM = 1000  # spawn key of Mesa's own generators: they only shuffle activation order
ENTERPRISE_FIELDS = fields_of(Firms)  # one attribute of each Enterprise
CITY_FIELDS = fields_of(Ledgers)  # attributes of the model (the city)
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
        if scenario.worlds is not None:  # deep uncertainty: this replication's world, as scalars
            scenario = deep.world(scenario, seed, replication)
        self.scenario, self.seed, self.replication = scenario, seed, replication
        self.lv, self.c = lv, c = scenario.levers, scenario.constants
        self.horizon = scenario.horizon
        self.record_agents = record_agents
        self.draws = d = draw(seed, range(replication, replication + 1), self.horizon, c)
        s = initial_state(d, scenario.uncertainties, c)
        open_books(s, lv, c)
        for name in ENTERPRISE_FIELDS:  # own arrays: open_books shares one between fields
            setattr(s.firms, name, getattr(s.firms, name).copy())
        self.state: State = s  # the measures' view of the agents, refreshed every month
        self.ctx = measures.context(s, lv, c)

        # the city: uncertainties, demand, ledgers; this month's city-wide draws
        self.uncertainty = {k: float(v[0]) for k, v in s.uncertainty.items()}
        self.demand = s.demand[0, 0]
        for name in CITY_FIELDS:
            value = getattr(s.city, name)[0]
            setattr(self, name, value.copy() if value.ndim else value.item())
        self.congestion = np.zeros(N_INDUSTRIES)
        self.month: MonthDraws | None = None
        self.month_steps = [step.name for step in schedule.steps(lv)]

        self.enterprise_type = enterprise_type
        self.firm_list = self._create_enterprises(s, d)
        self.enterprises = self.agents_by_type[enterprise_type]
        self.city_firms = self.enterprises.select(lambda f: f.in_plan)
        self.city_firm_list = [f for f in self.firm_list if f.in_plan]
        self.outside_plan = self.enterprises.select(lambda f: f.central or f.provincial)
        self.investors = [
            PrivateInvestor(self, m, _row(s.investors, Investors, m))
            for m in np.flatnonzero(s.investors.active[0])
        ]
        self.companies = [
            InvestmentCompany(self, k, _row(s.companies, Companies, k))
            for k in range(lv["investment_companies"])
        ]
        self.departments = [
            SupervisingDepartment(self, k, _row(s.departments, Departments, k))
            for k in range(s.departments.decoupled.shape[1])
        ]
        for f in self.firm_list:
            if f.municipal:
                self.departments[f.department].firms.append(f)
        self.departments_in_order = sorted(self.departments, key=attrgetter("order_u"))
        self.projects = [
            CooperationProject(self, p, _row(s.projects, Projects, p))
            for p in range(s.projects.size.shape[1])
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
        self.record()

    def _create_enterprises(self, s: State, d: Draws) -> list[Enterprise]:
        """One agent per enterprise, from month 0 of the core's state and its own draws."""
        draws = firm_draws(d, self.horizon)
        return [
            self.enterprise_type(self, i, _row(s.firms, Firms, i), draws[i]) for i in range(N_FIRMS)
        ]

    # --- the month: one method per step of sim.schedule.MONTH ----------------------------------
    def step(self) -> None:
        """One month: the steps of ``sim.schedule.MONTH`` the levers let run, in order."""
        t = self.steps
        self.month = self.draws.month(t)
        self.demand = self.state.demand[0, t]
        for name in self.month_steps:
            getattr(self, name)(t)
        self.record()
        self.running = t < self.horizon

    def begin_month(self, t: int) -> None:
        self.enterprises.shuffle_do("begin_month")

    def approve_plans(self, t: int) -> None:
        self.office.approve_plans(t)

    def complete_reforms(self, t: int) -> None:
        self.enterprises.shuffle_do("complete_reform", t)
        transfers = self.firm_sum("grant_transfer")
        self.incentive_transfers += transfers
        self.state_assets_drained += transfers
        for f in self.firm_list:
            if f.company >= 0 and f.grant_paid > 0:
                self.companies[f.company].budget += f.grant_paid

    def decouple_departments(self, t: int) -> None:
        self.office.decouple_departments(t)

    def consolidate(self, t: int) -> None:
        self.agent_set(InvestmentCompany).do("consolidate", t)

    def liquidate(self, t: int) -> None:
        self.office.liquidate(t)

    def go_bankrupt(self, t: int) -> None:
        self.office.go_bankrupt(t)

    def close_hopeless(self, t: int) -> None:
        self.office.close_hopeless(t)

    def record_completion(self, t: int) -> None:
        self.office.record_completion(t)

    def hand_over_social_functions(self, t: int) -> None:
        self.office.hand_over_social_functions(t)

    def invest_cooperation_projects(self, t: int) -> None:
        self.agent_set(CooperationProject).do("invest", t)
        self.cooperation_investment += np.fromiter(
            (p.flow for p in self.projects), float, len(self.projects)
        ).sum()

    def assess_supervision(self, t: int) -> None:
        self.office.assess_supervision()

    def run_market(self, t: int) -> None:
        self.update_congestion()
        self.office.run_market(t)

    def tunnel(self, t: int) -> None:
        self.office.supervise(t)

    def expropriate(self, t: int) -> None:
        self.office.deter_expropriation(t)

    def evolve_productivity(self, t: int) -> None:
        self.enterprises.shuffle_do("evolve_productivity", t)

    def produce(self, t: int) -> None:
        self.update_congestion()
        self.enterprises.shuffle_do("produce", t)
        self.fiscal_cost += self.firm_sum("subsidies")
        self.zombies_revived += int(self.firm_sum("revived", np.int64))

    def collect_dividends(self, t: int) -> None:
        self.agent_set(InvestmentCompany).do("collect_dividends")

    def run_companies(self, t: int) -> None:
        self.agent_set(InvestmentCompany).do("run")

    def reallocate_capital(self, t: int) -> None:
        rate = b.monthly_rate(self.lv["priority_reallocation_rate"])
        self.agent_set(InvestmentCompany).do("reallocate_capital", rate)

    def review_managers(self, t: int) -> None:
        self.enterprises.shuffle_do("review_manager", t)

    def adjust_labour(self, t: int) -> None:
        self.enterprises.shuffle_do("adjust_labour", t)

    def settle_labour_market(self, t: int) -> None:
        """The city's labour market (``sim.city.settle_labour_market``), by market."""
        pull = city.absorption(self.demand.mean(), self.private_market_added, self.market0, self.c)
        city.settle_labour_market(
            self,
            self.by_market("dismissals") + self.by_market("layoffs"),
            self.by_market("quits"),
            self.by_market("hires"),
            int(self.firm_sum("retirements", np.int64)),
            SimpleNamespace(pool_u=self.month.pool_u[0], quit_pool_u=self.month.quit_pool_u[0]),
            pull,
            self.uncertainty,
            self.lv,
            self.c,
        )

    def by_market(self, name: str) -> np.ndarray:
        """An enterprise count summed by labour market: [city, county]."""
        county = np.fromiter((f.level == "county" for f in self.firm_list), bool, N_FIRMS)
        x = np.fromiter(map(attrgetter(name), self.firm_list), np.int64, N_FIRMS)
        return np.array([x[~county].sum(), x[county].sum()])

    def update_congestion(self) -> None:
        """Each industry's share of operating assets held by zombies (as the core's)."""
        industry = np.fromiter((f.industry for f in self.firm_list), np.int64, N_FIRMS)
        zombie = np.fromiter((f.condition == HOPELESS for f in self.firm_list), bool, N_FIRMS)
        assets = np.fromiter((f.assets if f.active else 0.0 for f in self.firm_list), float)
        self.congestion = rules.zombie_share(industry, zombie, assets, N_INDUSTRIES)

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
            tie = firm.draws.company_tie_u
            self._company_match[firm.index] = int(
                rules.match_company(firm.industry_group, len(self.companies), tie, self.c)
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
        s = self.state
        _write(s.firms, ENTERPRISE_FIELDS, self.firm_list, range(N_FIRMS))
        _write(s.investors, fields_of(Investors), self.investors, [i.slot for i in self.investors])
        _write(s.companies, fields_of(Companies), self.companies, range(len(self.companies)))
        _write(
            s.departments, fields_of(Departments), self.departments, range(len(self.departments))
        )
        for name in CITY_FIELDS:
            getattr(s.city, name)[0] = getattr(self, name)
        s.month = self.steps

    def record(self) -> None:
        """Compute this month's measures from the agents and let the DataCollector keep them."""
        self.refresh_state()
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


def _row(group: object, kind: type, j: int) -> dict[str, object]:
    """The variables of member ``j`` of a one-replication state dataclass, as scalars."""
    return {name: getattr(group, name)[0, j].item() for name in fields_of(kind)}


def _write(group: object, names: tuple[str, ...], agents: list, slots) -> None:
    """Copy the agents' variables into a one-replication state dataclass, at ``slots``."""
    slots = list(slots)
    for name in names:
        getattr(group, name)[0, slots] = [getattr(a, name) for a in agents]


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
