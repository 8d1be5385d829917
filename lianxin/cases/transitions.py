"""The one table of allowed case status transitions, and who may make each.

Every status change goes through cases.services.case_transition, which consults
ALLOWED and TRANSITION_ROLES here; the UI and API list only what these allow.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lianxin.cases.models import Case, Channel, Resolution, Status
from lianxin.core.models import Role
from lianxin.core.roles import CASEWORKER_ROLES, SUPERVISOR_ROLES

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

ALLOWED: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.ACCEPTED, Status.IN_PROGRESS, Status.REFERRED, Status.RESOLVED, Status.REJECTED, Status.MERGED}
    ),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.REFERRED, Status.RESOLVED, Status.REJECTED, Status.MERGED}),
    Status.IN_PROGRESS: frozenset({Status.REFERRED, Status.RESOLVED, Status.MERGED}),
    Status.REFERRED: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    # A resolved case is closed by the resident's rating, by a caseworker, or by the
    # auto-close sweep; it can be reopened if the resident says it is not solved.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.MERGED: frozenset(),
    Status.REJECTED: frozenset(),
}

# Who may move a case into each status (scope is checked separately by selectors).
TRANSITION_ROLES: dict[str, frozenset[str]] = {
    Status.ACCEPTED: CASEWORKER_ROLES,
    Status.IN_PROGRESS: CASEWORKER_ROLES,
    Status.RESOLVED: CASEWORKER_ROLES,
    Status.CLOSED: CASEWORKER_ROLES | frozenset({Role.RESIDENT}),
    Status.REFERRED: SUPERVISOR_ROLES,
    Status.REJECTED: SUPERVISOR_ROLES,
    Status.MERGED: SUPERVISOR_ROLES,
}

# Statuses a case must be in for a resident to rate it.
RATEABLE = frozenset({Status.RESOLVED, Status.CLOSED})


def allowed_from(status: str) -> list[str]:
    """Return the statuses reachable from status, in the order of Status."""
    targets = ALLOWED.get(status, frozenset())
    return [s.value for s in Status if s in targets]


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


# 当场办结 ("solved on the spot") is true only of a contact resolved during the contact itself:
# a face-to-face or telephone channel, resolved within ON_THE_SPOT_MINUTES of being recorded
# and never referred on. This is the one rule; case_transition refuses the resolution
# otherwise and the case page offers it only where resolutions_for says so, so a request
# closed a week later cannot count in the on-the-spot figure.
ON_THE_SPOT_CHANNELS = frozenset({Channel.SERVICE_CART, Channel.WALK_IN, Channel.HOTLINE, Channel.COUNCIL})
ON_THE_SPOT_MINUTES = 60


def may_be_solved_on_the_spot(case: Case, now: dt.datetime) -> bool:
    """True if resolving case at now may honestly be called solved on the spot."""
    return (
        case.channel in ON_THE_SPOT_CHANNELS
        and case.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)
        and now - case.opened_at <= dt.timedelta(minutes=ON_THE_SPOT_MINUTES)
        and not case.referrals.exists()
    )


def resolutions_for(case: Case, now: dt.datetime) -> list[tuple[str, StrOrPromise]]:
    """Return the resolutions a caseworker may choose for case at now (label pairs)."""
    return [
        (value, label)
        for value, label in Resolution.choices
        if value != Resolution.ON_THE_SPOT or may_be_solved_on_the_spot(case, now)
    ]
