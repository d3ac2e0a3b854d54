"""The club a sign-up is joining, for the new account's time zone (members/hooks.py).

A visitor who presses *Join* on a club's plan is sent to log in with ``next=/clubs/<slug>/join/<plan>/``; the
login page's sign-up link and the sign-up form carry that ``next`` on. Any page of this site whose URL names a
club (``core.request_club.CLUB_URL_KWARG``) names the club the person came for.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve

from clubs.models import Club
from core.redirects import is_site_path
from core.request_club import CLUB_URL_KWARG


def signup_club_time_zone(*, request: HttpRequest) -> str:
    """The time zone of the club named by the sign-up's ``next`` page, or "" (1 query when a club is named)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not is_site_path(target):
        return ""
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return ""
    slug = match.kwargs.get(CLUB_URL_KWARG)
    if not slug:
        return ""
    return Club.objects.filter(slug=slug).values_list("time_zone", flat=True).first() or ""
