"""Who of the patrols is on duty now, and how far from a place: for an app that dispatches (core.plugins on_duty).

On duty: a member on a patrol in progress, or signed up (not withdrawn) to a shift that is on
now. The distance is measured on the ground from the patrol's last fix, only when that fix is
at most DUTY_FIX_FRESH_MINUTES old; a member on a shift but not walking has no known position.
"""

from __future__ import annotations

import datetime as dt

from lianxin.engines.geo.track import distance_m
from lianxin.patrols.models import Patrol, PatrolStatus, ShiftSignup, ShiftStatus

DUTY_FIX_FRESH_MINUTES = 15


def on_duty(*, station_id: int, lat: float | None, lon: float | None, now: dt.datetime) -> dict[int, float | None]:
    """Return {member id: metres from (lat, lon) or None} for the station's members on duty at now."""
    found: dict[int, float | None] = {}
    fresh_after = now - dt.timedelta(minutes=DUTY_FIX_FRESH_MINUTES)
    walking = Patrol.objects.filter(station_id=station_id, status=PatrolStatus.ACTIVE).values_list(
        "member_id", "last_lat", "last_lon", "last_point_at"
    )
    for member_id, plat, plon, fixed_at in walking:
        metres = None
        if None not in (lat, lon, plat, plon) and fixed_at is not None and fixed_at >= fresh_after:
            metres = distance_m(lat, lon, plat, plon)  # type: ignore[arg-type]
        known = found.get(member_id)
        if member_id not in found or (metres is not None and (known is None or metres < known)):
            found[member_id] = metres
    on_shift = ShiftSignup.objects.filter(
        shift__station_id=station_id,
        shift__status=ShiftStatus.OPEN,
        shift__starts_at__lte=now,
        shift__ends_at__gt=now,
        withdrawn_at__isnull=True,
    ).values_list("member_id", flat=True)
    for member_id in on_shift:
        found.setdefault(member_id, None)
    return found
