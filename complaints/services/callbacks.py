"""Customer callbacks (回访) on completed orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from dispatch_center.errors import Conflict, InvalidInput, InvalidTransition
from sla.services import CAUSE_CALLBACK, sla_escalate
from workorders.models import EventKind as OrderEventKind
from workorders.models import Status, WorkOrder
from workorders.services import event_record

from .. import rules
from ..models import Callback, CallbackChannel

# --- callbacks (回访) ---------------------------------------------------------------


@dataclass
class CallbackIn:
    contact: int
    punctuality: int
    skill: int
    attitude: int
    satisfied: bool
    note: str = ""


def callback_record(
    order: WorkOrder,
    *,
    data: CallbackIn,
    by,
    now: datetime | None = None,
    channel: str = CallbackChannel.PHONE,
) -> Callback:
    """回访 of a completed order: the four scores and satisfied or not.

    1. Scores 1–5 (400 naming the field); the order completed or closed
       (409 ``invalid_transition``); one callback per order (409
       ``already_called_back``; the unique constraint is the backstop).
    2. Record it and a line in the order timeline.
    3. Dissatisfied → the order is escalated (不满意工单升级处理, via
       ``sla_escalate``, once per callback).
    """
    now = now or timezone.now()
    for name in ("contact", "punctuality", "skill", "attitude"):
        if not rules.scores_valid(getattr(data, name)):
            raise InvalidInput(name, gettext("评分须为 1 到 5 的整数。"))
    if order.status not in (Status.COMPLETED, Status.CLOSED):
        raise InvalidTransition(
            gettext("只有已竣工的工单可以回访，工单 %(number)s 的状态为“%(status)s”。")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if Callback.objects.filter(work_order=order).exists():
        raise Conflict(
            gettext("工单 %(number)s 已回访过。") % {"number": order.number},
            code="already_called_back",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                callback = Callback.objects.create(
                    work_order=order,
                    contact=data.contact,
                    punctuality=data.punctuality,
                    skill=data.skill,
                    attitude=data.attitude,
                    satisfied=data.satisfied,
                    note=data.note,
                    by=by,
                    at=now,
                    channel=channel,
                )
        except IntegrityError:
            # a concurrent callback of the same order won the unique constraint
            raise Conflict(
                gettext("工单 %(number)s 已回访过。") % {"number": order.number},
                code="already_called_back",
            ) from None
        scores = {
            "contact": data.contact,
            "punctuality": data.punctuality,
            "skill": data.skill,
            "attitude": data.attitude,
        }
        event_record(
            order,
            kind=OrderEventKind.NOTE,
            by=by,
            now=now,
            reason=("回访：" if channel == CallbackChannel.PHONE else "客户评价：")
            + ("满意" if data.satisfied else "不满意"),
            data={
                "callback": callback.pk,
                "satisfied": data.satisfied,
                "channel": channel,
                **scores,
            },
        )
        if not data.satisfied:
            callback.escalation_level = sla_escalate(
                order,
                reason="不满意回访",
                by=by,
                key=str(callback.pk),
                cause=CAUSE_CALLBACK,
                now=now,
            )
            callback.save(update_fields=["escalation_level"])
    return callback
