"""慢必赔: claims on completion, audit, idempotent payout, exemptions, warnings."""

from .audit import (
    claim_approve,
    claim_reject,
    claim_revoke_exemption,
    claims_approve,
    compensation_recheck_after_complaint,
)
from .claims import claim_create_for, claims_create_bulk, order_complete
from .common import OPEN, PAID_SMS, PaymentFailed, compensation_policy
from .payout import (
    BulkPayment,
    claim_pay,
    claims_pay,
    claims_pay_limit_scan,
    recharge_gateway,
)

__all__ = [
    "BulkPayment",
    "OPEN",
    "PAID_SMS",
    "PaymentFailed",
    "claim_approve",
    "claim_create_for",
    "claim_pay",
    "claim_reject",
    "claim_revoke_exemption",
    "claims_approve",
    "claims_create_bulk",
    "claims_pay",
    "claims_pay_limit_scan",
    "compensation_policy",
    "compensation_recheck_after_complaint",
    "order_complete",
    "recharge_gateway",
]
