"""Rolling dispatch (滚动派单): manual and automatic assignment, re-dispatch,
technician positions and the rest rota.

Modules by concern: ``candidates`` (ranking for one order), ``manual``
(派单/改派, re-dispatch requests), ``engine`` (the automatic pass),
``messages`` (SMS, dispatcher notices), ``rota`` (positions, rest days).
Import from ``dispatch.services``.
"""

from .candidates import Candidates, order_candidates
from .engine import RunResult, area_auto_dispatch_set, auto_dispatch_run
from .manual import REASSIGNABLE, order_dispatch, order_request_redispatch
from .messages import DISPATCH_SMS, KIND_LABEL
from .rota import (
    rota_generate_week,
    rota_set,
    rota_violations,
    technician_position_update,
)

__all__ = [
    "Candidates",
    "DISPATCH_SMS",
    "KIND_LABEL",
    "REASSIGNABLE",
    "RunResult",
    "area_auto_dispatch_set",
    "auto_dispatch_run",
    "order_candidates",
    "order_dispatch",
    "order_request_redispatch",
    "rota_generate_week",
    "rota_set",
    "rota_violations",
    "technician_position_update",
]
