"""Health and readiness for load balancers: /healthz (this process answers) and /readyz (it can work)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (and Redis, when configured); 503 naming what does not."""
    problems = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means not ready
        problems["database"] = type(exc).__name__
    if settings.LIANXIN_REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.LIANXIN_REDIS_URL, socket_timeout=1).ping()
        except redis.RedisError as exc:
            problems["redis"] = type(exc).__name__
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ready"})
