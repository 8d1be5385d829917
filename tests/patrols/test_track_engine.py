"""The track engine without Django: golden routes, noise and jumps, order of arrival (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.geo.track import ENGINE_VERSION, Fix, distance_m, track_length
from tests.patrols.routes import route_walk, true_length

LAT0, LON0 = 40.1000, 124.3600
ROUTE = route_walk(LAT0, LON0)
TRUE = true_length(ROUTE)


def fixes(points, *, accuracy=5.0):
    return [Fix(5.0 * i, lat, lon, accuracy) for i, (lat, lon) in enumerate(points)]


def test_distance_of_one_degree_of_latitude_matches_the_ellipsoid():
    # A degree of latitude at 40°N is 111,034.6 m on WGS84 (meridian arc); within a few metres on the tangent plane.
    assert abs(distance_m(39.5, 124.0, 40.5, 124.0) - 111_034.6) < 30


def test_clean_route_is_measured_within_two_percent():
    # Two right-angle corners in 900 m: smoothing rounds them off a little, never adds length.
    result = track_length(fixes(ROUTE))
    assert TRUE * 0.98 < result.metres <= TRUE
    assert result.jumps == 0 and result.engine_version == ENGINE_VERSION


def test_a_jump_is_left_out_and_said_so():
    points = list(ROUTE)
    points[60] = (points[60][0] + 0.02, points[60][1])  # 2 km off, for one fix
    result = track_length(fixes(points))
    assert result.jumps == 1
    assert abs(result.metres - track_length(fixes(ROUTE)).metres) < 5
    assert any("jump" in r for r in result.reasons)


def test_standing_still_adds_almost_nothing():
    rng = random.Random(7)
    still = [Fix(5.0 * i, LAT0 + rng.gauss(0, 5) / 111_000, LON0 + rng.gauss(0, 5) / 85_000, 10) for i in range(240)]
    assert track_length(still).metres < 40  # 20 minutes of 5 m jitter


def test_repeats_and_inaccurate_fixes_are_dropped():
    base = fixes(ROUTE)
    doubled = base + base[:50] + [Fix(3.0, LAT0 + 0.1, LON0, 500.0)]
    result = track_length(doubled)
    assert result.duplicates == 50 and result.inaccurate == 1
    assert abs(result.metres - track_length(base).metres) < 0.5


def test_a_real_move_after_a_gap_starts_a_new_stretch_without_counting_the_gap():
    later = [(lat + 0.05, lon) for lat, lon in ROUTE]  # 5.5 km north, reached by bus
    track = fixes(ROUTE) + [Fix(800.0 + 5.0 * i, lat, lon, 5.0) for i, (lat, lon) in enumerate(later)]
    result = track_length(track)
    assert result.stretches == 2
    assert abs(result.metres - 2 * track_length(fixes(ROUTE)).metres) < 1


@settings(max_examples=25, deadline=None)
@given(sigma=st.floats(min_value=0.0, max_value=8.0), seed=st.integers(0, 10_000))
def test_gps_noise_does_not_inflate_the_distance_beyond_a_small_bound(sigma, seed):
    rng = random.Random(seed)
    noisy = [
        Fix(5.0 * i, lat + rng.gauss(0, sigma) / 111_000, lon + rng.gauss(0, sigma) / 85_000, max(3.0, 2 * sigma))
        for i, (lat, lon) in enumerate(ROUTE)
    ]
    measured = track_length(noisy).metres
    assert TRUE * 0.96 <= measured <= TRUE * 1.06


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_order_of_arrival_does_not_change_the_result(rnd):
    track = fixes(ROUTE)
    shuffled = list(track)
    rnd.shuffle(shuffled)
    assert track_length(shuffled) == track_length(track)
