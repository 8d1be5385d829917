from django.urls import path

from lianxin.tips import views

app_name = "tips"

urlpatterns = [
    path("", views.tip_home, name="home"),
    path("send/", views.tip_send, name="send"),
    path("follow/", views.tip_follow, name="follow"),
    path("mine/<int:pk>/", views.tip_mine, name="mine"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:pk>/", views.desk_tip, name="desk_tip"),
]
