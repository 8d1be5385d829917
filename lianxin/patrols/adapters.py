"""The one door to the track engine (lianxin.engines.geo.track): stored rows in, its plain result out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from lianxin.engines.geo.track import ENGINE_VERSION, Fix, TrackLength, distance_m, track_length

__all__ = ["ENGINE_VERSION", "metres_between", "track_measure"]


def track_measure(rows: Iterable[tuple[dt.datetime, float, float, float | None]]) -> TrackLength:
    """Measure a track from (recorded_at, lat, lon, accuracy_m) rows, in any order."""
    return track_length([Fix(at.timestamp(), lat, lon, acc) for at, lat, lon, acc in rows])


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return metres between two points (WGS84 degrees), for a plausibility check."""
    return distance_m(lat1, lon1, lat2, lon2)
