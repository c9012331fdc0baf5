"""Messages about an order: an SMS to its customer, status callbacks to the CRM.

One shape for every sender (dispatch, appointment, network-fault SMS; status
and fault callbacks), so recipient, topic and subject are set in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from notifications.models import Channel
from notifications.services import Message, notifications_enqueue


def customer_sms(order, *, topic: str, body: str, dedupe_key: str) -> Message:
    """An SMS to the order's customer, filed under the order in the outbox."""
    return Message(
        channel=Channel.SMS,
        recipient=order.customer.phone,
        topic=topic,
        body=body,
        dedupe_key=dedupe_key,
        subject_type="work_order",
        subject_id=order.pk,
    )


def crm_callbacks_enqueue(
    callbacks: Iterable[tuple[object, str, str, dict]], *, now: datetime
) -> None:
    """Queue a signed callback to the CRM per ``(order, body, dedupe_key,
    payload)``; the payload starts with the CRM order id and the order number.

    Nothing without ``CRM_CALLBACK_URL``, and only for orders from the CRM;
    pass a generator so that nothing is built when there is no URL.
    """
    url = settings.CRM_CALLBACK_URL
    if not url:
        return
    notifications_enqueue(
        [
            Message(
                channel=Channel.CRM_CALLBACK,
                recipient=url,
                topic="crm_status",
                body=body,
                dedupe_key=dedupe_key,
                payload={
                    "crm_order_id": order.crm_order_id,
                    "number": order.number,
                    **payload,
                },
                subject_type="work_order",
                subject_id=order.pk,
            )
            for order, body, dedupe_key, payload in callbacks
            if order.crm_order_id
        ],
        now=now,
    )
