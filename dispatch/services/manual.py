"""Manual dispatch (派单/改派) and the technician's re-dispatch request."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import (
    AlreadyAssigned,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotACandidate,
)
from dispatch_center.roles import Role, roles_of
from org.models import RegionGroup, Technician
from org.selectors import user_district_id
from workorders import rules as wo_rules
from workorders.models import DispatchFlag, EventKind, Status, WorkOrder
from workorders.services import work_order_dispatch, work_order_transition

from .. import rules, selectors
from ..models import RedispatchRequest
from .candidates import _reasons, order_candidates
from .messages import _dispatch_messages, _notify_dispatchers


def order_dispatch(
    order: WorkOrder,
    *,
    technician: Technician,
    by,
    reason: str = "",
    override: bool = False,
    now: datetime | None = None,
) -> WorkOrder:
    """A dispatcher assigns or reassigns (改派) an order, with the reasons recorded.

    1. Only a pending order can be assigned and a dispatched, accepted or
       appointed one reassigned (``InvalidTransition``); not to the
       technician who has it (``AlreadyAssigned``).
    2. A reassignment, and any override, needs a ``reason`` (400).
    3. The technician must be in the order's candidate pool, exactly as the
       engine's (``rules.manual_refusals``): never another district, anyone
       not on duty today (rest, leave, off), the one who handed it back, no
       skill, at capacity. Another group of the district, or after working
       hours someone who did not opt in, only with ``override`` (调剂):
       otherwise ``NotACandidate`` naming why.
    4. Assign with compare-and-set on status and technician (a concurrent
       reassignment makes this one lose with ``InvalidTransition``); the
       timeline keeps the rank and score, the reason, and what was overridden.
       SMS to the customer in the same transaction.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if order.status not in REASSIGNABLE and order.status != Status.PENDING:
        raise InvalidTransition(
            gettext("工单状态为%(status)s，不能派单。")
            % {"status": Status(order.status).label}
        )
    if order.technician_id == technician.pk:
        raise AlreadyAssigned(
            gettext("工单 %(number)s 已派给 %(name)s（%(code)s）。")
            % {"number": order.number, "name": technician.name, "code": technician.code}
        )
    reassign = order.status in REASSIGNABLE
    if reassign and not reason:
        raise InvalidInput("reason", gettext("改派请填写原因。"))
    if override and not reason:
        raise InvalidInput("reason", gettext("超出候选范围调剂派单请填写原因。"))
    refusals = _manual_refusals(order, technician, by=by, now=now)
    hard = [r for r in refusals if not r.overridable]
    if hard:
        raise NotACandidate(hard[0].detail, reason=hard[0].reason, overridable=False)
    if refusals and not override:
        raise NotACandidate(
            gettext("；").join(r.detail for r in refusals)
            + gettext("（如需调剂请选择超范围派单并填写原因）"),
            reason=refusals[0].reason,
            overridable=True,
        )
    found = order_candidates(order, now=now)
    position = next(
        (i for i, r in enumerate(found.ranked, 1) if r.tech.id == technician.pk), None
    )
    if position is not None:
        reasons = _reasons(
            found.ranked[position - 1], rank_position=position, by_engine=False
        )
    else:
        reasons = {
            "decided_by": "dispatcher",
            "rank": None,
            "not_ranked_because": gettext("；").join(r.detail for r in refusals),
        }
    if refusals:  # 调剂: borrowed from outside the pool, on purpose
        reasons["override"] = True
        reasons["outside_pool"] = [r.reason for r in refusals]
    with transaction.atomic():
        work_order_dispatch(
            order, technician=technician, by=by, now=now, reasons=reasons, note=reason
        )
        _dispatch_messages([order], now=now, by=by)
    return order


#: States a dispatcher reassigns from (改派); a reason is then required.
REASSIGNABLE = (Status.DISPATCHED, Status.ACCEPTED, Status.APPOINTED)


def _manual_refusals(
    order: WorkOrder, technician: Technician, *, by, now: datetime
) -> list[rules.Refusal]:
    """Why ``technician`` is outside ``order``'s candidate pool right now."""
    policy = selectors.dispatch_policy()
    hours = selectors.work_hours_table()
    tech = Technician.objects.select_related("group__area", "home_package_area").get(
        pk=technician.pk
    )
    facts = selectors.technician_facts([tech], now=now, policy=policy, hours=hours)
    order_area_id = RegionGroup.objects.values_list("area_id", flat=True).get(
        pk=order.group_id
    )
    district_id = tech.group.area.district_id
    scoped = user_district_id(by)
    in_pool = tech.group_id == order.group_id or (
        tech.role in selectors.AREA_STAFF_ROLES and tech.group.area_id == order_area_id
    )
    return rules.manual_refusals(
        facts[tech.pk],
        selectors.order_facts(order, hours, policy),
        working_hours=rules.in_working_hours(
            wo_rules.local(now), policy.workday_start, policy.workday_end
        ),
        in_pool=in_pool,
        same_district=district_id == order.district_id
        and (scoped is None or scoped == district_id),
        handed_back=tech.pk in selectors.excluded_technicians([order.pk])[order.pk],
    )


# --- re-dispatch -------------------------------------------------------------------------


def order_request_redispatch(
    order: WorkOrder, *, by, note: str, now: datetime | None = None
) -> WorkOrder:
    """提前升级/申请调度: the technician hands the order back with the reason.

    The order returns to the queue flagged for the dispatcher; the engine
    may reassign it, but never to the technician who handed it back.
    """
    now = now or timezone.now()
    if not note.strip():
        raise InvalidInput("note", gettext("请填写申请改派的原因。"))
    roles = roles_of(by)
    technician = order.technician
    if technician is None or order.status not in (
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.APPOINTED,
    ):
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能申请改派。")
            % {"status": wo_rules.status_label(order.status)}
        )
    if not roles & {Role.DISPATCHER, Role.SUPERVISOR}:
        mine = getattr(by, "technician", None)
        if mine is None or mine.pk != technician.pk:
            raise Forbidden(gettext("只能对派给自己的工单申请改派。"))
    with transaction.atomic():
        RedispatchRequest.objects.create(
            order=order, technician=technician, note=note[:500], at=now
        )
        work_order_transition(
            order,
            Status.PENDING,
            by=by,
            now=now,
            reason=note,
            fields={
                "technician": None,
                "dispatch_flag": DispatchFlag.REDISPATCH_REQUESTED,
                "dispatch_flag_reason": note[:255],
                "first_response_due": None,
            },
            event_kind=EventKind.REDISPATCH,
            data={"technician": technician.code},
        )
        _notify_dispatchers(
            order,
            topic="redispatch",
            now=now,
            body=f"工单{order.number}由{technician.name}申请改派：{note}",
        )
    return order
