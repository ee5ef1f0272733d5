"""What the integers and thresholds in the model's state mean.

The state stores classes, conditions and statuses as small integers (so arrays stay
compact); these enumerations name them, and the constants name the thresholds that
would otherwise be bare literals. A data module: it imports nothing of the model.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Who owns the enterprise: the city, a county, the central or the provincial state."""

    MUNICIPAL = 0  # 市属
    COUNTY = 1  # 县属
    CENTRAL = 2  # 驻地央企
    PROVINCIAL = 3  # 驻地省企


class Klass(IntEnum):
    """The report's functional class (商业类 / 公益类), commercial split in two."""

    COMPETITIVE = 0  # 商业竞争类
    STRATEGIC = 1  # 商业功能类
    PUBLIC_WELFARE = 2  # 公益类


class Condition(IntEnum):
    """Performance class from smoothed ROA (效益良好型 ... 扭亏无望型)."""

    PERFORMING = 0
    MARGINAL = 1
    HOPELESS = 2  # no hope of turning losses round: a "zombie"


class Handover(IntEnum):
    """A central SOE's 三供一业 hand-over."""

    UNSIGNED = 0
    SIGNED = 1
    COMPLETED = 2


class IndustryGroup(IntEnum):
    """The report's 5 leading, 6 emerging and 5 characteristic industries, and the rest."""

    LEADING = 0
    EMERGING = 1
    CHARACTERISTIC = 2
    INFRASTRUCTURE = 3  # infrastructure and public services
    OTHER = 4


NOBODY = -1  # no investor holds a stake / no investment company holds the state's equity
MAJORITY = 0.5  # a stake at least this controls the firm
WHOLLY_STATE = 1.0 - 1e-12  # a state share at least this is wholly state-owned
MONTHS_PER_YEAR = 12.0
YUAN_PER_YI = 1e8  # money is in 亿元 (100 million yuan)
START = "2022-06"  # month 0: the state at the end of June 2022 (month 1 is July 2022)
DEADLINE_MONTH = 18  # the report's deadline, end-2023, counted from month 1 = July 2022
