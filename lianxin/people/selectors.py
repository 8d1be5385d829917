"""Reads of residents and teams that depend on who asks. The only place a user becomes a filter.

Scope: station-wide roles and community officers see the station's residents (an
officer at the cart serves residents of every grid); grid members see the residents
of the grids they serve in; mediators see the station's residents. Every other role
may not look people up (PermissionDenied). A resident outside the scope is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from lianxin.core import pii
from lianxin.core.models import Role, User
from lianxin.core.roles import PEOPLE_READER_ROLES, has_role, may_see_masked
from lianxin.core.services import personal_data_display, personal_data_reveal
from lianxin.people.models import Resident, Team
from lianxin.places.selectors import grid_ids_owned_by

# The personal-data fields of a resident, in the order they are shown.
RESIDENT_PERSONAL_FIELDS = ("phone", "id_number")


def resident_base_for(*, user: User) -> QuerySet[Resident]:
    """Return every resident user may look up; PermissionDenied for roles that may look up none."""
    if not has_role(user, PEOPLE_READER_ROLES):
        raise PermissionDenied(_("Your role may not look up residents."))
    residents = Resident.objects.select_related("grid")
    if user.is_superuser and user.station_id is None:
        return residents
    residents = residents.filter(station_id=user.station_id)
    if user.role == Role.GRID_MEMBER and not user.is_superuser:
        residents = residents.filter(grid_id__in=grid_ids_owned_by(user=user))
    return residents


def resident_list_for(*, user: User, q: str = "", grid_id: int | None = None) -> QuerySet[Resident]:
    """Return residents user may see, by name; an exact mobile or ID number matches its keyed digest.

    ID numbers are searchable only by roles that may see them at least masked.
    """
    residents = resident_base_for(user=user)
    if grid_id:
        residents = residents.filter(grid_id=grid_id)
    q = (q or "").strip()
    if q:
        by = Q(name__icontains=q)
        for kind, column in ((pii.KIND_PHONE, "phone_digest"), (pii.KIND_ID_CARD, "id_number_digest")):
            if not may_see_masked(user, kind):
                continue
            try:
                pii.validate(kind, q)
            except ValidationError:
                continue
            by = Q(**{f"{column}__in": pii.digests(kind, q)})
        residents = residents.filter(by)
    return residents.order_by("name", "id")


def resident_get_for(*, user: User, pk: int) -> Resident:
    """Return one resident user may see; Http404 otherwise (also for other stations and grids)."""
    try:
        return resident_base_for(user=user).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("no such resident") from None


def resident_personal_data_for(
    *, viewer: User, resident: Resident, reveal: Iterable[str] = (), reason: str = ""
) -> dict[str, str]:
    """Return {field: text} of resident's phone and ID number as viewer may see them.

    A field named in reveal is given whole through core.services.personal_data_reveal,
    which writes the audit row and raises PermissionDenied if viewer's role may not;
    every other field is masked, or empty for roles that see none of it.
    """
    reveal = set(reveal)
    shown = {}
    for field in RESIDENT_PERSONAL_FIELDS:
        if field in reveal:
            shown[field] = personal_data_reveal(actor=viewer, target=resident, field=field, reason=reason)
        else:
            shown[field] = personal_data_display(viewer=viewer, value=getattr(resident, field))
    return shown


def team_list_for(*, user: User) -> QuerySet[Team]:
    """Return the teams of user's station (for assignment)."""
    return Team.objects.filter(station_id=user.station_id).order_by("kind", "name")
