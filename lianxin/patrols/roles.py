"""Who patrols and who watches the patrols: the patrols app's one table of roles."""

from __future__ import annotations

from lianxin.core.models import Role
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.people.models import TeamKind, TeamMembership

# Roles that walk patrols from their phone: the volunteers, and the staff who go along.
PATROL_ROLES = frozenset({Role.VOLUNTEER, Role.GRID_MEMBER, Role.AUXILIARY, Role.COMMUNITY_OFFICER})
# Roles that see every patrol of the station, the desk map, and acknowledge alerts.
WATCH_ROLES = CASEWORKER_ROLES
PATROL_TEAM_KINDS = (TeamKind.PATROL, TeamKind.BORDER_PATROL)


def patrol_team_for(user):
    """Return the first patrol team user belongs to (silver-hair or border patrol), or None."""
    membership = (
        TeamMembership.objects.filter(user=user, team__kind__in=PATROL_TEAM_KINDS)
        .select_related("team")
        .order_by("team_id")
        .first()
    )
    return membership.team if membership else None


def is_team_member(user, team) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False)) and TeamMembership.objects.filter(user=user, team=team).exists()
    )


def may_lead_roster(user, team) -> bool:
    """Return True if user may make a team's shifts and record forecasts: its leader, or a caseworker of its station."""
    if not getattr(user, "is_authenticated", False) or user.station_id != team.station_id:
        return False
    if has_role(user, WATCH_ROLES):
        return True
    return TeamMembership.objects.filter(user=user, team=team, is_leader=True).exists()


def team_leader_ids(team) -> list[int]:
    return list(
        TeamMembership.objects.filter(team=team, is_leader=True).order_by("user_id").values_list("user_id", flat=True)
    )
