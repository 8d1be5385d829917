"""The station map for staff and the offline base map behind every map."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianxin.places.models import Landmark
from lianxin.places.services import landmark_save
from tests.clients import page_text


def _map_data(response) -> dict:
    html = response.content.decode()
    start = html.index('id="station-map-data"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_staff_see_open_cases_by_grid_on_the_stations_own_base(world, open_case, client_for, settings):
    landmark_save(
        station=world.station,
        kind=Landmark.Kind.RIVER,
        name="鸭绿江",
        geometry={"type": "LineString", "coordinates": [[124.38, 40.11], [124.40, 40.13]]},
    )
    open_case(point=world.in_grid1)
    open_case(point=world.in_grid1)
    open_case(point=world.in_grid2)
    response = client_for(world.chief).get(reverse("cases:map"))
    assert response.status_code == 200
    data = _map_data(response)
    layers = {f["properties"]["layer"] for f in data["base"]["features"]}
    assert {"river", "grid"} <= layers
    assert data["open_by_grid"] == {str(world.grid1.pk): 2, str(world.grid2.pk): 1}
    assert len(data["cases"]) == 3
    text = page_text(response)
    assert world.grid1.name in text and "鸭绿江" not in text  # the river is drawn, not listed


def test_a_grid_officer_sees_only_his_grids_cases_and_volunteers_none(world, open_case, client_for):
    open_case(point=world.in_grid1, actor=world.registry)
    open_case(point=world.in_grid2, actor=world.registry)
    data = _map_data(client_for(world.officer).get(reverse("cases:map")))
    assert data["open_by_grid"] == {str(world.grid1.pk): 1}
    assert client_for(world.volunteer).get(reverse("cases:map")).status_code == 403


def test_a_landmark_needs_a_geometry_of_its_kind(world):
    with pytest.raises(ValidationError) as err:
        landmark_save(
            station=world.station,
            kind=Landmark.Kind.SITE,
            name="站前",
            geometry={"type": "LineString", "coordinates": []},
        )
    assert "geometry" in err.value.message_dict and not Landmark.objects.exists()
