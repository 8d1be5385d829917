"""The length of a walked GPS track, in metres on the WGS84 ellipsoid, with GPS noise removed.

A phone's fixes wander: a few metres of jitter while the walker stands still, and now and
then a jump of hundreds of metres (a fix from a cell tower, a reflection off a building).
Summing the raw fixes inflates the distance, so a patrol's kilometres could not be checked.
`track_length` follows these steps:

1. Order the fixes by time; drop repeated times (a point sent twice counts once).
2. Drop fixes whose reported accuracy is worse than `max_accuracy_m`.
3. Walk the fixes, comparing each with the last accepted one: a fix that would need a speed
   above `max_speed_mps` is a jump and is rejected. If `resync_after` jumps in a row agree with
   each other (the walker really moved, e.g. took a bus, or the anchor itself was the bad fix),
   a new stretch starts at them; the gap between stretches is not counted.
4. Smooth each stretch with a centred moving average over `smooth_window` fixes (jitter
   averages out; the start and end fixes are kept as they are).
5. Sum the steps between fixes at least `min_step_m` apart (a walker standing still adds
   nothing), each step measured on the ellipsoid.

Steps are short (tens of metres), so each is measured on the ellipsoid's local tangent plane
with the meridional and prime-vertical radii of curvature at the step's mid-latitude: the
error against a full geodesic solution is far below a millimetre per step.

The result is the same whatever order the fixes arrived in (step 1 sorts them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ENGINE_VERSION = "track-1.0"

WGS84_A_M = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)

# Defaults for a walking patrol.
MAX_SPEED_MPS = 3.0  # a brisk walk is 1.5 m/s; 3 m/s is a jog
MAX_ACCURACY_M = 50.0
MIN_STEP_M = 10.0
SMOOTH_WINDOW = 5
RESYNC_AFTER = 4
# A fix without a reported accuracy is taken to be this good, for the jump test's slack.
ASSUMED_ACCURACY_M = 10.0


@dataclass(frozen=True)
class Fix:
    """One GPS fix: seconds since the epoch (UTC), WGS84 degrees, reported accuracy in metres (None: unknown)."""

    t: float
    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class TrackLength:
    """The result: metres counted, fixes used and rejected (with why), and the engine version."""

    metres: float
    fixes_used: int
    duplicates: int
    inaccurate: int
    jumps: int
    stretches: int
    moving_seconds: float
    engine_version: str = ENGINE_VERSION

    @property
    def reasons(self) -> list[str]:
        """Say in words what was left out and why."""
        out = []
        if self.duplicates:
            out.append(f"{self.duplicates} repeated fixes counted once")
        if self.inaccurate:
            out.append(f"{self.inaccurate} fixes less accurate than the limit left out")
        if self.jumps:
            out.append(f"{self.jumps} jumps faster than walking left out")
        if self.stretches > 1:
            out.append(f"{self.stretches - 1} gaps between stretches not counted")
        return out


def step_metres(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Return the length in metres of each step between consecutive points (degrees, WGS84)."""
    if len(lat) < 2:
        return np.zeros(0)
    phi = np.radians(lat)
    lam = np.radians(lon)
    mid = (phi[1:] + phi[:-1]) / 2
    sin_mid = np.sin(mid)
    w = np.sqrt(1 - WGS84_E2 * sin_mid**2)
    meridional = WGS84_A_M * (1 - WGS84_E2) / w**3
    prime_vertical = WGS84_A_M / w
    dlam = np.diff(lam)
    dlam = (dlam + np.pi) % (2 * np.pi) - np.pi  # across the antimeridian, the short way
    dx = prime_vertical * np.cos(mid) * dlam
    dy = meridional * np.diff(phi)
    return np.hypot(dx, dy)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the distance in metres between two nearby points (degrees, WGS84); the scalar step_metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    mid = (phi1 + phi2) / 2
    w = math.sqrt(1 - WGS84_E2 * math.sin(mid) ** 2)
    dlam = (math.radians(lon2 - lon1) + math.pi) % (2 * math.pi) - math.pi
    dx = WGS84_A_M / w * math.cos(mid) * dlam
    dy = WGS84_A_M * (1 - WGS84_E2) / w**3 * (phi2 - phi1)
    return math.hypot(dx, dy)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    n = len(values)
    if window <= 1 or n <= 2:
        return values
    half = window // 2
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(n)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, n)
    # Shrink the window symmetrically near the ends so the ends stay where they were.
    span = np.minimum(idx - lo, hi - 1 - idx)
    lo, hi = idx - span, idx + span + 1
    return (cumulative[hi] - cumulative[lo]) / (hi - lo)


def _stretches(t, lat, lon, acc, *, max_speed_mps: float, resync_after: int) -> tuple[list[list[int]], int]:
    """Split the fixes into stretches of plausible movement; return (stretches as index lists, jumps).

    Two fixes agree if the walker could cover the distance between them at max_speed_mps,
    give or take both fixes' accuracy (so ordinary jitter is never taken for a jump).
    """

    def agree(a: int, b: int) -> bool:
        slack = acc[a] + acc[b]
        return distance_m(lat[a], lon[a], lat[b], lon[b]) <= max_speed_mps * (t[b] - t[a]) + slack

    stretches: list[list[int]] = [[0]]
    pending: list[int] = []
    jumps = 0
    for i in range(1, len(t)):
        if agree(stretches[-1][-1], i):
            stretches[-1].append(i)
            jumps += len(pending)
            pending = []
            continue
        # A jump: keep it aside; if the next fixes agree with it, they start a new stretch.
        if pending and not agree(pending[-1], i):
            jumps += len(pending)
            pending = []
        pending.append(i)
        if len(pending) >= resync_after:
            stretches.append(pending)
            pending = []
    jumps += len(pending)
    return stretches, jumps


def track_length(
    fixes: Sequence[Fix],
    *,
    max_speed_mps: float = MAX_SPEED_MPS,
    max_accuracy_m: float = MAX_ACCURACY_M,
    min_step_m: float = MIN_STEP_M,
    smooth_window: int = SMOOTH_WINDOW,
    resync_after: int = RESYNC_AFTER,
) -> TrackLength:
    """Return the length of a walked track in metres with its noise removed (see the module's steps).

    Fixes may come in any order. An empty or one-fix track is 0 m long. Never raises for
    odd input: non-finite coordinates count as inaccurate fixes.
    """
    # 1. order by time, drop repeated times
    ordered = sorted(fixes, key=lambda f: (f.t, f.lat, f.lon))
    unique: list[Fix] = []
    duplicates = 0
    for fix in ordered:
        if unique and fix.t == unique[-1].t:
            duplicates += 1
            continue
        unique.append(fix)
    # 2. drop inaccurate fixes
    kept = [
        f
        for f in unique
        if math.isfinite(f.lat)
        and math.isfinite(f.lon)
        and -90 <= f.lat <= 90
        and -180 <= f.lon <= 180
        and (f.accuracy_m is None or (math.isfinite(f.accuracy_m) and f.accuracy_m <= max_accuracy_m))
    ]
    inaccurate = len(unique) - len(kept)
    if len(kept) < 2:
        return TrackLength(0.0, len(kept), duplicates, inaccurate, 0, 1 if kept else 0, 0.0)
    t = [f.t for f in kept]
    lat = [f.lat for f in kept]
    lon = [f.lon for f in kept]
    acc = [ASSUMED_ACCURACY_M if f.accuracy_m is None else f.accuracy_m for f in kept]
    # 3. reject jumps, split into stretches
    stretches, jumps = _stretches(t, lat, lon, acc, max_speed_mps=max_speed_mps, resync_after=resync_after)
    total = 0.0
    used = 0
    moving = 0.0
    for idx in stretches:
        used += len(idx)
        if len(idx) < 2:
            continue
        # 4. smooth
        s_lat = _smooth(np.array([lat[i] for i in idx]), smooth_window)
        s_lon = _smooth(np.array([lon[i] for i in idx]), smooth_window)
        s_t = np.array([t[i] for i in idx])
        # 5. count steps of at least min_step_m
        p_lat, p_lon, p_t = s_lat.tolist(), s_lon.tolist(), s_t.tolist()
        a_lat, a_lon, a_t = p_lat[0], p_lon[0], p_t[0]
        for j in range(1, len(p_lat)):
            d = distance_m(a_lat, a_lon, p_lat[j], p_lon[j])
            if d >= min_step_m or (j == len(p_lat) - 1 and d > 0):
                total += d
                moving += p_t[j] - a_t
                a_lat, a_lon, a_t = p_lat[j], p_lon[j], p_t[j]
    return TrackLength(round(total, 1), used, duplicates, inaccurate, jumps, len(stretches), float(moving))
