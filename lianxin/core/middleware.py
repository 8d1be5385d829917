"""Language: Chinese for everyone unless they chose another language with the switch.

Django's LocaleMiddleware follows the browser's Accept-Language, so a phone set to
English would open a Chinese station's pages in English. Here only the language
cookie written by the switch (django.views.i18n.set_language) changes it.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


class StationLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ServerTimingMiddleware:
    """`Server-Timing: app;dur=<ms>` on every answer: the time Django spent on it (W3C Server Timing).

    First in the chain, so it covers every middleware and the view but not the wait in the ASGI
    server's queue; the browser's developer tools and the benchmarks read it to tell the page's own
    cost from queueing. It carries only a duration.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


class SecondFactorMiddleware:
    """Send staff who may see whole personal numbers through their second factor before any page.

    Applies when settings.LIANXIN_REQUIRE_OTP (production default): a signed-in user of
    OTP_ROLES whose session is not OTP-verified goes to /otp/ (set up a TOTP device the first
    time, then enter its code). Sign-out, the second-factor pages and static files stay open.
    API tokens are not sessions and are not affected.
    """

    OPEN_PREFIXES = ("/otp/", "/logout/", "/static/", "/i18n/", "/healthz", "/readyz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.shortcuts import redirect

        from lianxin.core.roles import OTP_ROLES, has_role

        user = getattr(request, "user", None)
        if (
            settings.LIANXIN_REQUIRE_OTP
            and user is not None
            and user.is_authenticated
            and has_role(user, OTP_ROLES)
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            return redirect(f"/otp/?next={request.get_full_path()}")
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """Mark every answer to a signed-in user or an API token `Cache-Control: no-store, private`.

    Such pages and answers may carry whole personal numbers (after an audited reveal) or
    internal notes: no shared cache and no browser disk cache may keep them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if (signed_in or "HTTP_AUTHORIZATION" in request.META) and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
