"""Top-level URL map: pages, the JSON API, Open311 and the admin."""

from django.contrib import admin
from django.urls import include, path

from lianxin.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("lianxin.core.urls")),
    path("cases/", include("lianxin.cases.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("lianxin.cases.open311_urls")),
]
