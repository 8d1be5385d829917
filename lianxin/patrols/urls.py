from django.urls import path

from lianxin.patrols import views

app_name = "patrols"

urlpatterns = [
    path("", views.patrol_home, name="home"),
    path("start/", views.patrol_start, name="start"),
    path("import/", views.patrol_import, name="import"),
    path("team/", views.team_log, name="team"),
    path("desk/", views.desk, name="desk"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert_ack"),
    path("<int:pk>/", views.patrol_detail, name="detail"),
    path("<int:pk>/stop/", views.patrol_stop, name="stop"),
    path("<int:pk>/finding/", views.patrol_finding, name="finding"),
    path("<int:pk>/help/", views.patrol_help, name="help"),
    path("<int:pk>/track.gpx", views.patrol_gpx, name="gpx"),
]
