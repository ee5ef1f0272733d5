"""The synthetic initial population, with the report's counts exact.

95 municipal, 149 county, 76 central and 20 provincial enterprises; 34 supervising
departments over the 95 municipal firms (each manages at least one); 27 of the 76
central SOEs with a signed 三供一业 hand-over agreement; two pilot enterprises
(a nonferrous-mining group and a holding group). Class, size, condition and
industry are drawn from the shares in the parameter table.
"""

from __future__ import annotations

import numpy as np

from sim.codes import Condition, IndustryGroup, Klass, Level
from sim.rules import tfp_moments

COUNTS = {"municipal": 95, "county": 149, "central": 76, "provincial": 20}
LEVELS = tuple(COUNTS)
N_FIRMS = sum(COUNTS.values())
N_DEPARTMENTS = 34
N_HANDOVERS_SIGNED = 27
PILOTS = (0, 1)  # municipal firm 0: nonferrous-mining group; 1: holding group

CLASSES = ("commercial_competitive", "commercial_strategic", "public_welfare")
CONDITIONS = ("performing", "marginal", "hopeless_loss")
INDUSTRY_GROUPS = ("leading", "emerging", "characteristic", "infrastructure", "other")
GROUP_SIZES = (5, 6, 5, 1, 1)
INDUSTRIES = tuple(
    f"{g}_{i + 1}" if n > 1 else g
    for g, n in zip(INDUSTRY_GROUPS, GROUP_SIZES, strict=True)
    for i in range(n)
)
N_INDUSTRIES = len(INDUSTRIES)
INDUSTRY_GROUP = np.repeat(np.arange(len(GROUP_SIZES)), GROUP_SIZES)
PRIORITY_INDUSTRY = INDUSTRY_GROUP <= IndustryGroup.CHARACTERISTIC  # the 16 priority industries

LEVEL = np.repeat(np.arange(len(COUNTS)), list(COUNTS.values())).astype(np.int8)
IN_PLAN = LEVEL <= Level.COUNTY  # Task 1 covers municipal and county firms
MUNICIPAL = LEVEL == Level.MUNICIPAL
CENTRAL = LEVEL == Level.CENTRAL
PROVINCIAL = LEVEL == Level.PROVINCIAL


def draw_population(rng: np.random.Generator, c: dict) -> dict[str, np.ndarray]:
    """One replication's enterprises as arrays of shape (N_FIRMS,)."""
    n = N_FIRMS
    u = rng.random((5, n))
    z = rng.standard_normal((3, n))

    klass = np.searchsorted(np.cumsum([c["share_competitive"], c["share_strategic"]]), u[0])
    large = u[1] < c["share_large"]
    cond = np.where(
        u[2] < c["share_hopeless"],
        Condition.HOPELESS,
        np.where(
            u[2] < c["share_hopeless"] + c["share_marginal"],
            Condition.MARGINAL,
            Condition.PERFORMING,
        ),
    )
    industry = _draw_industry(rng, u[3], klass, c)

    # the pilots: a large competitive nonferrous-mining group and a large strategic holding group
    klass[list(PILOTS)] = (Klass.COMPETITIVE, Klass.STRATEGIC)
    large[list(PILOTS)] = True
    cond[list(PILOTS)] = Condition.PERFORMING
    industry[list(PILOTS)] = (0, INDUSTRIES.index("other"))

    department = np.full(n, -1)
    municipal = np.flatnonzero(MUNICIPAL)
    department[municipal] = np.concatenate(
        [
            rng.permutation(N_DEPARTMENTS),
            rng.integers(0, N_DEPARTMENTS, len(municipal) - N_DEPARTMENTS),
        ]
    )
    signed = np.zeros(n, dtype=bool)
    signed[rng.permutation(np.flatnonzero(CENTRAL))[:N_HANDOVERS_SIGNED]] = True

    level_factor = np.array([1.0, c["assets_county_factor"], c["assets_central_factor"], 1.0])[
        LEVEL
    ]
    median = np.where(large, c["assets_median_large"], c["assets_median_small"]) * level_factor
    median = median * np.where(cond == Condition.HOPELESS, c["hopeless_size_factor"], 1.0)
    assets = median * np.exp(c["assets_log_sd"] * z[0])
    debt_ratio = np.array(
        [c["debt_ratio_performing"], c["debt_ratio_marginal"], c["debt_ratio_hopeless"]]
    )
    workers = np.maximum(np.round(assets / c["assets_per_worker"]), 1).astype(np.int64)
    tfp = np.log([c["tfp_performing"], c["tfp_marginal"], c["tfp_hopeless"]])
    log_tfp_base = tfp[cond] + c["tfp_dispersion"] * z[1]
    # a share of each firm's distance from the mean is transitory; the rest is its own
    # long-run level, which its productivity returns toward
    mean, _ = tfp_moments(c)
    anchor = log_tfp_base - c["tfp_gap_transitory"] * (log_tfp_base - mean)
    burden = np.select(
        [CENTRAL, PROVINCIAL], [c["social_burden_central"], c["social_burden_provincial"]], 0.0
    )
    return {
        "klass": klass.astype(np.int8),
        "large": large,
        "initial_condition": cond.astype(np.int8),
        "industry": industry.astype(np.int8),
        "department": department.astype(np.int16),
        "handover_signed": signed,
        "assets": assets,
        "debt": assets * debt_ratio[cond],
        "workers": workers,
        "needed0": workers * (1.0 - c["redundant_share"]),
        "log_tfp_base": log_tfp_base,
        "tfp_anchor": anchor,
        "market": assets.copy(),
        "manager_ability": c["manager_ability_sd"] * z[2],
        "burden": burden,
        "plan_priority": u[4],
        # what the firm's stakes in private firms earn a year, drawn like the city's private firms
        "outward_return": c["private_return_mean"]
        + c["private_return_sd"] * rng.standard_normal(n),
    }


def _draw_industry(
    rng: np.random.Generator, u: np.ndarray, klass: np.ndarray, c: dict
) -> np.ndarray:
    shares = np.array(
        [
            c["share_leading"],
            c["share_emerging"],
            c["share_characteristic"],
            c["share_infrastructure"],
        ]
    )
    shares = np.append(shares, max(0.0, 1.0 - shares.sum()))
    group = np.searchsorted(np.cumsum(shares / shares.sum())[:-1], u)
    # public-welfare firms run infrastructure and public services
    group = np.where(klass == Klass.PUBLIC_WELFARE, IndustryGroup.INFRASTRUCTURE, group)
    first = np.concatenate([[0], np.cumsum(GROUP_SIZES)[:-1]])
    within = rng.integers(0, np.array(GROUP_SIZES)[group])
    return first[group] + within
