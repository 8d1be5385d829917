"""Errors that services raise and every view and endpoint turns into a clear answer.

- django.core.exceptions.ValidationError (with a message dict naming fields) → 400/422
- django.core.exceptions.PermissionDenied → 403
- django.http.Http404 (from selectors: outside the user's scope) → 404
- Conflict (an illegal state change; carries what is allowed) → 409
"""

from __future__ import annotations


class Conflict(Exception):
    """A state change that the current state does not allow."""

    def __init__(self, message: str, *, allowed: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed or [])
