"""Apply the visitor's time zone and language; the database stays in UTC.

Language, first match wins:
1. the signed-in member's saved preference (``User.preferred_language``);
2. a choice made with the layout's language switcher (Django's language cookie), for anonymous visitors;
3. the browser's Accept-Language, when it names a language we ship;
4. on a club's pages, the club's ``default_language``: ``request.club`` is resolved once before the view
   (core/request_club.py), and its resolver calls ``activate_club_language`` (no extra query);
5. ``settings.LANGUAGE_CODE`` (English).
"""

import zoneinfo
from contextvars import ContextVar

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation.trans_real import parse_accept_lang_header

from core.formatting import calendar_activate, calendar_deactivate

# True while a request runs whose visitor expressed no language: the club being shown may then choose.
_club_may_choose_language: ContextVar[bool] = ContextVar("club_may_choose_language", default=False)


def supported_language(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_from_browser(request) -> str | None:
    """The switcher's cookie, else the best Accept-Language match; None when neither names one of our languages.

    Unlike ``translation.get_language_from_request`` this does not fall back to English, so the club's
    default can step in for visitors whose browser says nothing useful.
    """
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and (language := supported_language(cookie)):
        return language
    for accepted, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if accepted == "*":
            break
        if language := supported_language(accepted):
            return language
    return None


def activate_club_language(club) -> None:
    """Speak the club's default language to a visitor who expressed none; outside such a request, do nothing."""
    if _club_may_choose_language.get() and (language := supported_language(club.default_language or "")):
        translation.activate(language)


class UserPreferencesMiddleware:
    """Runs after LocaleMiddleware (which still sets Content-Language and Vary) and after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            calendar_activate(user.calendar)
        else:
            timezone.deactivate()
            calendar_deactivate()
        language = (signed_in and supported_language(user.preferred_language or "")) or language_from_browser(request)
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        token = _club_may_choose_language.set(language is None)
        try:
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            # The thread serves other requests (and tests) next: none may inherit this visitor's language or zone.
            _club_may_choose_language.reset(token)
            translation.deactivate()
            timezone.deactivate()
            calendar_deactivate()
