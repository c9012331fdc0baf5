"""Backend recharge (后台充值) gateways.

A gateway has ``recharge(*, key, phone, account, amount, claim_id) -> str``
and must be idempotent by ``key``: the same key twice charges once and
returns the first reference. Raise to signal "not confirmed" (retry later).
"""

from django.utils import timezone

from .models import Recharge


class RecordingRechargeGateway:
    """Default: the recharge is a ledger row, unique per key (no real billing)."""

    def recharge(self, *, key, phone, account, amount, claim_id) -> str:
        row, _created = Recharge.objects.get_or_create(
            key=key,
            defaults={
                "claim_id": claim_id,
                "phone": phone,
                "account": account,
                "amount": amount,
                "at": timezone.now(),
            },
        )
        return f"RC{row.pk:08d}"
