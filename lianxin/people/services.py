"""Writes of the people app: teams with their members, residents in bulk."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lianxin.core.models import Station, User
from lianxin.people.models import Resident, Team, TeamMembership
from lianxin.places.models import Grid


@transaction.atomic
def team_create(
    *,
    station: Station,
    name: str,
    kind: str,
    members: list[User],
    grid: Grid | None = None,
    joined_on: dt.date | None = None,
) -> Team:
    """Create a team of a station; the first member is its leader."""
    if grid is not None and grid.station_id != station.id:
        raise ValueError("a team's grid must belong to its station")
    team = Team.objects.create(station=station, name=name, kind=kind, grid=grid)
    TeamMembership.objects.bulk_create(
        TeamMembership(team=team, user=member, is_leader=i == 0, joined_on=joined_on)
        for i, member in enumerate(members)
    )
    return team


def residents_create(*, station: Station, residents: list[Resident]) -> list[Resident]:
    """Save new (unsaved) residents of one station in one statement; raises ValueError for another station's."""
    if any(r.pk is not None or r.station_id != station.id for r in residents):
        raise ValueError("residents_create takes new residents of this station only")
    return Resident.objects.bulk_create(residents)


def residents_delete_for_station(*, station: Station) -> int:
    """Delete every resident of a station; return how many."""
    deleted, _by_model = Resident.objects.filter(station=station).delete()
    return deleted
