"""Known routes for patrol tests: a walk of known length inside grid 1 of the test world."""

from __future__ import annotations

import datetime as dt
import math

from lianxin.engines.geo.track import distance_m

WALK_SPEED_MPS = 1.3
FIX_SECONDS = 5.0


def route_walk(
    lat0: float, lon0: float, *, legs=((0.0, 400.0), (90.0, 300.0), (0.0, 200.0))
) -> list[tuple[float, float]]:
    """Return points every FIX_SECONDS of walking along legs of (bearing degrees, metres) from (lat0, lon0)."""
    points = [(lat0, lon0)]
    lat, lon = lat0, lon0
    step = WALK_SPEED_MPS * FIX_SECONDS
    for bearing, metres in legs:
        n = int(round(metres / step))
        for _ in range(n):
            dy = step * math.cos(math.radians(bearing))
            dx = step * math.sin(math.radians(bearing))
            lat += dy / 111_000
            lon += dx / (111_320 * math.cos(math.radians(lat)))
            points.append((lat, lon))
    return points


def true_length(points) -> float:
    return sum(distance_m(*points[i - 1], *points[i]) for i in range(1, len(points)))


def timed(points, start: dt.datetime) -> list[tuple[dt.datetime, float, float]]:
    return [(start + dt.timedelta(seconds=FIX_SECONDS * i), lat, lon) for i, (lat, lon) in enumerate(points)]
