"""Errors that services raise and every view and endpoint turns into a clear answer.

- django.core.exceptions.ValidationError (with a message dict naming fields) → 400/422
- django.core.exceptions.PermissionDenied → 403
- django.http.Http404 (from selectors: outside the user's scope) → 404
- Conflict (an illegal state change; carries what is allowed) → 409
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError


class Conflict(Exception):
    """A state change that the current state does not allow."""

    def __init__(self, message: str, *, allowed: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.allowed = list(allowed or [])


@contextmanager
def input_names(names: dict[str, str]) -> Iterator[None]:
    """Re-raise a service's field errors under the names the caller's input uses.

    A service names the fields of its own arguments (`assignee`); an endpoint whose body says
    `assignee_id` wraps the call in `with input_names({"assignee": "assignee_id"}):`, so the
    error points at a field the client actually sent. Errors without fields pass unchanged.
    """
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()}) from exc
