"""URLs of Open311 GeoReport v2, mounted at /open311/v2/ (every path ends in .<format>)."""

from django.urls import path

from lianxin.cases import open311

app_name = "open311"

urlpatterns = [
    path("services.<str:fmt>", open311.service_list, name="services"),
    path("services/<str:code>.<str:fmt>", open311.service_definition, name="service"),
    path("requests.<str:fmt>", open311.request_list, name="requests"),
    path("requests/<str:request_id>.<str:fmt>", open311.request_get, name="request"),
    path("tokens/<str:token>.<str:fmt>", open311.token_get, name="token"),
]
