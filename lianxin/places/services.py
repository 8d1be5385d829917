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
    *,
    actor: User | None,
    station: Station,
    code: str,
    name: str,
    boundary: dict,
    police_chief: User | None = None,
    grid_id: int | None = None,
) -> Grid:
    """Create or update the grid `code` of station (or the grid grid_id, whose code may change).

    actor None means a system load (seed, import). Raises ValidationError naming the field;
    clears the grid lookup cache of the station on commit.
    """
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
    defaults = {"name": name, "boundary": boundary, "police_chief": police_chief}
    if grid_id is not None:
        grid = Grid.objects.select_for_update().get(pk=grid_id, station=station)
        if Grid.objects.filter(station=station, code=code).exclude(pk=grid_id).exists():
            raise ValidationError({"code": [_("Another grid of this station has that code.")]})
        for field, value in {"code": code, **defaults}.items():
            setattr(grid, field, value)
        grid.save(update_fields=["code", *defaults])
    else:
        grid, _created = Grid.objects.update_or_create(station=station, code=code, defaults=defaults)
    transaction.on_commit(lambda: grid_cache_clear(station.id))
    grid_cache_clear(station.id)
    return grid
