"""Point-in-grid lookups with shapely, cached per station.

The cache holds prepared polygons for a short time (GRID_CACHE_SECONDS) so that an
intake of thousands of cases does not re-read and re-parse every grid; a grid edit
made through places.services clears it at once in this process, and other processes
pick it up within the cache lifetime.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import shapely
from django.core.cache import cache
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

GRID_CACHE_SECONDS = 60.0

_lock = threading.Lock()
_cache: dict[int, tuple[float, list[_PreparedGrid], int]] = {}


@dataclass(frozen=True)
class _PreparedGrid:
    grid_id: int
    geometry: BaseGeometry


def boundary_error(geojson) -> str | None:
    """Return why geojson is not a usable grid boundary, or None if it is."""
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        return f"not a GeoJSON geometry: {exc}"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return f"expected a Polygon or MultiPolygon, got {geom.geom_type}"
    if geom.is_empty or not geom.is_valid:
        return "the polygon is empty or crosses itself"
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates must be WGS84 longitude, latitude"
    return None


def _load(station_id: int) -> list[_PreparedGrid]:
    from lianxin.places.models import Grid

    prepared = []
    for grid_id, boundary in Grid.objects.filter(station_id=station_id).order_by("id").values_list("id", "boundary"):
        geom = shape(boundary)
        shapely.prepare(geom)
        prepared.append(_PreparedGrid(grid_id, geom))
    return prepared


def grid_id_for_point(*, station_id: int, lat: float, lon: float) -> int | None:
    """Return the id of the station's grid containing (lat, lon), or None outside every grid.

    On a shared border the grid with the lowest id wins, so the answer is stable.
    """
    now = time.monotonic()
    # The prepared polygons stay in this process, but their version is in the shared cache: a
    # grid saved through another web process (or host) bumps it, and every process reloads.
    version = cache.get(_version_key(station_id), 0)
    with _lock:
        entry = _cache.get(station_id)
    if entry is None or now - entry[0] > GRID_CACHE_SECONDS or entry[2] != version:
        entry = (now, _load(station_id), version)
        with _lock:
            _cache[station_id] = entry
    point = Point(lon, lat)
    for grid in entry[1]:
        if grid.geometry.covers(point):
            return grid.grid_id
    return None


def _version_key(station_id: int) -> str:
    return f"lianxin:places:grid-version:{station_id}"


def grid_cache_clear(station_id: int | None = None) -> None:
    """Forget the prepared grids (of one station, or all) here and, through the shared cache, in every process."""
    with _lock:
        if station_id is None:
            stations = list(_cache)
            _cache.clear()
        else:
            stations = [station_id]
            _cache.pop(station_id, None)
    for sid in stations:
        key = _version_key(sid)
        if not cache.add(key, 1, timeout=None):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=None)
