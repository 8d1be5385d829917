"""Fixed-window rate limits kept in the cache (shared by every web process when the cache is Redis).

`rate_limited(scope=..., key=..., limit=..., window_seconds=...)` counts one hit and says
whether the caller is over the limit for the current window. Keys are hashed, so an
address or a code never sits in the cache in the clear. Limits are settings
(LIANXIN_RATE_LIMITS) so a station behind one NAT can raise them.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the caller's address: REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy."""
    if getattr(settings, "LIANXIN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def limit_for(scope: str) -> tuple[int, int]:
    """Return (hits, window seconds) configured for a scope."""
    return settings.LIANXIN_RATE_LIMITS[scope]


def rate_limited(*, scope: str, key: str, now: float | None = None) -> bool:
    """Count one hit of key in scope; return True if it is over the scope's limit in this window."""
    limit, window = limit_for(scope)
    moment = time.time() if now is None else now
    bucket = int(moment // window)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:32]
    cache_key = f"lianxin:rl:{scope}:{digest}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    return count > limit
