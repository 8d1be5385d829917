"""What the tips tests share: signed-in clients, a tip sent through the service, the lookout network of grid 1.

`send(**overrides)` sends a named tip from station A's lookout about grid 2 (a suspicious person)
through tips.services.tip_send at NOW; a test module may narrow the defaults by overriding the
fixture. `net` adds buildings in both grids, a second lookout and grid 1's property office.
"""

from __future__ import annotations

import pytest
from django.test import Client

from lianxin.core.models import Role, User
from lianxin.places.services import building_save
from lianxin.tips import services
from lianxin.tips.posts import trade_post_save
from tests.conftest import NOW


@pytest.fixture
def login(db):
    """Return a factory of test clients signed in as the given user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def send(world):
    """Return a factory sending a tip through the service: send(**overrides) -> (tip, receipt code)."""

    def make(**kw):
        defaults = {
            "station": world.station,
            "actor": world.lookout,
            "kind": "suspicious",
            "description": "三楼有陌生人挨家敲门",
            "lat": world.in_grid2[0],
            "lon": world.in_grid2[1],
            "now": NOW,
        }
        return services.tip_send(**{**defaults, **kw})

    return make


@pytest.fixture
def net(world):
    """Three buildings in grid 1, two in grid 2, a second lookout, and a property office in grid 1."""
    lat0, lon0 = world.in_grid1
    world.lookout2 = User.objects.create(
        username="a_lookout2", station=world.station, role=Role.LOOKOUT, display_name="二号瞭望员"
    )
    world.b1 = [
        building_save(station=world.station, name=f"一区{n}号楼", lat=lat0 + 0.001 * n, lon=lon0) for n in (1, 2, 3)
    ]
    lat2, lon2 = world.in_grid2
    world.b2 = [
        building_save(station=world.station, name=f"二区{n}号楼", lat=lat2, lon=lon2 + 0.001 * n) for n in (1, 2)
    ]
    world.post = trade_post_save(
        actor=world.officer,
        station=world.station,
        kind="property_office",
        name="一区物业",
        lat=lat0,
        lon=lon0,
        lookouts=[world.lookout, world.lookout2],
    )
    return world
