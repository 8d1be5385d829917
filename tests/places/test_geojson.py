"""GeoJSON import and export of grids: a round trip, and bad files refused with nothing written."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from lianxin.places.models import Grid
from lianxin.places.selectors import grids_geojson
from lianxin.places.services import grids_import_geojson
from tests.conftest import square


def _collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def _feature(code, geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": f"{code}网格", **props}}


def test_round_trip_keeps_boundaries_chiefs_and_members(world):
    exported = grids_geojson(grids=Grid.objects.filter(station=world.station).order_by("code"), with_members=True)
    assert exported["features"][0]["properties"]["members"] == [
        {"username": world.grid_member.username, "role": "grid_member"}
    ]
    before = {g.code: (g.boundary, g.police_chief_id) for g in Grid.objects.filter(station=world.station)}
    Grid.objects.filter(pk=world.grid1.pk).update(name="改过的名字")
    world.grid1.members.clear()
    saved = grids_import_geojson(actor=world.officer, station=world.station, text=json.dumps(exported))
    assert {g.code for g in saved} == {"g1", "g2"}
    after = {g.code: (g.boundary, g.police_chief_id) for g in Grid.objects.filter(station=world.station)}
    assert after == before
    world.grid1.refresh_from_db()
    assert world.grid1.name == exported["features"][0]["properties"]["name"]
    assert list(world.grid1.members.all()) == [world.grid_member]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("this is not json", "JSON"),
        (json.dumps({"type": "Polygon", "coordinates": []}), "FeatureCollection"),
    ],
)
def test_not_geojson_is_refused(world, text, needle):
    with pytest.raises(ValidationError) as info:
        grids_import_geojson(actor=None, station=world.station, text=text)
    assert needle in " ".join(info.value.message_dict["file"])


def test_bad_grids_are_refused_and_nothing_is_written(world):
    lon0, lat0 = 124.38, 40.12
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[lon0, lat0], [lon0 + 0.01, lat0 + 0.01], [lon0 + 0.01, lat0], [lon0, lat0 + 0.01], [lon0, lat0]]
        ],
    }
    text = _collection(
        _feature("g3", square(lon0 + 0.03, lat0)),  # fine on its own
        _feature("bow", bowtie),
        _feature("over", square(lon0 + 0.005, lat0)),  # half over g1 and g2
        _feature("far", square(100.0, 30.0)),
    )
    count = Grid.objects.count()
    with pytest.raises(ValidationError) as info:
        grids_import_geojson(actor=None, station=world.station, text=text)
    problems = " ".join(info.value.message_dict["features"])
    assert "bow" in problems and "crosses itself" in problems
    assert "over" in problems and "g1" in problems
    assert "far" in problems
    assert Grid.objects.count() == count and not Grid.objects.filter(code="g3").exists()


def test_a_shared_edge_within_the_tolerance_is_fine(world):
    lon0, lat0 = 124.38, 40.12
    nudged = square(lon0 + 0.01995, lat0)  # overlaps g2 by half a percent of its area
    saved = grids_import_geojson(actor=None, station=world.station, text=_collection(_feature("g3", nudged)))
    assert [g.code for g in saved] == ["g3"]
