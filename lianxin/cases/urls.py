"""Case pages: inbox, case page and its actions, service cart, residents' requests, referrals."""

from django.urls import path

from lianxin.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="inbox"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/transition/", views.case_transition_submit, name="transition"),
    path("<int:pk>/assign/", views.case_assign_submit, name="assign"),
    path("<int:pk>/note/", views.case_note_submit, name="note"),
    path("<int:pk>/rate/", views.case_rate_submit, name="rate"),
    path("<int:pk>/reveal/<slug:field>/", views.case_reveal, name="reveal"),
    path("cart/", views.cart_intake, name="cart"),
    path("intake/", views.staff_intake, name="intake"),
    path("map/", views.station_map, name="map"),
    path("cart/start/", views.cart_stop_begin, name="cart_start"),
    path("cart/end/", views.cart_stop_finish, name="cart_end"),
    path("cart/contact/", views.cart_contact, name="cart_contact"),
    path("new/", views.request_new, name="file"),
    path("mine/", views.request_list, name="mine"),
    path("track/<str:token>/", views.request_track, name="track"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:pk>/reply/", views.referral_reply_submit, name="referral_reply"),
]
