"""The model's state, split by what it describes.

One :class:`State` holds a chunk of replications: the enterprises (:class:`Firms`,
arrays of shape (replications, enterprises)), the private investors, the investment
companies, the supervising departments, the cooperation projects and the city's
ledgers (one value per replication). The vectorized core updates it in place month by
month; the Mesa agent model keeps the same variables on its agents, one attribute per
field of these dataclasses (``sim.abm`` derives its field lists from them).

Every field of :class:`Firms` says what kind of variable it is (``kind`` in its
metadata): an ``attribute`` drawn once, a ``variable`` that carries over from month to
month, a ``flow`` of the month that one step sets, or a ``reset`` flow that several
steps add to and that is zeroed when the month begins.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim import rules
from sim.codes import NOBODY, Condition, IndustryGroup
from sim.population import (
    CENTRAL,
    IN_PLAN,
    INDUSTRY_GROUP,
    MUNICIPAL,
    N_DEPARTMENTS,
    PILOTS,
    PRIORITY_INDUSTRY,
    PROVINCIAL,
)
from sim.randomness import Draws, sample_law, sample_uncertainties

EMERGING = IndustryGroup.EMERGING.value
PILOT = np.zeros(len(IN_PLAN), dtype=bool)
PILOT[list(PILOTS)] = True


def _f(kind: str, dtype: type = float) -> object:
    """A state field of ``kind`` (attribute, variable, flow, reset) stored as ``dtype``."""
    return field(metadata={"kind": kind, "dtype": dtype})


class BalanceSheet:
    """What follows from an enterprise's variables; shared by :class:`Firms` (arrays) and
    the agent model's ``Enterprise`` (scalars)."""

    assets: np.ndarray
    outward: np.ndarray
    debt: np.ndarray
    investor_share: np.ndarray
    employee_share: np.ndarray
    management_share: np.ndarray
    state_share: np.ndarray

    @property
    def equity(self) -> np.ndarray:
        return self.assets + self.outward - self.debt

    @property
    def total_assets(self) -> np.ndarray:
        return self.assets + self.outward

    @property
    def state_equity(self) -> np.ndarray:
        """The state's part of the equity; nothing of a negative one."""
        return self.state_share * np.maximum(self.equity, 0.0)

    @property
    def private_share(self) -> np.ndarray:
        return self.investor_share + self.employee_share + self.management_share


class OfIndustry:
    """What follows from an enterprise's ``industry`` (of any shape)."""

    @property
    def industry_group(self) -> np.ndarray:
        return INDUSTRY_GROUP[self.industry]

    @property
    def priority_industry(self) -> np.ndarray:
        return PRIORITY_INDUSTRY[self.industry]


@dataclass
class Firms(BalanceSheet, OfIndustry):
    """The enterprises, shape (replications, enterprises) each; money in 亿元."""

    # drawn once ----------------------------------------------------------------------------
    klass: np.ndarray = _f("attribute", np.int8)  # codes.Klass
    large: np.ndarray = _f("attribute", bool)
    industry: np.ndarray = _f("attribute", np.int8)  # index into population.INDUSTRIES
    department: np.ndarray = _f("attribute", np.int16)  # supervising department; -1: none
    handover_signed: np.ndarray = _f("attribute", bool)  # 三供一业 signed at month 0
    plan_priority: np.ndarray = _f("attribute")  # place in the working groups' queue
    initial_condition: np.ndarray = _f("attribute", np.int8)  # codes.Condition
    burden0: np.ndarray = _f("attribute")  # social burden at month 0, share of assets a year
    tfp_anchor: np.ndarray = _f("attribute")  # the long-run log TFP base returns toward
    outward_return: np.ndarray = _f("attribute")  # what its stakes in private firms earn, 1/yr
    return_gap0: np.ndarray = _f("attribute")  # log(MPK / user cost) in June 2022
    # carried over from month to month ---------------------------------------------------------
    burden: np.ndarray = _f("variable")  # social-function and overhead cost, share of assets/yr
    needed0: np.ndarray = _f("variable")  # workers needed at month-0 demand
    log_tfp_base: np.ndarray = _f("variable")  # long-run log TFP before any reform gain
    log_tfp: np.ndarray = _f("variable")
    manager_ability: np.ndarray = _f("variable")  # log-TFP premium of the current manager
    manager_market: np.ndarray = _f("variable", bool)  # selected on the market
    assets: np.ndarray = _f("variable")  # operating assets
    outward: np.ndarray = _f("variable")  # stakes in private firms
    debt: np.ndarray = _f("variable")
    workers: np.ndarray = _f("variable", np.int64)
    wage: np.ndarray = _f("variable")  # yuan a year
    state_share: np.ndarray = _f("variable")
    investor_share: np.ndarray = _f("variable")
    employee_share: np.ndarray = _f("variable")
    management_share: np.ndarray = _f("variable")  # equity incentive of the management team
    investor: np.ndarray = _f("variable", np.int64)  # investor slot holding a stake; -1: none
    board: np.ndarray = _f("variable", bool)
    contract: np.ndarray = _f("variable", bool)  # performance contract
    pay_sensitivity: np.ndarray = _f("variable")
    approved_month: np.ndarray = _f("variable", np.int64)  # 0: plan not approved
    plan: np.ndarray = _f("variable", np.int8)  # codes.PlanType (一企一策)
    plan_lag: np.ndarray = _f("variable", np.int64)  # months from approval to implementation
    reformed: np.ndarray = _f("variable", bool)
    roa_smoothed: np.ndarray = _f("variable")  # EBIT / total assets a year, smoothed
    net_smoothed: np.ndarray = _f("variable")  # net profit a month, smoothed
    under_months: np.ndarray = _f("variable", np.int64)  # months below the benchmark
    condition: np.ndarray = _f("variable", np.int8)  # codes.Condition
    hopeless_months: np.ndarray = _f("variable", np.int64)
    active: np.ndarray = _f("variable", bool)  # neither closed nor merged into another firm
    closed: np.ndarray = _f("variable", bool)
    merged: np.ndarray = _f("variable", bool)
    company: np.ndarray = _f("variable", np.int64)  # company holding the state's equity; -1
    oversight: np.ndarray = _f("variable", bool)  # decoupled, not ready: supervisory board
    handover: np.ndarray = _f("variable", np.int8)  # codes.Handover (central SOEs)
    socialised: np.ndarray = _f("variable", bool)  # provincial SOEs: retirees handed over
    needed: np.ndarray = _f("variable")  # workers needed at this month's demand
    market: np.ndarray = _f("variable")  # the firm's market, in assets it can employ at demand 1
    distress_months: np.ndarray = _f("variable", np.int64)  # months over its borrowing limit
    liquidating: np.ndarray = _f("variable", bool)  # closed, its liquidation under way
    liquidation_left: np.ndarray = _f("variable", np.int64)  # months until it is done
    bankrupt: np.ndarray = _f("variable", bool)  # closed by its creditors, not by the plan
    # this month's flows -------------------------------------------------------------------
    value_added: np.ndarray = _f("flow")
    ebit: np.ndarray = _f("flow")
    pretax_profit: np.ndarray = _f("flow")  # total profit (利润总额): after interest, before tax
    net_profit: np.ndarray = _f("flow")
    subsidies: np.ndarray = _f("flow")  # loss subsidies (soft budget)
    interest_rate: np.ndarray = _f("flow")  # the firm's loan rate, 1/yr
    investment: np.ndarray = _f("flow")  # gross investment
    exec_pay: np.ndarray = _f("flow")  # executive pay, multiple of the average wage
    revived: np.ndarray = _f("flow", bool)  # hopeless-loss last month, not any more
    retirements: np.ndarray = _f("flow", np.int64)
    quits: np.ndarray = _f("flow", np.int64)
    dividends: np.ndarray = _f("flow")
    tunnelled: np.ndarray = _f("flow")  # the state's part of the equity tunnelled out
    expropriated: np.ndarray = _f("flow")  # the state's loss to a controlling private owner
    supervision: np.ndarray = _f("flow")  # share of misconduct its supervisor deters
    hires: np.ndarray = _f("flow", np.int64)
    separations: np.ndarray = _f("flow", np.int64)  # retirements, quits and dismissals
    dismissals: np.ndarray = _f("flow", np.int64)
    layoffs: np.ndarray = _f("reset", np.int64)  # laid off at closures and mergers
    moved: np.ndarray = _f("reset", np.int64)  # workers moved between firms by mergers
    restructuring: np.ndarray = _f("reset", bool)  # restructured this month: output loss
    output_lost: np.ndarray = _f("reset")

    # what the population fixes for every replication (shape (enterprises,)) ----------------
    in_plan = IN_PLAN  # municipal and county firms: Task 1's plan
    municipal = MUNICIPAL
    central = CENTRAL
    provincial = PROVINCIAL
    pilot = PILOT


class ReadOnce:
    """A read-only view of a :class:`Firms` that computes each field or derived quantity
    (``equity``, ``total_assets``...) at its first read and keeps it: what a month's
    measures read, many of them the same quantities of the same state."""

    def __init__(self, firms: Firms) -> None:
        self._firms = firms

    def _read(self, name: str) -> np.ndarray:
        return getattr(self._firms, name)

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_"):
            raise AttributeError(name)
        x = self._read(name)
        self.__dict__[name] = x
        return x


class FirmsAt(ReadOnce, BalanceSheet, OfIndustry):
    """Some enterprises of a :class:`Firms`, at the pairs (``rows``, ``cols``) of index
    arrays of one shape: each field, gathered there when first read, has that shape. A
    read-only view for computing an elementwise rule where it is needed (the listed
    firms, say) instead of for every enterprise; the rules are the same functions."""

    def __init__(self, firms: Firms, rows: np.ndarray, cols: np.ndarray) -> None:
        super().__init__(firms)
        self._rows, self._cols = rows, cols

    def _read(self, name: str) -> np.ndarray:
        x = getattr(self._firms, name)  # a field (R, N) or what the population fixes (N,)
        return x[self._rows, self._cols] if x.ndim == 2 else x[self._cols]


@dataclass
class Investors:
    """Private investors (非国有资本), shape (replications, investor slots)."""

    capital: np.ndarray  # 亿元 left to invest
    required: np.ndarray  # required return a year
    trust: np.ndarray  # trust in minority protection, 0-1
    wants_control: np.ndarray  # bids only for majority stakes
    group: np.ndarray  # industry group it invests in; -1: any
    active: np.ndarray  # in this replication's pool


@dataclass
class Companies:
    """State capital investment/operating companies, shape (replications, company slots)."""

    budget: np.ndarray  # 亿元 collected and not yet invested
    quality: np.ndarray  # supervision quality it starts with (drawn)
    platform_assets: np.ndarray  # 亿元, of the financing platform it was built from
    platform_debt: np.ndarray  # 亿元


@dataclass
class Departments:
    """The 34 supervising departments, shape (replications, departments)."""

    decoupled: np.ndarray
    order_u: np.ndarray  # place in the decoupling order


@dataclass
class Projects:
    """The 52 cooperation projects, shape (replications, projects)."""

    size: np.ndarray  # 亿元
    start_u: np.ndarray  # uniform: when, within the window, it starts
    host: np.ndarray  # enterprise index
    realised_u: np.ndarray  # uniform: realised if below the realisation chance


@dataclass
class Ledgers:
    """The city's running totals and its pool of unemployed, one value per replication."""

    unemployed: np.ndarray = _f("variable", np.int64)  # dismissed or laid off, not re-employed
    pool: np.ndarray = _f("variable", np.int64)  # (R, market, spell month): the unemployed
    reemployed: np.ndarray = _f("flow", np.int64)  # this month, by private firms
    hired_from_pool: np.ndarray = _f("flow", np.int64)  # this month, by SOEs
    pool_inflow: np.ndarray = _f("flow", np.int64)  # this month
    entrants: np.ndarray = _f("variable", np.int64)  # SOE hires from outside the pool, cumulative
    retired: np.ndarray = _f("variable", np.int64)  # cumulative
    left_to_jobs: np.ndarray = _f("variable", np.int64)  # quits straight to another job, cum.
    reemployed_total: np.ndarray = _f("variable", np.int64)  # by private firms, cumulative
    private_capital_in: np.ndarray = _f("variable")  # 亿元, cumulative
    state_assets_drained: np.ndarray = _f("variable")  # 亿元, cumulative
    state_assets_tunnelled: np.ndarray = _f("variable")  # 亿元, cumulative
    expropriated: np.ndarray = _f("variable")  # 亿元 lost to controlling private owners, cum.
    incentive_transfers: np.ndarray = _f("variable")  # 亿元 given away in equity grants, cum.
    creditor_losses: np.ndarray = _f("variable")  # 亿元 of debt unrecovered, cumulative
    state_creditor_losses: np.ndarray = _f("variable")  # the state-owned creditors' part
    assets_recovered: np.ndarray = _f("variable")  # 亿元 of liquidated assets, cumulative
    assets_written_off: np.ndarray = _f("variable")  # 亿元 of liquidated assets, cumulative
    private_market_added: np.ndarray = _f("variable")  # closed firms' market taken by private
    market0: np.ndarray = _f("variable")  # the SOEs' market at month 0 (a constant)
    fiscal_cost: np.ndarray = _f("variable")  # 亿元, cumulative
    cooperation_investment: np.ndarray = _f("variable")  # 亿元, cumulative
    social_burden_saved: np.ndarray = _f("variable")  # 亿元, cumulative
    managers_replaced: np.ndarray = _f("variable", np.int64)  # cumulative
    zombies_revived: np.ndarray = _f("variable", np.int64)  # cumulative
    bankruptcies: np.ndarray = _f("variable", np.int64)  # closed by creditors, cumulative
    plans_approved: np.ndarray = _f("variable", np.int64)  # cumulative
    plans_reworked: np.ndarray = _f("variable", np.int64)  # sent back by overloaded groups, cum.
    completed_month: np.ndarray = _f("variable", np.int64)  # every task of the plan done; 0: not


@dataclass
class State:
    """Everything that changes in a chunk of replications, plus the drawn attributes."""

    firms: Firms
    investors: Investors
    companies: Companies
    departments: Departments
    projects: Projects
    city: Ledgers
    uncertainty: dict[str, np.ndarray]  # (R,) each
    column: dict[str, np.ndarray]  # the same as (R, 1) columns, to broadcast over firms
    industry_growth: np.ndarray  # (R, N_INDUSTRIES), per year
    demand: np.ndarray  # (R, months + 1, N_INDUSTRIES): each industry's demand index
    month: int = 0
    queue: np.ndarray | None = None  # the working groups' queue, sorted at its first use

    @property
    def replications(self) -> int:
        return self.firms.assets.shape[0]

    def tasks_done(self, lv: dict) -> tuple[np.ndarray, int]:
        """Reform tasks of the plan done (R,) and their number (``rules.tasks_done``): a
        firm's task is done when it is reformed, or merged or closed and liquidated."""
        f = self.firms
        plan_done = (f.reformed | f.closed | f.merged)[:, IN_PLAN]
        return rules.tasks_done(plan_done, self.departments.decoupled, lv)


def fields_of(kind: type, *kinds: str) -> tuple[str, ...]:
    """Names of the fields of a state dataclass, optionally only those of some ``kinds``."""
    return tuple(f.name for f in fields(kind) if not kinds or f.metadata.get("kind") in kinds)


def zeros(kind: type, shape: tuple[int, ...]):
    """A state dataclass with every field zero (of its dtype)."""
    return kind(**{f.name: np.zeros(shape, dtype=f.metadata["dtype"]) for f in fields(kind)})


def initial_state(draws: Draws, uncertainty_laws: dict, c: dict) -> State:
    """The state at month 0 (end of June 2022) for a chunk of replications."""
    unc = sample_uncertainties(uncertainty_laws, draws.uncertainty_u)
    r = draws.uncertainty_u.shape[0]
    growth = industry_growth(unc, draws.industry_z, c)
    return State(
        firms=initial_firms(draws.population, c),
        investors=initial_investors(draws, unc, c),
        companies=initial_companies(draws.company_u, unc, c),
        departments=Departments(
            decoupled=np.zeros((r, N_DEPARTMENTS), dtype=bool), order_u=draws.department_order_u
        ),
        projects=cooperation_projects(draws.project_u, c),
        city=initial_ledgers(draws.population["market"], c),
        uncertainty=unc,
        column={name: v[:, None] for name, v in unc.items()},
        industry_growth=growth,
        demand=demand_path(growth, draws.cycle_z, c),
    )


def industry_growth(unc: dict[str, np.ndarray], z: np.ndarray, c: dict) -> np.ndarray:
    """Each industry's trend demand growth a year (R, N_INDUSTRIES): the city's mean, the
    premium of its group, and its own draw with the group's dispersion (the emerging
    industries grow faster and are riskier)."""
    premium = rules.by_option(
        0.0,
        unc["emerging_growth_premium"],
        c["characteristic_growth_premium"],
        c["infrastructure_growth_premium"],
        c["other_growth_premium"],
    )[:, INDUSTRY_GROUP]
    spread = np.where(INDUSTRY_GROUP == EMERGING, c["emerging_growth_sd"], c["industry_growth_sd"])
    return unc["demand_growth_mean"][:, None] + premium + spread * z


def initial_companies(u: np.ndarray, unc: dict[str, np.ndarray], c: dict) -> Companies:
    """Company slots, each with a supervision quality around the replication's mean
    (``company_quality_spread``); the platforms' balance sheets are split among the
    companies a scenario builds when the books open (``production.open_books``)."""
    r, k = u.shape
    mean = unc["company_supervision_quality"][:, None]
    return Companies(
        budget=np.zeros((r, k)),
        quality=mean * (1.0 + c["company_quality_spread"] * (2.0 * u - 1.0)),
        platform_assets=np.zeros((r, k)),
        platform_debt=np.zeros((r, k)),
    )


def initial_ledgers(market: np.ndarray, c: dict) -> Ledgers:
    """No unemployed and nothing accumulated; the pool has a city and a county market and
    one slot per month of a spell up to ``pool_months`` (longer spells share the last)."""
    r = market.shape[0]
    city = zeros(Ledgers, (r,))
    city.market0 = market.sum(axis=1)
    city.pool = np.zeros((r, 2, int(c["pool_months"]) + 1), dtype=np.int64)
    return city


def demand_path(growth: np.ndarray, cycle_z: np.ndarray, c: dict) -> np.ndarray:
    """Each industry's demand index for months 0..T: trend growth times an AR(1) cycle."""
    r, months, n = cycle_z.shape
    cycle = np.zeros((r, months + 1, n))
    for t in range(1, months + 1):
        cycle[:, t] = (
            c["industry_cycle_persistence"] * cycle[:, t - 1]
            + c["industry_cycle_sd"] * cycle_z[:, t - 1]
        )
    trend = rules.demand_index(growth[:, None, :], np.arange(months + 1)[None, :, None])
    return trend * np.exp(cycle)


def initial_firms(pop: dict[str, np.ndarray], c: dict) -> Firms:
    """Month 0 of every enterprise: the drawn population, no reform yet."""
    shape = pop["assets"].shape
    values = vars(zeros(Firms, shape))
    for name, x in pop.items():
        if name not in ("burden", "manager_ability"):
            values[name] = x.copy()
    values.update(
        burden=pop["burden"].copy(),
        burden0=pop["burden"].copy(),
        log_tfp=pop["log_tfp_base"].copy(),
        manager_ability=pop["manager_ability"].copy(),
        needed=pop["needed0"].copy(),
        condition=pop["initial_condition"].copy(),
        hopeless_months=np.where(
            pop["initial_condition"] == Condition.HOPELESS, c["hopeless_history_months"], 0
        ).astype(np.int64),
        handover=pop["handover_signed"].astype(np.int8),
        wage=np.full(shape, float(c["wage"])),
        state_share=np.ones(shape),
        investor=np.full(shape, NOBODY, dtype=np.int64),
        company=np.full(shape, NOBODY, dtype=np.int64),
        active=np.ones(shape, dtype=bool),
    )
    return Firms(**values)


def initial_investors(draws: Draws, unc: dict[str, np.ndarray], c: dict) -> Investors:
    """The pool of private investors: capital, required return, control, focus and trust."""
    capital, required, control, focus, trust = draws.investor_u.transpose(1, 0, 2)
    m = capital.shape[1]
    log_capital = {
        "distribution": "normal",
        "mean": np.log(c["investor_capital_median"]),
        "sd": c["investor_capital_log_sd"],
    }
    spread = {"distribution": "normal", "mean": 0.0, "sd": c["required_return_sd"]}
    return Investors(
        capital=np.exp(sample_law(log_capital, capital)),
        required=np.maximum(
            sample_law(spread, required) + unc["required_return_mean"][:, None], 0.01
        ),
        trust=trust,
        wants_control=control < c["control_seeking_share"],
        group=np.where(
            focus < c["sector_focus_share"], np.floor(draws.investor_group_u * 5).astype(int), -1
        ),
        active=np.arange(m)[None, :] < unc["investor_pool_size"][:, None],
    )


def cooperation_projects(u: np.ndarray, c: dict) -> Projects:
    """The 52 signed projects: sizes summing to the report's total, start, host, realised."""
    size_u, start_u, host_u, realised_u = u.transpose(1, 0, 2)
    weight = np.exp(
        sample_law(
            {"distribution": "normal", "mean": 0.0, "sd": c["cooperation_size_log_sd"]}, size_u
        )
    )
    hosts = np.flatnonzero(CENTRAL | PROVINCIAL)
    return Projects(
        size=c["cooperation_total"] * weight / weight.sum(axis=1, keepdims=True),
        start_u=start_u,
        host=hosts[np.floor(host_u * len(hosts)).astype(int)],
        realised_u=realised_u,
    )
