"""Pure rules of 慢必赔 (seed 002 §二(四)3, §三): amounts, exemptions, liability.

No ORM, no clock: values in, values out. Money is ``Decimal`` with two places.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
SAME_DAY_INSTALL = "same_day_install"
SAME_DAY_REPAIR = "same_day_repair"

#: Causes that exempt a late order (免责条款): customer, rural, third party,
#: force majeure. Anything else (installer, network resource, acceptance
#: error, other) leaves the compensation due.
EXEMPT_CAUSES = frozenset({"customer", "third_party", "force_majeure"})
RURAL = "rural"


@dataclass(frozen=True)
class AmountPolicy:
    install_amount: Decimal  # 20 yuan per household
    repair_per_day: Decimal  # 10 yuan per household per day late
    repair_cap: Decimal  # 100 yuan
    day_hours: int  # 24: "不足1天按1天计算"


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def days_late(deadline: datetime, completed_at: datetime, day_hours: int = 24) -> int:
    """Whole days past the deadline, any part of a day counting as a day.

    Exactly on the deadline is on time (0); one second late is one day.
    """
    late = completed_at - deadline
    if late <= timedelta(0):
        return 0
    return math.ceil(late / timedelta(hours=day_hours))


def compensation_amount(
    kind: str, deadline: datetime, completed_at: datetime, policy: AmountPolicy
) -> tuple[int, Decimal]:
    """``(days_late, amount)`` for a same-day order completed at ``completed_at``.

    当日装 not installed in time: a flat amount. 当日修: per day or part day
    late, capped.
    """
    days = days_late(deadline, completed_at, policy.day_hours)
    if days == 0:
        return 0, money(0)
    if kind == SAME_DAY_INSTALL:
        return days, money(policy.install_amount)
    if kind == SAME_DAY_REPAIR:
        return days, money(min(policy.repair_per_day * days, policy.repair_cap))
    raise ValueError(f"not a compensation kind: {kind}")


def claim_kind(order_kind: str) -> str:
    return SAME_DAY_INSTALL if order_kind == "install" else SAME_DAY_REPAIR


def exemption(*, area_type: str, causes: list[str]) -> str | None:
    """The exemption that applies, or None: rural first, then the first exempt cause.

    ``causes`` are the completion's delay cause and the reasons of approved
    suspensions, in the order they happened.
    """
    if area_type == RURAL:
        return RURAL
    for cause in causes:
        if cause in EXEMPT_CAUSES:
            return cause
    return None


@dataclass(frozen=True)
class VendorMonth:
    same_day_orders: int  # same-day orders the vendor's technicians completed
    installer_late: int  # of which late for installer reasons
    installer_compensation: Decimal  # compensation due on those late orders


@dataclass(frozen=True)
class Liability:
    share: Decimal | None  # installer_late / same_day_orders, 4 places
    vendor_amount: Decimal
    branch_amount: Decimal


def vendor_liability(month: VendorMonth, threshold: Decimal) -> Liability:
    """定责: above the threshold share, the vendor bears the part above it.

    vendor share = installer-caused compensation × (share − threshold) / share;
    the rest is borne by the branch. At exactly the threshold the vendor bears
    nothing.
    """
    total = money(month.installer_compensation)
    if month.same_day_orders == 0 or month.installer_late == 0:
        return Liability(
            None if month.same_day_orders == 0 else Decimal("0"), money(0), total
        )
    share = Decimal(month.installer_late) / Decimal(month.same_day_orders)
    if share <= threshold:
        return Liability(share.quantize(Decimal("0.0001")), money(0), total)
    vendor = money(total * (share - threshold) / share)
    return Liability(share.quantize(Decimal("0.0001")), vendor, total - vendor)
