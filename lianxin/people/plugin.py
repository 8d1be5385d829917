"""What people contributes to the site: the residents API."""

from lianxin.core.plugins import AppPlugin

PLUGIN = AppPlugin(label="people", api_routers=(("/people", "lianxin.people.api.router"),))
