"""Form plumbing shared by the pages: turning service errors into messages that name the field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Generic, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from lianxin.core.errors import Conflict

# Names the services use for fields in ValidationError dicts, as a person reads them.
FIELD_LABELS = {
    "category": _("Category"),
    "description": _("Description"),
    "contact_name": _("Name"),
    "contact_phone": _("Mobile number"),
    "people_served": _("People served"),
    "place": _("Place"),
    "location": _("Location"),
    "lat": _("Latitude"),
    "lon": _("Longitude"),
    "stop": _("Cart stop"),
    "cart_stop": _("Cart stop"),
    "resolution": _("Resolution"),
    "reason": _("Reason"),
    "partner": _("Department"),
    "merge_into": _("Case to merge into"),
    "note": _("Note"),
    "text": _("Note"),
    "assignee": _("Assignee"),
    "team": _("Team"),
    "case": _("Case"),
    "rating": _("Rating"),
    "reply": _("Reply"),
    "to_status": _("Status"),
    "channel": _("Channel"),
    "priority": _("Priority"),
    "reporter": _("Reporter"),
}

POSSIBLE_NOW = _("Possible now:")
LIST_SEPARATOR = _(", ")


def _named(label, message) -> str:
    return str(_("%(field)s: %(message)s") % {"field": label, "message": message})


def error_lines(exc: Exception, *, status_labels: dict | None = None) -> list[str]:
    """Return one line per problem in exc, each naming its field when there is one."""
    if isinstance(exc, ValidationError):
        if not hasattr(exc, "error_dict"):
            return list(exc.messages)
        lines = []
        for field, errors in exc.message_dict.items():
            label = FIELD_LABELS.get(field)
            for message in errors:
                lines.append(_named(label, message) if label and field != NON_FIELD_ERRORS else message)
        return lines
    if isinstance(exc, Conflict):
        if not exc.allowed:
            return [exc.message]
        names = str(LIST_SEPARATOR).join(str((status_labels or {}).get(s, s)) for s in exc.allowed)
        return [f"{exc.message} {POSSIBLE_NOW} {names}"]
    if isinstance(exc, PermissionDenied):
        return [str(exc) or str(_("You may not do this."))]
    raise TypeError(f"not a user-facing error: {exc!r}")


def messages_from_error(request, exc: Exception, **kwargs) -> None:
    """Add each problem in exc to the page's messages as an error."""
    for line in error_lines(exc, **kwargs):
        messages.error(request, line)


def form_errors_from(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: per field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            label = FIELD_LABELS.get(field)
            form.add_error(None, [_named(label, e) if label else e for e in errors])


T = TypeVar("T")


def error_dict(exc: ValidationError | PermissionDenied) -> dict[str, list[str]]:
    """Return exc's messages by field, as a page's error list reads them ("__all__": those naming no field)."""
    if isinstance(exc, PermissionDenied):
        return {NON_FIELD_ERRORS: [str(exc)]}
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: list(exc.messages)}


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a page's one service call came to: its result, or its errors by field and the status to answer with.

    Outcome() is "not tried yet" (a GET): no errors, status 200.
    """

    result: T | None = None
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status < 400


def attempt(call: Callable[[], T], *, refused_status: int | None = None) -> Outcome[T]:
    """Run one service call for a form; return its result, or its errors by field with status 400.

    The shape of every form view: bind the input, call the service through attempt, and on
    success redirect, else render the form again with outcome.errors and outcome.status.
    A ValidationError (the service's "this field is wrong") becomes 400. A PermissionDenied
    propagates (Django answers 403) unless refused_status is given: then it is shown on top of
    the form with that status. Anything else propagates.
    """
    try:
        return Outcome(result=call())
    except ValidationError as exc:
        return Outcome(errors=error_dict(exc), status=400)
    except PermissionDenied as exc:
        if refused_status is None:
            raise
        return Outcome(errors=error_dict(exc), status=refused_status)


class BigRadioSelect(forms.RadioSelect):
    """Radio buttons drawn as large tiles (CSS class `tiles`), easy to hit on a phone."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"class": "tiles", **(attrs or {})}, choices=choices)
