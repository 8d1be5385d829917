"""Grid endpoints: the station's grids as a GeoJSON FeatureCollection (RFC 7946)."""

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from lianxin.core.api import viewer
from lianxin.places.selectors import grid_list_for, grids_geojson

router = Router(tags=["grids"])


class GridProperties(Schema):
    code: str
    name: str
    police_chief: str | None


class GridFeature(Schema):
    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any]
    properties: GridProperties


class GridCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[GridFeature]


@router.get("", response=GridCollection, summary="Grids of my station as GeoJSON (lon, lat order)")
def grid_collection(request: HttpRequest):
    return grids_geojson(grids=grid_list_for(user=viewer(request)))
