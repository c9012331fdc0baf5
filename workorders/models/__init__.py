"""Customers, work orders, the order timeline and the deadline policy.

Modules: ``choices``, ``orders`` (customer, order, timeline), ``policy``
(service policy, standard limits, calendar), ``faults`` (holds, detection
rules) and ``timeline`` (the abstract base of every timeline's events).
Import from ``workorders.models``.
"""

from .choices import (
    CustomerLevel,
    DelayCause,
    DispatchFlag,
    EventKind,
    Kind,
    Resolution,
    Segment,
    Source,
    Status,
)
from .faults import FaultDetectionRule, FaultHold
from .orders import (
    CUSTOMER_PATH,
    Customer,
    WorkOrder,
    WorkOrderEvent,
    customer_url,
    new_customer_token,
)
from .policy import (
    CalendarOverride,
    ServicePolicy,
    StandardLimitRow,
    default_escalation_offsets,
)
from .timeline import TimelineEvent

__all__ = [
    "CUSTOMER_PATH",
    "customer_url",
    "new_customer_token",
    "CalendarOverride",
    "Customer",
    "CustomerLevel",
    "DelayCause",
    "DispatchFlag",
    "EventKind",
    "FaultDetectionRule",
    "FaultHold",
    "Kind",
    "Resolution",
    "Segment",
    "ServicePolicy",
    "Source",
    "StandardLimitRow",
    "TimelineEvent",
    "Status",
    "WorkOrder",
    "WorkOrderEvent",
    "default_escalation_offsets",
]
