"""The demo station's eight community grids strung along the river bank, each with its police chief and members."""

from __future__ import annotations

from lianxin.demo.base import GRID_MEMBERS_PER_GRID, GRIDS, Demo
from lianxin.places.layout import strip_polygons
from lianxin.places.services import grid_save

# The Chinese bank of the Yalu along the Dandong riverfront, south-west to north-east
# (WGS84 lon, lat). Grids lie on the north-west side (left of the line), between the two offsets.
RIVER_BANK_LONLAT = (
    (124.3350, 40.0830),
    (124.3620, 40.0985),
    (124.3936, 40.1160),
    (124.4230, 40.1335),
    (124.4550, 40.1520),
)
GRID_BANK_OFFSET_DEG = 0.0008
GRID_INLAND_OFFSET_DEG = 0.0130


def grid_polygons(count: int = len(GRIDS)) -> list[dict]:
    """Return count GeoJSON polygons strung along the bank; neighbours share an edge, none overlap."""
    return strip_polygons(RIVER_BANK_LONLAT, count, near_offset=GRID_BANK_OFFSET_DEG, far_offset=GRID_INLAND_OFFSET_DEG)


def seed(demo: Demo) -> None:
    _grids(demo)


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
