"""Values every page template needs: which browser libraries are installed, the map settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Role
from lianxin.core.roles import AUDIT_READER_ROLES, CASEWORKER_ROLES, INTAKE_ROLES, has_role

# What each page feature needs from lianxin/static/vendor/ (see lianxin.core.vendor).
VENDOR_ASSETS = {
    "htmx": ("vendor/htmx/htmx.min.js",),
    "leaflet": ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"),
    "echarts": ("vendor/echarts/echarts.min.js",),
}


def vendor_available() -> dict[str, bool]:
    """Return, per library, whether its files are present (a missing one only switches a feature off)."""
    return {name: all(finders.find(path) for path in paths) for name, paths in VENDOR_ASSETS.items()}


def nav_links(user) -> list[tuple[str, str]]:
    """Return the (url name, label) pairs of the main menu for user's role."""
    if not user.is_authenticated:
        return [("cases:file", _("File a request")), ("core:login", _("Sign in"))]
    links = []
    if user.role == Role.RESIDENT:
        links += [("cases:mine", _("My requests")), ("cases:file", _("File a request"))]
    else:
        links.append(("cases:inbox", _("Cases")))
    if user.role in (Role.VOLUNTEER, Role.LOOKOUT, Role.BANK_LIAISON):
        links.append(("cases:file", _("Report something")))
    if has_role(user, INTAKE_ROLES):
        links.append(("cases:cart", _("Service cart")))
    if has_role(user, CASEWORKER_ROLES) or user.role == Role.DEPARTMENT_LIAISON:
        links.append(("cases:referrals", _("Referrals")))
    if has_role(user, AUDIT_READER_ROLES):
        links.append(("core:audit", _("Audit log")))
    return links


def lianxin(request) -> dict:
    return {
        "nav_links": nav_links(request.user),
        "vendor": vendor_available(),
        # Times are stored in UTC and shown in the station's own zone.
        "station_time_zone": settings.STATION_TIME_ZONE,
        "map_tile_url": settings.LIANXIN_MAP_TILE_URL,
        "map_attribution": settings.LIANXIN_MAP_ATTRIBUTION,
    }
