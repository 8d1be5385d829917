"""Headers and cookies: a CSP without inline scripts, no-store for signed-in answers, secure cookies, HSTS."""

from __future__ import annotations

from django.test import Client

from tests.conftest import DEMO_PASSWORD


def test_every_page_has_a_csp_without_inline_scripts(db, client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_signed_in_answers_are_never_stored(world, client_for, api_as):
    page = client_for(world.officer).get("/cases/")
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert "no-store" in api_as(world.officer).get("/me").headers["Cache-Control"]


def test_cookies_are_secure_and_http_only_over_https(world, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()
    login_page = client.get("/login/", secure=True)
    assert login_page["Strict-Transport-Security"].startswith("max-age=31536000")
    response = client.post("/login/", {"username": world.officer.username, "password": DEMO_PASSWORD}, secure=True)
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert login_page.cookies["csrftoken"]["httponly"]


def test_every_answer_says_how_long_django_spent_on_it(db, client):
    """Server-Timing carries the app's own time only (the benches read it to tell it from queueing)."""
    import re

    for path in ("/login/", "/fraud/check/", "/healthz", "/no-such-page/"):
        timing = client.get(path)["Server-Timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), (path, timing)
