"""Coverage of the 1+N network: which buildings and grids some lookout's beat covers, and which none does.

`coverage_compute` works on plain values (ids, GeoJSON, points), so the bench and the tests can
feed it directly; `coverage_for` loads one station's rows in a fixed number of queries and asks it.

Steps of coverage_compute:
1. group the buildings by grid;
2. a beat naming a whole grid covers that grid and every building in it;
3. a beat naming buildings covers those buildings;
4. a beat's area covers the buildings whose point it covers (an STRtree over the points) and
   touches the grids it intersects;
5. a grid is covered when a beat names it whole, or it has buildings and all are covered;
   partial when some building is covered or an area touches it; else it is a gap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import shapely
import shapely.affinity
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from lianxin.core.models import User
from lianxin.places.geometry import grid_id_for_point
from lianxin.places.models import Building, Grid
from lianxin.tips.models import Beat, TradePost

COVERED, PARTIAL, GAP = "covered", "partial", "gap"


@dataclass(frozen=True)
class BeatInput:
    beat_id: int
    lookout_id: int
    building_ids: frozenset[int] = frozenset()
    grid_ids: frozenset[int] = frozenset()
    area: dict | None = None


@dataclass(frozen=True)
class BuildingInput:
    building_id: int
    grid_id: int | None
    lat: float
    lon: float


@dataclass
class GridCoverage:
    grid_id: int
    status: str = GAP
    buildings: int = 0
    buildings_covered: int = 0
    lookouts: int = 0
    is_whole: bool = False


@dataclass
class Coverage:
    grids: dict[int, GridCoverage] = field(default_factory=dict)
    # building id → number of distinct lookouts covering it (0: no one).
    building_lookouts: dict[int, int] = field(default_factory=dict)

    @property
    def buildings_uncovered(self) -> list[int]:
        return sorted(b for b, n in self.building_lookouts.items() if n == 0)

    @property
    def grids_gap(self) -> list[int]:
        return sorted(g for g, row in self.grids.items() if row.status == GAP)


def coverage_compute(
    *, grids: Sequence[tuple[int, dict]], buildings: Sequence[BuildingInput], beats: Sequence[BeatInput]
) -> Coverage:
    """Return the coverage of grids (id, GeoJSON boundary) and buildings by beats (see the module's steps)."""
    # 1.
    in_grid: dict[int, list[int]] = defaultdict(list)
    for b in buildings:
        if b.grid_id is not None:
            in_grid[b.grid_id].append(b.building_id)
    # Lookouts covering a building by name or area; those covering its whole grid are kept per grid
    # (whole_by_grid), not copied onto every building of it.
    covering: dict[int, set[int]] = {b.building_id: set() for b in buildings}
    grid_lookouts: dict[int, set[int]] = defaultdict(set)
    whole_by_grid: dict[int, set[int]] = defaultdict(set)
    whole: set[int] = set()
    touched: set[int] = set()
    grid_ids = [g for g, _boundary in grids]
    grid_shapes = [shape(boundary) for _g, boundary in grids]
    point_tree = STRtree(shapely.points([(b.lon, b.lat) for b in buildings])) if buildings else None
    grid_tree = STRtree(grid_shapes) if grid_shapes else None
    for beat in beats:
        # 2.
        for g in beat.grid_ids:
            whole.add(g)
            whole_by_grid[g].add(beat.lookout_id)
        # 3.
        for named in beat.building_ids:
            if named in covering:
                covering[named].add(beat.lookout_id)
        # 4.
        if beat.area is not None:
            area = shape(beat.area)
            if point_tree is not None:
                for i in point_tree.query(area, predicate="covers"):
                    covering[buildings[int(i)].building_id].add(beat.lookout_id)
            if grid_tree is not None:
                for i in grid_tree.query(area, predicate="intersects"):
                    touched.add(grid_ids[int(i)])
                    grid_lookouts[grid_ids[int(i)]].add(beat.lookout_id)
    counts: dict[int, int] = {}
    for b in buildings:
        extra = covering[b.building_id]
        over = whole_by_grid.get(b.grid_id, set()) if b.grid_id is not None else set()
        counts[b.building_id] = len(over) + len(extra - over)
        if extra and b.grid_id is not None:
            grid_lookouts[b.grid_id].update(extra)
    for g, who in whole_by_grid.items():
        grid_lookouts[g].update(who)
    # 5.
    result = Coverage(building_lookouts=counts)
    for g in grid_ids:
        members = in_grid.get(g, [])
        covered = sum(1 for b in members if counts[b])
        row = GridCoverage(
            grid_id=g,
            buildings=len(members),
            buildings_covered=covered,
            lookouts=len(grid_lookouts.get(g, ())),
            is_whole=g in whole,
        )
        if g in whole or (members and covered == len(members)):
            row.status = COVERED
        elif covered or g in touched:
            row.status = PARTIAL
        result.grids[g] = row
    return result


def beat_inputs(beats: Sequence[Beat], *, on: dt.date | None = None) -> list[BeatInput]:
    """Return the beats of one station as inputs (their buildings and grids read in two queries), only those walked on `on` if given."""
    beats = [beat for beat in beats if on is None or beat.is_on(on)]
    ids = [beat.pk for beat in beats]
    buildings: dict[int, set[int]] = defaultdict(set)
    grids: dict[int, set[int]] = defaultdict(set)
    if ids:
        post_ids = {beat.post_id for beat in beats}
        for beat_id, building_id in Beat.buildings.through.objects.filter(beat__post_id__in=post_ids).values_list(
            "beat_id", "building_id"
        ):
            buildings[beat_id].add(building_id)
        for beat_id, grid_id in Beat.grids.through.objects.filter(beat__post_id__in=post_ids).values_list(
            "beat_id", "grid_id"
        ):
            grids[beat_id].add(grid_id)
    return [
        BeatInput(
            beat_id=beat.pk,
            lookout_id=beat.lookout_id,
            building_ids=frozenset(buildings.get(beat.pk, ())),
            grid_ids=frozenset(grids.get(beat.pk, ())),
            area=beat.area,
        )
        for beat in beats
    ]


@dataclass
class StationCoverage:
    coverage: Coverage
    grids: list[Grid]
    buildings: list[Building]
    posts: list[TradePost]
    beats: list[Beat]


def coverage_for(*, user: User, on: dt.date | None = None) -> StationCoverage:
    """Return the coverage of user's station (all beats, or those walked on `on`), in six queries.

    Only the roles that see the network (tips.selectors.may_see_coverage) get anything.
    """
    from lianxin.tips.selectors import may_see_coverage

    if not may_see_coverage(user):
        return StationCoverage(Coverage(), [], [], [], [])
    station_id = user.station_id or 0
    grids = list(Grid.objects.filter(station_id=station_id).order_by("code"))
    buildings = list(Building.objects.filter(station_id=station_id).order_by("id"))
    posts = list(TradePost.objects.filter(station_id=station_id).order_by("name"))
    beats = list(Beat.objects.filter(post__station_id=station_id).order_by("id"))
    coverage = coverage_compute(
        grids=[(g.pk, g.boundary) for g in grids],
        buildings=[BuildingInput(b.pk, b.grid_id, b.lat, b.lon) for b in buildings],
        beats=beat_inputs(beats, on=on),
    )
    return StationCoverage(coverage, grids, buildings, posts, beats)


def coverage_geojson(picture: StationCoverage) -> dict:
    """Return the coverage as a GeoJSON FeatureCollection (RFC 7946), each feature's `layer` saying what it is.

    Layers: grid (status covered/partial/gap, counts), building (is_covered, lookouts), area (a
    beat's polygon, its post's name) and post (name, kind, counts). Counts only: no lookout's name.
    """
    from lianxin.tips.models import PostKind

    cov = picture.coverage
    kind_labels = dict(PostKind.choices)
    features: list[dict] = []
    for grid in picture.grids:
        row = cov.grids.get(grid.pk) or GridCoverage(grid.pk)
        features.append(
            {
                "type": "Feature",
                "id": f"grid-{grid.pk}",
                "geometry": grid.boundary,
                "properties": {
                    "layer": "grid",
                    "name": grid.name,
                    "status": row.status,
                    "buildings": row.buildings,
                    "buildings_covered": row.buildings_covered,
                    "lookouts": row.lookouts,
                },
            }
        )
    posts_by_id = {post.pk: post for post in picture.posts}
    for beat in picture.beats:
        if beat.area:
            post = posts_by_id.get(beat.post_id)
            features.append(
                {
                    "type": "Feature",
                    "id": f"area-{beat.pk}",
                    "geometry": beat.area,
                    "properties": {"layer": "area", "name": post.name if post else ""},
                }
            )
    for b in picture.buildings:
        lookouts = cov.building_lookouts.get(b.pk, 0)
        features.append(
            {
                "type": "Feature",
                "id": f"building-{b.pk}",
                "geometry": {"type": "Point", "coordinates": [b.lon, b.lat]},
                "properties": {"layer": "building", "name": b.name, "is_covered": lookouts > 0, "lookouts": lookouts},
            }
        )
    beats_per_post: dict[int, int] = defaultdict(int)
    lookouts_per_post: dict[int, set[int]] = defaultdict(set)
    for beat in picture.beats:
        beats_per_post[beat.post_id] += 1
        lookouts_per_post[beat.post_id].add(beat.lookout_id)
    for post in picture.posts:
        features.append(
            {
                "type": "Feature",
                "id": f"post-{post.pk}",
                "geometry": {"type": "Point", "coordinates": [post.lon, post.lat]},
                "properties": {
                    "layer": "post",
                    "name": post.name,
                    "kind": post.kind,
                    "kind_label": str(kind_labels.get(post.kind, post.kind)),
                    "beats": beats_per_post.get(post.pk, 0),
                    "lookouts_on_beat": len(lookouts_per_post.get(post.pk, ())),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# A beat's named building counts as covering a point this close to it (metres): "near the market".
NEAR_BUILDING_METRES = 150.0
_METRES_PER_DEGREE_LAT = 111_320.0


def lookout_ids_covering(*, station_id: int, lat: float, lon: float, on: dt.date | None = None) -> list[int]:
    """Return the ids of the lookouts whose beat covers the point (lat, lon): the ones to ask about a place.

    A beat covers the point when it names the grid the point lies in, when its area covers the
    point, or when it names a building within NEAR_BUILDING_METRES of it; with `on`, only beats
    walked that day. This is what an appeal to lookouts by area targets ("missing elder near the
    market"): the lookouts who are there, not every lookout of the grid.
    """
    grid_id = grid_id_for_point(station_id=station_id, lat=lat, lon=lon)
    beats = [b for b in Beat.objects.filter(post__station_id=station_id) if on is None or b.is_on(on)]
    inputs = {beat.beat_id: beat for beat in beat_inputs(beats)}
    lat_span = NEAR_BUILDING_METRES / _METRES_PER_DEGREE_LAT
    lon_span = lat_span / max(math.cos(math.radians(lat)), 0.01)
    near = set(
        Building.objects.filter(
            station_id=station_id,
            lat__range=(lat - lat_span, lat + lat_span),
            lon__range=(lon - lon_span, lon + lon_span),
        ).values_list("id", flat=True)
    )
    point = Point(lon, lat)
    found: set[int] = set()
    for beat in inputs.values():
        if (
            (grid_id is not None and grid_id in beat.grid_ids)
            or beat.building_ids & near
            or (beat.area is not None and shape(beat.area).covers(point))
        ):
            found.add(beat.lookout_id)
    return sorted(found)


def _circle(lat: float, lon: float, radius_m: float):
    """Return the disc of radius_m around (lat, lon) as a lon/lat shape (an ellipse in degrees)."""
    lat_span = radius_m / _METRES_PER_DEGREE_LAT
    lon_span = lat_span / max(math.cos(math.radians(lat)), 0.01)
    return shapely.affinity.scale(Point(lon, lat).buffer(lat_span, quad_segs=16), xfact=lon_span / lat_span, yfact=1.0)


def lookout_ids_covering_area(
    *,
    station_id: int,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: float | None = None,
    grid_id: int | None = None,
    on: dt.date | None = None,
) -> list[int]:
    """Return the ids of the lookouts whose beat covers some of an area: a disc (point and radius) or a grid.

    A beat covers some of a disc when it names the grid the centre lies in, names a building
    within the disc, or its area meets the disc; some of a grid when it names the grid, names a
    building in it, or its area meets the grid's polygon. With `on`, only beats walked that day.
    """
    if grid_id is not None:
        grid = Grid.objects.filter(station_id=station_id, pk=grid_id).first()
        if grid is None:
            return []
        region = shape(grid.boundary) if grid.boundary else None
        grid_ids = {grid.pk}
        near = set(Building.objects.filter(station_id=station_id, grid_id=grid.pk).values_list("id", flat=True))
    elif lat is not None and lon is not None:
        radius = max(float(radius_m or 0), NEAR_BUILDING_METRES)
        region = _circle(lat, lon, radius)
        centre_grid = grid_id_for_point(station_id=station_id, lat=lat, lon=lon)
        grid_ids = {centre_grid} if centre_grid is not None else set()
        minx, miny, maxx, maxy = region.bounds
        candidates = Building.objects.filter(
            station_id=station_id, lat__range=(miny, maxy), lon__range=(minx, maxx)
        ).values_list("id", "lat", "lon")
        near = {pk for pk, b_lat, b_lon in candidates if region.covers(Point(b_lon, b_lat))}
    else:
        return []
    beats = [b for b in Beat.objects.filter(post__station_id=station_id) if on is None or b.is_on(on)]
    found: set[int] = set()
    for beat in beat_inputs(beats):
        if (
            beat.grid_ids & grid_ids
            or beat.building_ids & near
            or (beat.area is not None and region is not None and shape(beat.area).intersects(region))
        ):
            found.add(beat.lookout_id)
    return sorted(found)
