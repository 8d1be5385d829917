"""Top-level URL map: pages, the JSON API, Open311 and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("lianxin.core.urls")),
    path("cases/", include("lianxin.cases.urls")),
]
