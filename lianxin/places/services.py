"""Writes of the places app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.models import Station, User
from lianxin.core.roles import SUPERVISOR_ROLES, has_role
from lianxin.places.geometry import boundary_error, grid_cache_clear
from lianxin.places.models import Grid


@transaction.atomic
def grid_save(
    *, actor: User | None, station: Station, code: str, name: str, boundary: dict, police_chief: User | None = None
) -> Grid:
    """Create or update the grid `code` of station; actor None means a system load (seed, import)."""
    if actor is not None and not has_role(actor, SUPERVISOR_ROLES):
        raise PermissionDenied(_("Your role may not edit grids."))
    errors = {}
    if not code:
        errors["code"] = [_("A grid needs a code.")]
    if not name:
        errors["name"] = [_("A grid needs a name.")]
    problem = boundary_error(boundary)
    if problem:
        errors["boundary"] = [problem]
    if police_chief is not None and police_chief.station_id != station.id:
        errors["police_chief"] = [_("The police chief must belong to this station.")]
    if errors:
        raise ValidationError(errors)
    grid, _created = Grid.objects.update_or_create(
        station=station, code=code, defaults={"name": name, "boundary": boundary, "police_chief": police_chief}
    )
    transaction.on_commit(lambda: grid_cache_clear(station.id))
    grid_cache_clear(station.id)
    return grid
