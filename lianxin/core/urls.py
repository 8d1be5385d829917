"""Sign-in, sign-out, the home page that sends each role to its main page, the audit log."""

from django.contrib.auth import views as auth_views
from django.urls import path

from lianxin.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_list, name="audit"),
    path("live/", views.live_stream, name="live"),
    path("otp/", views.otp_verify, name="otp"),
    path("audit/lockouts/", views.lockout_list, name="lockouts"),
    path("audit/lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
]
