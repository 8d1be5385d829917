"""What the site level's own app contributes: the health and readiness endpoints."""

from lianxin.core.plugins import AppPlugin

PLUGIN = AppPlugin(label="site", urls=(("", "lianxin.site.urls"),))
