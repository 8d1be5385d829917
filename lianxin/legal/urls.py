from django.urls import path

from lianxin.legal import views

app_name = "legal"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("ask/", views.ask, name="ask"),
    path("ask/save/", views.ask_save, name="save"),
    path("c/<str:token>/", views.consultation, name="consultation"),
    path("c/<str:token>/book/", views.consultation_book, name="book"),
    path("c/<str:token>/bookings/<int:pk>.ics", views.booking_ics, name="ics"),
    path("consultations/<int:pk>/", views.consultation_detail, name="detail"),
    path("rota/", views.rota, name="rota"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/duty/<str:token>.ics", views.duty_feed, name="duty_feed"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/phone/", views.enterprise_reveal, name="enterprise_reveal"),
    path("checkups/<int:pk>/", views.checkup_detail, name="checkup"),
    path("checkups/<int:pk>.pdf", views.checkup_pdf, name="checkup_pdf"),
    path("trainings/", views.training_list, name="trainings"),
]
