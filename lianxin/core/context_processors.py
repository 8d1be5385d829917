"""Values every page template needs: which browser libraries are installed, the map settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.functional import Promise

from lianxin.core.plugins import menu_for

# What each page feature needs from lianxin/static/vendor/ (see lianxin.core.vendor).
VENDOR_ASSETS = {
    "htmx": ("vendor/htmx/htmx.min.js",),
    "leaflet": ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"),
    "echarts": ("vendor/echarts/echarts.min.js",),
}


def vendor_available() -> dict[str, bool]:
    """Return, per library, whether its files are present (a missing one only switches a feature off)."""
    return {name: all(finders.find(path) for path in paths) for name, paths in VENDOR_ASSETS.items()}


def nav_links(user) -> list[tuple[str, str | Promise]]:
    """Return the (url name, label) pairs of the main menu for user's role, from every app's plugin."""
    return [(entry.url_name, entry.label) for entry in menu_for(user)]


def lianxin(request) -> dict:
    return {
        "nav_links": nav_links(request.user),
        "vendor": vendor_available(),
        "demo_mode": settings.DEMO_MODE,
        # Times are stored in UTC and shown in the station's own zone.
        "station_time_zone": settings.STATION_TIME_ZONE,
        "map_tile_url": settings.LIANXIN_MAP_TILE_URL,
        "map_attribution": settings.LIANXIN_MAP_ATTRIBUTION,
    }
