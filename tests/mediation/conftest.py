"""Six rooms, a mediation team and a neighbour-dispute category on top of the shared world."""

from __future__ import annotations

import base64
import io

import pytest

ROOMS = (
    ("foreign", "foreign", "涉外纠纷调解室"),
    ("property", "property", "物业纠纷调解室"),
    ("commercial", "commercial", "商事纠纷调解室"),
    ("family", "family", "婚姻家庭邻里纠纷调解室"),
    ("labour", "labour", "劳动争议调解室"),
    ("traffic", "traffic", "交通事故调解室"),
)


def signature_png(*, blank: bool = False) -> str:
    """Return a data URL of a small PNG with a drawn stroke (or nothing drawn)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 60), (150, 20), (290, 100)], fill=(0, 0, 0, 255), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def med_world(world):
    from lianxin.cases.models import Category
    from lianxin.mediation.services import room_create
    from lianxin.people.models import Team, TeamKind, TeamMembership

    w = world
    w.med_team = Team.objects.create(station=w.station, name="调解中心", kind=TeamKind.MEDIATION)
    TeamMembership.objects.create(team=w.med_team, user=w.mediator)
    w.cat_neighbour = Category.objects.create(
        station=w.station, code="neighbour-dispute", name="邻里纠纷", sla_hours=72, default_team=w.med_team
    )
    w.rooms = {
        code: room_create(station=w.station, code=code, kind=kind, name=name, mediators=[w.mediator], sort_order=i)
        for i, (code, kind, name) in enumerate(ROOMS)
    }
    w.b.room = room_create(
        station=w.b.station, code="family", kind="family", name="乙所调解室", mediators=[w.b.mediator]
    )
    return w
