"""Pure rules of the outbox: retry backoff and callback signatures."""

import hashlib
import hmac
from datetime import datetime, timedelta


def next_attempt(
    now: datetime, attempts: int, base_seconds: int, cap_seconds: int
) -> datetime:
    """Exponential backoff: base, 2×base, 4×base … capped."""
    delay = min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
    return now + timedelta(seconds=delay)


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` HMAC of a CRM callback body, as the CRM verifies it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
