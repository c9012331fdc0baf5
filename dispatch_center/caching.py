"""Small per-process caches for the hot paths.

Intake, authentication and the dispatch engine read rows that change a few
times a year (policies, message wordings, the organisation) or rarely
(tokens and roles) on every request. Building those queries costs more CPU
than running them, so each process keeps the answers for a few seconds: an
edit in the admin is in force everywhere within that time. The time to live
is a setting read at each call (0 turns the cache off, as the test suite does),
so a process never needs a restart to pick up a new value.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings

_all: list[ProcessCache] = []


class ProcessCache:
    """Values by key, each kept for ``settings.<ttl_setting>`` seconds."""

    def __init__(self, ttl_setting: str, *, max_entries: int = 10_000):
        self.ttl_setting = ttl_setting
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._data: dict[Hashable, tuple[float, Any]] = {}
        _all.append(self)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value of ``key``, or ``load()`` (cached unless None)."""
        ttl = getattr(settings, self.ttl_setting)
        if ttl <= 0:
            return load()
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._data) >= self.max_entries:  # a flood of keys
                    self._data.clear()
                self._data[key] = (now + ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def process_caches_clear() -> None:
    """Forget everything every process cache holds (tests, after an import)."""
    for cache in _all:
        cache.clear()
