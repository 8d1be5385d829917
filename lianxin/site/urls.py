from django.urls import path

from lianxin.site import health

app_name = "site"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
