"""The only code that writes complaints, penalty tickets and callbacks.

- ``flow``: intake and the steps of SPEC §7 (seed 001, the 96133 flow);
- ``penalties``: penalty tickets (处罚单) and their publication;
- ``callbacks``: callbacks (回访) on completed orders;
- ``scan``: the periodic sweep (``complaints.scan``).
"""

from .callbacks import CallbackIn, callback_record
from .flow import (
    complaint_answer_customer,
    complaint_assign_department,
    complaint_callback_customer,
    complaint_close,
    complaint_determine,
    complaint_dispatch_to_city,
    complaint_return_ticket,
    complaint_submit,
)
from .intake import ComplaintIn, complaint_create
from .penalties import PenaltyIn, penalty_publish
from .scan import complaints_scan
from .supervision import complaint_supervise

__all__ = [
    "CallbackIn",
    "ComplaintIn",
    "PenaltyIn",
    "callback_record",
    "complaint_answer_customer",
    "complaint_assign_department",
    "complaint_callback_customer",
    "complaint_close",
    "complaint_create",
    "complaint_determine",
    "complaint_dispatch_to_city",
    "complaint_return_ticket",
    "complaint_submit",
    "complaint_supervise",
    "complaints_scan",
    "penalty_publish",
]
