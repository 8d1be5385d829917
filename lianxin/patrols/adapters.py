"""The one door to the track engine (lianxin.engines.geo.track): stored rows in, its plain result out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lianxin.engines.geo.track import ENGINE_VERSION, TrackLength, distance_m, track_length_arrays

__all__ = ["ENGINE_VERSION", "metres_between", "track_measure"]


def track_measure(
    t: Sequence[float], lat: Sequence[float], lon: Sequence[float], accuracy_m: Sequence[float | None]
) -> TrackLength:
    """Measure a track from its columns (epoch seconds, WGS84 degrees, accuracy in metres or None), any order."""
    return track_length_arrays(
        np.asarray(t, dtype=float),
        np.asarray(lat, dtype=float),
        np.asarray(lon, dtype=float),
        np.array([np.nan if a is None else a for a in accuracy_m], dtype=float),
    )


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return metres between two points (WGS84 degrees), for a plausibility check."""
    return distance_m(lat1, lon1, lat2, lon2)
