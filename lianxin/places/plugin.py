"""What places contributes to the site: the grids API."""

from lianxin.core.plugins import AppPlugin

PLUGIN = AppPlugin(label="places", api_routers=(("/grids", "lianxin.places.api.router"),))
