"""Language: Chinese for everyone unless they chose another language with the switch.

Django's LocaleMiddleware follows the browser's Accept-Language, so a phone set to
English would open a Chinese station's pages in English. Here only the language
cookie written by the switch (django.views.i18n.set_language) changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class StationLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
