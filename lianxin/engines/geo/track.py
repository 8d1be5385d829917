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


def _radii(lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return metres per degree of longitude and of latitude at each latitude (WGS84 radii of curvature)."""
    phi = np.radians(lat)
    w = np.sqrt(1 - WGS84_E2 * np.sin(phi) ** 2)
    per_lon = WGS84_A_M / w * np.cos(phi) * (math.pi / 180)
    per_lat = WGS84_A_M * (1 - WGS84_E2) / w**3 * (math.pi / 180)
    return per_lon, per_lat


def _stretches(t, lat, lon, acc, *, max_speed_mps: float, resync_after: int) -> tuple[list[list[int]], int]:
    """Split the fixes into stretches of plausible movement; return (stretches as index lists, jumps).

    Two fixes agree if the walker could cover the distance between them at max_speed_mps,
    give or take both fixes' accuracy (so ordinary jitter is never taken for a jump).
    Consecutive fixes (the common case) use distances computed for all of them at once.
    """
    n = len(t)
    consecutive = step_metres(np.asarray(lat), np.asarray(lon)).tolist()
    t, lat, lon, acc = list(t), list(lat), list(lon), list(acc)

    def agree(a: int, b: int) -> bool:
        d = consecutive[a] if b == a + 1 else distance_m(lat[a], lon[a], lat[b], lon[b])
        return d <= max_speed_mps * (t[b] - t[a]) + acc[a] + acc[b]

    stretches: list[list[int]] = [[0]]
    pending: list[int] = []
    jumps = 0
    for i in range(1, n):
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


def _chords(s_t: np.ndarray, s_lat: np.ndarray, s_lon: np.ndarray, min_step_m: float) -> tuple[float, float]:
    """Sum the steps of at least min_step_m along a smoothed stretch (and its last step); return (metres, seconds).

    Each step is measured on the tangent plane at its starting fix (steps are tens of metres).
    """
    per_lon, per_lat = _radii(s_lat)
    la, lo, tt = s_lat.tolist(), s_lon.tolist(), s_t.tolist()
    kx, ky = per_lon.tolist(), per_lat.tolist()
    last = len(la) - 1
    total = moving = 0.0
    a = 0
    for j in range(1, last + 1):
        d = math.hypot((lo[j] - lo[a]) * kx[a], (la[j] - la[a]) * ky[a])
        if d >= min_step_m or (j == last and d > 0):
            total += d
            moving += tt[j] - tt[a]
            a = j
    return total, moving


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
    return track_length_arrays(
        np.array([f.t for f in fixes], dtype=float),
        np.array([f.lat for f in fixes], dtype=float),
        np.array([f.lon for f in fixes], dtype=float),
        np.array([np.nan if f.accuracy_m is None else f.accuracy_m for f in fixes], dtype=float),
        max_speed_mps=max_speed_mps,
        max_accuracy_m=max_accuracy_m,
        min_step_m=min_step_m,
        smooth_window=smooth_window,
        resync_after=resync_after,
    )


def track_length_arrays(
    t: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    accuracy_m: np.ndarray,
    *,
    max_speed_mps: float = MAX_SPEED_MPS,
    max_accuracy_m: float = MAX_ACCURACY_M,
    min_step_m: float = MIN_STEP_M,
    smooth_window: int = SMOOTH_WINDOW,
    resync_after: int = RESYNC_AFTER,
) -> TrackLength:
    """Return track_length of fixes given as arrays: seconds, degrees, accuracy in metres (NaN: unknown)."""
    # 1. order by time (then position, so the order of arrival never matters), drop repeated times
    order = np.lexsort((lon, lat, t))
    t, lat, lon, acc = t[order], lat[order], lon[order], accuracy_m[order]
    if len(t):
        first = np.concatenate([[True], np.diff(t) != 0])
    else:
        first = np.zeros(0, dtype=bool)
    duplicates = int(len(t) - first.sum())
    t, lat, lon, acc = t[first], lat[first], lon[first], acc[first]
    # 2. drop inaccurate fixes
    with np.errstate(invalid="ignore"):
        good = (
            np.isfinite(lat)
            & np.isfinite(lon)
            & (np.abs(lat) <= 90)
            & (np.abs(lon) <= 180)
            & (np.isnan(acc) | ((acc >= 0) & (acc <= max_accuracy_m)))
        )
    inaccurate = int(len(t) - good.sum())
    t, lat, lon = t[good], lat[good], lon[good]
    acc = np.where(np.isnan(acc[good]), ASSUMED_ACCURACY_M, acc[good])
    if len(t) < 2:
        return TrackLength(0.0, len(t), duplicates, inaccurate, 0, 1 if len(t) else 0, 0.0)
    # 3. reject jumps, split into stretches
    stretches, jumps = _stretches(t, lat, lon, acc, max_speed_mps=max_speed_mps, resync_after=resync_after)
    total = moving = 0.0
    used = 0
    for idx in stretches:
        used += len(idx)
        if len(idx) < 2:
            continue
        sel = np.array(idx)
        # 4. smooth, 5. count steps of at least min_step_m
        metres, seconds = _chords(
            t[sel], _smooth(lat[sel], smooth_window), _smooth(lon[sel], smooth_window), min_step_m
        )
        total += metres
        moving += seconds
    return TrackLength(round(total, 1), used, duplicates, inaccurate, jumps, len(stretches), float(moving))
