"""Customer SMS and CRM callbacks of network faults (SPEC §13).

One SMS per linked customer at linking, per new ETA value and at restoration,
each unique in the outbox by fault and order, each with the link of the
customer's own page (SPEC §14); the CRM hears about links.
"""

from __future__ import annotations

from datetime import datetime

from notifications.services import notifications_enqueue, render, with_customer_link

from . import rules
from .messages import crm_callbacks_enqueue, customer_sms
from .models import customer_url

LINK_SMS = (
    "【中国电信】您报修的故障是所在区域网络故障（{fault}）所致，我们正在抢修，"
    "预计{eta}恢复，恢复后将短信通知您，无需重复报修。"
)
ETA_SMS = (
    "【中国电信】网络故障（{fault}）的预计恢复时间调整为{eta}，给您带来不便，敬请谅解。"
)
RESTORED_SMS = (
    "【中国电信】网络故障（{fault}）已于{at}恢复，您的报修单{number}已处理完毕；"
    "如仍无法使用，请回复或拨打10000，我们将单独上门处理。"
)


# --- customer SMS and CRM callbacks --------------------------------------------


def _eta_text(eta: datetime | None) -> str:
    return f"{rules.local(eta):%m-%d %H:%M}" if eta else "尽快"


def link_sms(orders, *, fault_number: str, eta: datetime | None, now: datetime) -> None:
    """One SMS per linked customer and fault: the fault and its ETA."""
    body = render("fault_link_sms", LINK_SMS, fault=fault_number, eta=_eta_text(eta))
    notifications_enqueue(
        [
            customer_sms(
                o,
                topic="fault_link_sms",
                body=with_customer_link(body, customer_url(o)),
                dedupe_key=f"fault-link-sms:{o.network_fault_id}:{o.pk}",
            )
            for o in orders
        ],
        now=now,
    )


def eta_sms(orders, *, fault_id: int, fault_number: str, eta, now: datetime) -> None:
    """A changed ETA, announced once per linked customer and ETA value."""
    body = render("fault_eta_sms", ETA_SMS, fault=fault_number, eta=_eta_text(eta))
    stamp = eta.isoformat() if eta else "none"
    notifications_enqueue(
        [
            customer_sms(
                o,
                topic="fault_eta_sms",
                body=with_customer_link(body, customer_url(o)),
                dedupe_key=f"fault-eta-sms:{fault_id}:{o.pk}:{stamp}",
            )
            for o in orders
        ],
        now=now,
    )


def restored_sms(orders, *, fault_id: int, fault_number: str, restored_at, now) -> None:
    at = f"{rules.local(restored_at):%m-%d %H:%M}"
    notifications_enqueue(
        [
            customer_sms(
                o,
                topic="fault_restored_sms",
                body=with_customer_link(
                    render(
                        "fault_restored_sms",
                        RESTORED_SMS,
                        fault=fault_number,
                        at=at,
                        number=o.number,
                    ),
                    customer_url(o),
                ),
                dedupe_key=f"fault-restored-sms:{fault_id}:{o.pk}",
            )
            for o in orders
        ],
        now=now,
    )


def crm_fault_callbacks(
    orders, *, status: str, fault_number: str, now: datetime
) -> None:
    """Tell the CRM a repair was linked to a fault, or closed by its restoration."""
    crm_callbacks_enqueue(
        (
            (
                o,
                f"{o.crm_order_id} {status} {fault_number}",
                f"crm:fault-{status}:{o.network_fault_id}:{o.pk}",
                {
                    "status": o.status,
                    "network_fault": fault_number,
                    "network_fault_status": status,
                    "at": now.isoformat(),
                },
            )
            for o in orders
            if o.crm_order_id
        ),
        now=now,
    )
