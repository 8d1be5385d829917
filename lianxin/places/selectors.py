"""Reads of the places app that depend on who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from lianxin.core.models import Role, User
from lianxin.places.models import Building, Grid, Landmark


def grid_list_for(*, user: User) -> QuerySet[Grid]:
    """Return the grids of user's station (every signed-in user of a station may see the map)."""
    if not user.is_authenticated:
        return Grid.objects.none()
    grids = Grid.objects.select_related("police_chief").order_by("code")
    if user.is_superuser and user.station_id is None:
        return grids
    return grids.filter(station_id=user.station_id)


def grid_ids_owned_by(*, user: User) -> list[int]:
    """Return ids of grids user leads (community officer) or serves in (grid member)."""
    if user.role == Role.COMMUNITY_OFFICER:
        return list(Grid.objects.filter(police_chief=user).values_list("id", flat=True))
    if user.role == Role.GRID_MEMBER:
        return list(user.grids_served.values_list("id", flat=True))
    return []


def _grid_people(grid) -> dict:
    # For the grid editor's export, read back by places.services.grids_import_geojson: usernames, not names.
    return {
        "police_chief": grid.police_chief.username if grid.police_chief_id else None,
        "police_chief_name": str(grid.police_chief) if grid.police_chief_id else None,
        "members": [{"username": m.username, "role": m.role} for m in grid.members.all()],
    }


def grids_geojson(*, grids, with_members: bool = False) -> dict:
    """Return grids as a GeoJSON FeatureCollection (RFC 7946); with_members adds the people embedded in each."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": g.id,
                "geometry": g.boundary,
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "police_chief": str(g.police_chief) if g.police_chief_id else None,
                    **(_grid_people(g) if with_members else {}),
                },
            }
            for g in grids
        ],
    }


def base_map_for(*, station_id: int) -> dict:
    """Return the station's offline base map as a GeoJSON FeatureCollection: landmarks, then grids.

    Each feature's properties carry `layer` (river, border, site or grid) and `name`, so a
    page can draw a usable map with no tile server at all.
    """
    features = [
        {"type": "Feature", "geometry": lm.geometry, "properties": {"layer": lm.kind, "name": lm.name}}
        for lm in Landmark.objects.filter(station_id=station_id)
    ]
    features += [
        {
            "type": "Feature",
            "geometry": grid.boundary,
            "properties": {"layer": "grid", "name": grid.name, "code": grid.code, "id": grid.pk},
        }
        for grid in Grid.objects.filter(station_id=station_id).only("id", "name", "code", "boundary")
    ]
    return {"type": "FeatureCollection", "features": features}


def building_list_for(*, user: User) -> QuerySet[Building]:
    """Return the buildings of user's station (the same reach as the grid map)."""
    if not user.is_authenticated or user.station_id is None:
        return Building.objects.none()
    return Building.objects.filter(station_id=user.station_id).select_related("grid").order_by("grid__code", "name")
