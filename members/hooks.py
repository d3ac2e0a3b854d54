"""Slots members offers to the apps above it, filled in their ``AppConfig.ready()``.

A new account's time zone: the browser's when it sent a zone the picker offers, else the zone of the club
the person is joining, else the site's (``members/time_zones.py``, ``signup_time_zone``). Members knows no
club, so the apps that do (clubs: the club of the ``next`` page a sign-up returns to) register a finder here.
"""

from collections.abc import Callable

from django.http import HttpRequest

SignupClubTimeZone = Callable[..., str]

_signup_club_time_zones: list[SignupClubTimeZone] = []


def register_signup_club_time_zone(finder: SignupClubTimeZone) -> SignupClubTimeZone:
    """``finder(request=) -> str``: the time zone of the club this sign-up joins, or "" when it knows none."""
    if finder not in _signup_club_time_zones:
        _signup_club_time_zones.append(finder)
    return finder


def signup_club_time_zones(*, request: HttpRequest) -> list[str]:
    """What each registered finder answers for this sign-up, in registration order (empty answers left out)."""
    return [zone for finder in _signup_club_time_zones if (zone := finder(request=request))]
