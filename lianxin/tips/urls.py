from django.urls import path

from lianxin.tips import appeal_views, network_views, views

app_name = "tips"

urlpatterns = [
    path("", views.tip_home, name="home"),
    path("send/", views.tip_send, name="send"),
    path("follow/", views.tip_follow, name="follow"),
    path("follow/photo/<str:token>/", views.follow_photo, name="follow_photo"),
    path("mine/<int:pk>/", views.tip_mine, name="mine"),
    path("mine/<int:pk>/photos/<int:photo_pk>/", views.mine_photo, name="mine_photo"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.desk_tip, name="desk_tip"),
    path("desk/<int:pk>/photos/<int:photo_pk>/", views.desk_photo, name="desk_photo"),
    path("posts/", network_views.post_list, name="posts"),
    path("posts/new/", network_views.post_edit, name="post_new"),
    path("posts/<int:pk>/", network_views.post_edit, name="post"),
    path("posts/<int:post_pk>/beats/new/", network_views.beat_edit, name="beat_new"),
    path("posts/<int:post_pk>/beats/<int:pk>/", network_views.beat_edit, name="beat"),
    path("coverage/", network_views.coverage_map, name="coverage"),
    path("appeals/", appeal_views.appeal_list, name="appeals"),
    path("appeals/<int:pk>/", appeal_views.appeal_detail, name="appeal"),
    path("appeals/received/<int:pk>/", appeal_views.appeal_received, name="appeal_received"),
    path("appeals/panel/", appeal_views.appeals_panel, name="appeals_panel"),
    path("coverage.geojson", network_views.coverage_geojson, name="coverage_geojson"),
]
