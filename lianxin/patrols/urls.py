from django.urls import path

from lianxin.patrols import views

app_name = "patrols"

urlpatterns = [
    path("", views.patrol_home, name="home"),
    path("start/", views.patrol_start, name="start"),
    path("import/", views.patrol_import, name="import"),
    path("team/", views.team_log, name="team"),
    path("desk/", views.desk, name="desk"),
    path("roster/", views.roster, name="roster"),
    path("roster/shifts/new/", views.shifts_new, name="shifts_new"),
    path("roster/feed/new/", views.roster_feed_new, name="roster_feed_new"),
    path("roster/feed/revoke/", views.roster_feed_revoke, name="roster_feed_revoke"),
    path("roster/feed/<str:token>.ics", views.roster_feed, name="roster_feed"),
    path("shifts/<int:pk>/signup/", views.shift_signup, name="shift_signup"),
    path("shifts/<int:pk>/withdraw/", views.shift_withdraw, name="shift_withdraw"),
    path("shifts/<int:pk>/forecast/", views.shift_forecast, name="shift_forecast"),
    path("shifts/<int:pk>/edit/", views.shift_edit, name="shift_edit"),
    path("shifts/<int:pk>/cancel/", views.shift_cancel, name="shift_cancel"),
    path("roster/teams/<int:pk>/settings/", views.team_settings, name="team_settings"),
    path("shifts/<int:pk>.ics", views.shift_ics, name="shift_ics"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert_ack"),
    path("<int:pk>/", views.patrol_detail, name="detail"),
    path("<int:pk>/stop/", views.patrol_stop, name="stop"),
    path("<int:pk>/finding/", views.patrol_finding, name="finding"),
    path("<int:pk>/help/", views.patrol_help, name="help"),
    path("<int:pk>/track.gpx", views.patrol_gpx, name="gpx"),
]
