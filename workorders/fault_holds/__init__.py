"""Work-order side of network faults (SPEC §13): holds, links, intake probe.

``network_faults`` (a higher app) decides; these services write the orders'
fault fields, their timeline and history. Intake reads the holds and the
detection count here, in one statement, and nudges the detection task by
name when a cluster reaches its threshold: workorders never imports the app
above it.

Modules: ``intake`` (detection rules, the intake probe, holds) and ``links``
(link, release, complete, reopen). Import from ``workorders.fault_holds``.
"""

from .intake import (
    DETECT_TASK,
    DetectionRule,
    IntakeProbe,
    detection_nudge,
    detection_rule,
    detection_rules,
    fault_holds_clear,
    fault_holds_set,
    intake_after_insert,
    intake_link_fields,
    intake_probe,
)
from .links import (
    fault_owners,
    linked_open_orders,
    order_mark_intercepted,
    order_substitute_set,
    orders_complete_restored,
    orders_link,
    orders_release,
    orders_release_stale,
    work_order_reopen_after_fault,
)

__all__ = [
    "DETECT_TASK",
    "DetectionRule",
    "IntakeProbe",
    "detection_nudge",
    "detection_rule",
    "detection_rules",
    "fault_holds_clear",
    "fault_holds_set",
    "fault_owners",
    "intake_after_insert",
    "intake_link_fields",
    "intake_probe",
    "linked_open_orders",
    "order_mark_intercepted",
    "order_substitute_set",
    "orders_complete_restored",
    "orders_link",
    "orders_release",
    "orders_release_stale",
    "work_order_reopen_after_fault",
]
