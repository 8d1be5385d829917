from django.urls import path

from lianxin.council import views

app_name = "council"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.series_new, name="series_new"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/agenda/", views.meeting_agenda, name="agenda"),
    path("<int:pk>/concern/", views.meeting_concern, name="concern"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/speakers/", views.meeting_speaker, name="speaker"),
    path("speakers/<int:pk>/done/", views.speaker_done, name="speaker_done"),
    path("<int:pk>/qr.svg", views.meeting_qr, name="qr"),
    path("concerns/<int:pk>/commit/", views.concern_commitment, name="commit"),
    path("s/<str:token>/", views.sign_in, name="sign_in"),
    path("grids/<int:pk>/board/", views.grid_board, name="board"),
    path("grids/<int:pk>/calendar.ics", views.grid_calendar, name="calendar"),
]
