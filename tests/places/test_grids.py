"""Grids: which grid a point is in, boundary checks, the lookup cache cleared on every save (page, admin, service)."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from shapely.geometry import shape

from lianxin.places.geometry import boundary_error, grid_cache_clear, grid_id_for_point
from lianxin.places.layout import random_point_in, strip_polygons
from lianxin.places.models import Grid
from lianxin.places.services import grid_save
from tests.conftest import square


def test_a_point_is_placed_in_the_grid_that_contains_it(world):
    lat, lon = world.in_grid1
    assert grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon) == world.grid1.id
    lat, lon = world.in_grid2
    assert grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon) == world.grid2.id
    lat, lon = world.outside
    assert grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon) is None


def test_grids_of_another_station_are_never_matched(world):
    lat, lon = world.in_grid1
    assert grid_id_for_point(station_id=world.b.station.id, lat=lat, lon=lon) != world.grid1.id


@pytest.mark.parametrize(
    "boundary, words",
    [
        ({"type": "Point", "coordinates": [124.0, 40.0]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "crosses itself"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]}, "WGS84"),
        ({"type": "Nonsense"}, "GeoJSON"),
    ],
)
def test_a_bad_boundary_is_refused_naming_the_field(world, boundary, words):
    assert words in boundary_error(boundary)
    with pytest.raises(ValidationError) as caught:
        grid_save(actor=None, station=world.station, code="bad", name="坏网格", boundary=boundary)
    assert "boundary" in caught.value.message_dict
    assert not Grid.objects.filter(station=world.station, code="bad").exists()


def test_moving_a_boundary_clears_the_lookup_cache(world):
    lat, lon = world.outside
    grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon)  # warm the cache with the old boundaries
    moved = grid_save(
        actor=None,
        station=world.station,
        code="g1",
        name=world.grid1.name,
        boundary=square(lon - 0.005, lat - 0.005),
        police_chief=world.officer,
    )
    assert moved.pk == world.grid1.pk
    assert grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon) == world.grid1.id


def test_only_supervisors_edit_grids(world):
    with pytest.raises(PermissionDenied):
        grid_save(actor=world.volunteer, station=world.station, code="g9", name="九", boundary=square(1, 1))


def test_renaming_a_code_through_grid_id_keeps_the_row_and_refuses_a_clash(world):
    renamed = grid_save(
        actor=world.chief, station=world.station, code="g1x", name="新名", boundary=square(1, 1), grid_id=world.grid1.pk
    )
    assert renamed.pk == world.grid1.pk and Grid.objects.get(pk=renamed.pk).code == "g1x"
    with pytest.raises(ValidationError) as caught:
        grid_save(
            actor=world.chief,
            station=world.station,
            code="g2",
            name="撞",
            boundary=square(1, 1),
            grid_id=world.grid1.pk,
        )
    assert "code" in caught.value.message_dict


def test_the_admin_edits_a_grid_through_grid_save(world, client_for):
    from lianxin.core.models import Role, User

    admin = User.objects.create_superuser(username="root", password="x", role=Role.STATION_CHIEF)
    client = client_for(admin)
    lat, lon = world.outside
    grid_cache_clear()
    grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon)
    boundary = square(lon - 0.005, lat - 0.005)
    response = client.post(
        f"/admin/places/grid/{world.grid1.pk}/change/",
        {
            "station": world.station.pk,
            "code": "g1",
            "name": world.grid1.name,
            "boundary": __import__("json").dumps(boundary),
            "police_chief": world.officer.pk,
            "members": [world.grid_member.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert grid_id_for_point(station_id=world.station.id, lat=lat, lon=lon) == world.grid1.id
    bad = client.post(
        f"/admin/places/grid/{world.grid1.pk}/change/",
        {
            "station": world.station.pk,
            "code": "g1",
            "name": "x",
            "boundary": '{"type": "Point", "coordinates": [1, 2]}',
        },
    )
    assert bad.status_code == 200 and "Polygon" in bad.content.decode()
    assert Grid.objects.get(pk=world.grid1.pk).boundary == boundary


def test_strips_along_a_line_share_edges_and_never_overlap():
    line = ((124.33, 40.08), (124.36, 40.10), (124.45, 40.15))
    polygons = [shape(p) for p in strip_polygons(line, 5, near_offset=0.001, far_offset=0.01)]
    assert all(p.is_valid and p.area > 0 for p in polygons)
    for a, b in zip(polygons, polygons[1:], strict=False):
        assert a.intersection(b).area == pytest.approx(0, abs=1e-12)
        assert a.touches(b)
    rng = random.Random(1)
    for polygon in polygons:
        lat, lon = random_point_in(polygon, rng)
        assert polygon.contains(shape({"type": "Point", "coordinates": [lon, lat]}))
