"""Layouts of polygons on the ground: strips along a line (a river bank), random points inside one.

Coordinates are GeoJSON order (lon, lat) in WGS84 degrees; offsets are in degrees too,
which is fine for the few kilometres of one station (the strips are not meant to be
equal-area). Used by the demo seed and the benchmarks to lay out grids.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from shapely.geometry import Point, Polygon
from shapely.geometry.polygon import orient

COORD_DECIMALS = 6


def _points_along(line: Sequence[tuple[float, float]], count: int) -> list[tuple[float, float]]:
    """Return count+1 points evenly spaced (by vertex parameter) along a polyline."""
    segments = len(line) - 1
    points = []
    for i in range(count + 1):
        t = i * segments / count
        k = min(int(t), segments - 1)
        f = t - k
        (x0, y0), (x1, y1) = line[k], line[k + 1]
        points.append((x0 + (x1 - x0) * f, y0 + (y1 - y0) * f))
    return points


def _left_normals(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return a unit normal at each point, to the left of the line's direction."""
    normals = []
    for i in range(len(points)):
        (xa, ya), (xb, yb) = points[max(i - 1, 0)], points[min(i + 1, len(points) - 1)]
        dx, dy = xb - xa, yb - ya
        length = (dx * dx + dy * dy) ** 0.5
        normals.append((-dy / length, dx / length))
    return normals


def offset_line(line: Sequence[tuple[float, float]], offset: float) -> list[tuple[float, float]]:
    """Return the polyline moved by offset degrees to its left (negative: to its right), rounded."""
    normals = _left_normals(list(line))
    return [
        (round(x + nx * offset, COORD_DECIMALS), round(y + ny * offset, COORD_DECIMALS))
        for (x, y), (nx, ny) in zip(line, normals, strict=True)
    ]


def strip_polygons(
    line: Sequence[tuple[float, float]], count: int, *, near_offset: float, far_offset: float
) -> list[dict]:
    """Return count GeoJSON polygons strung along a line, on its left between two offsets (degrees).

    Neighbours share an edge and none overlap; rings are counter-clockwise (RFC 7946).
    """
    points = _points_along(line, count)
    normals = _left_normals(points)

    def at(i: int, offset: float) -> tuple[float, float]:
        return (points[i][0] + normals[i][0] * offset, points[i][1] + normals[i][1] * offset)

    polygons = []
    for i in range(count):
        ring = [at(i, near_offset), at(i + 1, near_offset), at(i + 1, far_offset), at(i, far_offset)]
        ring = [(round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)) for x, y in ring]
        exterior = list(orient(Polygon(ring), sign=1.0).exterior.coords)
        polygons.append({"type": "Polygon", "coordinates": [[list(c) for c in exterior]]})
    return polygons


def random_point_in(polygon: Polygon, rng: random.Random) -> tuple[float, float]:
    """Return a random (lat, lon) inside polygon (rejection sampling in its bounds), rounded to 6 decimals."""
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(lon, lat)):
            return round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS)
