"""The station map for staff: the offline base, open cases by grid and as points."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from lianxin.cases.selectors import station_map_for
from lianxin.core.roles import CASEWORKER_ROLES, has_role
from lianxin.places.selectors import base_map_for


@login_required
def station_map(request):
    """Open cases on the station's own base map, shaded by grid; a table of the same counts below."""
    user = request.user
    if not has_role(user, CASEWORKER_ROLES):
        raise PermissionDenied(_("Your role may not see the station map."))
    base = base_map_for(station_id=user.station_id)
    found = station_map_for(user=user)
    counts = found["counts"]
    rows = [
        {
            "name": f["properties"]["name"],
            "id": f["properties"]["id"],
            "open": counts.get(f["properties"]["id"], {}).get("open", 0),
            "overdue": counts.get(f["properties"]["id"], {}).get("overdue", 0),
        }
        for f in base["features"]
        if f["properties"]["layer"] == "grid"
    ]
    no_grid = counts.get(None, {"open": 0, "overdue": 0})
    station = user.station
    data = {
        "base": base,
        "open_by_grid": {str(k): v["open"] for k, v in counts.items() if k is not None},
        "cases": found["points"],
        "center": [station.center_lat, station.center_lon] if station else [0, 0],
    }
    return render(request, "cases/station_map.html", {"data": data, "rows": rows, "no_grid": no_grid})
