"""The demo station's eight community grids strung along the river bank (covering the town inland), each with
its police chief and members, and the base map's landmarks: the river, the border segments, the station's sites."""

from __future__ import annotations

import random

from shapely.geometry import shape

from lianxin.demo.base import GRID_MEMBERS_PER_GRID, GRIDS, Demo
from lianxin.places.layout import offset_line, random_point_in, strip_polygons
from lianxin.places.models import Landmark
from lianxin.places.services import building_save, grid_save, landmark_save

# The Chinese bank of the Yalu along the Dandong riverfront, south-west to north-east
# (WGS84 lon, lat). Grids lie on the north-west side (left of the line), between the two offsets.
RIVER_BANK_LONLAT = (
    (124.3350, 40.0830),
    (124.3620, 40.0985),
    (124.3936, 40.1160),
    (124.4230, 40.1335),
    (124.4550, 40.1520),
)
GRID_BANK_OFFSET_DEG = 0.0
# About 2.5 km inland: the town's streets, squares and parks (where the cart stops) lie inside a grid.
GRID_INLAND_OFFSET_DEG = 0.0240
# The river's mid-line (the border) lies this far off the bank, on the river side.
RIVER_MIDLINE_OFFSET_DEG = -0.0035
SITES = (
    ("边城派出所", 124.3905, 40.1240),
    ("江边公园广场", 124.3560, 40.1000),
    ("站前广场", 124.3870, 40.1300),
    ("滨江中路早市", 124.4150, 40.1380),
    ("锦江山公园门口", 124.4020, 40.1420),
    ("月亮岛", 124.4380, 40.1380),
)
BORDER_SEGMENTS = 3
# Buildings per grid the lookouts' beats can name (blocks of flats and shop fronts on the grid's streets).
BUILDINGS_PER_GRID = 12


def grid_polygons(count: int = len(GRIDS)) -> list[dict]:
    """Return count GeoJSON polygons strung along the bank; neighbours share an edge, none overlap."""
    return strip_polygons(RIVER_BANK_LONLAT, count, near_offset=GRID_BANK_OFFSET_DEG, far_offset=GRID_INLAND_OFFSET_DEG)


def seed(demo: Demo) -> None:
    _grids(demo)
    _landmarks(demo)
    _buildings(demo)


def _buildings(demo: Demo) -> None:
    """Lay out each grid's buildings on its streets: "浪头路 16 号" and so on, at points inside the grid."""
    for grid in demo.grids:
        polygon = shape(grid.boundary)
        streets = demo.grid_streets[grid.id]
        # A generator of its own, so the rest of the demo draws the same history as before buildings existed.
        rng = random.Random(f"buildings:{grid.code}")
        for n in range(BUILDINGS_PER_GRID):
            lat, lon = random_point_in(polygon, rng)
            number = 2 + 2 * (n // len(streets)) + (14 if n % len(streets) == 0 else 0)
            building_save(station=demo.station, name=f"{streets[n % len(streets)]} {number} 号", lat=lat, lon=lon)


def _landmarks(demo: Demo) -> None:
    station = demo.station
    bank = [list(p) for p in RIVER_BANK_LONLAT]
    landmark_save(
        station=station,
        kind=Landmark.Kind.RIVER,
        name="鸭绿江（江岸）",
        geometry={"type": "LineString", "coordinates": bank},
    )
    midline = offset_line(RIVER_BANK_LONLAT, RIVER_MIDLINE_OFFSET_DEG)
    step = max(1, (len(midline) - 1) // BORDER_SEGMENTS)
    for n, start in enumerate(range(0, len(midline) - 1, step), start=1):
        part = midline[start : start + step + 1]
        if len(part) >= 2:
            landmark_save(
                station=station,
                kind=Landmark.Kind.BORDER,
                name=f"边境线第{n}段",
                geometry={"type": "LineString", "coordinates": [list(p) for p in part]},
            )
    for name, lon, lat in SITES:
        landmark_save(
            station=station, kind=Landmark.Kind.SITE, name=name, geometry={"type": "Point", "coordinates": [lon, lat]}
        )


def _grids(demo: Demo) -> None:
    u = demo.users
    for i, ((code, name, streets), boundary) in enumerate(zip(GRIDS, grid_polygons(), strict=True), start=1):
        chief = u["officer"] if i == 1 else u[f"officer{i}"]
        grid = grid_save(actor=None, station=demo.station, code=code, name=name, boundary=boundary, police_chief=chief)
        members = [u[f"grid{i}-{j}"] for j in range(1, GRID_MEMBERS_PER_GRID + (0 if i == 1 else 1))]
        if i == 1:
            members.insert(0, u["gridmember"])
        grid.members.add(*members)
        demo.grids.append(grid)
        demo.grid_streets[grid.id] = streets
        demo.chiefs[grid.id] = chief
        demo.grid_members[grid.id] = members
