"""Writes of the places app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape as shapely_shape

from lianxin.core.models import Station, User
from lianxin.core.roles import SUPERVISOR_ROLES, has_role
from lianxin.places.geometry import boundary_error, grid_cache_clear, grid_id_for_point
from lianxin.places.models import Building, Grid, Landmark


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


# A grid may overlap its neighbours by this share of the smaller one's area (digitising slop on a shared edge).
GRID_OVERLAP_TOLERANCE_SHARE = 0.01
# A grid's centre must lie within this distance of the station's map centre (its area).
STATION_AREA_RADIUS_KM = 30.0
GEOJSON_MAX_BYTES = 5 * 1024 * 1024
GEOJSON_MAX_FEATURES = 500


def _km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _parse_feature_collection(text) -> list:
    import json

    if isinstance(text, bytes):
        if len(text) > GEOJSON_MAX_BYTES:
            raise ValidationError({"file": [_("The file is too large.")]})
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        raise ValidationError({"file": [_("The file is not GeoJSON (not even JSON).")]}) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ValidationError({"file": [_("The file is not a GeoJSON FeatureCollection.")]})
    if len(data["features"]) > GEOJSON_MAX_FEATURES:
        raise ValidationError({"file": [_("Too many grids in one file.")]})
    return data["features"]


@transaction.atomic
def grids_import_geojson(*, actor: User | None, station: Station, text) -> list[Grid]:
    """Create or update the station's grids from a GeoJSON FeatureCollection; all or nothing.

    Each feature needs properties code and name; police_chief and members (usernames of the
    station) are optional. Boundaries must be valid polygons, overlap no other grid by more than
    GRID_OVERLAP_TOLERANCE_SHARE of the smaller area, and lie within STATION_AREA_RADIUS_KM of the
    station's centre. Raises ValidationError naming `file` or `features` with one message per problem.
    """
    from shapely.geometry import shape

    if actor is not None and not has_role(actor, SUPERVISOR_ROLES):
        raise PermissionDenied(_("Your role may not edit grids."))
    features = _parse_feature_collection(text)
    problems: list[str] = []
    parsed = []
    usernames = {u.username: u for u in User.objects.filter(station=station)}
    for index, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {} if isinstance(feature, dict) else {}
        code, name = str(props.get("code") or "").strip(), str(props.get("name") or "").strip()
        label = code or f"#{index}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_("Grid %(g)s: not a GeoJSON Feature.") % {"g": label})
            continue
        if not code or not name:
            problems.append(_("Grid %(g)s: needs a code and a name.") % {"g": label})
        boundary = feature.get("geometry")
        problem = boundary_error(boundary) if isinstance(boundary, dict) else _("not a GeoJSON geometry")
        if problem or not isinstance(boundary, dict):
            problems.append(_("Grid %(g)s: %(p)s.") % {"g": label, "p": problem})
            continue
        geom = shape(boundary)
        centre = geom.centroid
        if _km_between(centre.y, centre.x, station.center_lat, station.center_lon) > STATION_AREA_RADIUS_KM:
            problems.append(_("Grid %(g)s lies outside the station's area.") % {"g": label})
        chief_name = props.get("police_chief")
        if chief_name and chief_name not in usernames:
            problems.append(_("Grid %(g)s: no user %(u)s at this station.") % {"g": label, "u": chief_name})
        members = []
        for member in props.get("members") or []:
            username = member.get("username") if isinstance(member, dict) else member
            if username not in usernames:
                problems.append(_("Grid %(g)s: no user %(u)s at this station.") % {"g": label, "u": username})
            else:
                members.append(usernames[username])
        parsed.append((code, name, boundary, geom, usernames.get(chief_name) if chief_name else None, members))
    codes = [p[0] for p in parsed]
    if len(set(codes)) != len(codes):
        problems.append(_("Two grids in the file have the same code."))
    others = [(g.code, shape(g.boundary)) for g in Grid.objects.filter(station=station).exclude(code__in=codes)]
    everything = [(p[0], p[3]) for p in parsed] + others
    for i, (code_a, geom_a) in enumerate(everything[: len(parsed)]):
        for code_b, geom_b in everything[i + 1 :]:
            overlap = geom_a.intersection(geom_b).area
            if overlap > GRID_OVERLAP_TOLERANCE_SHARE * min(geom_a.area, geom_b.area):
                problems.append(_("Grids %(a)s and %(b)s overlap.") % {"a": code_a, "b": code_b})
    if problems:
        raise ValidationError({"features": problems})
    saved = []
    for code, name, boundary, _geom, chief, members in parsed:
        grid = grid_save(actor=actor, station=station, code=code, name=name, boundary=boundary, police_chief=chief)
        if members:
            grid.members.set(members)
        saved.append(grid)
    return saved


LANDMARK_GEOMETRY: dict[str, tuple[str, ...]] = {
    Landmark.Kind.RIVER: ("LineString", "MultiLineString", "Polygon"),
    Landmark.Kind.BORDER: ("LineString", "MultiLineString"),
    Landmark.Kind.SITE: ("Point",),
}


@transaction.atomic
def landmark_save(*, station: Station, kind: str, name: str, geometry: dict) -> Landmark:
    """Add (or replace by kind and name) a landmark of the station's base map; ValidationError names the field."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in LANDMARK_GEOMETRY:
        errors["kind"] = [_("Choose river, border or site.")]
    if not name or len(name) > 100:
        errors["name"] = [_("Give a name of at most 100 characters.")]
    if not errors:
        try:
            shape = shapely_shape(geometry)
        except Exception:  # shapely raises several kinds for malformed GeoJSON
            shape = None
        if (
            shape is None
            or not isinstance(geometry, dict)
            or geometry.get("type") not in LANDMARK_GEOMETRY[kind]
            or shape.is_empty
        ):
            errors["geometry"] = [_("Give a GeoJSON %(types)s.") % {"types": " / ".join(LANDMARK_GEOMETRY[kind])}]
    if errors:
        raise ValidationError(errors)
    landmark, _created = Landmark.objects.update_or_create(
        station=station, kind=kind, name=name, defaults={"geometry": geometry}
    )
    return landmark


@transaction.atomic
def building_save(*, station: Station, name: str, lat: float, lon: float) -> Building:
    """Add (or move, by name) a building of the station; its grid is the one its point lies in.

    Raises ValidationError naming `name`, `lat` or `lon`.
    """
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give a name of at most 100 characters.")]
    if not isinstance(lat, int | float) or not -90 <= lat <= 90:
        errors["lat"] = [_("Give a latitude between -90 and 90.")]
    if not isinstance(lon, int | float) or not -180 <= lon <= 180:
        errors["lon"] = [_("Give a longitude between -180 and 180.")]
    if errors:
        raise ValidationError(errors)
    grid_id = grid_id_for_point(station_id=station.pk, lat=lat, lon=lon)
    building, _created = Building.objects.update_or_create(
        station=station, name=name, defaults={"lat": lat, "lon": lon, "grid_id": grid_id}
    )
    return building
