"""The technician's and dispatcher's steps: dispatch, accept, arrive, complete, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

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
from org.models import Technician, TechnicianStatus

from .. import rules
from ..models import EventKind, Kind, Resolution, Status, WorkOrder
from ..selectors import service_policy
from .transitions import work_order_transition


def _ensure_may_work_on(order: WorkOrder, by) -> None:
    """A technician acts only on orders assigned to them."""
    roles = roles_of(by)
    if roles & {Role.DISPATCHER, Role.SUPERVISOR}:
        return
    if Role.TECHNICIAN in roles:
        technician = getattr(by, "technician", None)
        if technician is not None and order.technician_id == technician.pk:
            return
    raise Forbidden(gettext("只能处理派给自己的工单。"))


def technician_open_orders(technician: Technician) -> int:
    return WorkOrder.objects.filter(
        technician=technician, status__in=rules.ASSIGNED_STATES | {rules.SUSPENDED}
    ).count()


def work_order_dispatch(
    order: WorkOrder,
    *,
    technician: Technician,
    by,
    now: datetime | None = None,
    reasons: dict | None = None,
    note: str = "",
) -> WorkOrder:
    """Assign a pending order or reassign an assigned one (改派).

    1. Lock the technician row so concurrent dispatches to the same person
       queue up, then check skill, status and capacity (在途工单上限).
    2. Transition with compare-and-set (pending/dispatched/accepted/appointed
       → dispatched); the loser of a race gets ``InvalidTransition``.
    3. Record the decision and its reasons (派单理由) in the timeline.
    """
    now = now or timezone.now()
    if order.status not in (
        Status.PENDING,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.APPOINTED,
    ):
        raise InvalidTransition(
            gettext("工单状态为“%(status)s”，不能派单。")
            % {"status": rules.status_label(order.status)}
        )
    if order.technician_id == technician.pk:
        raise AlreadyAssigned(
            gettext("工单 %(number)s 已派给 %(name)s（%(code)s）。")
            % {"number": order.number, "name": technician.name, "code": technician.code}
        )
    with transaction.atomic():
        locked = Technician.objects.select_for_update().get(pk=technician.pk)
        # Re-checked under the lock: capacity may have filled since the caller
        # looked (a concurrent dispatch to the same technician).
        if order.product not in locked.skills:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）不具备“%(product)s”技能。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "product": order.get_product_display(),
                },
                reason="no_skill",
                overridable=False,
            )
        if locked.status != TechnicianStatus.ON_DUTY:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）不在岗（%(status)s）。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "status": locked.get_status_display(),
                },
                reason="on_leave" if locked.status == "leave" else "resting",
                overridable=False,
            )
        open_count = technician_open_orders(locked)
        if open_count >= locked.max_open_orders:
            raise NotACandidate(
                gettext("%(name)s（%(code)s）在途工单已满（%(open)s/%(max)s 单）。")
                % {
                    "name": locked.name,
                    "code": locked.code,
                    "open": open_count,
                    "max": locked.max_open_orders,
                },
                reason="at_capacity",
                overridable=False,
            )
        previous = order.technician.code if order.technician_id else None
        minutes = service_policy().first_response_minutes
        data = {
            "technician": locked.code,
            "technician_name": locked.name,
            "previous_technician": previous,
            "reasons": reasons or {"manual": True},
        }
        work_order_transition(
            order,
            Status.DISPATCHED,
            by=by,
            now=now,
            reason=note or ("改派" if previous else "派单"),
            fields={
                "technician": locked,
                "dispatched_at": now,
                "first_response_due": now + timedelta(minutes=minutes),
                "first_contact_at": None,
                "dispatch_flag": "",
                "dispatch_flag_reason": "",
            },
            event_kind=EventKind.DISPATCH,
            data=data,
        )
    return order


def work_order_accept(
    order: WorkOrder, *, by, now: datetime | None = None
) -> WorkOrder:
    _ensure_may_work_on(order, by)
    return work_order_transition(
        order, Status.ACCEPTED, by=by, now=now or timezone.now(), reason="接单"
    )


def work_order_arrive(
    order: WorkOrder, *, by, now: datetime | None = None
) -> WorkOrder:
    now = now or timezone.now()
    _ensure_may_work_on(order, by)
    return work_order_transition(
        order, Status.ON_SITE, by=by, now=now, reason="上门", fields={"arrived_at": now}
    )


def work_order_complete(
    order: WorkOrder,
    *,
    resolution: str,
    delay_cause: str = "",
    evidence: str = "",
    note: str = "",
    by,
    now: datetime | None = None,
) -> WorkOrder:
    """Report completion (报竣) at server time.

    On-site work completes from ``on_site``. A repair solved remotely by
    technical support (预处理/障碍拦截) completes from any open state before
    arrival, with or without dispatch.
    """
    now = now or timezone.now()
    roles = roles_of(by)
    if resolution == Resolution.REMOTE:
        if order.kind != Kind.REPAIR:
            raise InvalidInput("resolution", gettext("只有障碍单可以远程处理。"))
        if not roles & {Role.DISPATCHER, Role.SUPERVISOR, Role.HOTLINE_AGENT}:
            _ensure_may_work_on(order, by)
        if order.status == Status.ON_SITE:
            raise InvalidTransition(gettext("工程师已在现场，请由工程师现场竣工。"))
    else:
        _ensure_may_work_on(order, by)
        if order.status != Status.ON_SITE:
            raise InvalidTransition(
                gettext("工单状态为“%(status)s”，不能现场竣工（须先上门）。")
                % {"status": rules.status_label(order.status)}
            )
    return work_order_transition(
        order,
        Status.COMPLETED,
        by=by,
        now=now,
        reason=note or "报竣",
        fields={
            "completed_at": rules.whole_seconds(now),
            "resolution": resolution,
            "delay_cause": delay_cause or "",
            "completion_evidence": evidence,
            "completion_note": note,
        },
        data={
            "resolution": resolution,
            "delay_cause": delay_cause or None,
            "evidence": evidence,
        },
    )


def work_order_cancel(
    order: WorkOrder, *, reason: str, by, now: datetime | None = None
) -> WorkOrder:
    now = now or timezone.now()
    if not reason.strip():
        raise InvalidInput("reason", gettext("请填写撤单原因。"))
    return work_order_transition(
        order,
        Status.CANCELLED,
        by=by,
        now=now,
        reason=reason,
        fields={"cancelled_at": now, "cancel_reason": reason[:255]},
    )
