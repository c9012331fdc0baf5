"""Per-token request rates for the API (DRF throttling).

Each API token has its own budget (``API_THROTTLE_RATES["token"]``), and so
has each signed-in console user (``"session"``): a CRM burst spends only the
CRM token's budget and cannot starve the dispatchers' console. Over the limit
is ``429`` with ``Retry-After`` (DRF adds the header).

Counters live in the ``throttle`` cache: Redis when ``THROTTLE_CACHE_URL`` is
set (one budget across all gunicorn workers), else per process. When that
cache does not answer, requests are let through (fail open): Redis being down
must not stop intake, as for the outbox.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def __init__(self):
        # Rates are read per request (settings can change in tests and the
        # scope depends on how the caller authenticated), not at import.
        pass

    @property
    def cache(self):
        return caches["throttle"]

    def get_cache_key(self, request, view):
        if request.user is None or not request.user.is_authenticated:
            return None  # refused by authentication anyway
        if request.auth is not None:
            self.scope = "token"
            ident = getattr(request.auth, "pk", None) or str(request.auth)
        else:
            self.scope = "session"
            ident = request.user.pk
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                return self.throttle_failure()
            return self.throttle_success()
        except Exception as exc:  # noqa: BLE001 - a cache outage never refuses
            log.warning("throttle cache unavailable: %s", exc.__class__.__name__)
            return True
