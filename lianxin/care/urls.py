from django.urls import path

from lianxin.care import views

app_name = "care"

urlpatterns = [
    path("", views.elder_list, name="list"),
    path("enrol/", views.enrolment_new, name="enrol"),
    path("me/", views.me, name="me"),
    path("me/away/", views.me_away, name="me_away"),
    path("alarms/panel/", views.alarm_panel, name="alarm_panel"),
    path("alarms/<int:pk>/", views.alarm_detail, name="alarm"),
    path("alarms/<int:pk>/answer/", views.alarm_ack, name="alarm_ack"),
    path("<int:pk>/", views.enrolment_detail, name="detail"),
    path("<int:pk>/checkin/", views.checkin_for, name="checkin_for"),
    path("<int:pk>/away/", views.away, name="away"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/plan/", views.plan, name="plan"),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("<int:pk>/visits/book/", views.visit_book, name="visit_book"),
    path("visits/<int:pk>/done/", views.visit_done, name="visit_done"),
    path("<int:pk>/devices/", views.device_new, name="device_new"),
    path("c/<str:token>/", views.elder_button, name="elder"),
    path("n/<str:token>/", views.notice, name="notice"),
]
