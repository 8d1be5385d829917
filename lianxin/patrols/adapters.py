"""The one door to the track engine (lianxin.engines.geo.track): stored rows in, its plain result out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lianxin.engines.geo.track import ENGINE_VERSION, TrackLength, distance_m, step_metres, track_length_arrays

# A fix this far from both its neighbours while they are close to each other is drawn as noise, not as a route.
SPIKE_M = 150.0

__all__ = ["ENGINE_VERSION", "metres_between", "spikes", "track_measure"]


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


def spikes(lat: Sequence[float], lon: Sequence[float], *, jump_m: float = SPIKE_M) -> list[bool]:
    """Return, per fix of a time-ordered track, whether it is a lone jump (far from both neighbours, which are close).

    For drawing only: the distance has its own, stricter rule (the engine's jump test).
    """
    n = len(lat)
    if n < 3:
        return [False] * n
    la, lo = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    step = step_metres(la, lo)
    skip = step_metres(np.stack([la[:-2], la[2:]], axis=1).ravel(), np.stack([lo[:-2], lo[2:]], axis=1).ravel())[::2]
    middle = (step[:-1] > jump_m) & (step[1:] > jump_m) & (skip < jump_m)
    return [False, *middle.tolist(), False]


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return metres between two points (WGS84 degrees), for a plausibility check."""
    return distance_m(lat1, lon1, lat2, lon2)
