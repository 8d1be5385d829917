"""Who patrols and who watches the patrols: the patrols app's one table of roles."""

from __future__ import annotations

from lianxin.core.models import Role
from lianxin.core.roles import CASEWORKER_ROLES
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
