"""How many reports a door lets through: per client address and per account, in a fixed
window, counted in Django's cache. Several application servers must share the cache
(docs/operations.md: SHEQU_CACHE=database)."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, who: str, window: int) -> str:
    digest = hashlib.sha256(f"{scope}:{who}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{int(time.time()) // window}"


def allowed(scope: str, who: str, *, limit: int, window: int = 3600) -> bool:
    """Whether ``who`` may do one more in this window (counted by :func:`count` once done,
    so that a form sent back for a typo does not use up the allowance)."""
    return int(cache.get(_key(scope, who, window), 0)) < limit


def count(scope: str, who: str, *, window: int = 3600) -> None:
    key = _key(scope, who, window)
    if not cache.add(key, 1, timeout=window + 60):
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window + 60)


def reports_per_hour() -> int:
    return int(getattr(settings, "SHEQU_PORTAL_REPORTS_PER_HOUR", 5))
