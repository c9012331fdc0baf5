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


def lateness(deadline: datetime, completed_at: datetime) -> timedelta:
    """How long after the deadline the completion came, at whole seconds.

    "The same day" is the local day at whole seconds (SPEC §5): a completion
    at 23:59:59.5 is on time for a 23:59:59 deadline. Completion times are
    recorded at whole seconds (``workorders.rules.whole_seconds``); the
    truncation here keeps the rule true for any value passed in.
    """
    return completed_at.replace(microsecond=0) - deadline


def days_for(late: timedelta, day_hours: int = 24) -> int:
    """Whole days of ``late``, any part of a day counting as a day (0 if none)."""
    if late <= timedelta(0):
        return 0
    return math.ceil(late / timedelta(hours=day_hours))


def days_late(deadline: datetime, completed_at: datetime, day_hours: int = 24) -> int:
    """Whole days past the deadline, any part of a day counting as a day.

    Exactly on the deadline is on time (0); one second late is one day.
    """
    return days_for(lateness(deadline, completed_at), day_hours)


def amount_for(kind: str, days: int, policy: AmountPolicy) -> Decimal:
    """当日装 not installed in time: a flat amount; 当日修: per day late, capped."""
    if days == 0:
        return money(0)
    if kind == SAME_DAY_INSTALL:
        return money(policy.install_amount)
    if kind == SAME_DAY_REPAIR:
        return money(min(policy.repair_per_day * days, policy.repair_cap))
    raise ValueError(f"not a compensation kind: {kind}")


def compensation_amount(
    kind: str, deadline: datetime, completed_at: datetime, policy: AmountPolicy
) -> tuple[int, Decimal]:
    """``(days_late, amount)`` for a same-day order completed at ``completed_at``."""
    days = days_late(deadline, completed_at, policy.day_hours)
    return days, amount_for(kind, days, policy)


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
class Pause:
    """One approved suspension (挂起): when it ran, why, and its evidence."""

    start: datetime
    end: datetime
    cause: str
    evidence: str = ""


@dataclass(frozen=True)
class Assessment:
    """What a late same-day order owes, and why.

    ``days_late``/``amount`` are what is due; for an exempt claim they are
    what would be due if the exemption fell (kept for audit and revocation).
    ``excused`` is the exempt suspended time taken out of the lateness.
    """

    days_late: int
    amount: Decimal
    exemption: str  # "" when the claim is due
    evidence: str
    excused: timedelta


def merged_length(pauses: list[Pause]) -> timedelta:
    """Total time covered by ``pauses``; overlapping ones count once."""
    total, reach = timedelta(0), None
    for pause in sorted(pauses, key=lambda p: p.start):
        start = pause.start if reach is None else max(pause.start, reach)
        if pause.end > start:
            total += pause.end - start
        reach = pause.end if reach is None else max(reach, pause.end)
    return total


def assess(
    *,
    kind: str,
    deadline: datetime,
    completed_at: datetime,
    policy: AmountPolicy,
    area_type: str,
    pauses: list[Pause],
    completion_cause: str,
    completion_evidence: str,
    complained: bool,
) -> Assessment | None:
    """Assess a same-day order at completion (SPEC §6); None when on time.

    1. Lateness = completion − commitment deadline, at whole seconds.
    2. A rural area is out of scope: exempt, whatever happened.
    3. An exemption without evidence stands only while the customer has not
       complained about the order (seed 002 §三(三)1): after a complaint,
       whenever filed, unproven causes exempt nothing.
    4. An exemption covers only the delay its cause produced: the time
       suspended for a (standing) exempt cause is taken out of the lateness.
       Nothing left → exempt for that cause.
    5. Still late: exempt if the completion's own delay cause is (standing)
       exempt; else due for the remaining days.
    """
    late = lateness(deadline, completed_at)
    full_days = days_for(late, policy.day_hours)
    if full_days == 0:
        return None
    full_amount = amount_for(kind, full_days, policy)
    if area_type == RURAL:
        return Assessment(full_days, full_amount, RURAL, "", timedelta(0))

    def stands(cause: str, evidence: str) -> bool:
        return cause in EXEMPT_CAUSES and (bool(evidence) or not complained)

    excusing = [p for p in pauses if stands(p.cause, p.evidence)]
    excused = merged_length(excusing)
    if stands(completion_cause, completion_evidence):
        return Assessment(
            full_days, full_amount, completion_cause, completion_evidence, excused
        )
    remaining = days_for(late - excused, policy.day_hours)
    if remaining == 0:
        first = min(excusing, key=lambda p: p.start)
        return Assessment(full_days, full_amount, first.cause, first.evidence, excused)
    return Assessment(remaining, amount_for(kind, remaining, policy), "", "", excused)


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
