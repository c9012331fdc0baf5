"""The only code that writes work orders.

Every status change goes through ``work_order_transition``: check the
lifecycle, compare-and-set the status, record the timeline event and the
history row, all in one transaction.

Modules by concern: ``intake`` (creation), ``transitions`` (the one
transition service), ``lifecycle`` (dispatch, accept, arrive, complete,
cancel), ``appointments`` (booking check, first contact, SMS), ``events``
(timeline, CRM callbacks). Import from ``workorders.services``; the two
private helpers re-exported here are used by ``fault_holds`` and
``sla_services``.
"""

from .appointments import (
    APPOINTMENT_SMS,
    appointment_sms,
    work_order_appointment_check,
    work_order_contact,
)
from .events import (
    SYSTEM_ACTOR,
    _crm_callbacks,
    actor_name,
    event_record,
    timeline_record,
    timeline_row,
)
from .intake import CustomerIn, OrderIn, work_order_create
from .lifecycle import (
    _ensure_may_work_on,
    technician_open_orders,
    work_order_accept,
    work_order_arrive,
    work_order_cancel,
    work_order_complete,
    work_order_dispatch,
)
from .transitions import (
    Change,
    work_order_sla_fields,
    work_order_transition,
    work_orders_transition,
)

__all__ = [
    "APPOINTMENT_SMS",
    "Change",
    "CustomerIn",
    "OrderIn",
    "SYSTEM_ACTOR",
    "_crm_callbacks",
    "_ensure_may_work_on",
    "actor_name",
    "appointment_sms",
    "event_record",
    "technician_open_orders",
    "timeline_record",
    "timeline_row",
    "work_order_accept",
    "work_order_appointment_check",
    "work_order_arrive",
    "work_order_cancel",
    "work_order_complete",
    "work_order_contact",
    "work_order_create",
    "work_order_dispatch",
    "work_order_sla_fields",
    "work_order_transition",
    "work_orders_transition",
]
