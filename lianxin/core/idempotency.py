"""Idempotency-Key for create requests: a client that retries after a dropped connection gets the
first answer again instead of a second case.

Applies to POST requests to the paths in IDEMPOTENT_PATHS, or matching an app's declared
`idempotent_paths` (core.plugins), that send an `Idempotency-Key`
header (1–100 printable characters). The first request runs inside one transaction with a
placeholder row for (who asked, key); its 2xx answer is stored in that same transaction, so
either both the case and the stored answer exist or neither does. A retry with the same key
and the same body gets the stored answer (with `Idempotent-Replay: true`); the same key with
another body is refused (422); a retry while the first is still running waits for it (the
placeholder's unique row). Answers are kept IDEMPOTENCY_KEEP_HOURS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import cache

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from lianxin.core.models import IdempotencyRecord
from lianxin.core.plugins import plugins

HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_MAX_CHARS = 100
IDEMPOTENCY_KEEP_HOURS = 24
IDEMPOTENT_PATHS = ("/api/v1/cases", "/open311/v2/requests.json", "/open311/v2/requests.xml")


@cache
def _app_paths() -> re.Pattern[str] | None:
    """The installed apps' idempotent create paths as one pattern (None when no app declares any)."""
    patterns = [f"(?:{p})" for plugin in plugins() for p in plugin.idempotent_paths]
    return re.compile("|".join(patterns)) if patterns else None


def is_idempotent_path(path: str) -> bool:
    path = path.rstrip("/")
    if path in IDEMPOTENT_PATHS:
        return True
    pattern = _app_paths()
    return pattern is not None and pattern.fullmatch(path) is not None


def _who(request: HttpRequest) -> str:
    if request.META.get("HTTP_AUTHORIZATION"):
        return "token:" + hashlib.sha256(request.META["HTTP_AUTHORIZATION"].encode()).hexdigest()
    api_key = request.POST.get("api_key", "") if request.content_type != "application/json" else ""
    if api_key:
        return "api_key:" + hashlib.sha256(api_key.encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return ""


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": [{"field": "Idempotency-Key", "message": message}]}, status=status)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not is_idempotent_path(request.path):
            return self.get_response(request)
        if not (1 <= len(key) <= KEY_MAX_CHARS) or not key.isprintable():
            return _error(f"Idempotency-Key must be 1 to {KEY_MAX_CHARS} printable characters.", 422)
        digest = hashlib.sha256(request.body).hexdigest()  # read the body first: request.POST would consume it
        who = _who(request)
        if not who:
            return self.get_response(request)  # an anonymous request: nothing to tie the key to
        scope = hashlib.sha256(f"{who}\n{key}".encode()).hexdigest()
        now = timezone.now()
        IdempotencyRecord.objects.filter(created_at__lt=now - dt.timedelta(hours=IDEMPOTENCY_KEEP_HOURS)).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, request_digest=digest, method_path=f"POST {request.path}"[:200], created_at=now
                )
                response = self.get_response(request)
                if 200 <= response.status_code < 300 and not response.streaming:
                    record.status = response.status_code
                    record.content_type = response.get("Content-Type", "")
                    record.body = response.content
                    record.save(update_fields=["status", "content_type", "body"])
                else:
                    # Nothing was created: let the client retry with the same key.
                    record.delete()
                return response
        except IntegrityError:
            pass  # a first request with this key exists (its transaction has committed by now)
        stored = IdempotencyRecord.objects.filter(scope=scope).first()
        if stored is None or stored.status == 0:
            return _error("A request with this Idempotency-Key is still being handled; retry shortly.", 409)
        if stored.request_digest != digest:
            return _error("This Idempotency-Key was used with a different request body.", 422)
        replay = HttpResponse(bytes(stored.body), status=stored.status, content_type=stored.content_type)
        replay["Idempotent-Replay"] = "true"
        return replay
