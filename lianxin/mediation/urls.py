from django.urls import path

from lianxin.mediation import views

app_name = "mediation"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:pk>/calendar.ics", views.room_calendar, name="room_calendar"),
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/rooms/<str:token>.ics", views.room_feed, name="room_feed"),
    path("feeds/mine/<str:token>.ics", views.my_feed, name="my_feed"),
    path("new/", views.dispute_new, name="new"),
    path("from-case/<int:case_pk>/", views.dispute_from_case, name="from_case"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute"),
    path("disputes/<int:pk>/parties/", views.party_add, name="party_add"),
    path("disputes/<int:pk>/sessions/", views.session_schedule, name="session_schedule"),
    path("disputes/<int:pk>/sessions/<int:session_pk>/", views.session_record, name="session_record"),
    path("disputes/<int:pk>/agreement/", views.agreement_draft, name="agreement_draft"),
    path("disputes/<int:pk>/conclude/", views.dispute_conclude, name="conclude"),
    path("disputes/<int:pk>/follow-up/", views.agreement_followup, name="followup"),
    path("disputes/<int:pk>/confirmation/", views.agreement_confirmation, name="confirmation"),
    path("sessions/<int:pk>.ics", views.session_ics, name="session_ics"),
    path("agreements/<int:pk>/sign/<str:who>/", views.agreement_sign, name="sign"),
    path("agreements/<int:pk>.pdf", views.agreement_pdf, name="pdf"),
    path("figures/", views.figures, name="figures"),
]
