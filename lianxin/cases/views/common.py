"""What the case pages share: page sizes, labels, the htmx check, form problems as a ValidationError."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from lianxin.cases.models import Case, Channel, Status
from lianxin.core.plugins import filing_channels
from lianxin.core.roles import (
    REPORTER_ROLES,
)

INBOX_PAGE_SIZE = 25
REQUESTS_PAGE_SIZE = 20
REFERRALS_PAGE_SIZE = 25
# Who may be picked as an assignee on the case page (the service accepts any staff member).
STATUS_LABELS = dict(Status.choices)
# The button that moves a case into each status.
TRANSITION_VERBS: dict[str, Promise] = {
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.IN_PROGRESS: gettext_lazy("Start work"),
    Status.REFERRED: gettext_lazy("Refer to a department"),
    Status.RESOLVED: gettext_lazy("Resolve"),
    Status.CLOSED: gettext_lazy("Close"),
    Status.REJECTED: gettext_lazy("Reject"),
    Status.MERGED: gettext_lazy("Merge as duplicate"),
}
# Transitions that need more than a click: each gets its own small form on the case page.
TRANSITIONS_WITH_INPUT = frozenset({Status.RESOLVED, Status.REJECTED, Status.REFERRED, Status.MERGED})
INBOX_BOX_LABELS = (
    ("mine", gettext_lazy("Mine")),
    ("grid", gettext_lazy("My grid")),
    ("open", gettext_lazy("Not yet done")),
    ("overdue", gettext_lazy("Overdue")),
    ("due_soon", gettext_lazy("Due soon")),
    ("unassigned", gettext_lazy("Unassigned")),
    ("all", gettext_lazy("All")),
)
# Personal data a case page can show: key → (label, where it lives on the case).
PERSONAL_FIELDS = {
    "contact_phone": (gettext_lazy("Contact mobile"), lambda case: (case, "contact_phone")),
    "reporter_phone": (gettext_lazy("Reporter's mobile"), lambda case: (case.reporter, "phone")),
    "reporter_id_number": (gettext_lazy("Reporter's ID number"), lambda case: (case.reporter, "id_number")),
}


# The report form in each reporter's own words: (heading, what to describe).
REPORT_FORM_WORDING = {
    Channel.ONLINE: (gettext_lazy("File a request"), gettext_lazy("Describe your request")),
    Channel.PATROL_FINDING: (
        gettext_lazy("Report a patrol finding"),
        gettext_lazy("What did you find on patrol, and where?"),
    ),
    Channel.LOOKOUT_TIP: (gettext_lazy("Send a tip"), gettext_lazy("What did you see? Who, where, when")),
    Channel.BANK_ALERT: (
        gettext_lazy("Send a bank alert"),
        gettext_lazy("What is suspicious about the transaction or account?"),
    ),
    Channel.REFERRAL_IN: (
        gettext_lazy("Ask the station for help"),
        gettext_lazy("What does your department need the station to do?"),
    ),
}


def reporting_channel(user) -> str:
    """Return the channel the report form files under: a reporter role's own (its app's plugin says which), else online.

    A volunteer's report is a patrol finding and a lookout's a tip, not an online request.
    """
    if getattr(user, "is_authenticated", False) and user.role in REPORTER_ROLES:
        channels = filing_channels(user.role)
        if channels:
            return channels[0]
    return Channel.ONLINE


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_case(case_or_pk) -> object:
    pk = case_or_pk.pk if isinstance(case_or_pk, Case) else case_or_pk
    return redirect("cases:detail", pk=pk)


def _form_problems(form) -> ValidationError:
    return ValidationError({field: list(errors) for field, errors in form.errors.items()})
