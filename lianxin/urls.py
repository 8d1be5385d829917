"""Top-level URL map: the admin, language switching, the JSON API, and every installed app's pages."""

from django.contrib import admin
from django.urls import include, path

from lianxin.api import api
from lianxin.core.plugins import plugins

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
# Each app mounts its own urlconfs (its plugin.py), in INSTALLED_APPS order.
urlpatterns += [path(prefix, include(module)) for plugin in plugins() for prefix, module in plugin.urls]
