"""The only code that writes network faults (SPEC §13).

Each flow locks the fault row, moves its status with a compare-and-set,
records the fault's timeline and history, and composes the lower apps'
services for its repairs: ``workorders.fault_holds`` (holds, links, bulk
completion, customer SMS), ``compensation.services.claims_create_bulk`` (慢必赔
at completion) and ``notifications`` (staff alerts).
"""

from .common import fault_event
from .detection import faults_detect, held_orders_release_stale
from .lifecycle import (
    fault_close,
    fault_confirm,
    fault_declare,
    fault_dismiss,
    fault_eta_set,
)
from .links import (
    fault_intercept_call,
    fault_link,
    fault_restore,
    order_reopen,
    order_substitute,
)

__all__ = [
    "fault_close",
    "fault_confirm",
    "fault_declare",
    "fault_dismiss",
    "fault_eta_set",
    "fault_event",
    "fault_intercept_call",
    "fault_link",
    "fault_restore",
    "faults_detect",
    "held_orders_release_stale",
    "order_reopen",
    "order_substitute",
]
