"""Reads of the core app that depend on who asks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lianxin.core.models import AuditEntry, Station, User
from lianxin.core.roles import AUDIT_READER_ROLES, has_role


def station_list_public() -> QuerySet[Station]:
    """Return the stations a visitor may file a request with (all of them; names are public)."""
    return Station.objects.order_by("id")


AUDIT_VIEWS = {"all": None, "bulk": ("bulk_reveal_alert",), "reveals": ("pii_reveal",)}


def audit_list_for(*, user: User, view: str = "all") -> QuerySet[AuditEntry]:
    """Return the audit log of user's station, newest first; only the station chief may read it.

    view "bulk" keeps the bulk-reveal alerts, "reveals" the whole-number views.
    """
    if not has_role(user, AUDIT_READER_ROLES):
        raise PermissionDenied(_("Only the station chief may read the audit log."))
    entries = AuditEntry.objects.select_related("actor")
    actions = AUDIT_VIEWS.get(view)
    if actions:
        entries = entries.filter(action__in=actions)
    return entries if user.is_superuser and user.station_id is None else entries.filter(station_id=user.station_id)


def staff_list_for(*, user: User, roles: frozenset | None = None) -> QuerySet[User]:
    """Return the active users of user's station (for assignment pickers), only of roles if given."""
    staff = User.objects.filter(station_id=user.station_id, is_active=True).order_by("role", "display_name")
    return staff.filter(role__in=roles) if roles is not None else staff


def lockout_list_for(*, user: User) -> list:
    """Return the sign-in lockouts of user's station (and addresses), newest first (station chief only)."""
    from axes.models import AccessAttempt

    if not has_role(user, AUDIT_READER_ROLES):
        raise PermissionDenied(_("Only the station chief may see sign-in lockouts."))
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).order_by(
        "-attempt_time"
    )
    if user.is_superuser and user.station_id is None:
        return list(attempts[:200])
    local = set(User.objects.filter(station_id=user.station_id).values_list("username", flat=True))
    return [a for a in attempts[:500] if a.username in local]
