"""The `/me` endpoint: who the signed-in user is, with the grids they lead or serve in."""

from django.http import HttpRequest
from ninja import Field, Router, Schema

from lianxin.core.api import viewer
from lianxin.core.models import Role
from lianxin.places.selectors import grid_ids_owned_by

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    role_label: str
    station_code: str | None
    station_name: str | None
    phone: str = Field(description="Masked mobile number, if any.")
    grid_ids: list[int] = Field(description="Grids this user leads or serves in.")


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest):
    user = viewer(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=str(user),
        role=user.role,
        role_label=str(Role(user.role).label),
        station_code=user.station.code if user.station_id else None,
        station_name=user.station.name if user.station_id else None,
        phone=user.phone.masked if user.phone else "",
        grid_ids=grid_ids_owned_by(user=user),
    )
